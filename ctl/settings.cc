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
  // ~/.aws/config is optional: a missing file or profile is simply no setting.
  std::string config_path = FirstSet(env, {"AWS_CONFIG_FILE"});
  if (config_path.empty()) {
    std::string home = FirstSet(env, {"HOME"});
    if (!home.empty()) config_path = home + "/.aws/config";
  }
  std::string profile = !flags.profile.empty() ? flags.profile : FirstSet(env, {"AWS_PROFILE"});
  AwsProfileConfig config;
  if (!config_path.empty()) {
    auto found = AwsConfigProfile(profile.empty() ? "default" : profile, config_path);
    if (found.ok()) {
      config = std::move(*found);
    } else if (found.status().code() != StatusCode::kNotFound) {
      return UsageError(found.status().message());
    }
  }
  auto pick = [](std::initializer_list<std::string> candidates) {
    for (const std::string& c : candidates) {
      if (!c.empty()) return c;
    }
    return std::string();
  };

  Settings s;
  s.endpoint = pick({flags.endpoint,
                     FirstSet(env, {"SOS_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}),
                     config.endpoint_url, kDefaultEndpoint});
  while (s.endpoint.ends_with('/')) s.endpoint.pop_back();
  std::string_view rest = s.endpoint;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else {
    return UsageError("endpoint '" + s.endpoint + "' must start with http:// or https://");
  }
  // No path, query or user:password@ (a secret would end up in aliases and logs).
  if (rest.empty() || rest.find_first_of("/?#@") != std::string_view::npos) {
    return UsageError("endpoint '" + s.endpoint + "' must be scheme://host[:port]");
  }
  s.region = pick({flags.region, FirstSet(env, {"AWS_REGION", "AWS_DEFAULT_REGION"}), config.region,
                   kDefaultRegion});
  s.ca_bundle = pick({flags.ca_bundle, FirstSet(env, {"AWS_CA_BUNDLE"}), config.ca_bundle});
  s.verify_tls = !flags.no_verify_ssl;
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
