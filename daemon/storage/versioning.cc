#include "daemon/storage/versioning.h"

#include <algorithm>
#include <chrono>

#include "daemon/storage/engine_rules.h"
#include "daemon/storage/object_lock.h"
#include "s3core/crypto.h"

namespace sos::storage {
namespace {

constexpr size_t kIdLength = 32;  // 16 hex digits of the sequence, 16 random

Status InvalidVersionId() {
  return Status::InvalidArgument("Invalid version id specified", "InvalidArgument");
}

}  // namespace

std::optional<uint64_t> VersionSeqOf(std::string_view id) {
  if (id.size() != kIdLength) return std::nullopt;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  std::optional<std::string> bytes = HexDecode(id.substr(0, 16));
  if (!bytes) return std::nullopt;
  return FromBigEndianKey(*bytes);
}

namespace {

Result<std::string> NewVersionId(uint64_t seq) {
  SOS_ASSIGN_OR_RETURN(std::string noise, RandomBytes(8));
  return HexEncode(BigEndianKey(seq, 8)) + HexEncode(noise);
}

// Newer than every version of the key, and roughly its time (nanoseconds).
Result<uint64_t> NextSeq(IndexTxn& itx, const std::string& bucket, const std::string& key,
                         const std::optional<ObjectRecord>& current) {
  uint64_t seq = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
  if (current) seq = std::max(seq, current->version_seq + 1);
  SOS_ASSIGN_OR_RETURN(std::vector<ObjectRecord> newest, itx.Versions(bucket, key, 1));
  if (!newest.empty()) seq = std::max(seq, newest[0].version_seq + 1);
  return seq;
}

Status Stamp(IndexTxn& itx, const BucketRecord& bucket, const std::string& key,
             const std::optional<ObjectRecord>& current, ObjectRecord& record) {
  SOS_ASSIGN_OR_RETURN(record.version_seq, NextSeq(itx, bucket.name, key, current));
  record.version_id.clear();
  if (bucket.versioning == "Enabled") {
    SOS_ASSIGN_OR_RETURN(record.version_id, NewVersionId(record.version_seq));
  }
  return Status::Ok();
}

Status PutVersion(IndexTxn& itx, const std::string& bucket, const ObjectRecord& record) {
  return itx.Apply(JournalOp{OpType::kPutVersion, bucket, record.meta.key, EncodeObject(record)});
}

Status DropVersion(IndexTxn& itx, const std::string& bucket, const std::string& key, uint64_t seq) {
  Encoder e;
  e.Fixed64(seq);
  return itx.Apply(JournalOp{OpType::kDeleteVersion, bucket, key, e.Take()});
}

// The null version among the noncurrent ones goes (a new null one replaces it).
Status DropNoncurrentNull(IndexTxn& itx, const std::string& bucket, const std::string& key) {
  SOS_ASSIGN_OR_RETURN(std::vector<ObjectRecord> versions, itx.Versions(bucket, key));
  for (const ObjectRecord& v : versions) {
    if (v.version_id.empty()) return DropVersion(itx, bucket, key, v.version_seq);
  }
  return Status::Ok();
}

// The current version is replaced: kept as noncurrent unless the new one is
// the null version too.
Status KeepReplaced(IndexTxn& itx, const std::string& bucket,
                    const std::optional<ObjectRecord>& current, const ObjectRecord& next) {
  if (!current || (current->version_id.empty() && next.version_id.empty())) return Status::Ok();
  return PutVersion(itx, bucket, *current);
}

// After the current version went: the newest noncurrent one takes its place,
// unless it is a delete marker (the key then reads as deleted).
Status Promote(IndexTxn& itx, const std::string& bucket, const std::string& key) {
  SOS_ASSIGN_OR_RETURN(std::vector<ObjectRecord> newest, itx.Versions(bucket, key, 1));
  if (newest.empty() || newest[0].delete_marker) return Status::Ok();
  // Referenced as current before it is dropped as noncurrent: never zero.
  SOS_RETURN_IF_ERROR(
      itx.Apply(JournalOp{OpType::kPutObject, bucket, key, EncodeObject(newest[0])}));
  return DropVersion(itx, bucket, key, newest[0].version_seq);
}

bool Is(const ObjectRecord& record, const std::string& version_id) {
  return version_id == kNullVersion ? record.version_id.empty() : record.version_id == version_id;
}

}  // namespace

std::string VersionIdText(const ObjectRecord& record, std::string_view state) {
  if (!record.version_id.empty()) return record.version_id;
  return state.empty() ? "" : std::string(kNullVersion);
}

Status PutCurrent(IndexTxn& itx, const BucketRecord& bucket,
                  const std::optional<ObjectRecord>& current, ObjectRecord& record) {
  record.delete_marker = false;
  if (bucket.versioning.empty()) {
    record.version_id.clear();
    record.version_seq = 0;
  } else {
    SOS_RETURN_IF_ERROR(Stamp(itx, bucket, record.meta.key, current, record));
    SOS_RETURN_IF_ERROR(KeepReplaced(itx, bucket.name, current, record));
  }
  // Referenced before a null version it may share blobs with is dropped.
  SOS_RETURN_IF_ERROR(
      itx.Apply(JournalOp{OpType::kPutObject, bucket.name, record.meta.key, EncodeObject(record)}));
  if (!bucket.versioning.empty() && record.version_id.empty()) {
    SOS_RETURN_IF_ERROR(DropNoncurrentNull(itx, bucket.name, record.meta.key));
  }
  return Status::Ok();
}

Result<DeleteOutcome> DeleteCurrent(IndexTxn& itx, const BucketRecord& bucket,
                                    const std::string& key, const std::string& owner_id,
                                    TimePoint now) {
  SOS_ASSIGN_OR_RETURN(std::optional<ObjectRecord> current, itx.GetObject(bucket.name, key));
  if (bucket.versioning.empty()) {
    if (current)
      SOS_RETURN_IF_ERROR(itx.Apply(JournalOp{OpType::kDeleteObject, bucket.name, key, {}}));
    return DeleteOutcome{};
  }
  ObjectRecord marker;
  marker.meta.key = key;
  marker.meta.last_modified = now;
  marker.owner_id = owner_id;
  marker.delete_marker = true;
  SOS_RETURN_IF_ERROR(Stamp(itx, bucket, key, current, marker));
  SOS_RETURN_IF_ERROR(KeepReplaced(itx, bucket.name, current, marker));
  if (current)
    SOS_RETURN_IF_ERROR(itx.Apply(JournalOp{OpType::kDeleteObject, bucket.name, key, {}}));
  if (marker.version_id.empty()) SOS_RETURN_IF_ERROR(DropNoncurrentNull(itx, bucket.name, key));
  SOS_RETURN_IF_ERROR(PutVersion(itx, bucket.name, marker));
  return DeleteOutcome{VersionIdText(marker, bucket.versioning), true};
}

Result<DeleteOutcome> DeleteVersion(IndexTxn& itx, const BucketRecord& bucket,
                                    const std::string& key, const std::string& version_id,
                                    TimePoint now, bool bypass_governance) {
  SOS_ASSIGN_OR_RETURN(std::optional<ObjectRecord> found,
                       FindVersion(itx, bucket.name, key, version_id));
  if (!found) return DeleteOutcome{version_id, false};
  SOS_RETURN_IF_ERROR(CheckDeletable(*found, now, bypass_governance));
  SOS_ASSIGN_OR_RETURN(std::optional<ObjectRecord> current, itx.GetObject(bucket.name, key));
  if (current && current->version_seq == found->version_seq && Is(*current, version_id)) {
    SOS_RETURN_IF_ERROR(itx.Apply(JournalOp{OpType::kDeleteObject, bucket.name, key, {}}));
    SOS_RETURN_IF_ERROR(Promote(itx, bucket.name, key));
    return DeleteOutcome{version_id, false};
  }
  SOS_RETURN_IF_ERROR(DropVersion(itx, bucket.name, key, found->version_seq));
  // A delete marker that was the latest: what it hid becomes current again.
  if (!current) SOS_RETURN_IF_ERROR(Promote(itx, bucket.name, key));
  return DeleteOutcome{version_id, found->delete_marker};
}

Status UpdateVersion(IndexTxn& itx, const std::string& bucket, const std::string& key,
                     const std::string& version_id,
                     const std::function<Status(ObjectRecord&)>& change) {
  SOS_ASSIGN_OR_RETURN(std::optional<ObjectRecord> current, itx.GetObject(bucket, key));
  std::optional<ObjectRecord> found = current;
  if (!version_id.empty()) {
    SOS_ASSIGN_OR_RETURN(found, FindVersion(itx, bucket, key, version_id));
    if (!found) return Status::NotFound("The specified version does not exist.", "NoSuchVersion");
  } else if (!found) {
    return NoSuchKey(bucket, key);
  }
  const bool is_current = current && current->version_seq == found->version_seq &&
                          current->version_id == found->version_id;
  SOS_RETURN_IF_ERROR(change(*found));
  if (is_current) {
    return itx.Apply(JournalOp{OpType::kPutObject, bucket, key, EncodeObject(*found)});
  }
  return PutVersion(itx, bucket, *found);
}

Result<std::optional<ObjectRecord>> FindVersion(IndexTxn& itx, const std::string& bucket,
                                                const std::string& key,
                                                const std::string& version_id) {
  std::optional<uint64_t> seq;
  if (version_id != kNullVersion) {
    seq = VersionSeqOf(version_id);
    if (!seq) return InvalidVersionId();
  }
  SOS_ASSIGN_OR_RETURN(std::optional<ObjectRecord> current, itx.GetObject(bucket, key));
  if (current && Is(*current, version_id)) return current;
  if (seq) {
    SOS_ASSIGN_OR_RETURN(std::optional<ObjectRecord> v, itx.GetVersion(bucket, key, *seq));
    if (v && Is(*v, version_id)) return v;
    return std::optional<ObjectRecord>();
  }
  SOS_ASSIGN_OR_RETURN(std::vector<ObjectRecord> versions, itx.Versions(bucket, key));
  for (ObjectRecord& v : versions) {
    if (v.version_id.empty()) return std::optional<ObjectRecord>(std::move(v));
  }
  return std::optional<ObjectRecord>();
}

}  // namespace sos::storage
