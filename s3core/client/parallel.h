// ParallelFor: runs fn(0..n-1) with at most `concurrency` calls at once, on
// oneTBB, and returns when all are done. BackgroundTasks: runs functions
// later, at most `concurrency` at once, on oneTBB, without waiting for them.
// Both are meant for blocking network calls (HEADs of a listing, copies of a
// rename, multipart parts, read-ahead), so the process allows TBB more
// threads than cores. The functions must be thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

namespace sos {

void ParallelFor(size_t n, int concurrency, const std::function<void(size_t)>& fn);

// Thread-safety: thread-safe. The destructor waits for every task.
class BackgroundTasks {
 public:
  explicit BackgroundTasks(int concurrency);
  ~BackgroundTasks();
  BackgroundTasks(const BackgroundTasks&) = delete;
  BackgroundTasks& operator=(const BackgroundTasks&) = delete;

  void Run(std::function<void()> task);
  // Waits until every task run so far is done.
  void Wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sos
