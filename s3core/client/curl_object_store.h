// CurlObjectStore: the ObjectStore for a real S3 endpoint (AWS, Exoscale SOS,
// Ceph RGW, MinIO, sosd), over S3HttpClient (libcurl, SigV4, retries).
//
// Maps each ObjectStore call to its S3 REST request and each response back to
// the model. GETs that fail mid-body are resumed with a Range pinned to the
// first response's ETag (If-Match), so a retried download never mixes two
// versions. Listings ask for encoding-type=url so any key survives XML.
// Thread-safe: one instance serves all threads and reuses connections.
#pragma once

#include "s3core/client/object_store.h"
#include "s3core/client/s3_http_client.h"

namespace sos {

class CurlObjectStore : public ObjectStore {
 public:
  using Options = S3ClientOptions;
  explicit CurlObjectStore(Options options);

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
  Result<std::vector<VersionRef>> FirstVersions(const std::string& bucket) override;
  Result<DeleteManyResult> DeleteVersions(const std::string& bucket,
                                          const std::vector<VersionRef>& versions) override;
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

  S3HttpClient& client() { return client_; }

 private:
  S3HttpClient client_;
};

// Parses response headers of GET/HEAD into ObjectMeta (size from Content-Length
// or the total of Content-Range).
ObjectMeta MetaFromHeaders(const std::string& key, const S3Response& response);

}  // namespace sos
