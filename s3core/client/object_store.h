// ObjectStore: the one seam between sos and any S3 service.
//
// Every operation sosfs and sosctl need, expressed as plain C++ calls that
// return Status/Result. Implementations: CurlObjectStore (a real endpoint),
// MemoryObjectStore (an in-memory fake for tests) and FaultyObjectStore (a
// decorator that injects failures and latency).
//
// Contract: bodies stream through BodySource/BodySink, never held whole by the
// store; a conditional failure is kPreconditionFailed (412) or kNotModified
// (304); a missing bucket is kNotFound with s3_code "NoSuchBucket", a missing
// key kNotFound with "NoSuchKey". Implementations are thread-safe: any number
// of threads may call one store at once.
#pragma once

#include <string>
#include <vector>

#include "s3core/body.h"
#include "s3core/model.h"
#include "s3core/status.h"

namespace sos {

struct GetRequest {
  std::string bucket;
  std::string key;
  std::optional<ByteRange> range;
  Conditions conditions;
};

struct GetResult {
  ObjectMeta meta;          // meta.size is the whole object's size
  uint64_t first_byte = 0;  // offset of the first byte delivered to the sink
  uint64_t length = 0;      // bytes delivered to the sink
};

struct PutResult {
  std::string etag;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Buckets.
  virtual Result<std::vector<BucketInfo>> ListBuckets() = 0;
  virtual Status CreateBucket(const std::string& bucket, const std::string& canned_acl = "") = 0;
  virtual Status HeadBucket(const std::string& bucket) = 0;
  virtual Status DeleteBucket(const std::string& bucket) = 0;

  // Objects.
  virtual Result<ObjectMeta> Head(const std::string& bucket, const std::string& key,
                                  const Conditions& conditions = {}) = 0;
  virtual Result<GetResult> Get(const GetRequest& request, const BodySink& sink) = 0;
  virtual Result<PutResult> Put(const std::string& bucket, const std::string& key, BodySource& body,
                                const WriteOptions& options = {}) = 0;
  virtual Result<CopyResult> Copy(const CopyRequest& request) = 0;
  // Deleting a missing key succeeds, as in S3.
  virtual Status Delete(const std::string& bucket, const std::string& key) = 0;
  virtual Result<DeleteManyResult> DeleteMany(const std::string& bucket,
                                              const std::vector<std::string>& keys) = 0;
  virtual Result<ListResult> List(const ListRequest& request) = 0;
  // Versioned buckets: the first page (up to 1,000) of the versions and
  // delete markers left, and versions deleted for good.
  virtual Result<std::vector<VersionRef>> FirstVersions(const std::string& bucket) {
    (void)bucket;
    return Status::NotSupported("ListObjectVersions");
  }
  virtual Result<DeleteManyResult> DeleteVersions(const std::string& bucket,
                                                  const std::vector<VersionRef>& versions) {
    (void)bucket, (void)versions;
    return Status::NotSupported("DeleteObjects with versions");
  }

  // Multipart uploads.
  virtual Result<std::string> CreateMultipartUpload(const std::string& bucket,
                                                    const std::string& key,
                                                    const WriteOptions& options = {}) = 0;
  virtual Result<std::string> UploadPart(const std::string& bucket, const std::string& key,
                                         const std::string& upload_id, int part_number,
                                         BodySource& body) = 0;
  // Copies src (optionally only `range`, which must be closed) into a part.
  virtual Result<std::string> UploadPartCopy(const std::string& bucket, const std::string& key,
                                             const std::string& upload_id, int part_number,
                                             const std::string& src_bucket,
                                             const std::string& src_key,
                                             const std::optional<ByteRange>& range) = 0;
  virtual Result<PutResult> CompleteMultipartUpload(const std::string& bucket,
                                                    const std::string& key,
                                                    const std::string& upload_id,
                                                    const std::vector<CompletedPart>& parts,
                                                    const Conditions& conditions = {}) = 0;
  virtual Status AbortMultipartUpload(const std::string& bucket, const std::string& key,
                                      const std::string& upload_id) = 0;
  virtual Result<ListPartsResult> ListParts(const std::string& bucket, const std::string& key,
                                            const std::string& upload_id) = 0;
  virtual Result<ListUploadsResult> ListMultipartUploads(const std::string& bucket,
                                                         const std::string& prefix = "") = 0;

  // ACLs. An empty key addresses the bucket's ACL.
  virtual Result<AccessControlPolicy> GetAcl(const std::string& bucket, const std::string& key) = 0;
  virtual Status PutCannedAcl(const std::string& bucket, const std::string& key,
                              const std::string& canned_acl) = 0;
  // Replaces the whole ACL (PUT ?acl with an AccessControlPolicy body). The
  // owner cannot change: policy.owner.id must be the current owner's (or empty).
  virtual Status PutAcl(const std::string& bucket, const std::string& key,
                        const AccessControlPolicy& policy) = 0;
};

}  // namespace sos
