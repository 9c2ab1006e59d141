#include "ctl/local_target.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "ctl/transfer.h"
#include "s3core/crypto.h"

namespace sos::ctl {
namespace {

// The directory holding `rel`, opened without following any link below the
// root; missing directories are created when `create`.
Result<Fd> OpenParent(const std::string& root, const std::string& rel, bool create) {
  if (create) {
    std::error_code ec;
    std::filesystem::create_directories(root, ec);
    if (ec) return StatusFromErrno(ec.value(), "cannot create " + root);
  }
  Fd dir(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return StatusFromErrno(errno, "cannot open " + root);
  size_t start = 0;
  for (size_t slash = rel.find('/'); slash != std::string::npos;
       start = slash + 1, slash = rel.find('/', start)) {
    std::string part = rel.substr(start, slash - start);
    if (create && ::mkdirat(dir.get(), part.c_str(), 0777) != 0 && errno != EEXIST) {
      return StatusFromErrno(errno, "cannot create " + root + "/" + rel.substr(0, slash));
    }
    Fd next(::openat(dir.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (next.get() < 0) {
      int err = errno;
      if (err == ELOOP || err == ENOTDIR) {
        return Status::InvalidArgument(root + "/" + rel.substr(0, slash) +
                                       " is not a directory (a symbolic link is not followed)");
      }
      return StatusFromErrno(err, "cannot open " + root + "/" + rel.substr(0, slash));
    }
    dir = std::move(next);
  }
  return dir;
}

std::string BaseOf(const std::string& rel) { return rel.substr(rel.rfind('/') + 1); }

}  // namespace

Status LocalTarget::Download(ObjectStore& store, const S3Path& src, const std::string& rel,
                             ProgressBar* progress) const {
  SOS_ASSIGN_OR_RETURN(Fd dir, OpenParent(root_, rel, /*create=*/true));
  SOS_ASSIGN_OR_RETURN(std::string suffix, RandomString(8, "abcdefghijklmnopqrstuvwxyz0123456789"));
  const std::string part = ".sosctl-part-" + suffix;
  Fd fd(::openat(dir.get(), part.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                 0666));
  if (fd.get() < 0) return StatusFromErrno(errno, "cannot create a file in " + root_);
  auto got = DownloadToFd(store, src, fd.get(), progress);
  if (got.ok()) {
    // The object's LastModified becomes the file's mtime: what a later sync compares.
    auto since_epoch = got->meta.last_modified.time_since_epoch();
    auto secs = std::chrono::floor<std::chrono::seconds>(since_epoch);
    struct timespec times[2];
    times[0].tv_sec = times[1].tv_sec = secs.count();
    times[0].tv_nsec = times[1].tv_nsec =
        std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - secs).count();
    if (::futimens(fd.get(), times) != 0) got = StatusFromErrno(errno, "cannot set the time");
  }
  if (::close(fd.release()) != 0 && got.ok()) got = StatusFromErrno(errno, "close");
  const std::string name = BaseOf(rel);
  if (got.ok() && ::renameat(dir.get(), part.c_str(), dir.get(), name.c_str()) != 0) {
    got = StatusFromErrno(errno, "cannot rename to " + root_ + "/" + rel);
  }
  if (!got.ok()) ::unlinkat(dir.get(), part.c_str(), 0);
  return got.status();
}

Status LocalTarget::Remove(const std::string& rel) const {
  auto dir = OpenParent(root_, rel, /*create=*/false);
  if (!dir.ok()) return dir.status().code() == StatusCode::kNotFound ? Status::Ok() : dir.status();
  if (::unlinkat(dir->get(), BaseOf(rel).c_str(), 0) != 0 && errno != ENOENT) {
    return StatusFromErrno(errno, "cannot remove " + root_ + "/" + rel);
  }
  return Status::Ok();
}

}  // namespace sos::ctl
