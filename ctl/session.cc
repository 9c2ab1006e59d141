#include "ctl/session.h"

#include <cstdlib>

#include "ctl/progress_bar.h"

namespace sos::ctl {

Result<Settings> Session::GetSettings() {
  return ResolveSettings(flags_, [](const char* name) { return std::getenv(name); });
}

Result<Credentials> Session::GetCredentials() { return ResolveCredentials(flags_); }

Result<S3ClientOptions> Session::ClientOptions() {
  SOS_ASSIGN_OR_RETURN(Settings settings, GetSettings());
  SOS_ASSIGN_OR_RETURN(Credentials credentials, GetCredentials());
  S3ClientOptions options;
  options.endpoint = settings.endpoint;
  options.region = settings.region;
  options.credentials = std::move(credentials);
  options.path_style = true;
  options.max_retries = 3;  // a person is waiting: fail within seconds, not minutes
  options.user_agent = "sosctl/0.1";
  return options;
}

Result<ObjectStore*> Session::Store() {
  if (!store_) {
    SOS_ASSIGN_OR_RETURN(S3ClientOptions options, ClientOptions());
    store_ = std::make_unique<CurlObjectStore>(std::move(options));
  }
  return store_.get();
}

Result<AdminClient*> Session::Admin() {
  if (!admin_) {
    SOS_ASSIGN_OR_RETURN(S3ClientOptions options, ClientOptions());
    admin_ = std::make_unique<AdminClient>(std::move(options));
  }
  return admin_.get();
}

bool Session::ShowProgress() const {
  return !flags_.no_progress && !flags_.json && StderrIsTerminal();
}

}  // namespace sos::ctl
