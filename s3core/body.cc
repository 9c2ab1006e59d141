#include "s3core/body.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sos {

Result<size_t> StringViewSource::Read(char* buf, size_t n) {
  size_t take = std::min(n, data_.size() - pos_);
  std::memcpy(buf, data_.data() + pos_, take);
  pos_ += take;
  return take;
}

Result<size_t> FileRangeSource::Read(char* buf, size_t n) {
  uint64_t left = length_ - pos_;
  size_t want = static_cast<size_t>(std::min<uint64_t>(n, left));
  if (want == 0) return size_t{0};
  while (true) {
    ssize_t got = ::pread(fd_, buf, want, static_cast<off_t>(offset_ + pos_));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return Status::IOError(std::string("pread: ") + std::strerror(errno));
    if (got == 0) return Status::IOError("file shorter than its declared length");
    pos_ += static_cast<uint64_t>(got);
    return static_cast<size_t>(got);
  }
}

BodySink AppendTo(std::string* out) {
  return [out](std::string_view chunk) {
    out->append(chunk);
    return Status::Ok();
  };
}

}  // namespace sos
