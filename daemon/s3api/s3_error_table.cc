#include "daemon/s3api/s3_error_table.h"

#include <unordered_map>

#include "s3core/xml_codec.h"

namespace sos {
namespace {

// S3's documented codes (docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html)
// that sosd can produce or that a Status from s3core may carry.
const std::unordered_map<std::string_view, int>& Table() {
  static const auto* table = new std::unordered_map<std::string_view, int>{
      // 3xx
      {"NotModified", 304},
      // 400
      {"AuthorizationHeaderMalformed", 400},
      {"AuthorizationQueryParametersError", 400},
      {"BadDigest", 400},
      {"BadRequest", 400},
      {"EntityTooSmall", 400},
      {"EntityTooLarge", 400},
      {"ExpiredToken", 400},
      {"IllegalLocationConstraintException", 400},
      {"IncompleteBody", 400},
      {"InvalidArgument", 400},
      {"InvalidBucketName", 400},
      {"InvalidDigest", 400},
      {"InvalidEncryptionAlgorithmError", 400},
      {"InvalidLocationConstraint", 400},
      {"InvalidPart", 400},
      {"InvalidPartOrder", 400},
      {"InvalidRequest", 400},
      {"InvalidStorageClass", 400},
      {"InvalidTag", 400},
      {"InvalidToken", 400},
      {"InvalidURI", 400},
      {"KeyTooLongError", 400},
      {"MalformedACLError", 400},
      {"MalformedPOSTRequest", 400},
      {"MalformedXML", 400},
      {"MaxMessageLengthExceeded", 400},
      {"MetadataTooLarge", 400},
      {"MissingRequestBodyError", 400},
      {"MissingSecurityHeader", 400},
      {"RequestTimeout", 400},
      {"TooManyBuckets", 400},
      {"UnexpectedContent", 400},
      {"UnresolvableGrantByEmailAddress", 400},
      {"XAmzContentSHA256Mismatch", 400},
      // 403
      {"AccessDenied", 403},
      {"AllAccessDisabled", 403},
      {"CORSResponse", 403},
      {"InvalidAccessKeyId", 403},
      {"InvalidObjectState", 403},
      {"RequestTimeTooSkewed", 403},
      {"SignatureDoesNotMatch", 403},
      // 404
      {"NoSuchBucket", 404},
      {"NoSuchBucketPolicy", 404},
      {"NoSuchCORSConfiguration", 404},
      {"NoSuchKey", 404},
      {"NoSuchObjectLockConfiguration", 404},
      {"NoSuchLifecycleConfiguration", 404},
      {"NoSuchTagSet", 404},
      {"NoSuchUpload", 404},
      {"NoSuchVersion", 404},
      {"NoSuchWebsiteConfiguration", 404},
      {"NoSuchPublicAccessBlockConfiguration", 404},
      {"ObjectLockConfigurationNotFoundError", 404},
      {"OwnershipControlsNotFoundError", 404},
      {"ReplicationConfigurationNotFoundError", 404},
      {"ServerSideEncryptionConfigurationNotFoundError", 404},
      // 405, 409, 411, 412, 416
      {"MethodNotAllowed", 405},
      {"BucketAlreadyExists", 409},
      {"BucketAlreadyOwnedByYou", 409},
      {"BucketNotEmpty", 409},
      {"ConditionalRequestConflict", 409},
      {"InvalidBucketState", 409},
      {"OperationAborted", 409},
      {"MissingContentLength", 411},
      {"PreconditionFailed", 412},
      {"InvalidRange", 416},
      // 5xx
      {"InternalError", 500},
      {"NotImplemented", 501},
      {"ServiceUnavailable", 503},
      {"SlowDown", 503},
      {"InsufficientStorage", 507},
  };
  return *table;
}

S3Error Fallback(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return {500, "InternalError"};  // a caller bug: OK is not an error
    case StatusCode::kNotFound:
      return {404, "NoSuchKey"};
    case StatusCode::kAlreadyExists:
      return {409, "BucketAlreadyExists"};
    case StatusCode::kPermissionDenied:
      return {403, "AccessDenied"};
    case StatusCode::kUnauthenticated:
      return {403, "SignatureDoesNotMatch"};
    case StatusCode::kPreconditionFailed:
      return {412, "PreconditionFailed"};
    case StatusCode::kNotModified:
      return {304, "NotModified"};
    case StatusCode::kInvalidArgument:
      return {400, "InvalidArgument"};
    case StatusCode::kRangeNotSatisfiable:
      return {416, "InvalidRange"};
    case StatusCode::kNotEmpty:
      return {409, "BucketNotEmpty"};
    case StatusCode::kNotSupported:
      return {501, "NotImplemented"};
    case StatusCode::kUnavailable:
      return {503, "SlowDown"};
    case StatusCode::kTimeout:
      return {400, "RequestTimeout"};
    case StatusCode::kTooLarge:
      return {400, "EntityTooLarge"};
    case StatusCode::kNoSpace:
      return {507, "InsufficientStorage"};
    case StatusCode::kCancelled:
      return {400, "IncompleteBody"};
    case StatusCode::kIOError:
    case StatusCode::kCorruption:
    case StatusCode::kInternal:
    // The file-system and usage codes are not sosd's: reaching here is a bug.
    case StatusCode::kNotADirectory:
    case StatusCode::kIsADirectory:
    case StatusCode::kNameTooLong:
    case StatusCode::kNoAttribute:
    case StatusCode::kReadOnly:
    case StatusCode::kNotPermitted:
    case StatusCode::kOutOfRange:
    case StatusCode::kStale:
    case StatusCode::kUsage:
      return {500, "InternalError"};
  }
  return {500, "InternalError"};
}

}  // namespace

int HttpStatusForS3Code(std::string_view s3_code) {
  auto it = Table().find(s3_code);
  return it == Table().end() ? 0 : it->second;
}

S3Error S3ErrorFor(const Status& status) {
  if (int http = HttpStatusForS3Code(status.s3_code()); http != 0) {
    return {http, status.s3_code()};
  }
  return Fallback(status.code());
}

std::string S3ErrorMessage(const S3Error& error, const Status& status) {
  // A Status without a known S3 code was not written for a client; the
  // fallback turns the storage's kinds (I/O, corruption, no space, internal)
  // into 5xx, and a storage ENOENT into 404.
  const bool server_side =
      (error.http_status >= 500 && error.http_status != 501) ||
      (status.code() == StatusCode::kNotFound && HttpStatusForS3Code(status.s3_code()) == 0);
  if (!server_side) return status.message();
  static const auto* generic = new std::unordered_map<std::string_view, std::string_view>{
      {"InsufficientStorage", "There is not enough storage left to complete the request."},
      {"SlowDown", "Please reduce your request rate."},
      {"ServiceUnavailable", "The service is unable to handle the request now; retry later."},
      {"NoSuchKey", "The specified key does not exist."},
  };
  auto it = generic->find(error.code);
  return std::string(it != generic->end() ? it->second
                                          : "We encountered an internal error. Please try again.");
}

S3Error S3ErrorForHttpRejection(int http_status) {
  switch (http_status) {
    case 431:
      return {400, "RequestHeaderSectionTooLarge"};
    case 505:
      return {505, "HttpVersionNotSupported"};
    case 503:  // a connection over its client's cap: S3 clients back off on SlowDown
      return {503, "SlowDown"};
    default:
      return {400, "BadRequest"};
  }
}

std::string S3ErrorXml(const S3Error& error, std::string_view message, std::string_view resource,
                       std::string_view request_id, std::string_view bucket, std::string_view key) {
  ErrorResponse doc;
  doc.code = error.code;
  doc.message = std::string(message);
  doc.resource = std::string(resource);
  doc.request_id = std::string(request_id);
  doc.bucket_name = std::string(bucket);
  doc.key = std::string(key);
  return EncodeError(doc);
}

}  // namespace sos
