#include "daemon/s3api/line_log.h"

#include <unistd.h>

#include <cerrno>

namespace sos::s3api {

LineLog::LineLog(int fd) : fd_(fd), writer_([this] { Loop(); }) {}

LineLog::~LineLog() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  has_lines_.notify_one();
  writer_.join();
}

void LineLog::Append(std::string_view line) {
  std::unique_lock lock(mu_);
  has_room_.wait(lock, [&] { return pending_.size() < kMaxPendingBytes; });
  // Only an empty buffer needs a wake-up: otherwise the writer is busy and
  // takes this line with the rest when it comes back.
  const bool was_empty = pending_.empty();
  pending_.append(line);
  pending_.push_back('\n');
  lock.unlock();
  if (was_empty) has_lines_.notify_one();
}

void LineLog::Loop() {
  std::string batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      has_lines_.wait(lock, [&] { return stop_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stop_, and everything written
      batch.swap(pending_);
    }
    has_room_.notify_all();
    for (size_t done = 0; done < batch.size();) {
      ssize_t n = ::write(fd_, batch.data() + done, batch.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // the log is gone; requests go on
      done += static_cast<size_t>(n);
    }
    batch.clear();
  }
}

}  // namespace sos::s3api
