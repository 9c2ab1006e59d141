// Saved endpoints, as `mc alias` keeps them: NAME -> URL (+ the credentials
// profile to use with it), so that NAME/BUCKET/KEY works as a path.
//
// Stored as JSON in $XDG_CONFIG_HOME/sos/aliases.json (else
// ~/.config/sos/aliases.json), the directory 0700 and the file 0600, written
// to a temporary file and renamed so a crash never leaves half a file. The
// file holds no secret (credentials stay in ~/.aws/credentials profiles), but
// it tells where a user's data lives, so it is private all the same.
// Alias names are letters, digits, '-' and '_', at most 63 bytes, and "s3" is
// reserved (s3://...). Thread-compatible.
#pragma once

#include <map>
#include <string>

#include "ctl/settings.h"
#include "s3core/status.h"

namespace sos::ctl {

struct Alias {
  std::string url;      // scheme://host[:port]
  std::string profile;  // may be empty: the usual credential chain
  friend bool operator==(const Alias&, const Alias&) = default;
};

using AliasMap = std::map<std::string, Alias>;

// The file's path from the environment; "" if neither variable is set.
std::string AliasFilePath(const EnvLookup& env);
// An absent file is an empty map; a malformed one is an error naming it.
Result<AliasMap> LoadAliases(const std::string& path);
Status SaveAliases(const std::string& path, const AliasMap& aliases);
// Usage error for a name that cannot be an alias.
Status CheckAliasName(const std::string& name);

}  // namespace sos::ctl
