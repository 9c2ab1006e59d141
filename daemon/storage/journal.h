// Journal: the per-drive, append-only commit log that makes the drives
// self-describing, so Rebuild() can recreate the whole index from them.
//
// Every index commit is one record {seq, ops} (index_records.h), appended to
// drive/journal/<gen>.log on every drive before the LMDB commit. Records are
// framed: "SOSR", payload length, seq, payload, XXH3 of seq+payload; a torn or
// corrupt record ends a log. Log files start with a header (gen, first seq).
//
// Crash safety. Order per commit: blobs durable (BlobWriter::Finish) ->
// journal appended and fdatasync'd on every live drive (in parallel) -> LMDB
// commit, which also stores each drive's committed log length (Position). At
// Open, Recover() truncates each log to its committed length: a record written
// but never committed (crash in between) is rolled back, consistently with the
// index. With FsyncPolicy::kNever nothing is fdatasync'd.
//
// Quorum. An append must reach a majority of drives (DriveSet::quorum);
// otherwise it is undone and the commit fails (NoSpace if a drive was full).
// A drive that misses an append (failed, full, replaced, or its log shorter
// than the index says) becomes stale: it gets no further appends until the
// next generation.
//
// Generations bound the log. A checkpoint (1) starts generation g+1 (a new log
// on every healthy drive, stale ones included) under the commit lock, (2)
// writes <g+1>.snap, the whole index as put-ops, from an LMDB read snapshot
// taken at that same point, outside the lock, and (3) deletes older
// generations on the drives that hold the new snapshot. A snapshot ends with
// an end record; without it it is ignored.
//
// Replay (Rebuild) takes the newest complete snapshot found on any drive, then
// merges the logs of all drives from that generation on by sequence number
// (so a record missing on one drive is taken from another), dropping records a
// later generation proves uncommitted.
//
// Thread-safety: Append/Undo/StartGeneration/Recover/Create are called with
// the engine's commit lock held; the other methods are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/storage/drive_set.h"
#include "daemon/storage/fs_util.h"
#include "daemon/storage/index_records.h"
#include "daemon/storage/io_pool.h"

namespace sos::storage {

// Persisted in the index with every commit.
struct JournalPosition {
  uint64_t gen = 0;
  std::map<std::string, uint64_t> offsets;  // drive uuid -> committed log length
};

class SnapshotWriter;

class Journal {
 public:
  Journal(std::shared_ptr<DriveSet> drives, IoPool& pool);

  static std::string Frame(uint64_t seq, std::string_view payload);

  // A new store: generation 1 (empty snapshot, empty log) on every drive.
  Status Create(uint64_t start_seq);
  // Reopen: truncate logs to their committed lengths; others become stale.
  Status Recover(const JournalPosition& pos);
  Status Append(std::string_view framed);
  // Undoes the last Append (its commit failed).
  void Undo();
  JournalPosition position() const;

  // True if a healthy drive's log is stale or it missed the last snapshot (a
  // new generation would heal it).
  bool degraded() const;
  uint64_t log_bytes() const;
  uint64_t snapshot_bytes() const;

  // Checkpoint step 1 (commit lock held): generation+1 starting at start_seq.
  Status StartGeneration(uint64_t start_seq);
  // Checkpoint step 2: produce() adds every op of the index to the writer.
  Status WriteSnapshot(uint64_t gen, uint64_t next_seq,
                       const std::function<Status(SnapshotWriter&)>& produce);

  struct ReplayResult {
    uint64_t next_seq = 1;
    uint64_t max_gen = 0;  // newest generation found on any drive
  };
  // Replays the journals of all drives: apply(seq, ops) in sequence order
  // (seq 0 for the ops of the snapshot).
  static Result<ReplayResult> Replay(
      DriveSet& drives, const std::function<Status(uint64_t seq, std::vector<JournalOp>)>& apply);
  // After a replay: continue numbering generations after `gen`.
  void SetGeneration(uint64_t gen);

 private:
  struct DriveLog {
    UniqueFd fd;
    uint64_t offset = 0;
    uint64_t undo_offset = 0;
    bool live = false;
    bool appended = false;  // by the last Append
  };
  Result<DriveLog> CreateLog(size_t d, uint64_t gen, uint64_t start_seq);
  void DropBefore(uint64_t gen, const std::vector<size_t>& drives);

  std::shared_ptr<DriveSet> drives_;
  IoPool& pool_;
  mutable std::mutex mu_;  // guards the fields below against concurrent readers
  uint64_t gen_ = 0;
  std::vector<DriveLog> logs_;
  uint64_t snapshot_bytes_ = 0;
  bool snapshot_missed_ = false;  // the last snapshot missed a healthy drive
};

// Buffers snapshot ops into records and writes them to every target drive.
class SnapshotWriter {
 public:
  Status Add(const JournalOp& op);

 private:
  friend class Journal;
  Status Flush();
  std::vector<JournalOp> batch_;
  size_t batch_bytes_ = 0;
  uint64_t records_ = 0;
  std::function<Status(std::string_view)> write_;
};

std::string LogName(uint64_t gen);
std::string SnapName(uint64_t gen);

}  // namespace sos::storage
