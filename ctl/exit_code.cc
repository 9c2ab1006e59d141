#include "ctl/exit_code.h"

namespace sos::ctl {

Status UsageError(std::string message) { return Status(StatusCode::kUsage, std::move(message)); }

int ExitCodeFor(const Status& status) {
  if (status.ok()) return kExitOk;
  switch (status.code()) {
    case StatusCode::kUsage:
      return kExitUsage;
    case StatusCode::kNotFound:
      return kExitNotFound;
    case StatusCode::kPermissionDenied:
    case StatusCode::kUnauthenticated:
      return kExitDenied;
    default:
      return kExitFailed;
  }
}

std::string ExitCodeHelp() {
  return "EXIT CODES:\n"
         "  0  ok\n"
         "  1  the operation failed (the S3 error code and message are printed)\n"
         "  2  usage error\n"
         "  3  not found (NoSuchBucket, NoSuchKey, NoSuchOrganisation, NoSuchAlias)\n"
         "  4  access denied (AccessDenied, unknown key, bad signature)\n";
}

}  // namespace sos::ctl
