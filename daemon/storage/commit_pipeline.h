// CommitPipeline: every change of the index, as group commits.
//
// A mutation is a function run inside the write transaction: it reads, checks
// its preconditions and applies ops through IndexTxn. Callers Submit one and
// block; the first caller to find no committer running becomes the leader and
// commits everything queued meanwhile as one LMDB transaction, each mutation
// in its own nested transaction (a failed one leaves no trace and does not
// affect the others) and with its own sequence number. Then, for the batch:
// the blob sync (small blobs written without their own fsyncs, see
// BlobStore::SyncUnsynced), one journal append + fdatasync per drive (in
// parallel), one LMDB commit (2 fsyncs). So under load the per-PUT cost of
// durability is shared by many PUTs.
//
// Also owns the engine state persisted with every commit (Table::kMeta,
// "state"): next sequence number, logical bytes, and the journal position (the
// committed length of every drive's log, used by recovery).
//
// Thread-safety: Submit from any thread. Exclusive() runs a function with the
// commit lock held (no batch runs meanwhile).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/storage/index_txn.h"
#include "daemon/storage/journal.h"
#include "daemon/storage/lmdb_index.h"

namespace sos::storage {

struct EngineState {
  uint64_t next_seq = 1;
  uint64_t bytes_logical = 0;
  JournalPosition journal;
};

std::string EncodeState(const EngineState& s);
Result<EngineState> DecodeState(std::string_view in);
inline constexpr std::string_view kStateKey = "state";

class CommitPipeline {
 public:
  using MutationFn = std::function<Status(IndexTxn&)>;

  // blob_sync runs before each batch's journal record: it makes durable the
  // blobs the batch's mutations reference; its failure fails the batch.
  CommitPipeline(Journal* journal, std::function<Status()> blob_sync)
      : journal_(journal), blob_sync_(std::move(blob_sync)) {}

  // (Re)binds to an index and its state (Open, Rebuild). Commit lock held or
  // no concurrent use.
  void Reset(LmdbEnv* env, const EngineState& state);
  EngineState state() const;

  // Runs fn in the next batch. On success, *released gets the blobs whose
  // last reference this mutation dropped (delete them once unpinned).
  Status Submit(const MutationFn& fn, std::vector<std::string>* released = nullptr);

  // Runs fn with the commit lock held. fn may call WriteStateLocked.
  Status Exclusive(const std::function<Status()>& fn);
  // Persists `state` (with the journal's current position) in its own txn.
  Status WriteStateLocked(EngineState state);

  // Batches committed with at least one change, and the changes in them.
  uint64_t batches() const { return batches_.load(std::memory_order_relaxed); }
  uint64_t changes() const { return changes_.load(std::memory_order_relaxed); }

 private:
  struct Pending {
    const MutationFn* fn = nullptr;
    Status status;
    std::vector<std::string> released;
    bool committed = false;  // part of the batch's journal record
    bool done = false;
  };
  void RunBatch(const std::vector<Pending*>& batch);

  Journal* journal_;
  const std::function<Status()> blob_sync_;
  LmdbEnv* env_ = nullptr;

  std::mutex commit_mu_;  // held while a batch or an Exclusive fn runs
  mutable std::mutex state_mu_;
  EngineState state_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<Pending*> queue_;
  bool leader_ = false;

  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> changes_{0};
};

}  // namespace sos::storage
