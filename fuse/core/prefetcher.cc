#include "fuse/core/prefetcher.h"

namespace sos {

Prefetcher::Prefetcher(int threads, Job job, std::function<bool(const std::string&)> needed)
    : job_(std::move(job)), needed_(std::move(needed)) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Worker(); });
}

Prefetcher::~Prefetcher() { Shutdown(); }

void Prefetcher::Prefetch(const std::vector<std::string>& names) {
  if (threads_.empty()) return;
  std::vector<std::string> wanted;
  for (const std::string& name : names) {
    if (needed_(name)) wanted.push_back(name);
  }
  {
    std::lock_guard lock(mu_);
    for (std::string& name : wanted) {
      if (stopping_ || queue_.size() >= kMaxQueued) break;
      if (queued_.insert(name).second) queue_.push_back(std::move(name));
    }
  }
  cv_.notify_all();
}

void Prefetcher::Worker() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    std::string name = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    job_(name);
    lock.lock();
    queued_.erase(name);
  }
}

void Prefetcher::Shutdown() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

}  // namespace sos
