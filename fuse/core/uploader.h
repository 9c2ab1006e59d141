// Uploader: moves dirty files to the remote in the background.
//
// Enqueue() schedules a file; worker threads upload it: one PUT below
// multipart_threshold, else a multipart upload (s3core/client/multipart_writer.h)
// whose parts go up in parallel (part_concurrency at a time, each retried),
// streamed from the local cache file, with the file's s3fs metadata. The
// parts PartStreamer sent while the file was written are reused (and the
// metadata, fixed when that upload began, set by a self-copy). A round makes upload_attempts
// tries with exponential backoff; a failed round leaves the file dirty (it
// stays in the journal, nothing is lost) and is retried after requeue_delay.
// A file changed during its upload stays dirty and goes again. Each upload
// is conditional on the remote version the file was based on (If-Match, or
// If-None-Match: * for a new file): refused, it means someone else changed
// the object meanwhile, and on_conflict keeps the local version under
// another name (never overwritten, never dropped). Sync() is
// fsync: it waits until the file as it is now is on the remote, or a round
// for it failed. Shutdown() waits for everything pending, gives failing files
// shutdown_rounds more rounds, then stops the workers; what is still dirty
// stays in the journal for the next mount.
//
// Thread-safety: thread-safe. mu_ guards the queues and is never held while
// uploading; an upload holds the file's io_mu for its whole length (see
// FileState for the lock order).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "fuse/core/file_state.h"

namespace sos {

class Uploader {
 public:
  // on_idle runs after each round of a file (the registry forgets clean,
  // closed files there).
  // on_conflict(st, path): the upload of st at path was refused by its
  // condition (st may have moved since: two rounds can find one conflict);
  // true if st moved to a name of its own, to be uploaded there now.
  Uploader(FileContext& ctx, std::function<void(const std::shared_ptr<FileState>&)> on_idle,
           std::function<bool(const std::shared_ptr<FileState>&, const std::string&)> on_conflict);
  ~Uploader();

  void Start();
  void Enqueue(const std::shared_ptr<FileState>& st);
  // Enqueue after options.upload_delay: what tools do right after close
  // (chmod, utimens, rename by tar, rsync, cp -p) folds into that one upload
  // instead of costing a copy of the uploaded object. Shutdown skips the wait.
  void EnqueueSoon(const std::shared_ptr<FileState>& st);
  Status Sync(const std::shared_ptr<FileState>& st);
  void Shutdown();
  // Files queued, waiting for a retry, or being uploaded.
  size_t pending() const;

  // What the uploads are doing, for a mount's status (user.sos.status).
  struct Stats {
    size_t queued = 0;       // waiting for a worker
    size_t retrying = 0;     // waiting for a retry or their upload delay
    size_t uploading = 0;    // in a worker now
    uint64_t uploaded = 0;   // rounds that succeeded since the mount
    uint64_t failed = 0;     // rounds that failed since the mount
    std::string last_error;  // "PATH: error" of the last failed round
  };
  Stats stats() const;

 private:
  using Clock = std::chrono::steady_clock;
  void Worker();
  // Puts st in retry_ at `when`, or keeps its entry there if that is due sooner.
  void ScheduleLocked(Clock::time_point when, const std::shared_ptr<FileState>& st);
  // One round: upload_attempts tries. A refused condition (a conflict)
  // ends it at once, with the path it was refused at.
  Status Round(FileState& st, std::string* conflict_path);
  Status UploadOnce(FileState& st, const FileState::Snapshot& snap, std::string* etag);
  // With `stream`, the parts sent while the file was written are reused.
  Status UploadMultipart(FileState& st, const FileState::Snapshot& snap,
                         std::shared_ptr<FileState::StreamedUpload> stream, std::string* etag);
  // After an upload made of streamed parts: the object gets the metadata
  // the file has now (its mtime moved since the upload was created).
  Status FixStreamedMeta(FileState& st, const FileState::Snapshot& snap,
                         const FileState::StreamedUpload& stream, std::string* etag);
  // After a refused condition: OK (with its ETag) if the remote object is
  // this very snapshot (an earlier try whose answer was lost), a retryable
  // error if it is gone, else `refused` (a conflict).
  Status AfterRefusal(FileState& st, const FileState::Snapshot& snap, const Status& refused,
                      std::string* etag);

  FileContext& ctx_;
  const std::function<void(const std::shared_ptr<FileState>&)> on_idle_;
  const std::function<bool(const std::shared_ptr<FileState>&, const std::string&)> on_conflict_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;               // workers: work or stop
  std::condition_variable done_cv_;               // Sync/Shutdown: a round ended
  std::deque<std::shared_ptr<FileState>> queue_;  // guarded by mu_
  std::set<FileState*> queued_;                   // guarded by mu_
  // Retries and delayed uploads (EnqueueSoon), by when they are due; a file
  // is in it at most once (scheduled_ finds its entry), so counts are files.
  using Schedule = std::multimap<Clock::time_point, std::shared_ptr<FileState>>;
  Schedule retry_;                                      // guarded by mu_
  std::map<FileState*, Schedule::iterator> scheduled_;  // guarded by mu_
  std::map<FileState*, int> shutdown_failures_;         // guarded by mu_
  int active_ = 0;                                      // guarded by mu_
  uint64_t uploaded_ = 0, failed_ = 0;                  // guarded by mu_
  std::string last_error_;                              // guarded by mu_
  bool draining_ = false;                               // guarded by mu_
  bool stopping_ = false;                               // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace sos
