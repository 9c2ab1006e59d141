// s3fs-compatible object metadata: POSIX attributes as x-amz-meta-* headers.
//
// Written exactly as s3fs writes them: x-amz-meta-mode is the DECIMAL st_mode
// including the type bits (33188 for a 0644 regular file), x-amz-meta-uid and
// -gid are decimal ids, x-amz-meta-mtime/-ctime/-atime are seconds since the
// epoch, or "sec.nsec" (nine digits) when the nanoseconds are not zero. A
// symlink is an object whose body is the target, with mode S_IFLNK|0777; a
// FIFO, socket or device is an empty object whose mode carries its type, with
// the device number in x-amz-meta-rdev (decimal), as s3fs stores them.
// Read leniently: a mode in octal or hex (strtoul base 0), rclone's float
// mtime, and for missing headers the mount's defaults (uid, gid, file_mode,
// dir_mode) and Last-Modified; a umask mount option masks every mode.
// Pure functions over values; thread-safe.
#pragma once

#include <sys/stat.h>
#include <time.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "cache/metadata_cache.h"

namespace sos {

inline constexpr const char* kMetaMode = "mode";
inline constexpr const char* kMetaUid = "uid";
inline constexpr const char* kMetaGid = "gid";
inline constexpr const char* kMetaMtime = "mtime";
inline constexpr const char* kMetaCtime = "ctime";
inline constexpr const char* kMetaAtime = "atime";
inline constexpr const char* kMetaRdev = "rdev";
inline constexpr const char* kDirContentType = "application/x-directory";
inline constexpr const char* kFileContentType = "application/octet-stream";

// What to report for attributes an object does not carry.
struct MountDefaults {
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t file_mode = 0644;  // permission bits of files without x-amz-meta-mode
  uint32_t dir_mode = 0755;   // ... and of directories
  std::optional<uint32_t> umask;
  int64_t mount_time_ns = 0;  // times of directories that have no marker object
};

// The POSIX attributes of one node (no inode number: that is the InodeTable's).
struct NodeAttr {
  uint32_t mode = 0;  // st_mode, type bits included
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;
  timespec atime{};
  timespec mtime{};
  timespec ctime{};
  uint64_t rdev = 0;  // device number of a character or block device

  bool IsDir() const { return S_ISDIR(mode); }
  bool IsReg() const { return S_ISREG(mode); }
  bool IsSymlink() const { return S_ISLNK(mode); }
  // A FIFO, socket or device: metadata only; the kernel does its I/O.
  bool IsSpecial() const {
    return S_ISFIFO(mode) || S_ISSOCK(mode) || S_ISCHR(mode) || S_ISBLK(mode);
  }
};

// True for the header names that carry attributes (not user xattrs).
bool IsAttrMetaName(std::string_view name);

// The user metadata that is not an attribute (the user.* xattrs).
std::map<std::string, std::string> XattrsOf(const std::map<std::string, std::string>& meta);

// The attributes of a remote object or directory.
NodeAttr DecodeAttr(const RemoteEntry& entry, const MountDefaults& defaults);
// Sets the s3fs headers for attr in user_meta (other entries are kept).
void EncodeAttr(const NodeAttr& attr, std::map<std::string, std::string>* user_meta);

// "1700000000" or "1700000000.000000042".
std::string FormatTime(const timespec& t);
// Accepts "sec", "sec.nsec" and floats such as rclone's "1700000000.5".
std::optional<timespec> ParseTime(std::string_view s);
// strtoul base 0: "33188", "0100644", "0x81a4".
std::optional<uint32_t> ParseMode(std::string_view s);

timespec TimespecFromNs(int64_t ns);
int64_t NsFromTimespec(const timespec& t);
timespec NowTimespec();

}  // namespace sos
