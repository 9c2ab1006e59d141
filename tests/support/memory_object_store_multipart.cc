// Multipart uploads of MemoryObjectStore.
#include <algorithm>
#include <tuple>

#include "s3core/conditions.h"
#include "s3core/crypto.h"
#include "tests/support/memory_object_store_internal.h"

namespace sos {

using memstore::NoSuchBucket;
using memstore::NoSuchKey;
using memstore::NoSuchUpload;

namespace {

constexpr int kMaxPartNumber = 10000;

Status ValidatePartNumber(int part_number) {
  if (part_number < 1 || part_number > kMaxPartNumber) {
    return Status::InvalidArgument("Part number must be an integer between 1 and 10000, inclusive",
                                   "InvalidArgument");
  }
  return Status::Ok();
}

}  // namespace

Result<MemoryObjectStore::Upload*> MemoryObjectStore::FindUpload(const std::string& bucket,
                                                                 const std::string& key,
                                                                 const std::string& upload_id) {
  Bucket* b = FindBucket(bucket);
  if (!b) return NoSuchBucket(bucket);
  auto it = b->uploads.find(upload_id);
  // S3 also answers NoSuchUpload when the id exists for another key.
  if (it == b->uploads.end() || it->second.key != key) return NoSuchUpload(upload_id);
  return &it->second;
}

Result<std::string> MemoryObjectStore::CreateMultipartUpload(const std::string& bucket,
                                                             const std::string& key,
                                                             const WriteOptions& options) {
  SOS_RETURN_IF_ERROR(memstore::ValidateKey(key));
  SOS_RETURN_IF_ERROR(ValidateCannedAcl(options.canned_acl));
  std::lock_guard lock(mu_);
  Bucket* b = FindBucket(bucket);
  if (!b) return NoSuchBucket(bucket);
  // Opaque and unique like S3's; the counter guarantees uniqueness.
  std::string id;
  do {
    id = Base64Encode(Sha256(std::to_string(next_upload_++) + "\n" + bucket + "\n" + key));
    std::replace(id.begin(), id.end(), '+', '-');  // URL-safe: ids travel in query strings
    std::replace(id.begin(), id.end(), '/', '_');
    id.erase(std::remove(id.begin(), id.end(), '='), id.end());
  } while (b->uploads.count(id));
  Upload& u = b->uploads[id];
  u.key = key;
  u.upload_id = id;
  u.initiated = Now();
  u.options = options;
  return id;
}

Result<std::string> MemoryObjectStore::UploadPart(const std::string& bucket, const std::string& key,
                                                  const std::string& upload_id, int part_number,
                                                  BodySource& body) {
  SOS_RETURN_IF_ERROR(ValidatePartNumber(part_number));
  {
    std::lock_guard lock(mu_);
    SOS_RETURN_IF_ERROR(FindUpload(bucket, key, upload_id).status());
  }
  auto data = std::make_shared<std::string>();
  SOS_ASSIGN_OR_RETURN(std::string md5, memstore::ReadBody(body, data.get()));
  std::lock_guard lock(mu_);
  // Looked up again: the upload may have been aborted or completed meanwhile.
  SOS_ASSIGN_OR_RETURN(Upload * upload, FindUpload(bucket, key, upload_id));
  Upload::Part& part = upload->parts[part_number];
  part.data = std::move(data);
  part.etag = memstore::QuotedMd5Hex(md5);
  part.md5 = std::move(md5);
  part.last_modified = Now();
  return part.etag;
}

Result<std::string> MemoryObjectStore::UploadPartCopy(const std::string& bucket,
                                                      const std::string& key,
                                                      const std::string& upload_id, int part_number,
                                                      const std::string& src_bucket,
                                                      const std::string& src_key,
                                                      const std::optional<ByteRange>& range) {
  SOS_RETURN_IF_ERROR(ValidatePartNumber(part_number));
  if (range && (!range->first || !range->last || range->suffix_length)) {
    return Status::InvalidArgument(
        "The x-amz-copy-source-range value must be of the form bytes=first-last",
        "InvalidArgument");
  }
  std::lock_guard lock(mu_);
  SOS_ASSIGN_OR_RETURN(Upload * upload, FindUpload(bucket, key, upload_id));
  Bucket* sb = FindBucket(src_bucket);
  if (!sb) return NoSuchBucket(src_bucket);
  auto src = sb->objects.find(src_key);
  if (src == sb->objects.end()) return NoSuchKey(src_bucket, src_key);
  const std::string& bytes = *src->second.data;
  uint64_t first = 0;
  uint64_t length = bytes.size();
  if (range) {
    // Unlike GET, a copy range is not clamped: it must lie inside the source.
    if (*range->first > *range->last || *range->last >= bytes.size()) {
      return Status::RangeNotSatisfiable("copy range " + range->ToHeader() + " outside a " +
                                         std::to_string(bytes.size()) + "-byte source");
    }
    first = *range->first;
    length = *range->last - first + 1;
  }
  auto data = std::make_shared<std::string>(bytes.substr(first, length));
  Upload::Part& part = upload->parts[part_number];
  part.md5 = Md5(*data);
  part.etag = memstore::QuotedMd5Hex(part.md5);
  part.data = std::move(data);
  part.last_modified = Now();
  return part.etag;
}

Result<PutResult> MemoryObjectStore::CompleteMultipartUpload(
    const std::string& bucket, const std::string& key, const std::string& upload_id,
    const std::vector<CompletedPart>& parts, const Conditions& conditions) {
  std::lock_guard lock(mu_);
  SOS_ASSIGN_OR_RETURN(Upload * upload, FindUpload(bucket, key, upload_id));
  if (parts.empty()) {
    return Status::InvalidArgument("You must specify at least one part", "MalformedXML");
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].part_number <= parts[i - 1].part_number) {
      return Status::InvalidArgument("The list of parts was not in ascending order",
                                     "InvalidPartOrder");
    }
  }
  std::vector<const Upload::Part*> chosen;
  uint64_t total = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    auto it = upload->parts.find(parts[i].part_number);
    if (it == upload->parts.end() || !EtagEquals(parts[i].etag, it->second.etag)) {
      return Status::InvalidArgument("part " + std::to_string(parts[i].part_number) +
                                         " was not found or its ETag did not match",
                                     "InvalidPart");
    }
    bool last = i + 1 == parts.size();
    if (!last && it->second.data->size() < options_.min_part_size) {
      return Status::InvalidArgument("part " + std::to_string(parts[i].part_number) + " has " +
                                         std::to_string(it->second.data->size()) +
                                         " bytes, below the minimum allowed size",
                                     "EntityTooSmall");
    }
    chosen.push_back(&it->second);
    total += it->second.data->size();
  }
  Bucket* b = FindBucket(bucket);
  auto existing = b->objects.find(key);
  SOS_RETURN_IF_ERROR(EvaluateWriteConditions(
      conditions.if_match, conditions.if_none_match,
      existing == b->objects.end() ? nullptr : &existing->second.meta, bucket, key));
  auto data = std::make_shared<std::string>();
  data->reserve(static_cast<size_t>(total));
  std::string md5s;
  for (const Upload::Part* p : chosen) {
    data->append(*p->data);
    md5s += p->md5;
  }
  std::string etag = "\"" + HexEncode(Md5(md5s)) + "-" + std::to_string(chosen.size()) + "\"";
  Object obj;
  obj.meta = memstore::MetaFromOptions(upload->options, key, data->size(), etag, Now());
  obj.meta.owner = options_.owner;
  obj.canned_acl = upload->options.canned_acl;
  obj.data = std::move(data);
  b->objects[key] = std::move(obj);
  b->uploads.erase(upload_id);
  return PutResult{etag};
}

Status MemoryObjectStore::AbortMultipartUpload(const std::string& bucket, const std::string& key,
                                               const std::string& upload_id) {
  std::lock_guard lock(mu_);
  SOS_RETURN_IF_ERROR(FindUpload(bucket, key, upload_id).status());
  FindBucket(bucket)->uploads.erase(upload_id);
  return Status::Ok();
}

Result<ListPartsResult> MemoryObjectStore::ListParts(const std::string& bucket,
                                                     const std::string& key,
                                                     const std::string& upload_id) {
  std::lock_guard lock(mu_);
  SOS_ASSIGN_OR_RETURN(Upload * upload, FindUpload(bucket, key, upload_id));
  ListPartsResult result;
  for (const auto& [number, part] : upload->parts) {
    result.parts.push_back({number, part.etag, part.data->size(), part.last_modified});
  }
  return result;
}

Result<ListUploadsResult> MemoryObjectStore::ListMultipartUploads(const std::string& bucket,
                                                                  const std::string& prefix) {
  std::lock_guard lock(mu_);
  Bucket* b = FindBucket(bucket);
  if (!b) return NoSuchBucket(bucket);
  ListUploadsResult result;
  for (const auto& [id, u] : b->uploads) {
    if (u.key.compare(0, prefix.size(), prefix) == 0) {
      result.uploads.push_back({u.key, u.upload_id, u.initiated});
    }
  }
  // S3 orders by key, then by initiation time.
  std::sort(result.uploads.begin(), result.uploads.end(),
            [](const UploadInfo& a, const UploadInfo& b) {
              return std::tie(a.key, a.initiated, a.upload_id) <
                     std::tie(b.key, b.initiated, b.upload_id);
            });
  return result;
}

}  // namespace sos
