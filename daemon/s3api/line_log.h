// LineLog: sosd's default access log. Request threads only append a line to
// a buffer; one background thread writes whatever has gathered with a single
// write(2). Under load that is one write per batch of lines instead of one
// per request (worth ~10% of small-GET throughput on 2 cores); when idle a
// line is written as soon as it comes. Lines never interleave or split.
//
// Bounded: past kMaxPendingBytes (a stalled log pipe) Append waits, as the
// direct write it replaces would have. Write errors are ignored, as stdio's
// would be. The destructor writes everything still queued.
//
// Thread-safe: Append from any number of threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace sos::s3api {

class LineLog {
 public:
  static constexpr size_t kMaxPendingBytes = 4 << 20;

  explicit LineLog(int fd);
  ~LineLog();
  LineLog(const LineLog&) = delete;
  LineLog& operator=(const LineLog&) = delete;

  // Queues `line` plus a newline.
  void Append(std::string_view line);

 private:
  void Loop();

  const int fd_;
  std::mutex mu_;
  std::condition_variable has_lines_;
  std::condition_variable has_room_;
  std::string pending_;
  bool stop_ = false;
  std::thread writer_;
};

}  // namespace sos::s3api
