#include "s3core/status.h"

#include <cerrno>
#include <cstring>

namespace sos {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kNotFound:
      return "NotFound";
    case StatusCode::kAlreadyExists:
      return "AlreadyExists";
    case StatusCode::kPermissionDenied:
      return "PermissionDenied";
    case StatusCode::kUnauthenticated:
      return "Unauthenticated";
    case StatusCode::kPreconditionFailed:
      return "PreconditionFailed";
    case StatusCode::kNotModified:
      return "NotModified";
    case StatusCode::kInvalidArgument:
      return "InvalidArgument";
    case StatusCode::kRangeNotSatisfiable:
      return "RangeNotSatisfiable";
    case StatusCode::kNotEmpty:
      return "NotEmpty";
    case StatusCode::kNotSupported:
      return "NotSupported";
    case StatusCode::kUnavailable:
      return "Unavailable";
    case StatusCode::kTimeout:
      return "Timeout";
    case StatusCode::kIOError:
      return "IOError";
    case StatusCode::kCorruption:
      return "Corruption";
    case StatusCode::kNoSpace:
      return "NoSpace";
    case StatusCode::kTooLarge:
      return "TooLarge";
    case StatusCode::kCancelled:
      return "Cancelled";
    case StatusCode::kInternal:
      return "Internal";
    case StatusCode::kNotADirectory:
      return "NotADirectory";
    case StatusCode::kIsADirectory:
      return "IsADirectory";
    case StatusCode::kNameTooLong:
      return "NameTooLong";
    case StatusCode::kNoAttribute:
      return "NoAttribute";
    case StatusCode::kReadOnly:
      return "ReadOnly";
    case StatusCode::kNotPermitted:
      return "NotPermitted";
    case StatusCode::kOutOfRange:
      return "OutOfRange";
    case StatusCode::kStale:
      return "Stale";
    case StatusCode::kUsage:
      return "UsageError";  // the code sosctl --json has always printed
  }
  return "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code_));
  if (!s3_code_.empty()) out += ": " + s3_code_;
  if (!message_.empty()) out += ": " + message_;
  return out;
}

Status StatusFromErrno(int err, std::string_view what) {
  std::string message = std::string(what) + ": " + std::strerror(err);
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return Status::NoSpace(std::move(message));
    case ENOENT:
      return Status::NotFound(std::move(message));
    default:
      return Status::IOError(std::move(message));
  }
}

}  // namespace sos
