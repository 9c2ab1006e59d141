// POSIX file helpers of the storage engine.
//
// Owns the translation of errno into Status (ENOSPC/EDQUOT become NoSpace so
// the S3 layer can answer 507/503 instead of 500), full-length pread/pwrite
// loops, fsync of files and directories, durable mkdir (a new directory's
// entry is synced into its parent), the modes of files at rest, and random
// hex identifiers from OpenSSL's CSPRNG.
//
// Files at rest are private to the user running sosd: the index and the
// journals hold keys' secrets, the blobs every object. Every file the engine
// creates is created kPrivateFileMode and every directory kPrivateDirMode,
// whatever the umask (which can only take bits away); MakePrivate repairs the
// modes of existing top-level directories at Open.
//
// Every function is stateless and thread-safe; UniqueFd is a move-only owner
// of one descriptor.
#pragma once

#include <sys/types.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "s3core/status.h"

namespace sos::storage {

inline constexpr mode_t kPrivateFileMode = 0600;
inline constexpr mode_t kPrivateDirMode = 0700;

using LogFn = std::function<void(std::string_view)>;

inline bool IsNoSpace(int err) { return err == ENOSPC || err == EDQUOT; }

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.Release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) Reset(o.Release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

// pwrite until all n bytes are written.
Status WriteAt(int fd, const char* data, size_t n, uint64_t offset, std::string_view what);
// pread until n bytes are read or EOF; returns the number read.
Result<size_t> ReadAt(int fd, char* buf, size_t n, uint64_t offset, std::string_view what);
// fdatasync (data_only) or fsync.
Status SyncFd(int fd, bool data_only, std::string_view what);
// fsync of a directory, so that creates/renames/unlinks in it are durable.
Status SyncDir(const std::string& dir);
// mkdir (kPrivateDirMode) of one level; EEXIST is fine. When `durable` and the
// directory was created, its parent is fsync'd so the new entry survives a
// power loss.
Status MakeDir(const std::string& path, bool durable);
// mkdir -p, every level created kPrivateDirMode (not durable; for layout
// created once at Open, followed by SyncDir).
Status MakeDirs(const std::string& path);
// Takes the group and other permission bits off `dir` and off each directory
// and regular file directly in it; not deeper, since what lies further down
// is reachable only through these. `dir` itself is followed if it is a
// symbolic link (a drive may be one to its mount); links among its entries
// are left alone. A missing `dir` is fine. Each change and each failure is
// logged; the first failure is also returned, after trying every entry.
Status MakePrivate(const std::string& dir, const LogFn& log);
// rm -rf; missing is fine.
Status RemoveTree(const std::string& path);
// Names in a directory (no "." / ".."). NotFound if the directory is missing.
Result<std::vector<std::string>> ListDir(const std::string& dir);
bool PathExists(const std::string& path);
// Whole small file (metadata only).
Result<std::string> ReadSmallFile(const std::string& path, size_t max_size = 1 << 20);
// Writes a small file durably: temp name, fsync, rename, fsync dir.
Status WriteSmallFileDurably(const std::string& path, std::string_view data, bool durable);

// `bytes` random bytes from the CSPRNG, hex-encoded (2*bytes chars).
std::string RandomHex(size_t bytes);

std::string JoinPath(std::string_view a, std::string_view b);

}  // namespace sos::storage
