// Session: everything one sosctl run shares between its commands: the global
// flags, the resolved endpoint and region, the Output, and (created on first
// use, so commands that need none never ask for credentials) the S3 store and
// the admin client. Not thread-safe: one run, one thread.
#pragma once

#include <memory>

#include "ctl/admin_client.h"
#include "ctl/output.h"
#include "ctl/settings.h"
#include "s3core/client/curl_object_store.h"

namespace sos::ctl {

class Session {
 public:
  Session(GlobalFlags flags, Output& output) : flags_(std::move(flags)), output_(output) {}

  Output& out() { return output_; }
  const GlobalFlags& flags() const { return flags_; }
  // Resolved from flags and the process environment.
  Result<Settings> GetSettings();
  Result<Credentials> GetCredentials();
  Result<ObjectStore*> Store();
  Result<AdminClient*> Admin();
  // A progress bar is drawn only on a terminal, without --json or --no-progress.
  bool ShowProgress() const;

 private:
  Result<S3ClientOptions> ClientOptions();

  GlobalFlags flags_;
  Output& output_;
  std::unique_ptr<CurlObjectStore> store_;
  std::unique_ptr<AdminClient> admin_;
};

}  // namespace sos::ctl
