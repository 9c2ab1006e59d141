#include "daemon/storage/index_txn.h"

namespace sos::storage {
namespace {

template <typename T, typename F>
Result<std::optional<T>> GetDecoded(Txn& txn, Table t, std::string_view key, F decode) {
  std::string_view v;
  SOS_ASSIGN_OR_RETURN(bool found, txn.Get(t, key, &v));
  if (!found) return std::optional<T>();
  SOS_ASSIGN_OR_RETURN(T value, decode(v));
  return std::optional<T>(std::move(value));
}

std::string PartPrefix(std::string_view upload_id) {
  std::string k(upload_id);
  k.push_back('\0');
  return k;
}

Result<bool> HasPrefix(Txn& txn, const OrderedTable& table, const std::string& prefix) {
  SOS_ASSIGN_OR_RETURN(OrderedIterator it, OrderedIterator::Open(txn, table));
  SOS_ASSIGN_OR_RETURN(bool found, it.Seek(prefix));
  return found && it.key().substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string ObjectIndexKey(std::string_view bucket, std::string_view key) {
  std::string k;
  k.reserve(bucket.size() + 1 + key.size());
  k.append(bucket);
  k.push_back('\0');
  k.append(key);
  return k;
}

std::string UploadIndexKey(std::string_view bucket, std::string_view key,
                           std::string_view upload_id) {
  std::string k = ObjectIndexKey(bucket, key);
  k.push_back('\0');
  k.append(upload_id);
  return k;
}

std::string VersionIndexKey(std::string_view bucket, std::string_view key, uint64_t seq) {
  std::string k = ObjectIndexKey(bucket, key);
  k.push_back('\0');
  k.append(BigEndianKey(~seq, 8));
  return k;
}

std::string PartIndexKey(std::string_view upload_id, int part_number) {
  return PartPrefix(upload_id) + BigEndianKey(static_cast<uint32_t>(part_number), 4);
}

Result<std::optional<Account>> IndexTxn::GetAccount(const std::string& id) {
  return GetDecoded<Account>(txn_, Table::kAccounts, id, DecodeAccount);
}

Result<std::optional<AccessKey>> IndexTxn::GetKey(const std::string& access_key_id) {
  return GetDecoded<AccessKey>(txn_, Table::kKeys, access_key_id, DecodeKey);
}

Result<std::optional<BucketRecord>> IndexTxn::GetBucket(const std::string& name) {
  return GetDecoded<BucketRecord>(txn_, Table::kBuckets, name, DecodeBucket);
}

Result<std::optional<ObjectRecord>> IndexTxn::GetObject(const std::string& bucket,
                                                        const std::string& key) {
  std::string_view v;
  SOS_ASSIGN_OR_RETURN(bool found, kObjectTable.Get(txn_, ObjectIndexKey(bucket, key), &v));
  if (!found) return std::optional<ObjectRecord>();
  SOS_ASSIGN_OR_RETURN(ObjectRecord o, DecodeObject(v, key));
  return std::optional<ObjectRecord>(std::move(o));
}

Result<std::optional<UploadRecord>> IndexTxn::GetUpload(const std::string& upload_id) {
  return GetDecoded<UploadRecord>(txn_, Table::kUploads, upload_id, DecodeUpload);
}

Result<std::optional<PartRecord>> IndexTxn::GetPart(const std::string& upload_id, int part_number) {
  return GetDecoded<PartRecord>(txn_, Table::kParts, PartIndexKey(upload_id, part_number),
                                DecodePart);
}

Result<std::vector<PartRecord>> IndexTxn::ListParts(const std::string& upload_id) {
  std::vector<PartRecord> parts;
  std::string prefix = PartPrefix(upload_id);
  SOS_ASSIGN_OR_RETURN(Cursor c, Cursor::Open(txn_, Table::kParts));
  SOS_ASSIGN_OR_RETURN(bool ok, c.Seek(prefix));
  while (ok && c.key().substr(0, prefix.size()) == prefix) {
    SOS_ASSIGN_OR_RETURN(PartRecord p, DecodePart(c.value()));
    parts.push_back(std::move(p));
    SOS_ASSIGN_OR_RETURN(ok, c.Next());
  }
  return parts;
}

Result<uint64_t> IndexTxn::Refcount(const std::string& blob_id) {
  std::string_view v;
  SOS_ASSIGN_OR_RETURN(bool found, txn_.Get(Table::kRefs, blob_id, &v));
  if (!found) return uint64_t{0};
  Decoder d(v);
  uint64_t n;
  if (!d.Varint(&n)) return CorruptRecord("refcount");
  return n;
}

Result<std::optional<ObjectRecord>> IndexTxn::GetVersion(const std::string& bucket,
                                                         const std::string& key, uint64_t seq) {
  std::string_view v;
  SOS_ASSIGN_OR_RETURN(bool found, kVersionTable.Get(txn_, VersionIndexKey(bucket, key, seq), &v));
  if (!found) return std::optional<ObjectRecord>();
  SOS_ASSIGN_OR_RETURN(ObjectRecord o, DecodeObject(v, key));
  return std::optional<ObjectRecord>(std::move(o));
}

Result<std::vector<ObjectRecord>> IndexTxn::Versions(const std::string& bucket,
                                                     const std::string& key, size_t max) {
  std::string scope = ObjectIndexKey(bucket, key);
  scope.push_back('\0');
  SOS_ASSIGN_OR_RETURN(OrderedIterator it, OrderedIterator::Open(txn_, kVersionTable));
  SOS_ASSIGN_OR_RETURN(bool ok, it.Seek(scope));
  std::vector<ObjectRecord> out;
  // Exactly 8 bytes follow the scope: "a\0" + seq is not a version of "a\0b".
  while (ok && out.size() < max && it.key().size() == scope.size() + 8 &&
         it.key().substr(0, scope.size()) == scope) {
    SOS_ASSIGN_OR_RETURN(ObjectRecord o, DecodeObject(it.value(), key));
    out.push_back(std::move(o));
    SOS_ASSIGN_OR_RETURN(ok, it.Next());
  }
  return out;
}

Result<bool> IndexTxn::BucketHasObjects(const std::string& bucket) {
  SOS_ASSIGN_OR_RETURN(bool current, HasPrefix(txn_, kObjectTable, ObjectIndexKey(bucket, "")));
  if (current) return true;
  return HasPrefix(txn_, kVersionTable, ObjectIndexKey(bucket, ""));
}

Result<std::vector<std::string>> IndexTxn::UploadIds(const std::string& bucket,
                                                     std::string_view prefix, size_t max) {
  const std::string scope = ObjectIndexKey(bucket, prefix);
  SOS_ASSIGN_OR_RETURN(OrderedIterator it, OrderedIterator::Open(txn_, kUploadKeyTable));
  SOS_ASSIGN_OR_RETURN(bool ok, it.Seek(scope));
  std::vector<std::string> ids;
  while (ok && ids.size() < max && it.key().substr(0, scope.size()) == scope) {
    std::string_view k = it.key();  // bucket '\0' key '\0' upload id
    ids.emplace_back(k.substr(k.rfind('\0') + 1));
    SOS_ASSIGN_OR_RETURN(ok, it.Next());
  }
  return ids;
}

Status IndexTxn::Apply(JournalOp op) {
  SOS_RETURN_IF_ERROR(ApplyOne(op));
  ops_.push_back(std::move(op));
  return Status::Ok();
}

Status IndexTxn::AddRef(const std::string& blob_id, int delta) {
  if (blob_id.empty()) return Status::Ok();  // an inline segment: no blob to count
  SOS_ASSIGN_OR_RETURN(uint64_t n, Refcount(blob_id));
  // Clamped: a replay over a journal with a lost record must not wrap around.
  uint64_t next = delta < 0 ? (n > 0 ? n - 1 : 0) : n + static_cast<uint64_t>(delta);
  if (next == 0) {
    released_.insert(blob_id);
    SOS_RETURN_IF_ERROR(txn_.Del(Table::kVerified, blob_id));
    return txn_.Del(Table::kRefs, blob_id);
  }
  Encoder e;
  e.Varint(next);
  return txn_.Put(Table::kRefs, blob_id, e.out());
}

Status IndexTxn::AddRefs(const std::vector<Segment>& segments, int delta) {
  for (const Segment& s : segments) SOS_RETURN_IF_ERROR(AddRef(s.blob_id, delta));
  return Status::Ok();
}

Status IndexTxn::ApplyOne(const JournalOp& op) {
  switch (op.type) {
    case OpType::kPutAccount:
      return txn_.Put(Table::kAccounts, op.a, op.value);
    case OpType::kPutNonce:
      return txn_.Put(Table::kNonces, op.a, op.value);
    case OpType::kDeleteNonce:
      return txn_.Del(Table::kNonces, op.a);
    case OpType::kDeleteAccount:
      return txn_.Del(Table::kAccounts, op.a);
    case OpType::kPutKey:
      return txn_.Put(Table::kKeys, op.a, op.value);
    case OpType::kDeleteKey:
      return txn_.Del(Table::kKeys, op.a);
    case OpType::kPutBucket:
      return txn_.Put(Table::kBuckets, op.a, op.value);
    case OpType::kDeleteBucket:
      return txn_.Del(Table::kBuckets, op.a);
    case OpType::kPutObject: {
      SOS_ASSIGN_OR_RETURN(ObjectRecord next, DecodeObject(op.value, op.b));
      SOS_ASSIGN_OR_RETURN(std::optional<ObjectRecord> old, GetObject(op.a, op.b));
      // References first, releases second: an object replaced by itself (a
      // metadata-only copy) must not drop its blobs to zero on the way.
      SOS_RETURN_IF_ERROR(AddRefs(next.segments, +1));
      bytes_delta_ += static_cast<int64_t>(next.meta.size);
      if (old) {
        SOS_RETURN_IF_ERROR(AddRefs(old->segments, -1));
        bytes_delta_ -= static_cast<int64_t>(old->meta.size);
      }
      return kObjectTable.Put(txn_, ObjectIndexKey(op.a, op.b), op.value);
    }
    case OpType::kDeleteObject: {
      SOS_ASSIGN_OR_RETURN(std::optional<ObjectRecord> old, GetObject(op.a, op.b));
      if (!old) return Status::Ok();
      SOS_RETURN_IF_ERROR(AddRefs(old->segments, -1));
      bytes_delta_ -= static_cast<int64_t>(old->meta.size);
      return kObjectTable.Del(txn_, ObjectIndexKey(op.a, op.b));
    }
    case OpType::kPutVersion: {
      SOS_ASSIGN_OR_RETURN(ObjectRecord next, DecodeObject(op.value, op.b));
      SOS_ASSIGN_OR_RETURN(std::optional<ObjectRecord> old,
                           GetVersion(op.a, op.b, next.version_seq));
      SOS_RETURN_IF_ERROR(AddRefs(next.segments, +1));
      bytes_delta_ += static_cast<int64_t>(next.meta.size);
      if (old) {
        SOS_RETURN_IF_ERROR(AddRefs(old->segments, -1));
        bytes_delta_ -= static_cast<int64_t>(old->meta.size);
      }
      return kVersionTable.Put(txn_, VersionIndexKey(op.a, op.b, next.version_seq), op.value);
    }
    case OpType::kDeleteVersion: {
      Decoder d(op.value);
      uint64_t seq;
      if (!d.Fixed64(&seq) || !d.done()) return CorruptRecord("version op");
      SOS_ASSIGN_OR_RETURN(std::optional<ObjectRecord> old, GetVersion(op.a, op.b, seq));
      if (!old) return Status::Ok();
      SOS_RETURN_IF_ERROR(AddRefs(old->segments, -1));
      bytes_delta_ -= static_cast<int64_t>(old->meta.size);
      return kVersionTable.Del(txn_, VersionIndexKey(op.a, op.b, seq));
    }
    case OpType::kPutUpload: {
      SOS_ASSIGN_OR_RETURN(UploadRecord u, DecodeUpload(op.value));
      SOS_RETURN_IF_ERROR(txn_.Put(Table::kUploads, op.a, op.value));
      return kUploadKeyTable.Put(txn_, UploadIndexKey(u.bucket, u.key, op.a), "");
    }
    case OpType::kDeleteUpload: {
      SOS_ASSIGN_OR_RETURN(std::optional<UploadRecord> u, GetUpload(op.a));
      if (!u) return Status::Ok();
      std::string prefix = PartPrefix(op.a);
      {
        SOS_ASSIGN_OR_RETURN(Cursor c, Cursor::Open(txn_, Table::kParts));
        SOS_ASSIGN_OR_RETURN(bool ok, c.Seek(prefix));
        std::vector<std::string> keys;
        while (ok && c.key().substr(0, prefix.size()) == prefix) {
          SOS_ASSIGN_OR_RETURN(PartRecord p, DecodePart(c.value()));
          SOS_RETURN_IF_ERROR(AddRef(p.segment.blob_id, -1));
          keys.emplace_back(c.key());
          SOS_ASSIGN_OR_RETURN(ok, c.Next());
        }
        for (const std::string& k : keys) SOS_RETURN_IF_ERROR(txn_.Del(Table::kParts, k));
      }
      SOS_RETURN_IF_ERROR(kUploadKeyTable.Del(txn_, UploadIndexKey(u->bucket, u->key, op.a)));
      return txn_.Del(Table::kUploads, op.a);
    }
    case OpType::kPutPart: {
      SOS_ASSIGN_OR_RETURN(PartRecord p, DecodePart(op.value));
      SOS_ASSIGN_OR_RETURN(std::optional<PartRecord> old, GetPart(op.a, p.part_number));
      SOS_RETURN_IF_ERROR(AddRef(p.segment.blob_id, +1));
      if (old) SOS_RETURN_IF_ERROR(AddRef(old->segment.blob_id, -1));
      return txn_.Put(Table::kParts, PartIndexKey(op.a, p.part_number), op.value);
    }
  }
  return Status::Internal("unknown journal op");
}

namespace {

Status DumpTable(Txn& txn, Table t, OpType type,
                 const std::function<Status(const JournalOp&)>& emit) {
  SOS_ASSIGN_OR_RETURN(Cursor c, Cursor::Open(txn, t));
  SOS_ASSIGN_OR_RETURN(bool ok, c.First());
  while (ok) {
    JournalOp op{type, std::string(c.key()), {}, std::string(c.value())};
    if (type == OpType::kPutPart) {
      op.a.resize(op.a.find('\0'));  // "id\0" + part number
    }
    SOS_RETURN_IF_ERROR(emit(op));
    SOS_ASSIGN_OR_RETURN(ok, c.Next());
  }
  return Status::Ok();
}

}  // namespace

Status DumpIndex(Txn& txn, const std::function<Status(const JournalOp&)>& emit) {
  SOS_RETURN_IF_ERROR(DumpTable(txn, Table::kAccounts, OpType::kPutAccount, emit));
  SOS_RETURN_IF_ERROR(DumpTable(txn, Table::kKeys, OpType::kPutKey, emit));
  SOS_RETURN_IF_ERROR(DumpTable(txn, Table::kBuckets, OpType::kPutBucket, emit));
  SOS_ASSIGN_OR_RETURN(OrderedIterator it, OrderedIterator::Open(txn, kObjectTable));
  SOS_ASSIGN_OR_RETURN(bool ok, it.Seek(""));
  while (ok) {
    std::string_view k = it.key();
    size_t nul = k.find('\0');
    if (nul == std::string_view::npos) return CorruptRecord("object key");
    // Inline bytes are checked before they go into every drive's snapshot:
    // a damaged index must not replace the good copies in the journals.
    SOS_RETURN_IF_ERROR(DecodeObjectSegments(it.value()).status());
    SOS_RETURN_IF_ERROR(emit(JournalOp{OpType::kPutObject, std::string(k.substr(0, nul)),
                                       std::string(k.substr(nul + 1)), std::string(it.value())}));
    SOS_ASSIGN_OR_RETURN(ok, it.Next());
  }
  SOS_ASSIGN_OR_RETURN(OrderedIterator versions, OrderedIterator::Open(txn, kVersionTable));
  SOS_ASSIGN_OR_RETURN(ok, versions.Seek(""));
  while (ok) {
    std::string_view k = versions.key();  // bucket '\0' key '\0' seq (8 bytes)
    size_t nul = k.find('\0');
    if (nul == std::string_view::npos || k.size() < nul + 10) return CorruptRecord("version key");
    SOS_RETURN_IF_ERROR(DecodeObjectSegments(versions.value()).status());
    SOS_RETURN_IF_ERROR(emit(JournalOp{OpType::kPutVersion, std::string(k.substr(0, nul)),
                                       std::string(k.substr(nul + 1, k.size() - nul - 10)),
                                       std::string(versions.value())}));
    SOS_ASSIGN_OR_RETURN(ok, versions.Next());
  }
  SOS_RETURN_IF_ERROR(DumpTable(txn, Table::kUploads, OpType::kPutUpload, emit));
  SOS_RETURN_IF_ERROR(DumpTable(txn, Table::kParts, OpType::kPutPart, emit));
  return DumpTable(txn, Table::kNonces, OpType::kPutNonce, emit);
}

}  // namespace sos::storage
