// Session: everything one sosctl run shares between its commands: the global
// flags, the resolved endpoint and region, the Output, and (created on first
// use, so commands that need none never ask for credentials) the S3 store and
// the admin client. Not thread-safe: one run, one thread.
#pragma once

#include <map>
#include <memory>
#include <optional>

#include "ctl/admin_client.h"
#include "ctl/aliases.h"
#include "ctl/output.h"
#include "ctl/s3_path.h"
#include "ctl/settings.h"
#include "s3core/client/curl_object_store.h"

namespace sos::ctl {

class Session {
 public:
  Session(GlobalFlags flags, Output& output) : flags_(std::move(flags)), output_(output) {}

  Output& out() { return output_; }
  const GlobalFlags& flags() const { return flags_; }

  // BUCKET[/KEY], s3://BUCKET[/KEY], or ALIAS/BUCKET[/KEY] through a saved alias.
  Result<S3Path> ParsePath(const std::string& text);
  // The same, or nullopt when `text` is a local path (cp, sync): only s3://...
  // and ALIAS/... name objects there.
  Result<std::optional<S3Path>> ParseRemote(const std::string& text);
  const AliasMap& aliases();

  // Resolved from flags, the process environment and the path's alias.
  Result<Settings> GetSettings(const std::string& alias = "");
  Result<Credentials> GetCredentials(const std::string& alias = "");
  // The store of a path's endpoint (one per alias, made on first use).
  Result<ObjectStore*> Store(const S3Path& path = {});
  // Plain signed requests to that endpoint, for what the ObjectStore seam
  // does not carry (bucket CORS).
  Result<S3HttpClient*> Http(const S3Path& path);
  // sosd's admin API at the run's endpoint, or at an alias's.
  Result<AdminClient*> Admin(const std::string& alias = "");
  // A progress bar is drawn only on a terminal, without --json or --no-progress.
  bool ShowProgress() const;

 private:
  Result<S3ClientOptions> ClientOptions(const std::string& alias);
  Result<GlobalFlags> FlagsFor(const std::string& alias);

  GlobalFlags flags_;
  Output& output_;
  std::optional<AliasMap> aliases_;
  Status alias_error_;
  std::map<std::string, std::unique_ptr<CurlObjectStore>> stores_;  // by alias
  std::map<std::string, std::unique_ptr<S3HttpClient>> http_;       // by alias
  std::map<std::string, std::unique_ptr<AdminClient>> admins_;  // by alias
};

}  // namespace sos::ctl
