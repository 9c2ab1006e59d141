// StorageEngineImpl: objects (write, read, list, copy, delete).
#include <algorithm>

#include "daemon/storage/engine_rules.h"
#include "daemon/storage/index_txn.h"
#include "daemon/storage/storage_engine_impl.h"
#include "daemon/storage/versioning.h"

namespace sos {

using storage::IndexTxn;
using storage::JournalOp;
using storage::OpType;
using storage::Txn;

namespace {

// Streams an object's segments; its blobs stay pinned (undeletable) while it lives.
class ObjectReaderImpl final : public ObjectReader {
 public:
  ObjectReaderImpl(std::shared_ptr<storage::BlobStore> blobs,
                   std::shared_ptr<storage::BlobRegistry> registry, std::vector<Segment> segments,
                   std::vector<std::string> pinned)
      : blobs_(blobs),
        registry_(std::move(registry)),
        segments_(std::move(segments)),
        pinned_(std::move(pinned)),
        session_(std::move(blobs)) {
    for (const Segment& s : segments_) size_ += s.length;
  }

  ~ObjectReaderImpl() override {
    for (const std::string& id : registry_->Unpin(pinned_)) blobs_->Remove(id);
  }

  Status Read(uint64_t offset, uint64_t length, const BodySink& sink) override {
    if (offset > size_ || length > size_ - offset) {
      return Status::RangeNotSatisfiable("range " + std::to_string(offset) + "+" +
                                         std::to_string(length) + " beyond object size " +
                                         std::to_string(size_));
    }
    const uint64_t end = offset + length;
    uint64_t seg_start = 0;
    for (const Segment& s : segments_) {
      uint64_t seg_end = seg_start + s.length;
      if (seg_end > offset && seg_start < end) {
        uint64_t from = std::max(offset, seg_start);
        uint64_t to = std::min(end, seg_end);
        const uint64_t at = s.offset + (from - seg_start);
        if (s.is_inline()) {
          SOS_RETURN_IF_ERROR(sink(std::string_view(s.data).substr(at, to - from)));
        } else {
          SOS_RETURN_IF_ERROR(session_.Read(s.blob_id, at, to - from, sink));
        }
      }
      if (seg_end >= end) break;
      seg_start = seg_end;
    }
    return Status::Ok();
  }

 private:
  std::shared_ptr<storage::BlobStore> blobs_;
  std::shared_ptr<storage::BlobRegistry> registry_;
  std::vector<Segment> segments_;
  std::vector<std::string> pinned_;
  storage::BlobReadSession session_;
  uint64_t size_ = 0;
};

uint64_t SegmentsSize(const std::vector<Segment>& segments) {
  uint64_t n = 0;
  for (const Segment& s : segments) n += s.length;
  return n;
}

Result<BucketRecord> LoadBucket(IndexTxn& itx, const std::string& bucket) {
  SOS_ASSIGN_OR_RETURN(std::optional<BucketRecord> b, itx.GetBucket(bucket));
  if (!b) return storage::NoSuchBucket(bucket);
  return std::move(*b);
}

Status RequireBucket(IndexTxn& itx, const std::string& bucket) {
  return LoadBucket(itx, bucket).status();
}

Status CheckKey(const std::string& key) {
  if (key.empty()) return Status::InvalidArgument("empty object key");
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<BlobWriter>> StorageEngineImpl::NewBlob(BlobUse use) {
  std::string id = storage::BlobStore::NewId();
  registry_->Add(id);
  storage::WriterHooks hooks;
  hooks.finished = [registry = registry_](const std::string& blob, uint64_t size) {
    registry->Finished(blob, size);
  };
  hooks.abandoned = [registry = registry_](const std::string& blob) { registry->Forget(blob); };
  return blobs_->NewWriter(id, std::move(hooks), use == BlobUse::kObject);
}

Result<ObjectRecord> StorageEngineImpl::CommitObject(const std::string& bucket, ObjectRecord record,
                                                     const WritePrecondition& precondition) {
  SOS_RETURN_IF_ERROR(CheckKey(record.meta.key));
  std::shared_lock world(world_mu_);
  record.meta.size = SegmentsSize(record.segments);
  if (record.meta.last_modified == TimePoint{}) record.meta.last_modified = storage::Now();
  const std::string& key = record.meta.key;
  std::vector<std::string> claimed;
  Status st = Mutate([&](IndexTxn& itx) -> Status {
    SOS_ASSIGN_OR_RETURN(BucketRecord b, LoadBucket(itx, bucket));
    SOS_ASSIGN_OR_RETURN(std::optional<ObjectRecord> existing, itx.GetObject(bucket, key));
    SOS_RETURN_IF_ERROR(storage::CheckWritePrecondition(
        precondition, existing ? &existing->meta : nullptr, bucket, key));
    SOS_RETURN_IF_ERROR(ClaimSegments(itx, record.segments, &claimed));
    return storage::PutCurrent(itx, b, existing, record);
  });
  SettleClaims(record.segments, claimed, st.ok());
  if (!st.ok()) return st;
  return record;
}

Result<ObjectRecord> StorageEngineImpl::HeadObject(const std::string& bucket,
                                                   const std::string& key,
                                                   const std::string& version_id) {
  std::shared_lock world(world_mu_);
  SOS_ASSIGN_OR_RETURN(Txn txn, ReadTxn());
  IndexTxn itx(txn);
  if (!version_id.empty()) {
    SOS_RETURN_IF_ERROR(RequireBucket(itx, bucket));
    SOS_ASSIGN_OR_RETURN(std::optional<ObjectRecord> v,
                         storage::FindVersion(itx, bucket, key, version_id));
    if (v) return std::move(*v);
    return Status::NotFound("The specified version does not exist.", "NoSuchVersion");
  }
  SOS_ASSIGN_OR_RETURN(std::optional<ObjectRecord> o, itx.GetObject(bucket, key));
  if (o) return std::move(*o);
  SOS_RETURN_IF_ERROR(RequireBucket(itx, bucket));
  return storage::NoSuchKey(bucket, key);
}

Result<std::unique_ptr<ObjectReader>> StorageEngineImpl::OpenObject(const ObjectRecord& record) {
  if (record.segments.empty() && record.meta.size > 0) {
    return Status::InvalidArgument("record without segments (from a listing?); use HeadObject",
                                   "InternalError");
  }
  std::vector<std::string> ids;
  for (const Segment& s : record.segments) {
    if (s.is_inline()) continue;  // its bytes are in the record: nothing to pin
    if (std::find(ids.begin(), ids.end(), s.blob_id) == ids.end()) ids.push_back(s.blob_id);
  }
  if (ids.empty()) {
    return std::unique_ptr<ObjectReader>(
        new ObjectReaderImpl(blobs_, registry_, record.segments, {}));
  }
  // Pin first, then check the blobs are still referenced: a blob released
  // after the pin is kept until the reader goes (see blob_registry.h).
  registry_->Pin(ids);
  Status st;
  {
    std::shared_lock world(world_mu_);
    auto txn = ReadTxn();
    st = txn.status();
    if (st.ok()) {
      IndexTxn itx(*txn);
      for (const std::string& id : ids) {
        auto refs = itx.Refcount(id);
        if (!refs.ok() || *refs == 0) {
          st = refs.ok() ? Status::NotFound(
                               "object '" + record.meta.key + "' was replaced or deleted meanwhile",
                               "NoSuchKey")
                         : refs.status();
          break;
        }
      }
    }
  }
  if (!st.ok()) {
    ReleaseBlobs(registry_->Unpin(ids));
    return st;
  }
  return std::unique_ptr<ObjectReader>(
      new ObjectReaderImpl(blobs_, registry_, record.segments, std::move(ids)));
}

Result<DeleteOutcome> StorageEngineImpl::DeleteObject(const std::string& bucket,
                                                      const std::string& key,
                                                      const std::string& version_id,
                                                      bool bypass_governance) {
  std::shared_lock world(world_mu_);
  DeleteOutcome outcome;
  SOS_RETURN_IF_ERROR(Mutate([&](IndexTxn& itx) -> Status {
    SOS_ASSIGN_OR_RETURN(BucketRecord b, LoadBucket(itx, bucket));
    if (!version_id.empty()) {
      SOS_ASSIGN_OR_RETURN(outcome, storage::DeleteVersion(itx, b, key, version_id, storage::Now(),
                                                           bypass_governance));
      return Status::Ok();
    }
    SOS_ASSIGN_OR_RETURN(outcome, storage::DeleteCurrent(itx, b, key, b.owner_id, storage::Now()));
    return Status::Ok();
  }));
  return outcome;
}

Result<ListObjectsPage> StorageEngineImpl::ListObjects(const std::string& bucket,
                                                       const ListObjectsQuery& q) {
  std::shared_lock world(world_mu_);
  SOS_ASSIGN_OR_RETURN(Txn txn, ReadTxn());
  IndexTxn itx(txn);
  SOS_RETURN_IF_ERROR(RequireBucket(itx, bucket));
  ListObjectsPage page;
  if (q.max_keys <= 0) return page;
  const std::string base = storage::ObjectIndexKey(bucket, "");
  const std::string scope = base + q.prefix;
  SOS_ASSIGN_OR_RETURN(storage::OrderedIterator it,
                       storage::OrderedIterator::Open(txn, storage::kObjectTable));
  bool ok;
  if (!q.start_after.empty() && q.start_after >= q.prefix) {
    SOS_ASSIGN_OR_RETURN(ok, it.Seek(base + q.start_after + '\0'));  // keys > start_after
  } else {
    SOS_ASSIGN_OR_RETURN(ok, it.Seek(scope));
  }
  const size_t max_keys = static_cast<size_t>(q.max_keys);
  size_t count = 0;
  std::string last;
  while (ok) {
    std::string_view full = it.key();
    if (full.substr(0, scope.size()) != scope) break;
    std::string key(full.substr(base.size()));
    if (!q.delimiter.empty()) {
      size_t pos = key.find(q.delimiter, q.prefix.size());
      if (pos != std::string::npos) {
        std::string cp = key.substr(0, pos + q.delimiter.size());
        // A prefix at or before start_after was returned by an earlier page.
        if (q.start_after.empty() || cp > q.start_after) {
          if (count == max_keys) {
            page.is_truncated = true;
            break;
          }
          page.common_prefixes.push_back(cp);
          ++count;
          last = cp;
        }
        // Skip the whole prefix with one seek, however many keys it holds.
        std::string next = storage::PrefixSuccessor(base + cp);
        if (next.empty()) break;
        SOS_ASSIGN_OR_RETURN(ok, it.Seek(next));
        continue;
      }
    }
    if (count == max_keys) {
      page.is_truncated = true;
      break;
    }
    SOS_ASSIGN_OR_RETURN(ObjectRecord o, storage::DecodeObject(it.value(), key, false));
    page.objects.push_back(std::move(o));
    ++count;
    last = std::move(key);
    SOS_ASSIGN_OR_RETURN(ok, it.Next());
  }
  if (page.is_truncated) page.next_start_after = last;
  return page;
}

Result<ObjectRecord> StorageEngineImpl::CopyObject(
    const std::string& src_bucket, const std::string& src_key, const std::string& dst_bucket,
    ObjectRecord dst, const WritePrecondition& precondition,
    const std::optional<ObjectVersion>& source_version, const std::string& src_version_id) {
  SOS_RETURN_IF_ERROR(CheckKey(dst.meta.key));
  std::shared_lock world(world_mu_);
  if (dst.meta.last_modified == TimePoint{}) dst.meta.last_modified = storage::Now();
  const std::string& dst_key = dst.meta.key;
  SOS_RETURN_IF_ERROR(Mutate([&](IndexTxn& itx) -> Status {
    SOS_RETURN_IF_ERROR(RequireBucket(itx, src_bucket));
    std::optional<ObjectRecord> src;
    if (src_version_id.empty()) {
      SOS_ASSIGN_OR_RETURN(src, itx.GetObject(src_bucket, src_key));
      if (!src) return storage::NoSuchKey(src_bucket, src_key);
    } else {
      SOS_ASSIGN_OR_RETURN(src, storage::FindVersion(itx, src_bucket, src_key, src_version_id));
      if (!src) return Status::NotFound("The specified version does not exist.", "NoSuchVersion");
      if (src->delete_marker) {
        return Status::InvalidArgument(
            "The source of a copy request may not specifically refer to a delete marker by "
            "version id.",
            "InvalidRequest");
      }
    }
    if (source_version && !source_version->Matches(src->meta)) {
      return Status::Cancelled("the copy source " + src_bucket + "/" + src_key +
                               " changed since it was checked");
    }
    SOS_ASSIGN_OR_RETURN(BucketRecord b, LoadBucket(itx, dst_bucket));
    SOS_ASSIGN_OR_RETURN(std::optional<ObjectRecord> existing, itx.GetObject(dst_bucket, dst_key));
    SOS_RETURN_IF_ERROR(storage::CheckWritePrecondition(
        precondition, existing ? &existing->meta : nullptr, dst_bucket, dst_key));
    // Shares the source's blobs: no data is copied (Apply adds the references).
    dst.segments = src->segments;
    dst.meta.size = src->meta.size;
    if (dst.meta.etag.empty()) dst.meta.etag = src->meta.etag;
    return storage::PutCurrent(itx, b, existing, dst);
  }));
  return dst;
}

Status StorageEngineImpl::SetObjectAcl(const std::string& bucket, const std::string& key,
                                       const std::string& acl,
                                       const std::optional<ObjectVersion>& version) {
  return UpdateObjectRecord(bucket, key, version, [&](ObjectRecord& o) { o.acl = acl; });
}

Status StorageEngineImpl::SetObjectTags(const std::string& bucket, const std::string& key,
                                        const std::map<std::string, std::string>& tags,
                                        const std::optional<ObjectVersion>& version) {
  return UpdateObjectRecord(bucket, key, version, [&](ObjectRecord& o) { o.tags = tags; });
}

Status StorageEngineImpl::UpdateObjectRecord(const std::string& bucket, const std::string& key,
                                             const std::optional<ObjectVersion>& version,
                                             const std::function<void(ObjectRecord&)>& change) {
  std::shared_lock world(world_mu_);
  return Mutate([&](IndexTxn& itx) -> Status {
    SOS_RETURN_IF_ERROR(RequireBucket(itx, bucket));
    SOS_ASSIGN_OR_RETURN(std::optional<ObjectRecord> o, itx.GetObject(bucket, key));
    if (!o) return storage::NoSuchKey(bucket, key);
    if (version && !version->Matches(o->meta)) {
      return Status::Cancelled("the object was replaced during the request");
    }
    change(*o);
    return itx.Apply(JournalOp{OpType::kPutObject, bucket, key, storage::EncodeObject(*o)});
  });
}

}  // namespace sos
