#include "ctl/transfer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>

#include "s3core/crypto.h"

namespace sos::ctl {
namespace {

// Reports the position of its inner source (bytes read since the last rewind).
class ProgressSource : public BodySource {
 public:
  ProgressSource(BodySource& inner, std::function<void(uint64_t)> report)
      : inner_(inner), report_(std::move(report)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    auto got = inner_.Read(buf, n);
    if (got.ok()) {
      pos_ += *got;
      if (report_) report_(pos_);
    }
    return got;
  }
  std::optional<uint64_t> Size() const override { return inner_.Size(); }
  bool Rewind() override {
    pos_ = 0;
    if (report_) report_(0);
    return inner_.Rewind();
  }

 private:
  BodySource& inner_;
  std::function<void(uint64_t)> report_;
  uint64_t pos_ = 0;
};

Status WriteAll(int fd, std::string_view chunk) {
  while (!chunk.empty()) {
    ssize_t n = ::write(fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return StatusFromErrno(errno, "write");
    chunk.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Result<UploadResult> UploadMultipart(ObjectStore& store, int fd, uint64_t size, const S3Path& dst,
                                     const WriteOptions& options, ProgressBar* progress) {
  std::mutex mu;                 // guards sent, sent_total and the bar
  std::map<int, uint64_t> sent;  // bytes of each part sent so far, for the progress bar
  uint64_t sent_total = 0;
  FillPart fill = [&](const std::string& upload_id, const PartSpan& part) {
    FileRangeSource range(fd, part.offset, part.length);
    ProgressSource body(range, [&, number = part.number](uint64_t pos) {
      std::lock_guard lock(mu);
      sent_total += pos - sent[number];
      sent[number] = pos;
      if (progress) progress->Set(sent_total);
    });
    return store.UploadPart(dst.bucket, dst.key, upload_id, part.number, body);
  };
  MultipartOptions multipart;
  multipart.min_part_size = kMinPartSize;
  multipart.concurrency = kParallelParts;
  SOS_ASSIGN_OR_RETURN(MultipartResult done,
                       WriteMultipart(store, dst.bucket, dst.key, size, options, fill, multipart));
  return UploadResult{done.etag, size, done.parts};
}

}  // namespace

Result<UploadResult> UploadFile(ObjectStore& store, const std::string& file, const S3Path& dst,
                                const WriteOptions& options, ProgressBar* progress) {
  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return StatusFromErrno(errno, "cannot open " + file);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return StatusFromErrno(errno, "cannot stat " + file);
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(file + " is not a regular file");
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size > kMinPartSize) return UploadMultipart(store, fd.get(), size, dst, options, progress);
  FileRangeSource range(fd.get(), 0, size);
  ProgressSource body(range, [progress](uint64_t pos) {
    if (progress) progress->Set(pos);
  });
  SOS_ASSIGN_OR_RETURN(PutResult put, store.Put(dst.bucket, dst.key, body, options));
  return UploadResult{put.etag, size, 0};
}

Result<GetResult> DownloadToFd(ObjectStore& store, const S3Path& src, int fd,
                               ProgressBar* progress) {
  GetRequest req;
  req.bucket = src.bucket;
  req.key = src.key;
  BodySink sink = [&](std::string_view chunk) {
    SOS_RETURN_IF_ERROR(WriteAll(fd, chunk));
    if (progress) progress->Add(chunk.size());
    return Status::Ok();
  };
  return store.Get(req, sink);
}

Result<GetResult> DownloadInto(ObjectStore& store, const S3Path& src, int dir,
                               const std::string& name, ProgressBar* progress, bool stamp) {
  // A short hidden name beside NAME: NAME itself may already be NAME_MAX long.
  SOS_ASSIGN_OR_RETURN(std::string suffix, RandomString(8, "abcdefghijklmnopqrstuvwxyz0123456789"));
  const std::string part = ".sosctl-part-" + suffix;
  // 0666 & ~umask, as any new file; O_EXCL|O_NOFOLLOW: never through a planted link.
  Fd fd(::openat(dir, part.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666));
  if (fd.get() < 0) return StatusFromErrno(errno, "cannot create a file beside " + name);
  auto got = DownloadToFd(store, src, fd.get(), progress);
  if (got.ok() && stamp) {
    auto since_epoch = got->meta.last_modified.time_since_epoch();
    auto secs = std::chrono::floor<std::chrono::seconds>(since_epoch);
    struct timespec times[2];
    times[0].tv_sec = times[1].tv_sec = secs.count();
    times[0].tv_nsec = times[1].tv_nsec =
        std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - secs).count();
    if (::futimens(fd.get(), times) != 0) got = StatusFromErrno(errno, "cannot set the time");
  }
  if (::close(fd.release()) != 0 && got.ok()) got = StatusFromErrno(errno, "close");
  if (got.ok() && ::renameat(dir, part.c_str(), dir, name.c_str()) != 0) {
    got = StatusFromErrno(errno, "cannot rename to " + name);
  }
  if (!got.ok()) ::unlinkat(dir, part.c_str(), 0);
  return got;
}

Result<GetResult> DownloadToFile(ObjectStore& store, const S3Path& src, const std::string& file,
                                 ProgressBar* progress, bool stamp) {
  size_t slash = file.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : file.substr(0, slash + 1);
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0) return StatusFromErrno(errno, "cannot open " + dir);
  return DownloadInto(store, src, dir_fd.get(), file.substr(slash + 1), progress, stamp);
}

}  // namespace sos::ctl
