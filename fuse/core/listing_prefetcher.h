// ListingPrefetcher: when a directory is opened, the listings of its
// subdirectories are fetched ahead, several at once, into the metadata
// cache, so that a walk (ls -lR, find, du, rsync) finds each one there
// instead of paying a round trip per directory, one after the other.
//
// Bounded: at most options.list_prefetch subdirectories per opened
// directory, a queue of at most kMaxQueued paths (more are dropped: the walk
// lists them itself), `threads` fetches at once. Errors are ignored (the
// walk's own listing reports them).
//
// Thread-safety: thread-safe. mu_ guards the queue; never held during a fetch.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fuse/core/remote_tree.h"

namespace sos {

class ListingPrefetcher {
 public:
  ListingPrefetcher(RemoteTree& remote, int threads);
  ~ListingPrefetcher();
  ListingPrefetcher(const ListingPrefetcher&) = delete;
  ListingPrefetcher& operator=(const ListingPrefetcher&) = delete;

  // Queues the directories whose listings are not cached.
  void Prefetch(const std::vector<std::string>& dirs);
  void Shutdown();

 private:
  static constexpr size_t kMaxQueued = 1024;
  void Worker();

  RemoteTree& remote_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;  // guarded by mu_
  std::set<std::string> queued_;   // guarded by mu_: queued or being fetched
  bool stopping_ = false;          // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace sos
