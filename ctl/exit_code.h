// sosctl's exit codes, the contract with scripts, and the one mapping from a
// Status to an exit code. Pure functions; thread-safe.
//
//   0 ok
//   1 the operation failed (the S3 error code and message are printed)
//   2 usage error (bad flags, paths, durations)
//   3 not found (NoSuchBucket, NoSuchKey, NoSuchOrganisation, ...)
//   4 access denied (AccessDenied, bad or unknown credentials)
#pragma once

#include <string>

#include "s3core/status.h"

namespace sos::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotFound = 3;
inline constexpr int kExitDenied = 4;

// A usage error: exit code 2, no request was sent.
Status UsageError(std::string message);

int ExitCodeFor(const Status& status);

// The text of --help's "EXIT CODES" section.
std::string ExitCodeHelp();

}  // namespace sos::ctl
