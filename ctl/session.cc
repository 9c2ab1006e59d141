#include "ctl/session.h"

#include <cstdlib>

#include "ctl/exit_code.h"
#include "ctl/progress_bar.h"

namespace sos::ctl {

namespace {

const char* GetEnv(const char* name) { return std::getenv(name); }

}  // namespace

const AliasMap& Session::aliases() {
  if (!aliases_) {
    auto loaded = LoadAliases(AliasFilePath(GetEnv));
    if (loaded.ok()) {
      aliases_ = std::move(*loaded);
    } else {
      alias_error_ = loaded.status();
      aliases_.emplace();
    }
  }
  return *aliases_;
}

Result<std::optional<S3Path>> Session::ParseRemote(const std::string& text) {
  if (text.starts_with("s3://")) {
    SOS_ASSIGN_OR_RETURN(S3Path path, ParseS3Path(text));
    return std::optional<S3Path>(std::move(path));
  }
  size_t slash = text.find('/');
  if (slash == std::string::npos || slash == 0) return std::optional<S3Path>();
  const AliasMap& known = aliases();
  SOS_RETURN_IF_ERROR(alias_error_);
  if (!known.contains(text.substr(0, slash))) return std::optional<S3Path>();
  SOS_ASSIGN_OR_RETURN(S3Path path, ParseS3Path(text.substr(slash + 1)));
  path.alias = text.substr(0, slash);
  return std::optional<S3Path>(std::move(path));
}

Result<S3Path> Session::ParsePath(const std::string& text) {
  SOS_ASSIGN_OR_RETURN(std::optional<S3Path> remote, ParseRemote(text));
  if (remote) return std::move(*remote);
  return ParseS3Path(text);
}

Result<GlobalFlags> Session::FlagsFor(const std::string& alias) {
  GlobalFlags flags = flags_;
  if (alias.empty()) return flags;
  const AliasMap& known = aliases();
  SOS_RETURN_IF_ERROR(alias_error_);
  auto it = known.find(alias);
  if (it == known.end()) return UsageError("no alias '" + alias + "' (see sosctl alias ls)");
  flags.endpoint = it->second.url;
  if (!it->second.profile.empty()) flags.profile = it->second.profile;
  return flags;
}

Result<Settings> Session::GetSettings(const std::string& alias) {
  SOS_ASSIGN_OR_RETURN(GlobalFlags flags, FlagsFor(alias));
  return ResolveSettings(flags, GetEnv);
}

Result<Credentials> Session::GetCredentials(const std::string& alias) {
  SOS_ASSIGN_OR_RETURN(GlobalFlags flags, FlagsFor(alias));
  return ResolveCredentials(flags);
}

Result<S3ClientOptions> Session::ClientOptions(const std::string& alias) {
  SOS_ASSIGN_OR_RETURN(Settings settings, GetSettings(alias));
  SOS_ASSIGN_OR_RETURN(Credentials credentials, GetCredentials(alias));
  S3ClientOptions options;
  options.endpoint = settings.endpoint;
  options.region = settings.region;
  options.ca_file = settings.ca_bundle;
  options.verify_tls = settings.verify_tls;
  options.credentials = std::move(credentials);
  options.path_style = true;
  options.max_retries = 3;  // a person is waiting: fail within seconds, not minutes
  options.user_agent = "sosctl/" SOS_VERSION;
  return options;
}

Result<ObjectStore*> Session::Store(const S3Path& path) {
  auto& store = stores_[path.alias];
  if (!store) {
    SOS_ASSIGN_OR_RETURN(S3ClientOptions options, ClientOptions(path.alias));
    store = std::make_unique<CurlObjectStore>(std::move(options));
  }
  return store.get();
}

Result<S3HttpClient*> Session::Http(const S3Path& path) {
  auto& client = http_[path.alias];
  if (!client) {
    SOS_ASSIGN_OR_RETURN(S3ClientOptions options, ClientOptions(path.alias));
    client = std::make_unique<S3HttpClient>(std::move(options));
  }
  return client.get();
}

Result<AdminClient*> Session::Admin(const std::string& alias) {
  std::unique_ptr<AdminClient>& admin = admins_[alias];
  if (!admin) {
    SOS_ASSIGN_OR_RETURN(S3ClientOptions options, ClientOptions(alias));
    admin = std::make_unique<AdminClient>(std::move(options));
  }
  return admin.get();
}

bool Session::ShowProgress() const {
  return !flags_.no_progress && !flags_.json && StderrIsTerminal();
}

}  // namespace sos::ctl
