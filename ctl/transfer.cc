#include "ctl/transfer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sos::ctl {
namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

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

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
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

Status WriteAll(int fd, std::string_view chunk) {
  while (!chunk.empty()) {
    ssize_t n = ::write(fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(Errno("write"));
    chunk.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Result<UploadResult> UploadMultipart(ObjectStore& store, int fd, uint64_t size, const S3Path& dst,
                                     const WriteOptions& options, ProgressBar* progress) {
  const uint64_t part_size = PartSizeFor(size);
  const int count = static_cast<int>((size + part_size - 1) / part_size);
  SOS_ASSIGN_OR_RETURN(std::string upload_id,
                       store.CreateMultipartUpload(dst.bucket, dst.key, options));
  std::vector<CompletedPart> parts(count);
  std::vector<uint64_t> sent(count, 0);  // per part, for the progress bar
  uint64_t sent_total = 0;
  std::mutex mu;  // guards sent, sent_total, first_error and the bar
  Status first_error;
  std::atomic<int> next{0};
  // Workers take the next part number; each part streams from the file (pread).
  auto worker = [&] {
    while (true) {
      int i = next.fetch_add(1);
      if (i >= count) return;
      {
        std::lock_guard lock(mu);
        if (!first_error.ok()) return;
      }
      uint64_t offset = static_cast<uint64_t>(i) * part_size;
      FileRangeSource range(fd, offset, std::min(part_size, size - offset));
      ProgressSource body(range, [&, i](uint64_t pos) {
        std::lock_guard lock(mu);
        sent_total += pos - sent[i];
        sent[i] = pos;
        if (progress) progress->Set(sent_total);
      });
      auto etag = store.UploadPart(dst.bucket, dst.key, upload_id, i + 1, body);
      std::lock_guard lock(mu);
      if (!etag.ok()) {
        if (first_error.ok()) first_error = etag.status();
        return;
      }
      parts[i] = {i + 1, *etag};
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < std::min(kParallelParts, count); ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  auto fail = [&](Status status) -> Result<UploadResult> {
    (void)store.AbortMultipartUpload(dst.bucket, dst.key, upload_id);
    return status;
  };
  if (!first_error.ok()) return fail(first_error);
  auto done =
      store.CompleteMultipartUpload(dst.bucket, dst.key, upload_id, parts, options.conditions);
  if (!done.ok()) return fail(done.status());
  return UploadResult{done->etag, size, count};
}

}  // namespace

uint64_t PartSizeFor(uint64_t size) {
  uint64_t part = kMinPartSize;
  const uint64_t mib = uint64_t{1} << 20;
  if ((size + part - 1) / part > static_cast<uint64_t>(kMaxParts)) {
    part = (size + kMaxParts - 1) / kMaxParts;
    part = (part + mib - 1) / mib * mib;
  }
  return part;
}

Result<UploadResult> UploadFile(ObjectStore& store, const std::string& file, const S3Path& dst,
                                const WriteOptions& options, ProgressBar* progress) {
  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    int err = errno;
    std::string message = Errno("cannot open " + file);
    return err == ENOENT ? Status::NotFound(message) : Status::IOError(message);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Status::IOError(Errno("cannot stat " + file));
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

Result<GetResult> DownloadToFile(ObjectStore& store, const S3Path& src, const std::string& file,
                                 ProgressBar* progress) {
  const std::string part = file + ".sosctl-part";
  Fd fd(::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
  if (fd.get() < 0) return Status::IOError(Errno("cannot create " + part));
  auto got = DownloadToFd(store, src, fd.get(), progress);
  Status closed = ::close(fd.release()) == 0 ? Status::Ok() : Status::IOError(Errno("close"));
  if (got.ok() && !closed.ok()) got = closed;
  if (got.ok() && ::rename(part.c_str(), file.c_str()) != 0) {
    got = Status::IOError(Errno("cannot rename to " + file));
  }
  if (!got.ok()) ::unlink(part.c_str());
  return got;
}

}  // namespace sos::ctl
