#include "daemon/storage/fs_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include "s3core/crypto.h"

namespace sos::storage {

void UniqueFd::Reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Status WriteAt(int fd, const char* data, size_t n, uint64_t offset, std::string_view what) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, data, n, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      return StatusFromErrno(errno, what);
    }
    data += w;
    n -= static_cast<size_t>(w);
    offset += static_cast<uint64_t>(w);
  }
  return Status::Ok();
}

Result<size_t> ReadAt(int fd, char* buf, size_t n, uint64_t offset, std::string_view what) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return StatusFromErrno(errno, what);
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return done;
}

Status SyncFd(int fd, bool data_only, std::string_view what) {
  int rc = data_only ? ::fdatasync(fd) : ::fsync(fd);
  if (rc != 0) return StatusFromErrno(errno, what);
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return StatusFromErrno(errno, "open dir " + dir);
  return SyncFd(fd.get(), false, "fsync dir " + dir);
}

static std::string Parent(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status MakeDir(const std::string& path, bool durable) {
  if (::mkdir(path.c_str(), kPrivateDirMode) == 0) {
    if (durable) return SyncDir(Parent(path));
    return Status::Ok();
  }
  if (errno == EEXIST) return Status::Ok();
  return StatusFromErrno(errno, "mkdir " + path);
}

Status MakeDirs(const std::string& path) {
  // std::filesystem::create_directories would create them 0777 & ~umask.
  for (size_t end = path.find('/', 1);; end = path.find('/', end + 1)) {
    std::string prefix = path.substr(0, end);
    if (::mkdir(prefix.c_str(), kPrivateDirMode) != 0 && errno != EEXIST) {
      return StatusFromErrno(errno, "mkdir -p " + path);
    }
    if (end == std::string::npos) break;
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return StatusFromErrno(errno, "mkdir -p " + path);
  if (!S_ISDIR(st.st_mode)) return StatusFromErrno(ENOTDIR, "mkdir -p " + path);
  return Status::Ok();
}

namespace {

std::string Octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Takes group and other bits off what fstatat(dirfd, name, flags) finds, if
// it is a directory or a regular file; logs the change.
Status StripGroupAndOther(int dirfd, const char* name, int flags, const std::string& shown,
                          const LogFn& log) {
  struct stat st;
  if (::fstatat(dirfd, name, &st, flags) != 0) {
    return errno == ENOENT ? Status::Ok() : StatusFromErrno(errno, "stat " + shown);
  }
  if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) return Status::Ok();
  if ((st.st_mode & 077) == 0) return Status::Ok();
  const mode_t mode = st.st_mode & 0700;
  if (::fchmodat(dirfd, name, mode, 0) != 0) return StatusFromErrno(errno, "chmod " + shown);
  if (log) {
    log("sos storage: mode of " + shown + " was " + Octal(st.st_mode) + ", now " + Octal(mode));
  }
  return Status::Ok();
}

}  // namespace

Status MakePrivate(const std::string& dir, const LogFn& log) {
  Status first;
  auto note = [&](const Status& st) {
    if (st.ok()) return;
    if (log) log("sos storage: cannot make private: " + st.ToString());
    if (first.ok()) first = st;
  };
  // The directory first: once it is private, nobody else can swap its
  // entries for links between the checks and the chmods below.
  note(StripGroupAndOther(AT_FDCWD, dir.c_str(), 0, dir, log));
  if (!first.ok()) return first;
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno != ENOENT) note(StatusFromErrno(errno, "open dir " + dir));
    return first;
  }
  auto names = ListDir(dir);
  if (!names.ok()) {
    note(names.status());
    return first;
  }
  for (const std::string& name : *names) {
    note(StripGroupAndOther(fd.get(), name.c_str(), AT_SYMLINK_NOFOLLOW, JoinPath(dir, name), log));
  }
  return first;
}

Status RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return StatusFromErrno(ec.value(), "rm -rf " + path);
  return Status::Ok();
}

Result<std::vector<std::string>> ListDir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return StatusFromErrno(errno, "opendir " + dir);
  std::vector<std::string> names;
  errno = 0;
  while (dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    names.emplace_back(e->d_name);
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return StatusFromErrno(err, "readdir " + dir);
  return names;
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Result<std::string> ReadSmallFile(const std::string& path, size_t max_size) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return StatusFromErrno(errno, "open " + path);
  std::string out(max_size, '\0');
  SOS_ASSIGN_OR_RETURN(size_t n, ReadAt(fd.get(), out.data(), out.size(), 0, "read " + path));
  out.resize(n);
  return out;
}

Status WriteSmallFileDurably(const std::string& path, std::string_view data, bool durable) {
  std::string tmp = path + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, kPrivateFileMode));
  if (!fd.valid()) return StatusFromErrno(errno, "create " + tmp);
  Status st = WriteAt(fd.get(), data.data(), data.size(), 0, "write " + tmp);
  if (st.ok() && durable) st = SyncFd(fd.get(), false, "fsync " + tmp);
  fd.Reset();
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0)
    st = StatusFromErrno(errno, "rename " + tmp);
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  return durable ? SyncDir(Parent(path)) : Status::Ok();
}

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    // The CSPRNG never fails on Linux in practice; fall back rather than abort.
    thread_local std::mt19937_64 rng{std::random_device{}()};
    for (char& c : raw) c = static_cast<char>(rng());
  }
  return HexEncode(raw);
}

std::string JoinPath(std::string_view a, std::string_view b) {
  std::string out(a);
  if (!out.empty() && out.back() != '/') out.push_back('/');
  out.append(b);
  return out;
}

}  // namespace sos::storage
