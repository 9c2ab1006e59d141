// The root organisation of a sosd store and its access key.
//
// The root account (display name "root") is created on the first start. Its
// key comes from SOS_ROOT_ACCESS_KEY / SOS_ROOT_SECRET_KEY when both are set
// (added, or its secret updated, on every start); otherwise, when the root
// account has no key yet, one is generated from OpenSSL's RAND_bytes and
// written to DATA/root-credentials (mode 0600, in AWS credentials-file format,
// so AWS_SHARED_CREDENTIALS_FILE can point at it). The secret is never
// printed: what sosd prints (its output may end in a log or the journal) is the
// access key id and where the file is. Not thread-safe; used once at start-up.
#pragma once

#include <string>

#include "daemon/sosd_config.h"
#include "daemon/storage/storage_engine.h"

namespace sos {

inline constexpr const char* kRootCredentialsFile = "root-credentials";

// Returns the text to print on stdout ("" unless a key was just generated):
// the new access key id and the credentials file's path, never the secret.
Result<std::string> EnsureRootAccount(StorageEngine& engine, const std::string& data_dir,
                                      const EnvLookup& env);

// The canonical ID of the root organisation (NotFound before EnsureRootAccount).
Result<std::string> RootAccountId(StorageEngine& engine);

}  // namespace sos
