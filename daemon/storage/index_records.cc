#include "daemon/storage/index_records.h"

#include <xxhash.h>

#include <cstring>

namespace sos::storage {
namespace {

constexpr uint8_t kVersion = 1;

// Sizes of what a decoder allocates are bounded by the input, so a corrupt
// count cannot make it reserve gigabytes.
bool SaneCount(uint64_t n, const Decoder& d) { return n <= d.rest().size(); }

void EncodeOwner(Encoder& e, const std::optional<Owner>& owner) {
  e.Byte(owner ? 1 : 0);
  if (owner) {
    e.String(owner->id);
    e.String(owner->display_name);
  }
}

bool DecodeOwner(Decoder& d, std::optional<Owner>* owner) {
  uint8_t has;
  if (!d.Byte(&has)) return false;
  if (has == 0) {
    owner->reset();
    return true;
  }
  Owner o;
  if (!d.String(&o.id) || !d.String(&o.display_name)) return false;
  *owner = std::move(o);
  return true;
}

// A blob segment is {blob id, offset, length}; an inline one is {"", bytes,
// XXH3 of the bytes}, checked whenever the bytes are decoded (the index has
// no checksums of its own, and these bytes go to clients).
void EncodeSegment(Encoder& e, const Segment& s) {
  e.String(s.blob_id);
  if (s.is_inline()) {
    std::string_view bytes = std::string_view(s.data).substr(s.offset, s.length);
    e.String(bytes);
    e.Fixed64(XXH3_64bits(bytes.data(), bytes.size()));
    return;
  }
  e.Varint(s.offset);
  e.Varint(s.length);
}

// With keep false, an inline segment's bytes are skipped, not copied or
// checked (listings).
bool DecodeSegment(Decoder& d, Segment* s, bool keep = true) {
  std::string_view id;
  if (!d.StringView(&id)) return false;
  s->blob_id.assign(id);
  if (!id.empty()) return d.Varint(&s->offset) && d.Varint(&s->length);
  std::string_view bytes;
  uint64_t sum;
  if (!d.StringView(&bytes) || !d.Fixed64(&sum)) return false;
  s->offset = 0;
  s->length = bytes.size();
  if (!keep) return true;
  s->data.assign(bytes);
  return XXH3_64bits(bytes.data(), bytes.size()) == sum;
}

bool CheckVersion(Decoder& d) {
  uint8_t v;
  return d.Byte(&v) && v == kVersion;
}

}  // namespace

Status CorruptRecord(std::string_view what) {
  return Status::Corruption("corrupt " + std::string(what) + " record in the index");
}

std::string EncodeAccount(const Account& a) {
  Encoder e;
  e.Byte(kVersion);
  e.String(a.id);
  e.String(a.display_name);
  e.Time(a.created);
  return e.Take();
}

Result<Account> DecodeAccount(std::string_view in) {
  Decoder d(in);
  Account a;
  if (!CheckVersion(d) || !d.String(&a.id) || !d.String(&a.display_name) || !d.Time(&a.created)) {
    return CorruptRecord("account");
  }
  return a;
}

std::string EncodeKey(const AccessKey& k) {
  Encoder e;
  e.Byte(kVersion);
  e.String(k.access_key_id);
  e.String(k.secret);
  e.String(k.account_id);
  e.Time(k.created);
  return e.Take();
}

Result<AccessKey> DecodeKey(std::string_view in) {
  Decoder d(in);
  AccessKey k;
  if (!CheckVersion(d) || !d.String(&k.access_key_id) || !d.String(&k.secret) ||
      !d.String(&k.account_id) || !d.Time(&k.created)) {
    return CorruptRecord("access key");
  }
  return k;
}

std::string EncodeBucket(const BucketRecord& b) {
  Encoder e;
  e.Byte(kVersion);
  e.String(b.name);
  e.String(b.owner_id);
  e.Time(b.created);
  e.String(b.acl);
  e.String(b.cors);
  // Trailing fields are absent in records from before them.
  if (!b.lifecycle.empty() || !b.versioning.empty() || !b.object_lock.empty()) {
    e.String(b.lifecycle);
  }
  if (!b.versioning.empty() || !b.object_lock.empty()) e.String(b.versioning);
  if (!b.object_lock.empty()) e.String(b.object_lock);
  return e.Take();
}

Result<BucketRecord> DecodeBucket(std::string_view in) {
  Decoder d(in);
  BucketRecord b;
  if (!CheckVersion(d) || !d.String(&b.name) || !d.String(&b.owner_id) || !d.Time(&b.created) ||
      !d.String(&b.acl) || !d.String(&b.cors) || (!d.done() && !d.String(&b.lifecycle)) ||
      (!d.done() && !d.String(&b.versioning)) ||
      (!d.done() && (!d.String(&b.object_lock) || !d.done()))) {
    return CorruptRecord("bucket");
  }
  return b;
}

std::string EncodeObject(const ObjectRecord& o) {
  Encoder e;
  e.Byte(kVersion);
  // Segments first: refcounting reads only them.
  e.Varint(o.segments.size());
  for (const Segment& s : o.segments) EncodeSegment(e, s);
  const ObjectMeta& m = o.meta;
  e.Varint(m.size);
  e.String(m.etag);
  e.Time(m.last_modified);
  e.String(m.content_type);
  e.String(m.cache_control);
  e.String(m.content_disposition);
  e.String(m.content_encoding);
  e.String(m.content_language);
  e.String(m.expires);
  e.String(m.storage_class);
  EncodeOwner(e, m.owner);
  e.Varint(m.user_meta.size());
  for (const auto& [k, v] : m.user_meta) {
    e.String(k);
    e.String(v);
  }
  e.String(o.owner_id);
  e.String(o.acl);
  // Trailing fields are absent in records from before them (and when unset).
  const bool locked = !o.lock_mode.empty() || o.legal_hold;
  const bool versioned = !o.version_id.empty() || o.version_seq != 0 || o.delete_marker || locked;
  if (!o.tags.empty() || versioned) e.Map(o.tags);
  if (versioned) {
    e.String(o.version_id);
    e.Varint(o.version_seq);
    e.Byte(o.delete_marker ? 1 : 0);
  }
  if (locked) {
    e.String(o.lock_mode);
    e.Time(o.retain_until);
    e.Byte(o.legal_hold ? 1 : 0);
  }
  return e.Take();
}

static bool DecodeSegments(Decoder& d, std::vector<Segment>* out, bool keep) {
  uint64_t n;
  if (!d.Varint(&n) || !SaneCount(n, d)) return false;
  if (keep) out->resize(n);
  Segment scratch;
  for (uint64_t i = 0; i < n; ++i) {
    if (!DecodeSegment(d, keep ? &(*out)[i] : &scratch, keep)) return false;
  }
  return true;
}

Result<std::vector<Segment>> DecodeObjectSegments(std::string_view in) {
  Decoder d(in);
  std::vector<Segment> segs;
  if (!CheckVersion(d) || !DecodeSegments(d, &segs, true)) return CorruptRecord("object");
  return segs;
}

Result<ObjectRecord> DecodeObject(std::string_view in, std::string_view key, bool with_segments) {
  Decoder d(in);
  ObjectRecord o;
  ObjectMeta& m = o.meta;
  m.key.assign(key);
  uint64_t n;
  bool ok = CheckVersion(d) && DecodeSegments(d, &o.segments, with_segments) && d.Varint(&m.size) &&
            d.String(&m.etag) && d.Time(&m.last_modified) && d.String(&m.content_type) &&
            d.String(&m.cache_control) && d.String(&m.content_disposition) &&
            d.String(&m.content_encoding) && d.String(&m.content_language) &&
            d.String(&m.expires) && d.String(&m.storage_class) && DecodeOwner(d, &m.owner) &&
            d.Varint(&n) && SaneCount(n, d);
  for (uint64_t i = 0; ok && i < n; ++i) {
    std::string k, v;
    ok = d.String(&k) && d.String(&v);
    if (ok) m.user_meta.emplace(std::move(k), std::move(v));
  }
  ok = ok && d.String(&o.owner_id) && d.String(&o.acl);
  if (ok && !d.done()) ok = d.Map(&o.tags);
  if (ok && !d.done()) {
    uint8_t marker = 0;
    ok = d.String(&o.version_id) && d.Varint(&o.version_seq) && d.Byte(&marker) && marker <= 1;
    o.delete_marker = marker == 1;
  }
  if (ok && !d.done()) {
    uint8_t hold = 0;
    ok = d.String(&o.lock_mode) && d.Time(&o.retain_until) && d.Byte(&hold) && hold <= 1;
    o.legal_hold = hold == 1;
  }
  ok = ok && d.done();
  if (!ok) return CorruptRecord("object");
  return o;
}

std::string EncodeUpload(const UploadRecord& u) {
  Encoder e;
  e.Byte(kVersion);
  e.String(u.upload_id);
  e.String(u.bucket);
  e.String(u.key);
  e.Time(u.initiated);
  e.String(u.object.meta.key);
  e.String(EncodeObject(u.object));
  return e.Take();
}

Result<UploadRecord> DecodeUpload(std::string_view in) {
  Decoder d(in);
  UploadRecord u;
  std::string object_key;
  std::string_view object;
  if (!CheckVersion(d) || !d.String(&u.upload_id) || !d.String(&u.bucket) || !d.String(&u.key) ||
      !d.Time(&u.initiated) || !d.String(&object_key) || !d.StringView(&object)) {
    return CorruptRecord("upload");
  }
  SOS_ASSIGN_OR_RETURN(u.object, DecodeObject(object, object_key));
  return u;
}

std::string EncodePart(const PartRecord& p) {
  Encoder e;
  e.Byte(kVersion);
  e.Varint(static_cast<uint64_t>(p.part_number));
  e.String(p.etag);
  e.Varint(p.size);
  e.Time(p.last_modified);
  EncodeSegment(e, p.segment);
  return e.Take();
}

Result<PartRecord> DecodePart(std::string_view in) {
  Decoder d(in);
  PartRecord p;
  uint64_t n;
  if (!CheckVersion(d) || !d.Varint(&n) || n > 100000 || !d.String(&p.etag) || !d.Varint(&p.size) ||
      !d.Time(&p.last_modified) || !DecodeSegment(d, &p.segment)) {
    return CorruptRecord("part");
  }
  p.part_number = static_cast<int>(n);
  return p;
}

std::string EncodeVerified(TimePoint at, uint32_t replicas) {
  Encoder e;
  e.Byte(kVersion);
  e.Time(at);
  e.Varint(replicas);
  return e.Take();
}

Status DecodeVerified(std::string_view in, TimePoint* at, uint32_t* replicas) {
  Decoder d(in);
  uint64_t n;
  if (!CheckVersion(d) || !d.Time(at) || !d.Varint(&n) || n > 255) {
    return CorruptRecord("verification time");
  }
  *replicas = static_cast<uint32_t>(n);
  return Status::Ok();
}

void EncodeOps(const std::vector<JournalOp>& ops, std::string* out) {
  Encoder e;
  e.Varint(ops.size());
  for (const JournalOp& op : ops) {
    e.Byte(static_cast<uint8_t>(op.type));
    e.String(op.a);
    e.String(op.b);
    e.String(op.value);
  }
  out->append(e.out());
}

Result<std::vector<JournalOp>> DecodeOps(std::string_view in) {
  Decoder d(in);
  uint64_t n;
  if (!d.Varint(&n) || !SaneCount(n, d)) return CorruptRecord("journal");
  std::vector<JournalOp> ops(n);
  for (JournalOp& op : ops) {
    uint8_t type;
    if (!d.Byte(&type) || type == 0 || type > kMaxOpType || !d.String(&op.a) || !d.String(&op.b) ||
        !d.String(&op.value)) {
      return CorruptRecord("journal");
    }
    op.type = static_cast<OpType>(type);
  }
  if (!d.done()) return CorruptRecord("journal");
  return ops;
}

}  // namespace sos::storage
