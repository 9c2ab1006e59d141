// Buckets, objects, listing and ACLs of MemoryObjectStore; multipart uploads
// are in memory_object_store_multipart.cc.
#include "tests/support/memory_object_store.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "s3core/conditions.h"
#include "s3core/crypto.h"
#include "tests/support/memory_object_store_internal.h"

namespace sos {

using memstore::NoSuchBucket;
using memstore::NoSuchKey;
using memstore::QuotedMd5Hex;
using memstore::ReadBody;
using memstore::ValidateKey;

namespace {

bool ValidBucketName(const std::string& name) {
  if (name.size() < 3 || name.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  for (char c : name) {
    if (!alnum(c) && c != '-' && c != '.') return false;
  }
  return name.find("..") == std::string::npos;
}

// The first string greater than every string that starts with `prefix`, or ""
// if there is none (prefix is all 0xff).
std::string PrefixSuccessor(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

// v2 continuation tokens are opaque in S3; making ours opaque too catches
// clients that would treat them as keys.
constexpr std::string_view kTokenPrefix = "sos1:";
std::string EncodeToken(const std::string& key) {
  return Base64Encode(std::string(kTokenPrefix) + key);
}
std::optional<std::string> DecodeToken(const std::string& token) {
  std::optional<std::string> raw = Base64Decode(token);
  if (!raw || raw->compare(0, kTokenPrefix.size(), kTokenPrefix) != 0) return std::nullopt;
  return raw->substr(kTokenPrefix.size());
}

// Where a GET starts and how many bytes it returns.
struct Span {
  uint64_t first = 0;
  uint64_t length = 0;
};

// S3 (and RFC 9110): a syntactically invalid range (first > last) is ignored;
// first beyond the end, or an empty suffix, is 416; last is clamped.
Result<Span> ResolveRange(const std::optional<ByteRange>& range, uint64_t size) {
  if (!range) return Span{0, size};
  const ByteRange& r = *range;
  if (r.suffix_length) {
    if (*r.suffix_length == 0) return Status::RangeNotSatisfiable("empty suffix range");
    uint64_t n = std::min(*r.suffix_length, size);
    return Span{size - n, n};
  }
  uint64_t first = r.first.value_or(0);
  if (r.last && *r.last < first) return Span{0, size};
  if (first >= size) {
    return Status::RangeNotSatisfiable("range starts at " + std::to_string(first) +
                                       " but the object has " + std::to_string(size) + " bytes");
  }
  uint64_t last = r.last ? std::min(*r.last, size - 1) : size - 1;
  return Span{first, last - first + 1};
}

}  // namespace

MemoryObjectStore::MemoryObjectStore(MemoryObjectStoreOptions options)
    : options_(std::move(options)) {}

MemoryObjectStore::~MemoryObjectStore() = default;

TimePoint MemoryObjectStore::Now() const {
  TimePoint t = options_.clock ? options_.clock() : std::chrono::system_clock::now();
  return std::chrono::floor<std::chrono::seconds>(t);
}

MemoryObjectStore::Bucket* MemoryObjectStore::FindBucket(const std::string& bucket) {
  auto it = buckets_.find(bucket);
  return it == buckets_.end() ? nullptr : it->second.get();
}

const MemoryObjectStore::Bucket* MemoryObjectStore::FindBucket(const std::string& bucket) const {
  auto it = buckets_.find(bucket);
  return it == buckets_.end() ? nullptr : it->second.get();
}

// ---- Buckets ---------------------------------------------------------------

Result<std::vector<BucketInfo>> MemoryObjectStore::ListBuckets() {
  std::lock_guard lock(mu_);
  std::vector<BucketInfo> out;
  for (const auto& [name, b] : buckets_) out.push_back({name, b->created});
  return out;
}

Status MemoryObjectStore::CreateBucket(const std::string& bucket, const std::string& canned_acl) {
  if (!ValidBucketName(bucket)) {
    return Status::InvalidArgument("invalid bucket name '" + bucket + "'", "InvalidBucketName");
  }
  SOS_RETURN_IF_ERROR(ValidateCannedAcl(canned_acl));
  std::lock_guard lock(mu_);
  if (FindBucket(bucket)) {
    return Status::AlreadyExists("bucket '" + bucket + "' already exists",
                                 "BucketAlreadyOwnedByYou");
  }
  auto b = std::make_unique<Bucket>();
  b->created = Now();
  b->canned_acl = canned_acl;
  buckets_[bucket] = std::move(b);
  return Status::Ok();
}

Status MemoryObjectStore::HeadBucket(const std::string& bucket) {
  std::lock_guard lock(mu_);
  return FindBucket(bucket) ? Status::Ok() : NoSuchBucket(bucket);
}

Status MemoryObjectStore::DeleteBucket(const std::string& bucket) {
  std::lock_guard lock(mu_);
  Bucket* b = FindBucket(bucket);
  if (!b) return NoSuchBucket(bucket);
  if (!b->objects.empty()) {
    return Status::NotEmpty("bucket '" + bucket + "' is not empty", "BucketNotEmpty");
  }
  buckets_.erase(bucket);  // in-progress uploads go with it
  return Status::Ok();
}

// ---- Objects ---------------------------------------------------------------

Result<ObjectMeta> MemoryObjectStore::Head(const std::string& bucket, const std::string& key,
                                           const Conditions& conditions) {
  std::lock_guard lock(mu_);
  Bucket* b = FindBucket(bucket);
  if (!b) return NoSuchBucket(bucket);
  auto it = b->objects.find(key);
  if (it == b->objects.end()) return NoSuchKey(bucket, key);
  SOS_RETURN_IF_ERROR(EvaluateReadConditions(conditions, it->second.meta.etag,
                                             it->second.meta.last_modified, Now(), false));
  return it->second.meta;
}

Result<GetResult> MemoryObjectStore::Get(const GetRequest& request, const BodySink& sink) {
  std::shared_ptr<const std::string> data;
  GetResult result;
  {
    std::lock_guard lock(mu_);
    Bucket* b = FindBucket(request.bucket);
    if (!b) return NoSuchBucket(request.bucket);
    auto it = b->objects.find(request.key);
    if (it == b->objects.end()) return NoSuchKey(request.bucket, request.key);
    const Object& obj = it->second;
    SOS_RETURN_IF_ERROR(EvaluateReadConditions(request.conditions, obj.meta.etag,
                                               obj.meta.last_modified, Now(), false));
    SOS_ASSIGN_OR_RETURN(Span span, ResolveRange(request.range, obj.meta.size));
    result.meta = obj.meta;
    result.first_byte = span.first;
    result.length = span.length;
    data = obj.data;
  }
  // The buffer is immutable and shared, so the sink runs without the lock.
  uint64_t done = 0;
  const size_t chunk = std::max<size_t>(options_.chunk_size, 1);
  while (done < result.length) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(chunk, result.length - done));
    SOS_RETURN_IF_ERROR(sink(std::string_view(*data).substr(result.first_byte + done, n)));
    done += n;
  }
  return result;
}

Result<PutResult> MemoryObjectStore::Put(const std::string& bucket, const std::string& key,
                                         BodySource& body, const WriteOptions& options) {
  SOS_RETURN_IF_ERROR(ValidateKey(key));
  SOS_RETURN_IF_ERROR(ValidateCannedAcl(options.canned_acl));
  {
    // Fail early, before reading the body, like S3 does.
    std::lock_guard lock(mu_);
    Bucket* b = FindBucket(bucket);
    if (!b) return NoSuchBucket(bucket);
    auto it = b->objects.find(key);
    SOS_RETURN_IF_ERROR(
        EvaluateWriteConditions(options.conditions.if_match, options.conditions.if_none_match,
                                it == b->objects.end() ? nullptr : &it->second.meta, bucket, key));
  }
  std::string data;
  SOS_ASSIGN_OR_RETURN(std::string md5, ReadBody(body, &data));
  std::lock_guard lock(mu_);
  Bucket* b = FindBucket(bucket);
  if (!b) return NoSuchBucket(bucket);
  auto it = b->objects.find(key);
  // Checked again under the same lock as the commit: this is what makes
  // If-None-Match: * an atomic create.
  SOS_RETURN_IF_ERROR(
      EvaluateWriteConditions(options.conditions.if_match, options.conditions.if_none_match,
                              it == b->objects.end() ? nullptr : &it->second.meta, bucket, key));
  Object obj;
  obj.meta = memstore::MetaFromOptions(options, key, data.size(), QuotedMd5Hex(md5), Now());
  obj.meta.owner = options_.owner;
  obj.canned_acl = options.canned_acl;
  obj.data = std::make_shared<const std::string>(std::move(data));
  std::string etag = obj.meta.etag;
  b->objects[key] = std::move(obj);
  return PutResult{etag};
}

Result<CopyResult> MemoryObjectStore::Copy(const CopyRequest& request) {
  SOS_RETURN_IF_ERROR(ValidateKey(request.dst_key));
  SOS_RETURN_IF_ERROR(ValidateCannedAcl(request.options.canned_acl));
  std::lock_guard lock(mu_);
  Bucket* src_bucket = FindBucket(request.src_bucket);
  if (!src_bucket) return NoSuchBucket(request.src_bucket);
  auto src = src_bucket->objects.find(request.src_key);
  if (src == src_bucket->objects.end()) return NoSuchKey(request.src_bucket, request.src_key);
  Bucket* dst_bucket = FindBucket(request.dst_bucket);
  if (!dst_bucket) return NoSuchBucket(request.dst_bucket);
  const TimePoint now = Now();
  SOS_RETURN_IF_ERROR(EvaluateReadConditions(request.source_conditions, src->second.meta.etag,
                                             src->second.meta.last_modified, now,
                                             /*copy_source=*/true));
  if (request.src_bucket == request.dst_bucket && request.src_key == request.dst_key &&
      !request.replace_metadata) {
    return Status::InvalidArgument(
        "This copy request is illegal because it is trying to copy an object to itself without "
        "changing the object's metadata, storage class, website redirect location or encryption "
        "attributes.",
        "InvalidRequest");
  }
  auto dst = dst_bucket->objects.find(request.dst_key);
  SOS_RETURN_IF_ERROR(EvaluateWriteConditions(
      request.options.conditions.if_match, request.options.conditions.if_none_match,
      dst == dst_bucket->objects.end() ? nullptr : &dst->second.meta, request.dst_bucket,
      request.dst_key));
  const Object& s = src->second;
  // A copy is a new single-part object: a multipart source gets a plain MD5.
  std::string etag =
      s.meta.etag.find('-') == std::string::npos ? s.meta.etag : QuotedMd5Hex(Md5(*s.data));
  Object obj;
  if (request.replace_metadata) {
    obj.meta = memstore::MetaFromOptions(request.options, request.dst_key, s.meta.size, etag, now);
  } else {
    obj.meta = s.meta;
    obj.meta.key = request.dst_key;
    obj.meta.etag = etag;
    obj.meta.last_modified = now;
  }
  obj.meta.owner = options_.owner;
  obj.canned_acl = request.options.canned_acl;  // ACLs are never copied
  obj.data = s.data;                            // immutable, so shared
  dst_bucket->objects[request.dst_key] = std::move(obj);
  return CopyResult{etag, now};
}

Status MemoryObjectStore::Delete(const std::string& bucket, const std::string& key) {
  std::lock_guard lock(mu_);
  Bucket* b = FindBucket(bucket);
  if (!b) return NoSuchBucket(bucket);
  b->objects.erase(key);
  return Status::Ok();
}

Result<DeleteManyResult> MemoryObjectStore::DeleteMany(const std::string& bucket,
                                                       const std::vector<std::string>& keys) {
  if (keys.empty() || keys.size() > 1000) {
    return Status::InvalidArgument("DeleteObjects takes 1 to 1000 keys", "MalformedXML");
  }
  std::lock_guard lock(mu_);
  Bucket* b = FindBucket(bucket);
  if (!b) return NoSuchBucket(bucket);
  DeleteManyResult result;
  for (const std::string& key : keys) {
    b->objects.erase(key);
    result.deleted.push_back(key);  // S3 reports missing keys as deleted too
  }
  return result;
}

Result<ListResult> MemoryObjectStore::List(const ListRequest& request) {
  if (request.max_keys < 0) {
    return Status::InvalidArgument("max-keys must be non-negative", "InvalidArgument");
  }
  const size_t max_keys = static_cast<size_t>(std::min(request.max_keys, 1000));
  std::string marker = request.start_after;
  if (!request.continuation_token.empty()) {
    if (request.use_v1) {
      marker = std::max(marker, request.continuation_token);
    } else {
      std::optional<std::string> key = DecodeToken(request.continuation_token);
      if (!key) {
        return Status::InvalidArgument("The continuation token provided is incorrect",
                                       "InvalidArgument");
      }
      marker = *key;
    }
  }
  std::lock_guard lock(mu_);
  Bucket* b = FindBucket(request.bucket);
  if (!b) return NoSuchBucket(request.bucket);
  ListResult result;
  if (max_keys == 0) return result;
  const std::string& prefix = request.prefix;
  const std::string& delim = request.delimiter;
  auto it = marker.empty() || prefix > marker ? b->objects.lower_bound(prefix)
                                              : b->objects.upper_bound(marker);
  size_t count = 0;
  std::string last;
  while (it != b->objects.end()) {
    const std::string& key = it->first;
    if (key.compare(0, prefix.size(), prefix) != 0) break;  // sorted: past the prefix
    size_t pos = delim.empty() ? std::string::npos : key.find(delim, prefix.size());
    std::string common =
        pos == std::string::npos ? std::string() : key.substr(0, pos + delim.size());
    // A common prefix at or before the marker was returned on an earlier page.
    if (!common.empty() && !marker.empty() && common <= marker) {
      std::string next = PrefixSuccessor(common);
      it = next.empty() ? b->objects.end() : b->objects.lower_bound(next);
      continue;
    }
    if (count == max_keys) {
      result.is_truncated = true;
      break;
    }
    ++count;
    if (!common.empty()) {
      result.common_prefixes.push_back(common);
      if (auto marker = b->objects.find(common);
          request.include_user_meta && options_.list_prefix_markers && marker != b->objects.end()) {
        ObjectMeta m = marker->second.meta;
        m.storage_class = "STANDARD";
        m.owner.reset();
        result.prefix_markers[common] = std::move(m);
      }
      last = common;
      std::string next = PrefixSuccessor(common);
      it = next.empty() ? b->objects.end() : b->objects.lower_bound(next);
      continue;
    }
    ObjectMeta m;
    m.key = key;
    m.size = it->second.meta.size;
    m.etag = it->second.meta.etag;
    m.last_modified = it->second.meta.last_modified;
    m.storage_class = "STANDARD";
    if (request.use_v1 || request.fetch_owner) m.owner = it->second.meta.owner;
    if (request.include_user_meta) m.user_meta = it->second.meta.user_meta;  // sosd extension
    result.objects.push_back(std::move(m));
    last = key;
    ++it;
  }
  result.markers_listed =
      request.include_user_meta && options_.list_prefix_markers && !delim.empty();
  if (result.is_truncated) result.next_token = request.use_v1 ? last : EncodeToken(last);
  return result;
}

// ---- ACLs ------------------------------------------------------------------

Result<AccessControlPolicy> MemoryObjectStore::GetAcl(const std::string& bucket,
                                                      const std::string& key) {
  std::lock_guard lock(mu_);
  Bucket* b = FindBucket(bucket);
  if (!b) return NoSuchBucket(bucket);
  if (key.empty()) {
    return b->acl ? *b->acl : PolicyForCannedAcl(options_.owner, b->canned_acl);
  }
  auto it = b->objects.find(key);
  if (it == b->objects.end()) return NoSuchKey(bucket, key);
  const Object& obj = it->second;
  return obj.acl ? *obj.acl : PolicyForCannedAcl(options_.owner, obj.canned_acl);
}

Status MemoryObjectStore::PutCannedAcl(const std::string& bucket, const std::string& key,
                                       const std::string& canned_acl) {
  SOS_RETURN_IF_ERROR(ValidateCannedAcl(canned_acl));
  std::lock_guard lock(mu_);
  Bucket* b = FindBucket(bucket);
  if (!b) return NoSuchBucket(bucket);
  if (key.empty()) {
    b->canned_acl = canned_acl;
    b->acl.reset();
    return Status::Ok();
  }
  auto it = b->objects.find(key);
  if (it == b->objects.end()) return NoSuchKey(bucket, key);
  it->second.canned_acl = canned_acl;
  it->second.acl.reset();
  return Status::Ok();
}

Status MemoryObjectStore::PutAcl(const std::string& bucket, const std::string& key,
                                 const AccessControlPolicy& policy) {
  // S3's checks: the owner stays, permissions are S3's five, grantees complete.
  if (!policy.owner.id.empty() && policy.owner.id != options_.owner.id) {
    return Status::PermissionDenied("The owner of an ACL cannot be changed.");
  }
  static constexpr std::array<std::string_view, 5> kPermissions = {"FULL_CONTROL", "READ", "WRITE",
                                                                   "READ_ACP", "WRITE_ACP"};
  for (const Grant& g : policy.grants) {
    if (std::find(kPermissions.begin(), kPermissions.end(), g.permission) == kPermissions.end()) {
      return Status::InvalidArgument("unknown permission '" + g.permission + "'",
                                     "MalformedACLError");
    }
    bool complete = (g.grantee.type == Grantee::Type::kCanonicalUser && !g.grantee.id.empty()) ||
                    (g.grantee.type == Grantee::Type::kGroup && !g.grantee.uri.empty()) ||
                    (g.grantee.type == Grantee::Type::kEmail && !g.grantee.email.empty());
    if (!complete) return Status::InvalidArgument("grantee without id", "MalformedACLError");
  }
  AccessControlPolicy stored = policy;
  stored.owner = options_.owner;
  std::lock_guard lock(mu_);
  Bucket* b = FindBucket(bucket);
  if (!b) return NoSuchBucket(bucket);
  if (key.empty()) {
    b->acl = std::move(stored);
    return Status::Ok();
  }
  auto it = b->objects.find(key);
  if (it == b->objects.end()) return NoSuchKey(bucket, key);
  it->second.acl = std::move(stored);
  return Status::Ok();
}

// ---- Test helpers ----------------------------------------------------------

size_t MemoryObjectStore::ObjectCount(const std::string& bucket) const {
  std::lock_guard lock(mu_);
  if (!bucket.empty()) {
    const Bucket* b = FindBucket(bucket);
    return b ? b->objects.size() : 0;
  }
  size_t n = 0;
  for (const auto& [name, b] : buckets_) n += b->objects.size();
  return n;
}

size_t MemoryObjectStore::UploadCount(const std::string& bucket) const {
  std::lock_guard lock(mu_);
  if (!bucket.empty()) {
    const Bucket* b = FindBucket(bucket);
    return b ? b->uploads.size() : 0;
  }
  size_t n = 0;
  for (const auto& [name, b] : buckets_) n += b->uploads.size();
  return n;
}

std::optional<std::string> MemoryObjectStore::ObjectData(const std::string& bucket,
                                                         const std::string& key) const {
  std::lock_guard lock(mu_);
  const Bucket* b = FindBucket(bucket);
  if (!b) return std::nullopt;
  auto it = b->objects.find(key);
  if (it == b->objects.end()) return std::nullopt;
  return *it->second.data;
}

}  // namespace sos
