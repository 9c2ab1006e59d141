// StorageEngine: everything sosd keeps, behind one interface the S3 handlers call.
//
// Data: each object is one or more immutable blobs (a PUT is one blob; a
// multipart object is its parts' blobs, never copied again). Every blob is
// written to all replica drives in parallel, with a checksum per block that is
// verified on every read; a bad or missing replica is read from another one.
// Every drive also keeps an append-only journal of all commits (bucket, key,
// metadata, segment list, accounts, keys, ACLs) so that Rebuild() can recreate
// the index from the drives alone (see journal.h).
//
// Index: LMDB (buckets, objects, uploads and parts, accounts and keys, blob
// reference counts). A commit is one write transaction, so conditional writes
// (If-Match / If-None-Match) are atomic under concurrent writers, and a reader
// sees either the old or the new object, never a mix. Copies share blobs by
// reference count: copy + delete (a rename) is O(1) in data.
//
// Durability: a commit returns only after the blob data and the index are
// fsync'd (FsyncPolicy::kAlways, the default). Blobs written but never
// committed (crash, abort, failed precondition) are reclaimed, also at the
// next Open after a kill -9; so is the space of replaced and deleted objects.
//
// Thread-safe: any number of threads may call one engine at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "s3core/body.h"
#include "s3core/model.h"
#include "s3core/status.h"

namespace sos {

enum class FsyncPolicy {
  kAlways,  // fsync data and index before acknowledging (default, durable)
  kNever,   // leave it to the kernel (benchmarks, scratch data; NOT durable)
};

// The background scrubber's pace (scrubber.h): a full pass re-reads every
// replica; caps keep it from starving clients.
struct ScrubLimits {
  uint64_t bytes_per_second = uint64_t{64} << 20;  // 0: no cap
  uint32_t blobs_per_second = 500;                 // 0: no cap
  std::chrono::seconds interval{7 * 24 * 3600};    // a pass starts this long after the last began
};

// Where the scrubber is. Every blob was verified at or after
// last_pass_started once a pass has completed (passes_completed > 0).
struct ScrubProgress {
  bool running = false;
  uint64_t blobs_done = 0;  // of the running pass (or the last)
  uint64_t bytes_done = 0;
  uint64_t blobs_total = 0;   // blobs in the index when it was last asked
  uint64_t faults_found = 0;  // in the running pass
  TimePoint pass_started{};   // of the running pass
  TimePoint last_pass_started{};
  TimePoint last_pass_completed{};  // epoch: never
  uint64_t passes_completed = 0;
  uint64_t faults_total = 0;  // replicas found bad or missing by every pass
};

struct StorageOptions {
  std::string data_dir;             // holds the LMDB index ("index/")
  std::vector<std::string> drives;  // replica directories; empty = 3 under data_dir
  FsyncPolicy fsync = FsyncPolicy::kAlways;
  uint32_t block_size = 1 << 20;  // checksum granularity of blob data
  // LMDB map size: address space only (the file grows as it fills). Large,
  // since the index also holds the bytes of inline objects (blob_store.h).
  uint64_t map_size = uint64_t{4} << 40;

  // Background maintenance thread: replica repairs, drive health probes,
  // journal checkpoints and expiry of abandoned blobs every
  // maintenance_interval; a full garbage-collection scan of the drives right
  // after Open and then every gc_interval. Zero disables the thread (tests then
  // call CollectGarbage / Scrub themselves).
  std::chrono::milliseconds maintenance_interval{1000};
  std::chrono::seconds gc_interval{3600};
  // A finished blob that no commit references within this time is reclaimed.
  std::chrono::seconds abandoned_blob_grace{3600};
  // Multipart uploads started longer ago than this are aborted (their parts
  // freed) by the background thread, hourly and after Open; 0: never. An
  // upload left behind by a client that gave up otherwise holds space forever.
  std::chrono::seconds stale_upload_expiry{7 * 24 * 3600};
  // A journal generation is checkpointed once its log exceeds this size (and
  // the size of the last snapshot).
  uint64_t checkpoint_bytes = uint64_t{64} << 20;
  // The background scrubber (runs with the maintenance thread); its progress
  // is kept in DATA/scrub-state.
  ScrubLimits scrub;
  // Operational messages (drive failures, repairs, rebuilds); default stderr.
  std::function<void(std::string_view)> log;
};

// A piece of an object's data: [offset, offset+length) of a blob, or, for a
// small object, bytes kept in the object's record itself ("inline": no blob
// files; the record is journalled on every drive and checksummed, see
// blob_store.h).
struct Segment {
  std::string blob_id;  // "" for an inline segment
  uint64_t offset = 0;
  uint64_t length = 0;
  std::string data;  // an inline segment's bytes [offset, offset+length)
  bool is_inline() const { return blob_id.empty(); }
};

// What a blob is written for: a whole object's data may be kept inline when
// small; a multipart part never is (a record holds at most one inline segment).
enum class BlobUse { kObject, kPart };

// One stored object (the current version of a key).
struct ObjectRecord {
  ObjectMeta meta;                // key, size, etag (quoted), last_modified, headers, user meta
  std::string owner_id;           // canonical ID of the writing organisation
  std::string acl;                // encoded AccessControlPolicy ("" = private to owner)
  std::vector<Segment> segments;  // in order; sizes add up to meta.size
  std::map<std::string, std::string> tags;  // S3 object tags (key -> value)
  // Versioning (versioning.h). "" is the null version: every object written
  // while its bucket's versioning was never enabled, or while suspended.
  std::string version_id;
  uint64_t version_seq = 0;    // orders a key's versions (newest highest)
  bool delete_marker = false;  // only ever a noncurrent entry in the index
  // Object lock (object_lock.h): a version that cannot be deleted for good
  // before retain_until ("" mode: none), or while on legal hold.
  std::string lock_mode;  // "", "GOVERNANCE" or "COMPLIANCE"
  TimePoint retain_until{};
  bool legal_hold = false;
};

struct BucketRecord {
  std::string name;
  std::string owner_id;
  TimePoint created{};
  std::string acl;          // encoded AccessControlPolicy ("" = private to owner)
  std::string cors;         // CORSConfiguration XML, "" = none
  std::string lifecycle;    // LifecycleConfiguration XML, "" = none
  std::string versioning;   // "" (never enabled), "Enabled" or "Suspended"
  std::string object_lock;  // ObjectLockConfiguration XML, "" = object lock not enabled
};

struct Account {
  std::string id;  // canonical ID (64 hex chars, as S3's)
  std::string display_name;
  TimePoint created{};
};

struct AccessKey {
  std::string access_key_id;
  std::string secret;  // never logged
  std::string account_id;
  TimePoint created{};
};

// Preconditions checked inside the commit transaction.
struct WritePrecondition {
  std::optional<std::string> if_match;       // quoted ETag or "*"
  std::optional<std::string> if_none_match;  // "*" (create only) or an ETag
};

// What a reader saw of an object, to check it is still the same one (the
// ETag and the modification time tell two writes apart).
struct ObjectVersion {
  std::string etag;
  TimePoint last_modified;
  static ObjectVersion Of(const ObjectMeta& m) { return {m.etag, m.last_modified}; }
  bool Matches(const ObjectMeta& m) const {
    return m.etag == etag && m.last_modified == last_modified;
  }
};

// A blob being written: data goes to every replica as it arrives.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  virtual Status Write(std::string_view data) = 0;
  // Seals the blob (flushes and, per policy, fsyncs every replica), or, for
  // a small BlobUse::kObject blob, returns its bytes as an inline segment
  // (no files; made durable by the commit's journal record). The blob is
  // garbage until referenced by a commit: a commit that fails (precondition,
  // missing bucket, ...) deletes the fresh blobs it names; a blob nobody
  // commits is reclaimed after StorageOptions::abandoned_blob_grace, or at
  // once if the writer is destroyed before Finish.
  virtual Result<Segment> Finish() = 0;
  // MD5 of everything written, raw 16 bytes (HexEncode it for an ETag);
  // valid after Finish.
  virtual std::string md5() const = 0;
  virtual uint64_t size() const = 0;
};

// Reads a committed object's bytes, verifying block checksums.
class ObjectReader {
 public:
  virtual ~ObjectReader() = default;
  // Streams [offset, offset+length) to sink.
  virtual Status Read(uint64_t offset, uint64_t length, const BodySink& sink) = 0;
};

struct ListObjectsQuery {
  std::string prefix;
  std::string delimiter;
  std::string start_after;  // exclusive; a v1 marker or v2 decoded token
  int max_keys = 1000;
};

// ListObjectVersions: keys in order, each key's versions newest first.
struct ListVersionsQuery {
  std::string prefix;
  std::string delimiter;
  std::string key_marker;         // exclusive: start after this key...
  std::string version_id_marker;  // ...or after this version of it
  int max_keys = 1000;
};

struct VersionEntry {
  ObjectRecord record;  // segments left empty; a delete marker has delete_marker set
  bool is_latest = false;
};

struct ListVersionsPage {
  std::vector<VersionEntry> versions;
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_key_marker;  // when truncated
  std::string next_version_id_marker;
};

// What a DeleteObject did, as S3 reports it.
struct DeleteOutcome {
  std::string version_id;      // of the version removed or the marker made ("" = none)
  bool delete_marker = false;  // a delete marker was made or removed
};

struct ListObjectsPage {
  std::vector<ObjectRecord> objects;  // segments may be left empty
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_start_after;  // last key or prefix returned, when truncated
};

struct UploadRecord {
  std::string upload_id;
  std::string bucket;
  std::string key;
  TimePoint initiated{};
  ObjectRecord object;  // metadata, owner and ACL of the object to be
};

struct PartRecord {
  int part_number = 0;
  std::string etag;  // quoted md5 of the part
  uint64_t size = 0;
  TimePoint last_modified{};
  Segment segment;
};

struct DriveStats {
  std::string path;
  bool ok = true;                  // false: failed, skipped for writes until it comes back
  uint64_t read_faults = 0;        // replicas found missing/corrupt/unreadable (served elsewhere)
  uint64_t checksum_failures = 0;  // of those, replicas whose bytes failed their checksum
  uint64_t write_faults = 0;       // failed replica writes and health probes (ENOSPC included)
  uint64_t repairs = 0;            // replicas rewritten from a good copy
  uint64_t free_bytes = 0;
  uint64_t total_bytes = 0;
  bool full = false;       // the last write to it found no space
  bool refilling = false;  // came back or was replaced; no scrub pass has refilled it yet
  std::string error;       // why it failed (when !ok)
};

// One blob's copies, as InspectBlobs sees them.
struct BlobReplicas {
  std::string blob_id;
  uint64_t size = 0;                       // of its replica files (0: none found)
  std::vector<bool> on_drive;              // a replica file is there (same order as the drives)
  std::optional<TimePoint> last_verified;  // the scrubber found every replica it read good
  uint32_t replicas_verified = 0;          // how many it read then
};

struct StorageStats {
  uint64_t objects = 0;
  uint64_t blobs = 0;
  uint64_t bytes_logical = 0;
  std::vector<bool> drive_ok;
  std::vector<DriveStats> drives;  // same order as StorageOptions::drives
  uint64_t uploads = 0;            // multipart uploads in progress
  uint64_t pending_repairs = 0;    // replicas known bad or missing, queued for repair
  uint64_t under_replicated = 0;   // blobs among them (a blob counts once)
  size_t quorum = 0;               // healthy drives needed to accept writes
  ScrubProgress scrub;
  // Group commit, since the engine opened: batches committed, the changes in
  // them (a PUT, a DELETE...), and the syncs of small blobs (one per batch
  // at most, shared by every small blob in it).
  uint64_t commit_batches = 0;
  uint64_t commit_changes = 0;
  uint64_t blob_syncs = 0;
};

class StorageEngine {
 public:
  static Result<std::unique_ptr<StorageEngine>> Open(StorageOptions options);
  virtual ~StorageEngine() = default;

  // Accounts and keys.
  virtual Status CreateAccount(const Account& account) = 0;
  virtual Result<Account> GetAccount(const std::string& id) = 0;
  virtual Result<std::vector<Account>> ListAccounts() = 0;
  virtual Status DeleteAccount(const std::string& id) = 0;  // NotEmpty if it owns buckets
  virtual Status AddKey(const AccessKey& key) = 0;
  virtual Result<AccessKey> LookupKey(const std::string& access_key_id) = 0;
  virtual Result<std::vector<AccessKey>> ListKeys(const std::string& account_id) = 0;
  virtual Status RevokeKey(const std::string& access_key_id) = 0;

  // Buckets. CreateBucket: AlreadyExists with s3 code BucketAlreadyOwnedByYou
  // or BucketAlreadyExists. DeleteBucket: NotEmpty ("BucketNotEmpty") while it holds
  // objects; its multipart uploads in progress are aborted with it, as S3 does.
  virtual Status CreateBucket(const BucketRecord& bucket) = 0;
  virtual Result<BucketRecord> GetBucket(const std::string& name) = 0;
  virtual Result<std::vector<BucketRecord>> ListBuckets() = 0;
  virtual Status DeleteBucket(const std::string& name) = 0;
  virtual Status SetBucketAcl(const std::string& name, const std::string& acl) = 0;
  virtual Status SetBucketCors(const std::string& name, const std::string& cors) = 0;
  virtual Status SetBucketLifecycle(const std::string& name, const std::string& lifecycle) {
    (void)name, (void)lifecycle;
    return Status::NotSupported("SetBucketLifecycle");
  }
  // "Enabled" or "Suspended" (S3's rule: a bucket never goes back to "").
  // A bucket with object lock cannot be suspended (InvalidBucketState).
  virtual Status SetBucketVersioning(const std::string& name, const std::string& state) {
    (void)name, (void)state;
    return Status::NotSupported("SetBucketVersioning");
  }
  // Object lock (object_lock.h): `config` (ObjectLockConfiguration XML) needs
  // versioning Enabled (InvalidBucketState).
  virtual Status SetBucketObjectLock(const std::string& name, const std::string& config) {
    (void)name, (void)config;
    return Status::NotSupported("SetBucketObjectLock");
  }
  // A version's retention (mode "" removes it) and legal hold; version_id ""
  // is the current one. AccessDenied when the rules refuse the change.
  virtual Status SetObjectRetention(const std::string& bucket, const std::string& key,
                                    const std::string& version_id, const std::string& mode,
                                    TimePoint until, bool bypass_governance) {
    (void)bucket, (void)key, (void)version_id, (void)mode, (void)until, (void)bypass_governance;
    return Status::NotSupported("SetObjectRetention");
  }
  virtual Status SetObjectLegalHold(const std::string& bucket, const std::string& key,
                                    const std::string& version_id, bool on) {
    (void)bucket, (void)key, (void)version_id, (void)on;
    return Status::NotSupported("SetObjectLegalHold");
  }

  // Objects.
  virtual Result<std::unique_ptr<BlobWriter>> NewBlob(BlobUse use) = 0;
  // Makes `record` (with segments from finished blobs) the current version of
  // bucket/key, atomically checking the precondition (412 PreconditionFailed).
  virtual Result<ObjectRecord> CommitObject(const std::string& bucket, ObjectRecord record,
                                            const WritePrecondition& precondition = {}) = 0;
  // Versioned buckets (versioning.h): a write keeps the version it replaces
  // (Enabled) or replaces the null version (Suspended).
  //
  // The current version, or with `version_id` that version ("null": the null
  // version; a delete marker comes back with delete_marker set). NoSuchKey,
  // or NoSuchVersion for a version id that is not there.
  virtual Result<ObjectRecord> HeadObject(const std::string& bucket, const std::string& key,
                                          const std::string& version_id = "") = 0;
  virtual Result<std::unique_ptr<ObjectReader>> OpenObject(const ObjectRecord& record) = 0;
  // Without `version_id`: removes the current version (versioned buckets: a
  // delete marker takes its place). With it: removes that version for good
  // (the next one becomes current). Deleting a missing key or version succeeds.
  // A locked version is not deleted (AccessDenied) unless its GOVERNANCE
  // retention is bypassed (the caller checked the right to).
  virtual Result<DeleteOutcome> DeleteObject(const std::string& bucket, const std::string& key,
                                             const std::string& version_id = "",
                                             bool bypass_governance = false) = 0;
  virtual Result<ListObjectsPage> ListObjects(const std::string& bucket,
                                              const ListObjectsQuery& query) = 0;
  virtual Result<ListVersionsPage> ListObjectVersions(const std::string& bucket,
                                                      const ListVersionsQuery& query) {
    (void)bucket, (void)query;
    return Status::NotSupported("ListObjectVersions");
  }
  // Makes dst share src's blobs; `dst` carries the new metadata/owner/ACL
  // (its segments are ignored and taken from the source inside the transaction).
  // With `source_version` (the version whose ACL and copy conditions the caller
  // checked), a source that is no longer that version fails with kCancelled
  // and nothing is written: the caller loads the source again.
  virtual Result<ObjectRecord> CopyObject(const std::string& src_bucket, const std::string& src_key,
                                          const std::string& dst_bucket, ObjectRecord dst,
                                          const WritePrecondition& precondition = {},
                                          const std::optional<ObjectVersion>& source_version = {},
                                          const std::string& src_version_id = "") = 0;
  // Replace the object's tags or ACL (NoSuchKey when there is no object).
  // With `version` (the one the caller authorized), an object that is no
  // longer that version fails with kCancelled and nothing changes.
  virtual Status SetObjectTags(const std::string& bucket, const std::string& key,
                               const std::map<std::string, std::string>& tags,
                               const std::optional<ObjectVersion>& version = {}) {
    (void)bucket, (void)key, (void)tags, (void)version;
    return Status::NotSupported("SetObjectTags");
  }
  virtual Status SetObjectAcl(const std::string& bucket, const std::string& key,
                              const std::string& acl,
                              const std::optional<ObjectVersion>& version = {}) = 0;

  // Multipart uploads (NoSuchUpload when the id is unknown).
  virtual Result<UploadRecord> CreateUpload(const std::string& bucket, const std::string& key,
                                            const ObjectRecord& object) = 0;
  virtual Result<UploadRecord> GetUpload(const std::string& bucket, const std::string& key,
                                         const std::string& upload_id) = 0;
  virtual Status PutPart(const std::string& upload_id, const PartRecord& part) = 0;
  virtual Result<std::vector<PartRecord>> ListParts(const std::string& upload_id) = 0;
  // Validates the list (InvalidPart, InvalidPartOrder, EntityTooSmall for
  // parts under min_part_size except the last), computes the multipart ETag,
  // and commits the object from the parts' blobs; unused parts are released.
  virtual Result<ObjectRecord> CompleteUpload(const std::string& upload_id,
                                              const std::vector<CompletedPart>& parts,
                                              const WritePrecondition& precondition = {},
                                              uint64_t min_part_size = 5 << 20) = 0;
  virtual Status AbortUpload(const std::string& upload_id) = 0;
  // An upload this process completed within the last hour, while its object
  // still holds what the completion made (a client retrying a completion
  // whose answer it lost gets that answer again, as from S3); else NotFound.
  struct CompletedUpload {
    UploadRecord upload;
    ObjectRecord object;
  };
  virtual Result<CompletedUpload> FindCompletedUpload(const std::string& bucket,
                                                      const std::string& key,
                                                      const std::string& upload_id) {
    (void)bucket, (void)key, (void)upload_id;
    return Status::NotFound("FindCompletedUpload", "NoSuchUpload");
  }
  // Aborts every upload initiated before `cutoff`; returns how many.
  virtual Result<uint64_t> AbortUploadsInitiatedBefore(TimePoint cutoff) {
    (void)cutoff;
    return Status::NotSupported("AbortUploadsInitiatedBefore");
  }
  virtual Result<std::vector<UploadRecord>> ListUploads(const std::string& bucket,
                                                        const std::string& prefix) = 0;

  // Single-use tokens (pre-signed URLs with X-Sos-Once). ConsumeNonce records
  // `nonce` (kept until `expires`, journaled like every commit) in one write
  // transaction: exactly one of any number of concurrent calls with the same
  // nonce succeeds, the others (and every later one) get AlreadyExists.
  virtual Status ConsumeNonce(const std::string& nonce, TimePoint expires) {
    (void)nonce, (void)expires;
    return Status::NotSupported("ConsumeNonce");
  }
  // Forgets the nonces that expired before `now`; returns how many.
  virtual Result<uint64_t> PurgeNonces(TimePoint now) {
    (void)now;
    return uint64_t{0};
  }

  // Maintenance.
  // Recreates the index from the blobs' self-description on the drives.
  virtual Status Rebuild() = 0;
  // Frees unreferenced blobs now (also runs in the background and at Open).
  virtual Status CollectGarbage() = 0;
  virtual Result<StorageStats> Stats() = 0;
  // Verifies every replica of every blob and rewrites the bad or missing ones
  // from a good copy (counted in DriveStats), now, on the caller's thread.
  // Reads do the same lazily; the background scrubber does it at its pace.
  virtual Status Scrub() { return Status::NotSupported("Scrub"); }
  // Asks for a background scrub pass that starts from now (one under way
  // finishes first); `at_full_speed` lifts the rate caps until it is done.
  // Returns at once, with the ScrubProgress::passes_completed that means done.
  virtual uint64_t StartScrub(bool at_full_speed = false) {
    (void)at_full_speed;
    return 0;
  }
  // Re-checks failed drives and repairs every replica known to be bad or
  // missing, now; a drive that came back gets a scrub pass.
  virtual Status Heal() { return Status::NotSupported("Heal"); }
  // Where each blob's replicas are and when the scrubber last verified them
  // (sosctl admin object). Reads only the index and the drives' directories.
  virtual Result<std::vector<BlobReplicas>> InspectBlobs(const std::vector<std::string>& blob_ids) {
    (void)blob_ids;
    return Status::NotSupported("InspectBlobs");
  }
};

}  // namespace sos
