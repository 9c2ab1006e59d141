#include "ctl/local_target.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "ctl/transfer.h"

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
  return DownloadInto(store, src, dir.get(), BaseOf(rel), progress, /*stamp=*/true).status();
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
