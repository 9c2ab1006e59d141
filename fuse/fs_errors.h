// File-system errors as Status values.
//
// The Filesystem speaks Status, never errno. Where POSIX needs a finer error
// than a StatusCode says (ENOTDIR, EISDIR, ENAMETOOLONG, ENODATA, EROFS,
// EPERM, ERANGE), the Status carries one of the detail codes below in its
// s3_code slot, and the adapter's single Status→errno table
// (fuse_adapter.cc, ErrnoFor) maps it. Pure functions; thread-safe.
#pragma once

#include <string>

#include "s3core/status.h"

namespace sos::fs {

inline constexpr const char* kNotADirectory = "fs:ENOTDIR";
inline constexpr const char* kIsADirectory = "fs:EISDIR";
inline constexpr const char* kNameTooLong = "fs:ENAMETOOLONG";
inline constexpr const char* kNoAttribute = "fs:ENODATA";
inline constexpr const char* kReadOnly = "fs:EROFS";
inline constexpr const char* kNotPermitted = "fs:EPERM";
inline constexpr const char* kOutOfRange = "fs:ERANGE";
inline constexpr const char* kStale = "fs:ESTALE";

inline Status NotFound(const std::string& what) {
  return Status::NotFound(what + ": no such file or directory");
}
inline Status Exists(const std::string& what) { return Status::AlreadyExists(what + ": exists"); }
inline Status NotEmpty(const std::string& what) {
  return Status::NotEmpty(what + ": directory not empty");
}
inline Status NotADirectory(const std::string& what) {
  return {StatusCode::kInvalidArgument, what + ": not a directory", kNotADirectory};
}
inline Status IsADirectory(const std::string& what) {
  return {StatusCode::kInvalidArgument, what + ": is a directory", kIsADirectory};
}
inline Status NameTooLong(const std::string& what) {
  return {StatusCode::kInvalidArgument, what + ": name too long", kNameTooLong};
}
inline Status NoAttribute(const std::string& name) {
  return {StatusCode::kNotFound, "no attribute " + name, kNoAttribute};
}
inline Status ReadOnly() {
  return {StatusCode::kPermissionDenied, "read-only file system", kReadOnly};
}
inline Status NotPermitted(const std::string& what) {
  return {StatusCode::kPermissionDenied, what + ": operation not permitted", kNotPermitted};
}
inline Status OutOfRange(const std::string& what) {
  return {StatusCode::kInvalidArgument, what, kOutOfRange};
}
inline Status Stale(const std::string& what) {
  return {StatusCode::kNotFound, what + ": stale inode", kStale};
}

}  // namespace sos::fs
