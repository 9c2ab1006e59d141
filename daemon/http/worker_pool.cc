#include "daemon/http/worker_pool.h"

#include <limits.h>

#include <algorithm>
#include <memory>

namespace sos::http_internal {

WorkerPool::WorkerPool(size_t stack_bytes, std::chrono::milliseconds keep_idle)
    : stack_bytes_(stack_bytes), keep_idle_(keep_idle) {}

WorkerPool::~WorkerPool() { Join(); }

size_t WorkerPool::threads() const {
  std::lock_guard lock(mu_);
  return threads_;
}

bool WorkerPool::Run(std::function<void()> task) {
  Reap();
  std::lock_guard lock(mu_);
  if (stopping_) return false;
  queue_.push_back(std::move(task));
  // An idle thread takes it, unless the tasks queued already claim every one.
  if (idle_ >= queue_.size()) {
    work_cv_.notify_one();
    return true;
  }
  pthread_attr_t attr;
  if (::pthread_attr_init(&attr) != 0) {
    queue_.pop_back();
    return false;
  }
  if (stack_bytes_ > 0) {
    ::pthread_attr_setstacksize(&attr, std::max<size_t>(stack_bytes_, PTHREAD_STACK_MIN));
  }
  pthread_t thread;
  const int rc = ::pthread_create(
      &thread, &attr,
      [](void* self) -> void* {
        static_cast<WorkerPool*>(self)->Loop();
        return nullptr;
      },
      this);
  ::pthread_attr_destroy(&attr);
  if (rc != 0) {
    if (threads_ > 0) return true;  // it waits for a thread that is busy now
    queue_.pop_back();
    return false;
  }
  ++threads_;
  return true;
}

void WorkerPool::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (queue_.empty()) {
      if (stopping_) break;
      ++idle_;
      const bool woken = work_cv_.wait_for(lock, keep_idle_,
                                           [&] { return !queue_.empty() || stopping_; });
      --idle_;
      if (!woken) break;  // no work for keep_idle: this thread goes
      continue;
    }
    std::function<void()> task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    task();
    task = nullptr;  // what it captured goes before the next wait
    lock.lock();
  }
  // Joins those that left before, so that at most one stack stays mapped.
  std::vector<pthread_t> before;
  before.swap(exited_);
  exited_.push_back(::pthread_self());
  lock.unlock();
  for (pthread_t t : before) ::pthread_join(t, nullptr);
  lock.lock();
  --threads_;
  gone_cv_.notify_all();
}

void WorkerPool::Reap() {
  std::vector<pthread_t> done;
  {
    std::lock_guard lock(mu_);
    done.swap(exited_);
  }
  for (pthread_t t : done) ::pthread_join(t, nullptr);
}

void WorkerPool::Join() {
  {
    std::unique_lock lock(mu_);
    stopping_ = true;
    work_cv_.notify_all();
    gone_cv_.wait(lock, [&] { return threads_ == 0; });
  }
  Reap();
}

}  // namespace sos::http_internal
