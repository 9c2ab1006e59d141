// DeleteQueue: deletes as write-back. unlink, rmdir and the source side of a
// rename journal the keys they remove (NamespaceJournal, forced to disk) and
// return; a sender thread deletes them on the remote with DeleteObjects
// batches of up to 1,000 keys, oldest first, after options.upload_delay
// (while one batch is in flight, the next fills up). A key is forgotten once
// the remote has deleted it; failures are retried with backoff and what is
// still pending at unmount stays in the journal for the next mount.
//
// Until then the key is "pending": RemoteTree hides it, and anything that is
// about to write it (an upload, a marker, a copy) first calls Settle, which
// sends it at once and waits, so a delete never lands after a newer write.
//
// Thread-safety: thread-safe. mu_ guards the queue and is never held during
// a request or a journal write (the journal has its own lock).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cache/namespace_journal.h"
#include "fuse/core/fs_options.h"
#include "s3core/client/object_store.h"

namespace sos {

class DeleteQueue {
 public:
  // on_deleted runs (on the sender thread, no lock held) with the keys of
  // each batch the remote deleted.
  DeleteQueue(ObjectStore& store, const FilesystemOptions& options, NamespaceJournal& journal,
              std::function<void(const std::vector<std::string>& keys)> on_deleted);
  ~DeleteQueue();
  DeleteQueue(const DeleteQueue&) = delete;
  DeleteQueue& operator=(const DeleteQueue&) = delete;

  // The journal's deletes (left by an earlier mount) become pending.
  Status Load();
  void Start();
  // Journals the keys (durably), then makes them pending.
  Status Add(const std::vector<std::string>& keys);
  bool Pending(const std::string& key) const;
  // Sends at once the pending delete of key (below: of every key that starts
  // with it) and waits until the remote has made it; an error once
  // options.upload_attempts batches failed meanwhile.
  Status Settle(const std::string& key, bool below);
  // Sends what is pending (failing batches get shutdown_rounds more tries),
  // then stops; the rest stays in the journal.
  void Shutdown();

  struct Stats {
    size_t pending = 0;      // journalled, not yet deleted on the remote
    uint64_t deleted = 0;    // keys deleted since the mount
    uint64_t failed = 0;     // batches that failed since the mount
    std::string last_error;  // of the last failed batch
  };
  Stats stats() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Queued {
    std::string key;
    Clock::time_point added;
  };
  void Sender();
  // Whether the oldest key is due (its delay passed, or someone waits).
  bool DueLocked(Clock::time_point now) const;
  bool PendingLocked(const std::string& key, bool below) const;

  ObjectStore& store_;
  const FilesystemOptions& options_;
  NamespaceJournal& journal_;
  const std::function<void(const std::vector<std::string>&)> on_deleted_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;         // sender: work, urgency or stop
  std::condition_variable done_cv_;         // Settle/Shutdown: a batch ended
  std::map<uint64_t, Queued> order_;        // guarded by mu_: seq -> key, oldest first
  std::map<std::string, uint64_t> by_key_;  // guarded by mu_: key -> seq
  std::atomic<size_t> count_{0};            // order_.size(), read without the lock
  int urgent_ = 0;                          // guarded by mu_: Settle calls waiting
  uint64_t deleted_ = 0, failed_ = 0;       // guarded by mu_
  std::string last_error_;                  // guarded by mu_
  Clock::time_point retry_at_{};            // guarded by mu_: after a failed batch
  int failures_in_a_row_ = 0;               // guarded by mu_
  bool draining_ = false;                   // guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  std::thread thread_;
};

}  // namespace sos
