// MemoryObjectStore: an in-memory ObjectStore with the semantics of real S3.
//
// The fake behind unit and component tests of sosfs, sosctl and sosd, so it
// copies S3 where a client could notice: error codes (NoSuchBucket,
// NoSuchKey, BucketAlreadyOwnedByYou, BucketNotEmpty, NoSuchUpload,
// InvalidPart, InvalidPartOrder, EntityTooSmall, InvalidRange,
// PreconditionFailed/NotModified), ETags (quoted MD5; MD5 of the part MD5s
// plus "-N" for multipart), listing order (UTF-8 byte order), delimiters and
// pagination (v1 NextMarker is the last key or prefix returned; v2 tokens are
// opaque), ranges, conditional GET/HEAD/PUT/copy/complete, copy directives,
// multipart part-size rules and canned ACLs. Last-Modified has whole-second
// resolution, as S3's HTTP dates do. Versioning, SSE, checksums and bucket
// policies are not modelled.
//
// Object data is held in memory (shared, immutable buffers) but moves through
// BodySource/BodySink in chunks like a real store. Conditional writes are
// atomic: the check and the commit happen under one lock.
//
// Thread-safe: one mutex guards all state; sinks are called without it held.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "s3core/client/object_store.h"

namespace sos {

struct MemoryObjectStoreOptions {
  Owner owner{"5a0e1f6c0c3f4a7e9b1d2c3e4f506172839a4b5c6d7e8f90a1b2c3d4e5f60718", "sos"};
  // S3's minimum for every part but the last; tests may lower it.
  uint64_t min_part_size = uint64_t{5} << 20;
  // Source of Last-Modified / CreationDate / Initiated; system_clock if empty.
  // Called with the store locked: it must not call back into the store.
  std::function<TimePoint()> clock;
  // Size of the chunks handed to a BodySink.
  size_t chunk_size = 64 * 1024;
  // sosd's listing extension also gives each common prefix's marker object
  // (ListResult::prefix_markers); false: like sosd before it.
  bool list_prefix_markers = true;
};

class MemoryObjectStore : public ObjectStore {
 public:
  explicit MemoryObjectStore(MemoryObjectStoreOptions options = {});
  ~MemoryObjectStore() override;

  Result<std::vector<BucketInfo>> ListBuckets() override;
  Status CreateBucket(const std::string& bucket, const std::string& canned_acl = "") override;
  Status HeadBucket(const std::string& bucket) override;
  Status DeleteBucket(const std::string& bucket) override;

  Result<ObjectMeta> Head(const std::string& bucket, const std::string& key,
                          const Conditions& conditions = {}) override;
  Result<GetResult> Get(const GetRequest& request, const BodySink& sink) override;
  Result<PutResult> Put(const std::string& bucket, const std::string& key, BodySource& body,
                        const WriteOptions& options = {}) override;
  Result<CopyResult> Copy(const CopyRequest& request) override;
  Status Delete(const std::string& bucket, const std::string& key) override;
  Result<DeleteManyResult> DeleteMany(const std::string& bucket,
                                      const std::vector<std::string>& keys) override;
  Result<ListResult> List(const ListRequest& request) override;

  Result<std::string> CreateMultipartUpload(const std::string& bucket, const std::string& key,
                                            const WriteOptions& options = {}) override;
  Result<std::string> UploadPart(const std::string& bucket, const std::string& key,
                                 const std::string& upload_id, int part_number,
                                 BodySource& body) override;
  Result<std::string> UploadPartCopy(const std::string& bucket, const std::string& key,
                                     const std::string& upload_id, int part_number,
                                     const std::string& src_bucket, const std::string& src_key,
                                     const std::optional<ByteRange>& range) override;
  Result<PutResult> CompleteMultipartUpload(const std::string& bucket, const std::string& key,
                                            const std::string& upload_id,
                                            const std::vector<CompletedPart>& parts,
                                            const Conditions& conditions = {}) override;
  Status AbortMultipartUpload(const std::string& bucket, const std::string& key,
                              const std::string& upload_id) override;
  Result<ListPartsResult> ListParts(const std::string& bucket, const std::string& key,
                                    const std::string& upload_id) override;
  Result<ListUploadsResult> ListMultipartUploads(const std::string& bucket,
                                                 const std::string& prefix = "") override;

  Result<AccessControlPolicy> GetAcl(const std::string& bucket, const std::string& key) override;
  Status PutCannedAcl(const std::string& bucket, const std::string& key,
                      const std::string& canned_acl) override;
  Status PutAcl(const std::string& bucket, const std::string& key,
                const AccessControlPolicy& policy) override;

  // Test helpers.
  // Objects in `bucket`, or in all buckets if empty; 0 for a missing bucket.
  size_t ObjectCount(const std::string& bucket = "") const;
  // Multipart uploads in progress in `bucket`, or in all buckets if empty.
  size_t UploadCount(const std::string& bucket = "") const;
  // The stored bytes of an object, read directly (no conditions, not counted).
  std::optional<std::string> ObjectData(const std::string& bucket, const std::string& key) const;

 private:
  struct Object;
  struct Upload;
  struct Bucket;

  TimePoint Now() const;
  Bucket* FindBucket(const std::string& bucket);  // requires mu_
  const Bucket* FindBucket(const std::string& bucket) const;
  Result<Upload*> FindUpload(const std::string& bucket, const std::string& key,
                             const std::string& upload_id);  // requires mu_
  Result<std::string> CopyPartLocked(Upload* upload, int part_number, const Object& src,
                                     const std::optional<ByteRange>& range);

  const MemoryObjectStoreOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Bucket>> buckets_;
  uint64_t next_upload_ = 1;
};

}  // namespace sos
