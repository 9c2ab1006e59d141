#include "ctl/settings.h"

#include <initializer_list>

#include "ctl/exit_code.h"
#include "s3core/client/credentials.h"

namespace sos::ctl {
namespace {

std::string FirstSet(const EnvLookup& env, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const char* value = env(name);
    if (value && *value) return value;
  }
  return "";
}

}  // namespace

Result<Settings> ResolveSettings(const GlobalFlags& flags, const EnvLookup& env) {
  Settings s;
  s.endpoint = !flags.endpoint.empty() ? flags.endpoint : FirstSet(env, {"SOS_ENDPOINT"});
  if (s.endpoint.empty()) s.endpoint = kDefaultEndpoint;
  while (s.endpoint.ends_with('/')) s.endpoint.pop_back();
  std::string_view rest = s.endpoint;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else {
    return UsageError("endpoint '" + s.endpoint + "' must start with http:// or https://");
  }
  if (rest.empty() || rest.find('/') != std::string_view::npos) {
    return UsageError("endpoint '" + s.endpoint + "' must be scheme://host[:port]");
  }
  s.region =
      !flags.region.empty() ? flags.region : FirstSet(env, {"AWS_REGION", "AWS_DEFAULT_REGION"});
  if (s.region.empty()) s.region = kDefaultRegion;
  return s;
}

Result<Credentials> ResolveCredentials(const GlobalFlags& flags) {
  if (!flags.profile.empty()) {
    auto creds = CredentialsFromProfile(flags.profile);
    if (!creds.ok()) return UsageError("no credentials: " + creds.status().message());
    return creds;
  }
  auto creds = LoadDefaultCredentials();
  if (!creds.ok()) {
    return UsageError(
        "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE / "
        "--profile with AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials (" +
        creds.status().message() + ")");
  }
  return creds;
}

}  // namespace sos::ctl
