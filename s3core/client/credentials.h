// Where S3 credentials come from, in the order the AWS tools use.
//
// FromEnvironment: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
// FromProfile: the INI file ~/.aws/credentials (or AWS_SHARED_CREDENTIALS_FILE),
//   section named by the profile argument, else AWS_PROFILE, else "default".
// FromPasswdFile: s3fs's format, one "ACCESS:SECRET" or "BUCKET:ACCESS:SECRET"
//   per line; refused when group or others may read it, as s3fs does.
// LoadDefault tries environment, then profile.
// AwsConfigProfile: the settings of a profile in the AWS config file
//   (~/.aws/config or AWS_CONFIG_FILE; section "default" or "profile NAME")
//   that S3 clients honour: endpoint_url (an "s3 =" sub-section's
//   endpoint_url first), region, ca_bundle. Lines it does not understand are
//   ignored, as the AWS tools ignore other tools' keys.
// Pure functions over the file system and environment; thread-safe.
#pragma once

#include <string>

#include "s3core/sigv4.h"
#include "s3core/status.h"

namespace sos {

Result<Credentials> CredentialsFromEnvironment();
Result<Credentials> CredentialsFromProfile(const std::string& profile = "",
                                           const std::string& path = "");
Result<Credentials> CredentialsFromPasswdFile(const std::string& path,
                                              const std::string& bucket = "");
Result<Credentials> LoadDefaultCredentials(const std::string& profile = "");

struct AwsProfileConfig {
  std::string endpoint_url;  // empty where unset
  std::string region;
  std::string ca_bundle;
};
// NotFound when there is no config file or no such profile in it.
Result<AwsProfileConfig> AwsConfigProfile(const std::string& profile = "",
                                          const std::string& path = "");

}  // namespace sos
