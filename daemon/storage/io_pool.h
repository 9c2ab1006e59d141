// IoPool: a fixed set of threads for blocking file I/O (pwrite, fsync, rename).
//
// Replica writes and fsyncs go to all drives at once; they block in the
// kernel, so they run here rather than on oneTBB's worker threads (which are
// sized for CPU work and would idle the CPU-bound tasks of the whole process
// while waiting for a disk). A TaskGroup collects the tasks of one operation
// and Wait() blocks until all of them have run; tasks never wait on each other,
// so the pool cannot deadlock. Tasks must not throw.
//
// Thread-safe: any thread may Submit; one TaskGroup belongs to one caller.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sos::storage {

class IoPool {
 public:
  explicit IoPool(size_t threads);
  ~IoPool();  // runs the queued tasks, then joins
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  void Submit(std::function<void()> task);

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

class TaskGroup {
 public:
  explicit TaskGroup(IoPool& pool) : pool_(pool) {}
  ~TaskGroup() { Wait(); }
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  void Run(std::function<void()> task);
  void Wait();

 private:
  IoPool& pool_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t pending_ = 0;
};

// Runs fn(0..n-1) on the pool (the last one inline) and waits for all.
void ParallelFor(IoPool& pool, size_t n, const std::function<void(size_t)>& fn);

}  // namespace sos::storage
