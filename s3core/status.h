// Status and Result<T>: the error values every sos library returns.
//
// A Status is a typed code, a human message and, where known, the precise S3
// error code ("NoSuchBucket", "SlowDown", ...). Retryable() says whether the
// same request may succeed if sent again (5xx, throttling, resets, timeouts).
// No exceptions cross a library boundary: functions return Status or Result<T>.
// Both are plain values; thread-compatible.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sos {

enum class StatusCode {
  kOk = 0,
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kUnauthenticated,     // missing or invalid credentials / signature
  kPreconditionFailed,  // If-Match / If-None-Match / If-*-Since failed (412)
  kNotModified,         // conditional GET answered 304
  kInvalidArgument,
  kRangeNotSatisfiable,  // 416
  kNotEmpty,             // bucket or directory not empty
  kNotSupported,
  kUnavailable,  // server down, 5xx, throttled: retryable
  kTimeout,
  kIOError,
  kCorruption,  // checksum mismatch, unparsable stored data
  kNoSpace,
  kTooLarge,
  kCancelled,
  kInternal,
  // Finer POSIX errors of sosfs's Filesystem (fuse/core/fs_errors.h); the
  // adapter's one Status->errno table gives each its errno.
  kNotADirectory,  // ENOTDIR
  kIsADirectory,   // EISDIR
  kNameTooLong,    // ENAMETOOLONG
  kNoAttribute,    // ENODATA: no such extended attribute
  kReadOnly,       // EROFS
  kNotPermitted,   // EPERM
  kOutOfRange,     // ERANGE: a value does not fit the caller's buffer
  kStale,          // ESTALE: an inode the kernel holds is gone
  kUsage,          // a command line or option that cannot mean anything (sosctl: exit 2)
};

std::string_view StatusCodeName(StatusCode code);

class Status;
// The one errno -> Status translation, for every library that calls the OS:
// ENOSPC/EDQUOT -> kNoSpace, ENOENT -> kNotFound, anything else -> kIOError;
// the message is "what: strerror(err)".
Status StatusFromErrno(int err, std::string_view what);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message, std::string s3_code = {}, bool retryable = false)
      : code_(code),
        message_(std::move(message)),
        s3_code_(std::move(s3_code)),
        retryable_(retryable) {}

  static Status Ok() { return Status(); }
  static Status NotFound(std::string msg, std::string s3 = {}) {
    return {StatusCode::kNotFound, std::move(msg), std::move(s3)};
  }
  static Status AlreadyExists(std::string msg, std::string s3 = {}) {
    return {StatusCode::kAlreadyExists, std::move(msg), std::move(s3)};
  }
  static Status PermissionDenied(std::string msg, std::string s3 = "AccessDenied") {
    return {StatusCode::kPermissionDenied, std::move(msg), std::move(s3)};
  }
  static Status Unauthenticated(std::string msg, std::string s3 = "SignatureDoesNotMatch") {
    return {StatusCode::kUnauthenticated, std::move(msg), std::move(s3)};
  }
  static Status PreconditionFailed(std::string msg) {
    return {StatusCode::kPreconditionFailed, std::move(msg), "PreconditionFailed"};
  }
  static Status NotModified() { return {StatusCode::kNotModified, "not modified", "NotModified"}; }
  static Status InvalidArgument(std::string msg, std::string s3 = "InvalidArgument") {
    return {StatusCode::kInvalidArgument, std::move(msg), std::move(s3)};
  }
  static Status RangeNotSatisfiable(std::string msg) {
    return {StatusCode::kRangeNotSatisfiable, std::move(msg), "InvalidRange"};
  }
  static Status NotEmpty(std::string msg, std::string s3 = {}) {
    return {StatusCode::kNotEmpty, std::move(msg), std::move(s3)};
  }
  static Status NotSupported(std::string msg, std::string s3 = "NotImplemented") {
    return {StatusCode::kNotSupported, std::move(msg), std::move(s3)};
  }
  static Status Unavailable(std::string msg, std::string s3 = {}) {
    return {StatusCode::kUnavailable, std::move(msg), std::move(s3), /*retryable=*/true};
  }
  static Status Timeout(std::string msg) {
    return {StatusCode::kTimeout, std::move(msg), {}, /*retryable=*/true};
  }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status Corruption(std::string msg, std::string s3 = {}) {
    return {StatusCode::kCorruption, std::move(msg), std::move(s3)};
  }
  static Status NoSpace(std::string msg) { return {StatusCode::kNoSpace, std::move(msg)}; }
  static Status TooLarge(std::string msg, std::string s3 = "EntityTooLarge") {
    return {StatusCode::kTooLarge, std::move(msg), std::move(s3)};
  }
  static Status Cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }
  static Status Internal(std::string msg) {
    return {StatusCode::kInternal, std::move(msg), "InternalError"};
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The S3 error code if one is known (e.g. "NoSuchKey"); empty otherwise.
  const std::string& s3_code() const { return s3_code_; }
  bool retryable() const { return retryable_; }

  // "NotFound: NoSuchKey: key 'a' does not exist"
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) { return a.code_ == b.code_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string s3_code_;
  bool retryable_ = false;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(data_).ok() && "Result constructed from OK status");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace sos

// Return early from the enclosing function when a Status is not OK.
#define SOS_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::sos::Status sos_status_ = (expr);        \
    if (!sos_status_.ok()) return sos_status_; \
  } while (0)

#define SOS_CONCAT_INNER_(a, b) a##b
#define SOS_CONCAT_(a, b) SOS_CONCAT_INNER_(a, b)
// Assign the value of a Result to lhs, or return its Status.
#define SOS_ASSIGN_OR_RETURN(lhs, expr) \
  SOS_ASSIGN_OR_RETURN_IMPL_(SOS_CONCAT_(sos_result_, __LINE__), lhs, expr)
#define SOS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
