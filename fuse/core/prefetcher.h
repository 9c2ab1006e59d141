// Prefetcher: work done ahead of a walk, in the background, a few at once:
// the listings of the subdirectories of a directory just opened (so that
// ls -lR, find and du find each one cached instead of paying a round trip
// per directory in turn), and the next small files of a directory being read
// in order (so that cat, grep or a backup reading many small files does not
// wait for one GET after another).
//
// Bounded: a queue of at most kMaxQueued names (more are dropped: the walk
// does them itself) and `threads` jobs at once. `needed` is asked when a name
// is queued; the job's errors are ignored (the walk's own request reports
// them).
//
// Thread-safety: thread-safe. mu_ guards the queue; never held during a job.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace sos {

class Prefetcher {
 public:
  using Job = std::function<void(const std::string& name)>;
  Prefetcher(int threads, Job job, std::function<bool(const std::string& name)> needed);
  ~Prefetcher();
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  void Prefetch(const std::vector<std::string>& names);
  void Shutdown();

 private:
  static constexpr size_t kMaxQueued = 1024;
  void Worker();

  const Job job_;
  const std::function<bool(const std::string&)> needed_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;  // guarded by mu_
  std::set<std::string> queued_;   // guarded by mu_: queued or being done
  bool stopping_ = false;          // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace sos
