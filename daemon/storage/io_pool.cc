#include "daemon/storage/io_pool.h"

namespace sos::storage {

IoPool::IoPool(size_t threads) {
  if (threads == 0) threads = 1;
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

IoPool::~IoPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void IoPool::Submit(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void IoPool::Loop() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stop_ and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

void TaskGroup::Run(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    ++pending_;
  }
  pool_.Submit([this, task = std::move(task)] {
    task();
    // Notify under the lock: the group may be destroyed as soon as Wait sees 0.
    std::lock_guard lock(mu_);
    if (--pending_ == 0) cv_.notify_all();
  });
}

void TaskGroup::Wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return pending_ == 0; });
}

void ParallelFor(IoPool& pool, size_t n, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  TaskGroup group(pool);
  for (size_t i = 0; i + 1 < n; ++i) group.Run([&fn, i] { fn(i); });
  fn(n - 1);
  group.Wait();
}

}  // namespace sos::storage
