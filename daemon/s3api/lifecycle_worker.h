// LifecycleWorker: applies the buckets' lifecycle rules (PutBucketLifecycle-
// Configuration) in the background. Each run goes through every bucket with
// rules: an enabled rule's Expiration deletes the objects under its prefix,
// carrying all its tags, whose last change is Days old (or from Date on);
// AbortIncompleteMultipartUpload aborts the uploads under its prefix started
// DaysAfterInitiation ago. NoncurrentVersionExpiration and
// ExpiredObjectDeleteMarker find nothing to do: sosd keeps no versions.
// A run logs what it did and counts it; a failure is logged and the next run
// tries again. Time comes from options.clock, so tests can move it.
//
// Thread-safe: Start/Stop from the owner; RunOnce from any thread (runs are
// serialized).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>

#include "daemon/storage/storage_engine.h"

namespace sos::s3api {

class LifecycleWorker {
 public:
  struct Counts {
    uint64_t expired = 0;  // objects, noncurrent versions and lone delete markers deleted
    uint64_t aborted = 0;  // multipart uploads aborted
  };
  struct Options {
    std::chrono::milliseconds interval{std::chrono::hours(1)};
    std::function<TimePoint()> clock;                    // default system_clock::now
    std::function<void(std::string_view line)> log;      // one line per bucket that changed
    std::function<void(const Counts& run)> on_counts;    // after each run (metrics)
  };

  // `engine` must outlive the worker.
  LifecycleWorker(StorageEngine& engine, Options options);
  ~LifecycleWorker();
  LifecycleWorker(const LifecycleWorker&) = delete;
  LifecycleWorker& operator=(const LifecycleWorker&) = delete;

  void Start();
  void Stop();
  // One run over every bucket, now.
  Result<Counts> RunOnce();

 private:
  Status ApplyToBucket(const BucketRecord& bucket, TimePoint now, Counts* counts);
  Status ExpireVersions(const BucketRecord& bucket, const LifecycleRule& rule, TimePoint now,
                        Counts* counts);

  StorageEngine& engine_;
  Options options_;
  std::mutex run_mu_;  // one run at a time
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace sos::s3api
