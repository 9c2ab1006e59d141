// File-system errors as Status values.
//
// The Filesystem speaks Status, never errno. POSIX's finer errors (ENOTDIR,
// EISDIR, ENAMETOOLONG, ENODATA, EROFS, EPERM, ERANGE, ESTALE) have Status
// codes of their own, which the adapter's single Status→errno table
// (fuse_adapter.cc, ErrnoFor) maps. Pure functions; thread-safe.
#pragma once

#include <string>

#include "s3core/status.h"

namespace sos::fs {

inline Status NotFound(const std::string& what) {
  return Status::NotFound(what + ": no such file or directory");
}
inline Status Exists(const std::string& what) { return Status::AlreadyExists(what + ": exists"); }
inline Status NotEmpty(const std::string& what) {
  return Status::NotEmpty(what + ": directory not empty");
}
inline Status NotADirectory(const std::string& what) {
  return {StatusCode::kNotADirectory, what + ": not a directory"};
}
inline Status IsADirectory(const std::string& what) {
  return {StatusCode::kIsADirectory, what + ": is a directory"};
}
inline Status NameTooLong(const std::string& what) {
  return {StatusCode::kNameTooLong, what + ": name too long"};
}
inline Status NoAttribute(const std::string& name) {
  return {StatusCode::kNoAttribute, "no attribute " + name};
}
inline Status ReadOnly() { return {StatusCode::kReadOnly, "read-only file system"}; }
inline Status NotPermitted(const std::string& what) {
  return {StatusCode::kNotPermitted, what + ": operation not permitted"};
}
inline Status OutOfRange(const std::string& what) { return {StatusCode::kOutOfRange, what}; }
inline Status Stale(const std::string& what) {
  return {StatusCode::kStale, what + ": stale inode"};
}

}  // namespace sos::fs
