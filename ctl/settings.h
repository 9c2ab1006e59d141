// Settings: endpoint, region, TLS trust and credentials of one sosctl run,
// resolved as the AWS tools resolve them, first match wins:
//
//   endpoint     --endpoint-url (or --endpoint) > SOS_ENDPOINT > AWS_ENDPOINT_URL_S3
//                > AWS_ENDPOINT_URL > endpoint_url of the profile in ~/.aws/config
//                > http://127.0.0.1:8000 (sosd's default)
//   region       --region > AWS_REGION > AWS_DEFAULT_REGION > region in ~/.aws/config
//                > us-east-1
//   CA bundle    --ca-bundle > AWS_CA_BUNDLE > ca_bundle in ~/.aws/config; --no-verify-ssl
//                turns verification off (self-signed test setups only)
//   credentials  --profile (that profile only) > AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
//                > AWS_PROFILE or "default" in AWS_SHARED_CREDENTIALS_FILE
//                (~/.aws/credentials). Secrets are never taken as flags.
// The profile of ~/.aws/config (AWS_CONFIG_FILE) is --profile, else AWS_PROFILE,
// else "default". A path through a saved alias (aliases.h) uses the alias's
// URL and profile instead of the endpoint and profile above.
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
  std::string ca_bundle;
  bool no_verify_ssl = false;
  bool json = false;
  bool no_progress = false;
};

// getenv-like: nullptr when unset.
using EnvLookup = std::function<const char*(const char*)>;

struct Settings {
  std::string endpoint;  // scheme://host[:port], no trailing '/'
  std::string region;
  std::string ca_bundle;
  bool verify_tls = true;
};

// Usage error for an endpoint that is not http(s)://host[:port].
Result<Settings> ResolveSettings(const GlobalFlags& flags, const EnvLookup& env);

// Credentials as documented above; a usage error says where they were looked for.
Result<Credentials> ResolveCredentials(const GlobalFlags& flags);

}  // namespace sos::ctl
