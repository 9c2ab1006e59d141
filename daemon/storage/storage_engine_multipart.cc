// StorageEngineImpl: multipart uploads. A part is one blob (or a slice of a
// shared one); completing an upload commits an object whose segments are the
// chosen parts' blobs, so no byte is copied, and drops the upload, which
// releases the parts that were not chosen.
#include <algorithm>
#include <map>
#include <tuple>

#include "daemon/storage/engine_rules.h"
#include "daemon/storage/index_txn.h"
#include "daemon/storage/storage_engine_impl.h"
#include "daemon/storage/versioning.h"
#include "s3core/conditions.h"
#include "s3core/crypto.h"

namespace sos {

using storage::IndexTxn;
using storage::JournalOp;
using storage::OpType;
using storage::Txn;

namespace {

constexpr int kMaxPartNumber = 10000;

Result<UploadRecord> RequireUpload(IndexTxn& itx, const std::string& upload_id) {
  SOS_ASSIGN_OR_RETURN(std::optional<UploadRecord> u, itx.GetUpload(upload_id));
  if (!u) return storage::NoSuchUpload(upload_id);
  return std::move(*u);
}

Status InvalidPart(int number, std::string_view why) {
  return Status::InvalidArgument("part " + std::to_string(number) + " " + std::string(why),
                                 "InvalidPart");
}

}  // namespace

Result<UploadRecord> StorageEngineImpl::CreateUpload(const std::string& bucket,
                                                     const std::string& key,
                                                     const ObjectRecord& object) {
  if (key.empty()) return Status::InvalidArgument("empty object key");
  std::shared_lock world(world_mu_);
  UploadRecord u;
  u.upload_id = storage::RandomHex(16);
  u.bucket = bucket;
  u.key = key;
  u.initiated = storage::Now();
  u.object = object;
  u.object.meta.key = key;
  u.object.segments.clear();
  SOS_RETURN_IF_ERROR(Mutate([&](IndexTxn& itx) -> Status {
    SOS_ASSIGN_OR_RETURN(std::optional<BucketRecord> b, itx.GetBucket(bucket));
    if (!b) return storage::NoSuchBucket(bucket);
    return itx.Apply(JournalOp{OpType::kPutUpload, u.upload_id, {}, storage::EncodeUpload(u)});
  }));
  return u;
}

Result<UploadRecord> StorageEngineImpl::GetUpload(const std::string& bucket, const std::string& key,
                                                  const std::string& upload_id) {
  std::shared_lock world(world_mu_);
  SOS_ASSIGN_OR_RETURN(Txn txn, ReadTxn());
  IndexTxn itx(txn);
  SOS_ASSIGN_OR_RETURN(UploadRecord u, RequireUpload(itx, upload_id));
  // S3 also answers NoSuchUpload when the id exists for another key.
  if (u.bucket != bucket || u.key != key) return storage::NoSuchUpload(upload_id);
  return u;
}

Status StorageEngineImpl::PutPart(const std::string& upload_id, const PartRecord& part) {
  if (part.part_number < 1 || part.part_number > kMaxPartNumber) {
    return Status::InvalidArgument("Part number must be an integer between 1 and 10000, inclusive");
  }
  std::shared_lock world(world_mu_);
  PartRecord p = part;
  p.size = p.segment.length;
  if (p.last_modified == TimePoint{}) p.last_modified = storage::Now();
  std::vector<Segment> segments{p.segment};
  std::vector<std::string> claimed;
  Status st = Mutate([&](IndexTxn& itx) -> Status {
    SOS_RETURN_IF_ERROR(RequireUpload(itx, upload_id).status());
    SOS_RETURN_IF_ERROR(ClaimSegments(itx, segments, &claimed));
    // Replaces a part with the same number; Apply releases the old blob.
    return itx.Apply(JournalOp{OpType::kPutPart, upload_id, {}, storage::EncodePart(p)});
  });
  SettleClaims(segments, claimed, st.ok());
  return st;
}

Result<std::vector<PartRecord>> StorageEngineImpl::ListParts(const std::string& upload_id) {
  std::shared_lock world(world_mu_);
  SOS_ASSIGN_OR_RETURN(Txn txn, ReadTxn());
  IndexTxn itx(txn);
  SOS_RETURN_IF_ERROR(RequireUpload(itx, upload_id).status());
  return itx.ListParts(upload_id);
}

Result<ObjectRecord> StorageEngineImpl::CompleteUpload(const std::string& upload_id,
                                                       const std::vector<CompletedPart>& parts,
                                                       const WritePrecondition& precondition,
                                                       uint64_t min_part_size) {
  std::shared_lock world(world_mu_);
  ObjectRecord result;
  UploadRecord completed;
  SOS_RETURN_IF_ERROR(Mutate([&](IndexTxn& itx) -> Status {
    SOS_ASSIGN_OR_RETURN(UploadRecord u, RequireUpload(itx, upload_id));
    SOS_ASSIGN_OR_RETURN(std::optional<BucketRecord> b, itx.GetBucket(u.bucket));
    if (!b) return storage::NoSuchBucket(u.bucket);
    if (parts.empty()) {
      return Status::InvalidArgument("You must specify at least one part", "MalformedXML");
    }
    for (size_t i = 1; i < parts.size(); ++i) {
      if (parts[i].part_number <= parts[i - 1].part_number) {
        return Status::InvalidArgument("The list of parts was not in ascending order",
                                       "InvalidPartOrder");
      }
    }
    SOS_ASSIGN_OR_RETURN(std::vector<PartRecord> stored, itx.ListParts(upload_id));
    std::map<int, const PartRecord*> by_number;
    for (const PartRecord& p : stored) by_number[p.part_number] = &p;
    ObjectRecord o = u.object;
    o.meta.key = u.key;
    o.meta.size = 0;
    o.segments.clear();
    std::string md5s;
    for (size_t i = 0; i < parts.size(); ++i) {
      auto it = by_number.find(parts[i].part_number);
      if (it == by_number.end() || BareEtag(parts[i].etag) != BareEtag(it->second->etag)) {
        return InvalidPart(parts[i].part_number, "was not found or its ETag did not match");
      }
      const PartRecord& p = *it->second;
      if (i + 1 < parts.size() && p.size < min_part_size) {
        return Status::InvalidArgument("part " + std::to_string(p.part_number) + " has " +
                                           std::to_string(p.size) +
                                           " bytes, below the minimum allowed size",
                                       "EntityTooSmall");
      }
      std::optional<std::string> md5 = HexDecode(BareEtag(p.etag));
      if (!md5 || md5->size() != 16) return InvalidPart(p.part_number, "has no MD5 ETag");
      md5s += *md5;
      o.segments.push_back(p.segment);
      o.meta.size += p.size;
    }
    o.meta.etag = "\"" + HexEncode(Md5(md5s)) + "-" + std::to_string(parts.size()) + "\"";
    o.meta.last_modified = storage::Now();
    SOS_ASSIGN_OR_RETURN(std::optional<ObjectRecord> existing, itx.GetObject(u.bucket, u.key));
    SOS_RETURN_IF_ERROR(storage::CheckWritePrecondition(
        precondition, existing ? &existing->meta : nullptr, u.bucket, u.key));
    // The object takes its own references first, so the chosen parts' blobs
    // survive the upload's deletion; the others are released.
    SOS_RETURN_IF_ERROR(storage::PutCurrent(itx, *b, existing, o));
    SOS_RETURN_IF_ERROR(itx.Apply(JournalOp{OpType::kDeleteUpload, upload_id, {}, {}}));
    completed = std::move(u);
    result = std::move(o);
    return Status::Ok();
  }));
  RememberCompletion(std::move(completed), result.meta.etag);
  return result;
}

void StorageEngineImpl::RememberCompletion(UploadRecord upload, const std::string& etag) {
  constexpr size_t kMaxRemembered = 4096;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(completions_mu_);
  std::erase_if(completions_, [&](const auto& c) { return now - c.second.at > kCompletionMemory; });
  if (completions_.size() >= kMaxRemembered) {
    auto oldest =
        std::min_element(completions_.begin(), completions_.end(),
                         [](const auto& a, const auto& b) { return a.second.at < b.second.at; });
    completions_.erase(oldest);
  }
  const std::string id = upload.upload_id;
  completions_[id] = RecentCompletion{std::move(upload), etag, now};
}

Result<StorageEngine::CompletedUpload> StorageEngineImpl::FindCompletedUpload(
    const std::string& bucket, const std::string& key, const std::string& upload_id) {
  CompletedUpload done;
  std::string etag;
  {
    std::lock_guard lock(completions_mu_);
    auto it = completions_.find(upload_id);
    if (it == completions_.end() || it->second.upload.bucket != bucket ||
        it->second.upload.key != key ||
        std::chrono::steady_clock::now() - it->second.at > kCompletionMemory) {
      return Status::NotFound("no upload " + upload_id + " completed lately", "NoSuchUpload");
    }
    done.upload = it->second.upload;
    etag = it->second.etag;
  }
  SOS_ASSIGN_OR_RETURN(done.object, HeadObject(bucket, key));
  if (done.object.meta.etag != etag) {
    return Status::NotFound("the object of upload " + upload_id + " was replaced since",
                            "NoSuchUpload");
  }
  return done;
}

Result<uint64_t> StorageEngineImpl::AbortUploadsInitiatedBefore(TimePoint cutoff) {
  std::vector<std::string> stale;
  {
    std::shared_lock world(world_mu_);
    SOS_ASSIGN_OR_RETURN(Txn txn, ReadTxn());
    IndexTxn itx(txn);
    SOS_ASSIGN_OR_RETURN(storage::Cursor c, storage::Cursor::Open(txn, storage::Table::kUploads));
    SOS_ASSIGN_OR_RETURN(bool ok, c.Seek(""));
    while (ok) {
      SOS_ASSIGN_OR_RETURN(std::optional<UploadRecord> u, itx.GetUpload(std::string(c.key())));
      if (u && u->initiated < cutoff) stale.push_back(u->upload_id);
      SOS_ASSIGN_OR_RETURN(ok, c.Next());
    }
  }
  uint64_t aborted = 0;
  for (const std::string& id : stale) {
    Status s = AbortUpload(id);  // one finished meanwhile is NoSuchUpload: fine
    if (s.ok()) ++aborted;
  }
  return aborted;
}

Status StorageEngineImpl::AbortUpload(const std::string& upload_id) {
  std::shared_lock world(world_mu_);
  return Mutate([&](IndexTxn& itx) -> Status {
    SOS_RETURN_IF_ERROR(RequireUpload(itx, upload_id).status());
    return itx.Apply(JournalOp{OpType::kDeleteUpload, upload_id, {}, {}});
  });
}

Result<std::vector<UploadRecord>> StorageEngineImpl::ListUploads(const std::string& bucket,
                                                                 const std::string& prefix) {
  std::shared_lock world(world_mu_);
  SOS_ASSIGN_OR_RETURN(Txn txn, ReadTxn());
  IndexTxn itx(txn);
  SOS_ASSIGN_OR_RETURN(std::optional<BucketRecord> b, itx.GetBucket(bucket));
  if (!b) return storage::NoSuchBucket(bucket);
  SOS_ASSIGN_OR_RETURN(std::vector<std::string> ids, itx.UploadIds(bucket, prefix));
  std::vector<UploadRecord> out;
  for (const std::string& id : ids) {
    SOS_ASSIGN_OR_RETURN(std::optional<UploadRecord> u, itx.GetUpload(id));
    if (u) out.push_back(std::move(*u));
  }
  // S3 orders by key, then by initiation time.
  std::sort(out.begin(), out.end(), [](const UploadRecord& a, const UploadRecord& b) {
    return std::tie(a.key, a.initiated, a.upload_id) < std::tie(b.key, b.initiated, b.upload_id);
  });
  return out;
}

}  // namespace sos
