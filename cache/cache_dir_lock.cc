#include "cache/cache_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

namespace sos {

Status MakePrivateCacheDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create cache dir " + dir + ": " + ec.message());
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return StatusFromErrno(errno, "cannot stat " + dir);
  if (!S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument("cache dir " + dir + " is a symbolic link or not a directory");
  }
  if (st.st_uid != ::geteuid()) {
    return Status::PermissionDenied("cache dir " + dir + " belongs to another user", "");
  }
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) {
    return StatusFromErrno(errno, "cannot make " + dir + " private");
  }
  return Status::Ok();
}

Result<std::unique_ptr<CacheDirLock>> CacheDirLock::Acquire(const std::string& dir,
                                                            std::chrono::milliseconds wait) {
  SOS_RETURN_IF_ERROR(MakePrivateCacheDir(dir));
  std::string path = dir + "/lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return StatusFromErrno(errno, "cannot open " + path);
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int err = errno;
      ::close(fd);
      return StatusFromErrno(err, "cannot lock " + path);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      return Status::AlreadyExists("cache dir " + dir + " is in use by another sosfs");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return std::unique_ptr<CacheDirLock>(new CacheDirLock(fd));
}

CacheDirLock::~CacheDirLock() { ::close(fd_); }

}  // namespace sos
