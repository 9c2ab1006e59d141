// IndexTxn: typed reads of the index and the one function that changes it.
//
// Every change of the index is a JournalOp passed to Apply(), which updates the
// record, its secondary entries and the blob reference counts (an object or a
// part holds one reference per segment), and remembers the op. Commits journal
// exactly the ops they applied; Rebuild replays journals through Apply, so a
// rebuilt index, refcounts included, equals the original by construction.
// Apply never validates (that is the caller's job, before it applies anything);
// it only fails on LMDB or decoding errors.
//
// Index keys: objects "bucket\0key" (byte order = S3 listing order), uploads
// "bucket\0key\0id", parts "id\0" + big-endian part number.
//
// Thread-safety: as the underlying Txn (one thread at a time).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/storage/index_records.h"
#include "daemon/storage/lmdb_index.h"
#include "daemon/storage/ordered_table.h"

namespace sos::storage {

inline const OrderedTable kObjectTable{Table::kObjects, Table::kObjectsLong};
inline const OrderedTable kUploadKeyTable{Table::kUploadKeys, Table::kUploadKeysLong};
inline const OrderedTable kVersionTable{Table::kVersions, Table::kVersionsLong};

std::string ObjectIndexKey(std::string_view bucket, std::string_view key);
std::string UploadIndexKey(std::string_view bucket, std::string_view key,
                           std::string_view upload_id);
std::string PartIndexKey(std::string_view upload_id, int part_number);
// "bucket\0key\0" + big-endian ~seq: a key's versions sort newest first.
std::string VersionIndexKey(std::string_view bucket, std::string_view key, uint64_t seq);

class IndexTxn {
 public:
  explicit IndexTxn(Txn& txn) : txn_(txn) {}

  Txn& txn() { return txn_; }

  Result<std::optional<Account>> GetAccount(const std::string& id);
  Result<std::optional<AccessKey>> GetKey(const std::string& access_key_id);
  Result<std::optional<BucketRecord>> GetBucket(const std::string& name);
  Result<std::optional<ObjectRecord>> GetObject(const std::string& bucket, const std::string& key);
  Result<std::optional<UploadRecord>> GetUpload(const std::string& upload_id);
  Result<std::optional<PartRecord>> GetPart(const std::string& upload_id, int part_number);
  Result<std::vector<PartRecord>> ListParts(const std::string& upload_id);
  Result<uint64_t> Refcount(const std::string& blob_id);
  // A noncurrent version or delete marker by its sequence number.
  Result<std::optional<ObjectRecord>> GetVersion(const std::string& bucket, const std::string& key,
                                                 uint64_t seq);
  // The key's noncurrent versions and delete markers, newest first, at most `max`.
  Result<std::vector<ObjectRecord>> Versions(const std::string& bucket, const std::string& key,
                                             size_t max = SIZE_MAX);
  // Objects, noncurrent versions or delete markers.
  Result<bool> BucketHasObjects(const std::string& bucket);
  // The ids of the bucket's multipart uploads in progress whose key starts
  // with `prefix`, at most `max`.
  Result<std::vector<std::string>> UploadIds(const std::string& bucket,
                                             std::string_view prefix = "", size_t max = SIZE_MAX);

  // Applies one change and records it for the journal.
  Status Apply(JournalOp op);

  std::vector<JournalOp>& ops() { return ops_; }
  // Blobs whose count dropped to zero at some point (check again at the end:
  // a later op of the same commit may have referenced them again).
  const std::set<std::string>& released() const { return released_; }
  int64_t bytes_delta() const { return bytes_delta_; }

 private:
  Status ApplyOne(const JournalOp& op);
  Status AddRef(const std::string& blob_id, int delta);
  Status AddRefs(const std::vector<Segment>& segments, int delta);

  Txn& txn_;
  std::vector<JournalOp> ops_;
  std::set<std::string> released_;
  int64_t bytes_delta_ = 0;
};

// Emits the whole index as put-ops (a journal snapshot), in an order Apply
// can replay: accounts, keys, buckets, objects, versions, uploads, parts, nonces.
Status DumpIndex(Txn& txn, const std::function<Status(const JournalOp&)>& emit);

}  // namespace sos::storage
