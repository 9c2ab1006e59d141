// CacheDirLock: makes one sosfs process the only user of a cache directory.
//
// An exclusive flock() on cache_dir/lock, held for the life of the object. The
// lock belongs to the open file description, so a lock taken before
// fuse_daemonize() is kept by the daemon child. Acquire() waits up to `wait`
// for a previous instance (e.g. one still uploading after an unmount) and then
// fails with kAlreadyExists. Thread-compatible.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "s3core/status.h"

namespace sos {

// Creates the cache directory if needed and makes sure it is the mount's own:
// a real directory (not a symbolic link) of the user sosfs runs as, mode 0700.
// It holds data not yet uploaded, so one planted by another user (say in a
// shared /tmp given as s3fs's use_cache=) is refused, not used.
Status MakePrivateCacheDir(const std::string& dir);

class CacheDirLock {
 public:
  static Result<std::unique_ptr<CacheDirLock>> Acquire(const std::string& dir,
                                                       std::chrono::milliseconds wait);
  ~CacheDirLock();
  CacheDirLock(const CacheDirLock&) = delete;
  CacheDirLock& operator=(const CacheDirLock&) = delete;

 private:
  explicit CacheDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace sos
