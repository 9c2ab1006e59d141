// DriveSet: the replica drives, their on-disk layout, health and fault counts.
//
// Layout of one drive directory (directories kPrivateDirMode, files
// kPrivateFileMode: fs_util.h; Open repairs the modes of the drive directory,
// its entries and the journal files):
//   SOSDRIVE          marker: format line + this drive's uuid
//   blobs/xx/yy/<id>  immutable blob files (blob_store.h); xx/ and yy/ are
//                     created on first use (durably: the parent is fsync'd,
//                     or by the group commit's sync) and then remembered
//   tmp/              blobs being written; anything here at Open is garbage
//   journal/          commit log generations and snapshots (journal.h)
//
// A drive whose directory is missing at Open is created empty ("replaced"):
// reads fall back to the other replicas and repair it lazily. At runtime a
// drive is marked failed on an I/O error other than ENOSPC (a full drive is
// healthy, just full) and is skipped for writes until Probe() finds its
// marker again. The write quorum is a majority of the configured drives
// (2 of 3): a blob or journal write succeeds if at least that many replicas
// succeed.
//
// Thread-safe: health and counters are atomics; paths are immutable.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/storage/fs_util.h"
#include "s3core/status.h"

namespace sos::storage {

class DriveSet {
 public:
  struct Drive {
    std::string path;
    std::string uuid;
    bool fresh = false;  // created empty at this Open
    std::atomic<bool> ok{true};
    std::atomic<uint64_t> read_faults{0};
    std::atomic<uint64_t> checksum_failures{0};  // those of read_faults whose bytes were wrong
    std::atomic<uint64_t> write_faults{0};
    std::atomic<uint64_t> repairs{0};
    std::atomic<bool> full{false};  // the last write found no space (cleared by a good one)
    // When (ms since the epoch) it came back or was found empty; 0: never.
    std::atomic<int64_t> refill_requested_ms{0};
    // Why it failed, while it is failed.
    std::string error() const {
      std::lock_guard lock(error_mu);
      return last_error;
    }
    mutable std::mutex error_mu;
    std::string last_error;  // guarded by error_mu
    // The blobs/xx/yy directories known to exist (by xxyy), so that a write
    // skips their mkdirs. Cleared when the drive fails or comes back.
    std::unique_ptr<std::atomic<bool>[]> known_dirs { new std::atomic<bool>[kBlobDirCount] {} };
  };
  static constexpr size_t kBlobDirCount = 1 << 16;

  static Result<std::unique_ptr<DriveSet>> Open(const std::vector<std::string>& paths, bool durable,
                                                LogFn log);

  size_t size() const { return drives_.size(); }
  size_t quorum() const { return drives_.size() / 2 + 1; }
  bool durable() const { return durable_; }
  Drive& drive(size_t i) { return *drives_[i]; }
  const Drive& drive(size_t i) const { return *drives_[i]; }
  bool ok(size_t i) const { return drives_[i]->ok.load(std::memory_order_relaxed); }
  size_t healthy_count() const;

  // Marks a drive failed (not for ENOSPC) and logs why.
  void Fail(size_t i, const Status& why);
  // Re-checks a drive: its marker, and that a file can be made and removed
  // in tmp/ (a read-only or failing disk cannot; a full one still can).
  // Returns whether it became healthy again.
  bool Probe(size_t i);

  std::string BlobDir(size_t i, std::string_view id) const;  // .../blobs/xx/yy
  // Renames the finished replica `tmp` to its place; `synced`: and fsyncs
  // the directory, else the rename is left to SyncUnsynced (the caller
  // counts it, NoteUnsynced, before writing the file).
  Status PlaceBlob(size_t i, const std::string& tmp, std::string_view id, bool synced);

  // Writes whose durability a group commit provides (small blobs and their
  // directories, BlobStore::SyncUnsynced): counted before they are made, so
  // a commit that reads the count after seeing one of them syncs it.
  void NoteUnsynced() { unsynced_.fetch_add(1, std::memory_order_acq_rel); }
  uint64_t unsynced() const { return unsynced_.load(std::memory_order_acquire); }
  std::string BlobPath(size_t i, std::string_view id) const;
  std::string TmpDir(size_t i) const;
  std::string JournalDir(size_t i) const;

  void Log(std::string_view msg) const {
    if (log_) log_(msg);
  }

 private:
  DriveSet() = default;
  Status InitDrive(Drive& d);

  // Creates blobs/xx/yy for `id` if needed. `synced`: a directory created
  // has its parent fsync'd; else the creation is counted unsynced.
  Status MakeBlobDir(size_t i, std::string_view id, bool synced);
  void ForgetBlobDirs(size_t i);

  std::vector<std::unique_ptr<Drive>> drives_;
  std::atomic<uint64_t> unsynced_{0};
  bool durable_ = true;
  LogFn log_;
};

// 32 lower-case hex characters.
bool IsBlobId(std::string_view id);

}  // namespace sos::storage
