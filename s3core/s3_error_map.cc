#include "s3core/s3_error_map.h"

#include <string_view>
#include <unordered_map>

namespace sos {
namespace {

const std::unordered_map<std::string_view, StatusCode>& CodeTable() {
  static const auto* table = new std::unordered_map<std::string_view, StatusCode>{
      {"NoSuchKey", StatusCode::kNotFound},
      {"NoSuchBucket", StatusCode::kNotFound},
      {"NoSuchUpload", StatusCode::kNotFound},
      {"NoSuchCORSConfiguration", StatusCode::kNotFound},
      {"BucketAlreadyExists", StatusCode::kAlreadyExists},
      {"BucketAlreadyOwnedByYou", StatusCode::kAlreadyExists},
      {"AccessDenied", StatusCode::kPermissionDenied},
      {"AllAccessDisabled", StatusCode::kPermissionDenied},
      {"SignatureDoesNotMatch", StatusCode::kUnauthenticated},
      {"InvalidAccessKeyId", StatusCode::kUnauthenticated},
      {"RequestTimeTooSkewed", StatusCode::kUnauthenticated},
      {"ExpiredToken", StatusCode::kUnauthenticated},
      {"InvalidToken", StatusCode::kUnauthenticated},
      {"PreconditionFailed", StatusCode::kPreconditionFailed},
      {"ConditionalRequestConflict", StatusCode::kPreconditionFailed},
      {"InvalidRange", StatusCode::kRangeNotSatisfiable},
      {"BucketNotEmpty", StatusCode::kNotEmpty},
      {"EntityTooLarge", StatusCode::kTooLarge},
      {"NotImplemented", StatusCode::kNotSupported},
      {"BadDigest", StatusCode::kCorruption},
      {"XAmzContentSHA256Mismatch", StatusCode::kCorruption},
      {"SlowDown", StatusCode::kUnavailable},
      {"ServiceUnavailable", StatusCode::kUnavailable},
      {"InternalError", StatusCode::kUnavailable},
      {"RequestTimeout", StatusCode::kUnavailable},
      {"OperationAborted", StatusCode::kUnavailable},
  };
  return *table;
}

StatusCode CodeFromHttp(long http) {
  switch (http) {
    case 304:
      return StatusCode::kNotModified;
    case 400:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 405:
      return StatusCode::kNotSupported;
    case 409:
      return StatusCode::kAlreadyExists;
    case 411:
      return StatusCode::kInvalidArgument;
    case 412:
      return StatusCode::kPreconditionFailed;
    case 413:
      return StatusCode::kTooLarge;
    case 416:
      return StatusCode::kRangeNotSatisfiable;
    case 501:
      return StatusCode::kNotSupported;
    default:
      break;
  }
  if (http == 429 || http >= 500) return StatusCode::kUnavailable;
  return StatusCode::kInternal;
}

}  // namespace

Status StatusFromS3Error(long http_status, const std::string& s3_code, const std::string& message) {
  StatusCode code = CodeFromHttp(http_status);
  if (auto it = CodeTable().find(s3_code); it != CodeTable().end()) {
    code = it->second;
  } else if (!s3_code.empty() && http_status >= 400 && http_status < 500 &&
             code == StatusCode::kInternal) {
    code = StatusCode::kInvalidArgument;
  }
  bool retryable = code == StatusCode::kUnavailable;
  std::string text = message.empty() ? "HTTP " + std::to_string(http_status) : message;
  return Status(code, text, s3_code, retryable);
}

}  // namespace sos
