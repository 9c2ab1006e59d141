// Settings: endpoint, region and credentials of one sosctl run, resolved from
// flags, then the environment, then defaults.
//
//   endpoint     --endpoint > SOS_ENDPOINT > http://127.0.0.1:8000 (sosd's default)
//   region       --region > AWS_REGION > AWS_DEFAULT_REGION > us-east-1
//   credentials  --profile (that profile only) > AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
//                > AWS_PROFILE or "default" in AWS_SHARED_CREDENTIALS_FILE
//                (~/.aws/credentials). Secrets are never taken as flags.
//
// Pure functions over the given environment lookup; thread-safe.
#pragma once

#include <functional>
#include <string>

#include "s3core/sigv4.h"
#include "s3core/status.h"

namespace sos::ctl {

inline constexpr const char* kDefaultEndpoint = "http://127.0.0.1:8000";
inline constexpr const char* kDefaultRegion = "us-east-1";

struct GlobalFlags {
  std::string endpoint;
  std::string region;
  std::string profile;
  bool json = false;
  bool no_progress = false;
};

// getenv-like: nullptr when unset.
using EnvLookup = std::function<const char*(const char*)>;

struct Settings {
  std::string endpoint;  // scheme://host[:port], no trailing '/'
  std::string region;
};

// Usage error for an endpoint that is not http(s)://host[:port].
Result<Settings> ResolveSettings(const GlobalFlags& flags, const EnvLookup& env);

// Credentials as documented above; a usage error says where they were looked for.
Result<Credentials> ResolveCredentials(const GlobalFlags& flags);

}  // namespace sos::ctl
