// IdleParker: keep-alive connections waiting for their next request, without
// a thread each.
//
// Park(id, fd, deadline) watches fd (epoll, one shot) on the parker's own
// thread. When it becomes readable (a request, EOF, an error, or a
// ::shutdown() by the server) on_ready(id) runs; when the deadline passes
// first on_expired(id) runs. Either way the fd is no longer watched, exactly
// one of the two runs, and it runs on the parker's thread: it should only hand
// the connection on (to a WorkerPool) or close it.
//
// Thread-safe: Park from any thread. Stop() returns once the thread has
// ended; connections still parked then get neither callback (the owner
// closes them).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "s3core/status.h"

namespace sos::http_internal {

class IdleParker {
 public:
  using Clock = std::chrono::steady_clock;
  using Callback = std::function<void(uint64_t id)>;

  static Result<std::unique_ptr<IdleParker>> Start(Callback on_ready, Callback on_expired);
  ~IdleParker();  // Stop()
  IdleParker(const IdleParker&) = delete;
  IdleParker& operator=(const IdleParker&) = delete;

  Status Park(uint64_t id, int fd, Clock::time_point deadline);
  void Stop();
  size_t parked() const;

 private:
  IdleParker(int epoll_fd, int wake_fd, Callback on_ready, Callback on_expired);
  void Loop();

  const int epoll_fd_;
  const int wake_fd_;  // eventfd: deadlines changed, or stop
  const Callback on_ready_;
  const Callback on_expired_;
  std::thread thread_;

  struct Entry {
    int fd;
    Clock::time_point deadline;
  };
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, Entry> parked_;                 // guarded by mu_
  std::multimap<Clock::time_point, uint64_t> deadlines_;       // guarded by mu_
  bool stopping_ = false;                                      // guarded by mu_
};

}  // namespace sos::http_internal
