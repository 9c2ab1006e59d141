#include "fuse/core/listing_prefetcher.h"

namespace sos {

ListingPrefetcher::ListingPrefetcher(RemoteTree& remote, int threads) : remote_(remote) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Worker(); });
}

ListingPrefetcher::~ListingPrefetcher() { Shutdown(); }

void ListingPrefetcher::Prefetch(const std::vector<std::string>& dirs) {
  if (threads_.empty()) return;
  {
    std::lock_guard lock(mu_);
    for (const std::string& dir : dirs) {
      if (stopping_ || queue_.size() >= kMaxQueued) break;
      if (remote_.cache().GetDir(dir)) continue;  // fresh already
      if (queued_.insert(dir).second) queue_.push_back(dir);
    }
  }
  cv_.notify_all();
}

void ListingPrefetcher::Worker() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    std::string dir = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    (void)remote_.List(dir);  // stored in the metadata cache
    lock.lock();
    queued_.erase(dir);
  }
}

void ListingPrefetcher::Shutdown() {
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
