// WorkerPool: the threads that serve connections' requests.
//
// A thread is taken from the pool for as long as a connection has a request
// in hand (handlers block on disk and on the client, so they need a thread
// each), and given back when the connection goes idle between requests: idle
// keep-alive connections wait in the IdleParker, not on a thread. Threads are
// made on demand, with stack_bytes of stack each (mostly untouched address
// space), and one that found no work for keep_idle exits, so the count
// follows the number of requests in progress.
//
// Thread-safe. Tasks must not throw.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include <pthread.h>

namespace sos::http_internal {

class WorkerPool {
 public:
  WorkerPool(size_t stack_bytes, std::chrono::milliseconds keep_idle);
  ~WorkerPool();  // Join()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs task on an idle thread, or a new one. False if no thread could be
  // made and none is idle (the task did not run).
  bool Run(std::function<void()> task);
  // Waits for the tasks queued and running, then for every thread to end.
  // No Run may be called during or after it.
  void Join();
  // Threads alive now (running a task or idle).
  size_t threads() const;

 private:
  void Loop();
  // Joins the threads that have exited. mu_ not held.
  void Reap();

  const size_t stack_bytes_;
  const std::chrono::milliseconds keep_idle_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable gone_cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  size_t threads_ = 0;                       // alive; guarded by mu_
  size_t idle_ = 0;                          // waiting for work; guarded by mu_
  std::vector<pthread_t> exited_;            // to join; guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
};

}  // namespace sos::http_internal
