// StorageEngineImpl: the StorageEngine of sosd (contract in storage_engine.h).
//
// Parts: DriveSet (drives, health) -> BlobStore (replicated checksummed
// blobs) and Journal (per-drive commit log) -> CommitPipeline (group commits
// into the LMDB index via IndexTxn::Apply). BlobRegistry tracks in-flight and
// pinned blobs for the garbage collector.
//
// Durability of a PUT with FsyncPolicy::kAlways, in this order:
//   1. blob: per drive fdatasync(file), rename, fsync(dir), in parallel
//      (a new blobs/xx/ or xx/yy/ directory adds an fsync of its parent)
//   2. journal record: per drive fdatasync, in parallel
//   3. LMDB commit: 2 fdatasyncs (data pages, then meta page)
// = 3 fsyncs per drive + 2, i.e. 5 sequential sync latencies for a lone PUT.
// Concurrent PUTs share steps 2 and 3 (group commit). Deletes, copies and
// other metadata changes cost steps 2 and 3 only.
//
// Recovery at Open: tmp/ is emptied; each journal is truncated to the length
// the index committed (rolling back a record whose LMDB commit never
// happened) and journal generations the index never committed are removed;
// stale journals (replaced drive, missed appends) are healed by a checkpoint;
// after an unclean shutdown (no CLEAN marker) a full GC scan deletes every
// blob file the index does not reference (written but never committed, or
// released but not yet unlinked). If the index is missing but the drives hold
// journals, Open rebuilds it first (never starts empty over full drives).
//
// Locks: world_mu_ is taken shared by every operation and exclusively by
// Rebuild (which swaps the LMDB environment). LookupKey hits an in-memory
// cache without any lock but a shared_mutex read.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "daemon/storage/blob_registry.h"
#include "daemon/storage/blob_store.h"
#include "daemon/storage/commit_pipeline.h"
#include "daemon/storage/drive_set.h"
#include "daemon/storage/journal.h"
#include "daemon/storage/lmdb_index.h"
#include "daemon/storage/scrubber.h"
#include "daemon/storage/storage_engine.h"

namespace sos {

class StorageEngineImpl final : public StorageEngine {
 public:
  static Result<std::unique_ptr<StorageEngineImpl>> Open(StorageOptions options);
  ~StorageEngineImpl() override;

  Status CreateAccount(const Account& account) override;
  Result<Account> GetAccount(const std::string& id) override;
  Result<std::vector<Account>> ListAccounts() override;
  Status DeleteAccount(const std::string& id) override;
  Status AddKey(const AccessKey& key) override;
  Result<AccessKey> LookupKey(const std::string& access_key_id) override;
  Result<std::vector<AccessKey>> ListKeys(const std::string& account_id) override;
  Status RevokeKey(const std::string& access_key_id) override;

  Status CreateBucket(const BucketRecord& bucket) override;
  Result<BucketRecord> GetBucket(const std::string& name) override;
  Result<std::vector<BucketRecord>> ListBuckets() override;
  Status DeleteBucket(const std::string& name) override;
  Status SetBucketAcl(const std::string& name, const std::string& acl) override;
  Status SetBucketCors(const std::string& name, const std::string& cors) override;
  Status SetBucketLifecycle(const std::string& name, const std::string& lifecycle) override;
  Status SetBucketVersioning(const std::string& name, const std::string& state) override;
  Status SetBucketObjectLock(const std::string& name, const std::string& config) override;
  Status SetObjectRetention(const std::string& bucket, const std::string& key,
                            const std::string& version_id, const std::string& mode, TimePoint until,
                            bool bypass_governance) override;
  Status SetObjectLegalHold(const std::string& bucket, const std::string& key,
                            const std::string& version_id, bool on) override;
  // The bucket record with `change` applied, committed.
  Status UpdateBucketRecord(const std::string& name,
                            const std::function<void(BucketRecord&)>& change);

  Result<std::unique_ptr<BlobWriter>> NewBlob(BlobUse use) override;
  Result<ObjectRecord> CommitObject(const std::string& bucket, ObjectRecord record,
                                    const WritePrecondition& precondition = {}) override;
  Result<ObjectRecord> HeadObject(const std::string& bucket, const std::string& key,
                                  const std::string& version_id = "") override;
  Result<std::unique_ptr<ObjectReader>> OpenObject(const ObjectRecord& record) override;
  Result<DeleteOutcome> DeleteObject(const std::string& bucket, const std::string& key,
                                     const std::string& version_id = "",
                                     bool bypass_governance = false) override;
  Result<ListObjectsPage> ListObjects(const std::string& bucket,
                                      const ListObjectsQuery& query) override;
  Result<ListVersionsPage> ListObjectVersions(const std::string& bucket,
                                              const ListVersionsQuery& query) override;
  Result<ObjectRecord> CopyObject(const std::string& src_bucket, const std::string& src_key,
                                  const std::string& dst_bucket, ObjectRecord dst,
                                  const WritePrecondition& precondition = {},
                                  const std::optional<ObjectVersion>& source_version = {},
                                  const std::string& src_version_id = "") override;
  Status SetObjectTags(const std::string& bucket, const std::string& key,
                       const std::map<std::string, std::string>& tags,
                       const std::optional<ObjectVersion>& version = {}) override;
  Status SetObjectAcl(const std::string& bucket, const std::string& key, const std::string& acl,
                      const std::optional<ObjectVersion>& version = {}) override;
  // The object record (of `version`, if given) with `change` applied,
  // committed (metadata only).
  Status UpdateObjectRecord(const std::string& bucket, const std::string& key,
                            const std::optional<ObjectVersion>& version,
                            const std::function<void(ObjectRecord&)>& change);

  Result<UploadRecord> CreateUpload(const std::string& bucket, const std::string& key,
                                    const ObjectRecord& object) override;
  Result<UploadRecord> GetUpload(const std::string& bucket, const std::string& key,
                                 const std::string& upload_id) override;
  Status PutPart(const std::string& upload_id, const PartRecord& part) override;
  Result<std::vector<PartRecord>> ListParts(const std::string& upload_id) override;
  Result<ObjectRecord> CompleteUpload(const std::string& upload_id,
                                      const std::vector<CompletedPart>& parts,
                                      const WritePrecondition& precondition = {},
                                      uint64_t min_part_size = 5 << 20) override;
  Status AbortUpload(const std::string& upload_id) override;
  Result<CompletedUpload> FindCompletedUpload(const std::string& bucket, const std::string& key,
                                              const std::string& upload_id) override;
  static constexpr std::chrono::hours kCompletionMemory{1};
  void RememberCompletion(UploadRecord upload, const std::string& etag);
  Result<uint64_t> AbortUploadsInitiatedBefore(TimePoint cutoff) override;
  Result<std::vector<UploadRecord>> ListUploads(const std::string& bucket,
                                                const std::string& prefix) override;

  Status ConsumeNonce(const std::string& nonce, TimePoint expires) override;
  Result<uint64_t> PurgeNonces(TimePoint now) override;

  Status Rebuild() override;
  Status CollectGarbage() override;
  Result<StorageStats> Stats() override;
  Status Scrub() override;
  uint64_t StartScrub(bool at_full_speed) override;
  Status Heal() override;
  Result<std::vector<BlobReplicas>> InspectBlobs(const std::vector<std::string>& blob_ids) override;

  // Starts a new journal generation and writes its snapshot now.
  Status Checkpoint();
  // One pass of the background work (repairs, probes, checkpoint, expiry).
  Status RunMaintenance();

 private:
  explicit StorageEngineImpl(StorageOptions options);
  Status Init();
  Status InitIndex();
  Status RebuildLocked();
  Status CheckpointLocked();
  Status CollectGarbageLocked();
  Status ProcessRepairs();
  // Probes every drive; one that came back gets a scrub pass. True if any did.
  bool ProbeDrives();
  void MarkRefilling(size_t drive);
  // DATA/refill-state: each drive's refill_requested_ms, so that a drive still
  // being refilled shows so after a restart.
  void LoadRefillMarks();
  void SaveRefillMarks();
  // The scrubber's view of the index and the drives.
  storage::Scrubber::Hooks ScrubHooks();
  void BackgroundLoop();
  void Log(std::string_view msg) const;

  // Commits a mutation; blobs it released are deleted (or deferred if pinned).
  Status Mutate(const storage::CommitPipeline::MutationFn& fn);
  // Inside a mutation: checks the segments name finished blobs of this engine
  // (claiming fresh ones) or already referenced ones.
  Status ClaimSegments(storage::IndexTxn& txn, const std::vector<Segment>& segments,
                       std::vector<std::string>* claimed);
  // After a mutation with fresh blobs: forget them, and delete them if it failed.
  void SettleClaims(const std::vector<Segment>& segments, const std::vector<std::string>& claimed,
                    bool committed);
  void ReleaseBlobs(const std::vector<std::string>& ids);
  Result<storage::Txn> ReadTxn();
  void InvalidateKeys(const std::string& access_key_id);

  StorageOptions options_;
  std::string index_dir_;
  storage::UniqueFd lock_fd_;
  std::shared_ptr<storage::DriveSet> drives_;
  std::shared_ptr<storage::BlobRegistry> registry_;
  std::shared_ptr<storage::BlobStore> blobs_;
  std::unique_ptr<storage::Journal> journal_;
  std::unique_ptr<LmdbEnv> env_;
  std::unique_ptr<storage::CommitPipeline> pipeline_;

  std::shared_mutex world_mu_;

  std::shared_mutex key_cache_mu_;
  std::unordered_map<std::string, AccessKey> key_cache_;
  uint64_t key_cache_gen_ = 0;  // guarded by key_cache_mu_

  // Replicas known to be bad or missing: (blob id, drive) -> when to try
  // again. A repair that fails waits longer each time (1 s doubling to an
  // hour), so a blob with no good copy left does not spin.
  struct RepairQueue {
    struct Retry {
      int failures = 0;
      std::chrono::steady_clock::time_point next{};
    };
    std::mutex mu;
    std::map<std::pair<std::string, size_t>, Retry> items;
  };
  std::shared_ptr<RepairQueue> repairs_;

  // Uploads completed lately (FindCompletedUpload): id -> the upload and the
  // ETag its completion made, with when; bounded, the oldest go first.
  struct RecentCompletion {
    UploadRecord upload;
    std::string etag;
    std::chrono::steady_clock::time_point at;
  };
  std::mutex completions_mu_;
  std::map<std::string, RecentCompletion> completions_;  // guarded by completions_mu_
  bool initialized_ = false;

  std::mutex gc_mu_;      // one GC scan at a time
  std::mutex repair_mu_;  // one ProcessRepairs at a time (repairs share temp names)
  std::mutex checkpoint_mu_;
  // A checkpoint unmaps the index pages it read after this many bytes.
  static constexpr uint64_t kReleaseMappedEvery = 16 << 20;
  // RunMaintenance's retries of a degraded journal (background thread only).
  static constexpr std::chrono::steady_clock::duration kMaxDegradedBackoff =
      std::chrono::minutes(10);
  std::chrono::steady_clock::duration degraded_backoff_{};
  std::chrono::steady_clock::time_point next_degraded_checkpoint_{};
  std::mutex refill_mu_;  // one writer of DATA/refill-state at a time

  std::unique_ptr<storage::Scrubber> scrubber_;

  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  bool bg_stop_ = false;
  std::thread bg_thread_;
};

}  // namespace sos
