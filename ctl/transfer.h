// Uploads and downloads between local files and an ObjectStore, streamed in
// bounded memory.
//
// UploadFile sends a file with one PUT, or as a multipart upload once it is
// larger than one part (s3core/client/multipart_writer.h: parts of at least
// 8 MiB, kParallelParts at a time, retried, the upload aborted if one fails).
// DownloadInto writes into a hidden ".sosctl-part-XXXXXXXX" in an open
// directory and renames it over NAME only when every byte arrived, so a failed
// download never leaves a truncated file behind; with `stamp`, the object's
// LastModified becomes the file's mtime (what sync compares). DownloadToFile
// does the same for a path.
// DownloadToFd streams into an open descriptor (stdout). A ProgressBar, if
// given, follows the bytes. Thread-compatible: one transfer per call.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <string>

#include "ctl/progress_bar.h"
#include "ctl/s3_path.h"
#include "s3core/client/multipart_writer.h"
#include "s3core/client/object_store.h"

namespace sos::ctl {

// Owns a file descriptor; closes it unless released.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = o.release();
    }
    return *this;
  }
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

inline constexpr uint64_t kMinPartSize = uint64_t{8} << 20;
// Parts in flight at once: each streams from the file, so memory stays bounded.
inline constexpr int kParallelParts = 4;

struct UploadResult {
  std::string etag;
  uint64_t size = 0;
  int parts = 0;  // 0: a single PUT
};

Result<UploadResult> UploadFile(ObjectStore& store, const std::string& file, const S3Path& dst,
                                const WriteOptions& options, ProgressBar* progress);

Result<GetResult> DownloadInto(ObjectStore& store, const S3Path& src, int dir,
                               const std::string& name, ProgressBar* progress, bool stamp);
Result<GetResult> DownloadToFile(ObjectStore& store, const S3Path& src, const std::string& file,
                                 ProgressBar* progress, bool stamp = false);
Result<GetResult> DownloadToFd(ObjectStore& store, const S3Path& src, int fd,
                               ProgressBar* progress);

}  // namespace sos::ctl
