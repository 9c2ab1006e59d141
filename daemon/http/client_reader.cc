#include "daemon/http/client_reader.h"

#include <cerrno>

namespace sos::http_internal {

using std::chrono::milliseconds;

void ClientReader::BeginHead(Clock::time_point start) {
  phase_ = Phase::kHead;
  phase_start_ = start;
}

void ClientReader::BeginBody() {
  phase_ = Phase::kBody;
  phase_start_ = Clock::now();
  window_waited_ = {};
  window_bytes_ = 0;
}

ssize_t ClientReader::Cut(CutReason reason, Clock::time_point now) {
  if (cut_ == CutReason::kNone) {
    cut_ = reason;
    cut_after_ = std::chrono::duration_cast<milliseconds>(now - phase_start_);
    if (on_cut_) on_cut_(*this);
  }
  return -ETIMEDOUT;
}

bool ClientReader::NextWindow() {
  const uint64_t window_ms = static_cast<uint64_t>(options_.body_rate_window.count());
  // Bytes the window needed; saturates rather than overflows for absurd settings.
  const uint64_t needed = options_.min_body_rate > UINT64_MAX / (window_ms + 1)
                              ? UINT64_MAX
                              : options_.min_body_rate * window_ms / 1000;
  if (window_bytes_ < needed) return false;
  window_waited_ = {};
  window_bytes_ = 0;
  return true;
}

ssize_t ClientReader::ReadSome(char* buf, size_t n) {
  const bool rated =
      phase_ == Phase::kBody && options_.min_body_rate > 0 && options_.body_rate_window.count() > 0;
  const auto stall_deadline = Clock::now() + options_.io_timeout;
  for (;;) {
    const auto now = Clock::now();
    Clock::duration wait = stall_deadline - now;
    if (phase_ == Phase::kHead && options_.header_timeout.count() > 0) {
      const auto left = phase_start_ + options_.header_timeout - now;
      if (left <= Clock::duration::zero()) return Cut(CutReason::kHeaderTimeout, now);
      wait = std::min(wait, left);
    } else if (rated) {
      if (window_waited_ >= options_.body_rate_window && !NextWindow()) {
        return Cut(CutReason::kSlowBody, now);
      }
      wait = std::min(wait, options_.body_rate_window - window_waited_);
    }
    if (wait <= Clock::duration::zero()) return Cut(CutReason::kStalled, now);
    ssize_t r = socket_.ReadSome(buf, n, std::chrono::ceil<milliseconds>(wait));
    if (phase_ == Phase::kBody) window_waited_ += Clock::now() - now;
    if (r > 0) {
      bytes_read_ += static_cast<uint64_t>(r);
      window_bytes_ += static_cast<uint64_t>(r);
      return r;
    }
    if (r != -ETIMEDOUT) return r;
    // A limit ran out (or poll woke a hair early): the checks above say which.
  }
}

bool ClientReader::WaitReadable(milliseconds limit) {
  if (phase_ != Phase::kHead || options_.header_timeout.count() <= 0) {
    return socket_.WaitReadable(limit);
  }
  const auto now = Clock::now();
  const auto left = phase_start_ + options_.header_timeout - now;
  if (left <= Clock::duration::zero()) {
    Cut(CutReason::kHeaderTimeout, now);
    return false;
  }
  if (left >= limit) return socket_.WaitReadable(limit);
  if (socket_.WaitReadable(std::chrono::ceil<milliseconds>(left))) return true;
  Cut(CutReason::kHeaderTimeout, Clock::now());
  return false;
}

}  // namespace sos::http_internal
