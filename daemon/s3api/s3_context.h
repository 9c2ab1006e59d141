// The per-request state the S3 operations share, and the helpers they render
// and read bodies with. Internal to sos_s3api (s3_service.cc and *_ops.cc).
//
// A Context lives for one request on one connection thread; nothing in it is
// shared, so it needs no locking. Operations return Status: the service turns
// a non-OK one into the S3 error response (if no response was started yet).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/auth/authenticator.h"
#include "daemon/http/http_server.h"
#include "daemon/s3api/authorizer.h"
#include "daemon/s3api/request_router.h"
#include "daemon/s3api/s3_service.h"
#include "daemon/storage/storage_engine.h"
#include "s3core/checksum.h"

namespace sos::s3api {

// Counts what a response sends, for the access log.
class CountingWriter : public ResponseWriter {
 public:
  explicit CountingWriter(ResponseWriter& inner) : inner_(inner) {}
  void SetStatus(int status) override {
    status_ = status;
    inner_.SetStatus(status);
  }
  void AddHeader(std::string_view name, std::string_view value) override {
    inner_.AddHeader(name, value);
  }
  Status SendHeaders(std::optional<uint64_t> content_length) override {
    return inner_.SendHeaders(content_length);
  }
  Status Write(std::string_view data) override {
    bytes_ += data.size();
    return inner_.Write(data);
  }
  Status Finish() override {
    finished_ = true;
    return inner_.Finish();
  }
  Status Send(int status, std::string_view content_type, std::string_view body) override {
    status_ = status;
    bytes_ += body.size();
    finished_ = true;
    return inner_.Send(status, content_type, body);
  }
  bool headers_sent() const override { return inner_.headers_sent(); }

  int status() const { return status_; }
  uint64_t bytes() const { return bytes_; }
  bool finished() const { return finished_; }

 private:
  ResponseWriter& inner_;
  int status_ = 0;
  uint64_t bytes_ = 0;
  bool finished_ = false;
};

struct Context {
  Context(HttpRequest& request, CountingWriter& writer, StorageEngine& storage,
          const S3ServiceOptions& service_options)
      : http(request), head(request.head), out(writer), engine(storage), options(service_options) {}

  HttpRequest& http;
  const HttpRequestHead& head;
  CountingWriter& out;
  StorageEngine& engine;
  const S3ServiceOptions& options;

  std::string request_id;
  TimePoint now{};
  RoutedRequest route;
  AuthResult auth;
  Principal principal;
  std::optional<BucketRecord> bucket;  // loaded before execute for bucket operations
  HeaderList extra_headers;            // CORS headers for every response of this request
  uint64_t bytes_in = 0;               // decoded request body bytes consumed
  std::string warning;                 // logged after the access line if the request succeeds

  std::optional<std::string_view> Header(std::string_view name) const {
    return FindHeader(head, name);
  }
  const std::string* Query(std::string_view name) const { return route.Query(name); }
  const SigV4Auth* sigv4() const { return auth.sigv4 ? &*auth.sigv4 : nullptr; }
  // Owner (ID and display name) of an account; looked up once per request.
  Owner OwnerOf(const std::string& account_id);

 private:
  std::map<std::string, Owner> owners_;
};

// ---- Rendering ------------------------------------------------------------

// SetStatus plus the headers every response carries (request id, Date, CORS).
// On the console's listener every response but the console's own pages
// (`console_page`) is also sandboxed, never framed and never sniffed, so that
// nothing else renders as a document in the console's origin.
void StartResponse(Context& ctx, int status, bool console_page = false);
// A whole small response.
Status SendXml(Context& ctx, int status, std::string_view xml);
Status SendEmpty(Context& ctx, int status);
// The S3 error response for `status` (must not be OK).
void SendError(Context& ctx, const Status& status);

// ---- Request bodies -------------------------------------------------------

struct BodyResult {
  uint64_t size = 0;
  // The verified x-amz-checksum-* the client sent (header or trailer), if any.
  std::optional<std::pair<ChecksumAlgorithm, std::string>> checksum;
};

// The decoded length the client declares (x-amz-decoded-content-length for
// aws-chunked bodies, else Content-Length), if any.
std::optional<uint64_t> DeclaredLength(const Context& ctx);
// Streams the request body through PayloadVerifier into `sink`, refusing
// more than `max_bytes` decoded bytes with `too_large` (kTooLarge). The sink
// has seen unverified bytes when this fails: discard them.
Result<BodyResult> ReadBody(Context& ctx, uint64_t max_bytes, const BodySink& sink,
                            const Status& too_large);
// A small (XML) body, verified, in memory. MissingRequestBodyError if empty
// and `required`.
Result<std::string> ReadSmallBody(Context& ctx, size_t max_bytes, bool required);

// A written, sealed blob and what the client declared about it.
struct WrittenBlob {
  Segment segment;
  std::string etag;  // quoted hex MD5
  BodyResult body;
};
// Streams the verified request body into a new blob (EntityTooLarge above
// options.max_object_size). Nothing references the blob yet. A small
// BlobUse::kObject body (an empty one too) comes back as an inline segment.
Result<WrittenBlob> WriteBodyToBlob(Context& ctx, BlobUse use);

// ---- Request headers -> records -------------------------------------------

// Content-Type (default binary/octet-stream), Cache-Control,
// Content-Disposition, Content-Encoding (without aws-chunked),
// Content-Language, Expires and x-amz-meta-* (2 KB total: MetadataTooLarge).
Result<ObjectMeta> MetaFromHeaders(const Context& ctx, const std::string& key);
// The response header and text of the warning sosd gives whenever a bucket
// or object becomes writable by anyone (public-read-write, or AllUsers WRITE).
inline constexpr std::string_view kPublicWriteWarningHeader = "x-sos-warning";
inline constexpr std::string_view kPublicWriteWarning =
    "public-read-write lets anyone overwrite and delete; not recommended";

// The policy asked for by x-amz-acl or x-amz-grant-* (nullopt: neither), for
// a resource owned by `owner`: both at once is InvalidRequest; grantees by
// e-mail are UnresolvableGrantByEmailAddress, unknown canonical IDs
// InvalidArgument. The owner always keeps FULL_CONTROL.
Result<std::optional<AccessControlPolicy>> AclPolicyFromHeaders(Context& ctx, const Owner& owner,
                                                                const Owner& bucket_owner);
// Checks every grantee exists and fills in display names (errors as above).
Status ResolveGrantees(Context& ctx, AccessControlPolicy& policy);
// Called with every policy about to be stored: a public-write policy adds the
// x-sos-warning response header and sets ctx.warning (logged on success).
void NoteAclChange(Context& ctx, const AccessControlPolicy& policy);
// The stored ACL for the request's x-amz-acl / x-amz-grant-* headers (or ""
// = private), for a resource owned by the principal.
Result<std::string> AclFromHeaders(Context& ctx);
// If-Match / If-None-Match of a write (If-None-Match other than "*" is
// NotImplemented, as in S3).
Result<WritePrecondition> WritePreconditionFromHeaders(const Context& ctx);
// x-amz-copy-source: "/bucket/key" or "bucket/key", URL-encoded, maybe with
// "?versionId=null".
struct CopySource {
  std::string bucket;
  std::string key;
  std::string version_id;  // "" = the current version
};
Result<CopySource> ParseCopySource(const Context& ctx);
// Loads the copy source, authorizes READ on it and checks x-amz-copy-source-if-*.
// With `copies_tags`, a source with tags also needs READ_ACP (what reading its
// tags needs), so a copy cannot reveal them.
Result<ObjectRecord> LoadCopySource(Context& ctx, const CopySource& source,
                                    bool copies_tags = false);
// The versionId of a query or XML element ("" when absent); S3 refuses an
// empty one. The engine checks the form of the rest.
Result<std::string> RequestedVersion(const std::string* version_id);
// Object lock of a new object (PUT, copy, multipart): the
// x-amz-object-lock-* headers, or the bucket's default retention; refused
// where the bucket has no object lock, and without `body_verified` (S3
// wants a Content-MD5 or checksum of what it is to keep).
Status ApplyObjectLock(Context& ctx, ObjectRecord& record, bool body_verified);
// Content-MD5 or an x-amz-checksum-* header or trailer came with the body.
bool HasIntegrityCheck(const Context& ctx);
// x-amz-bypass-governance-retention: true (the caller checks the right to it).
bool BypassesGovernance(const Context& ctx);
// x-amz-version-id for a record of the request's bucket (none if the bucket
// was never versioned).
void AddVersionHeader(Context& ctx, const ObjectRecord& record,
                      std::string_view header = "x-amz-version-id");
// The object of the request, once the caller may do `wanted` on it (an
// absent key the caller may not know of is 403, see HideAbsence).
Result<ObjectRecord> LoadObjectFor(Context& ctx, Permission wanted);
// An engine change of "the version checked" that found another (kCancelled)
// becomes 503 SlowDown: the client retries, and is checked again.
Status ChangedMeanwhileIsSlowDown(Status status);
// Adds the response headers describing an object (ETag, Last-Modified,
// Content-Type, ..., x-amz-meta-*).
void AddObjectHeaders(Context& ctx, const ObjectMeta& meta);

// NoSuchKey with the key named.
Status NoSuchKey(const std::string& key);
// What a failed object load may tell the principal: without READ on the
// bucket, S3 does not reveal whether a key exists, so absence is AccessDenied
// (as for an object it may not read); other failures pass through.
Status HideAbsence(const Principal& principal, const BucketRecord& bucket, const std::string& key,
                   const Status& load_error);
// Gives a NotFound from storage its S3 code when it has none.
Status WithCode(Status status, const char* s3_code);

// ---- Operations -------------------------------------------------------------

Status ListBuckets(Context& ctx);
Status CreateBucket(Context& ctx);
Status HeadBucket(Context& ctx);
Status DeleteBucket(Context& ctx);
Status GetBucketLocation(Context& ctx);
Status GetBucketVersioning(Context& ctx);
Status PutBucketVersioning(Context& ctx);
Status GetObjectLockConfiguration(Context& ctx);
Status PutObjectLockConfiguration(Context& ctx);
Status GetObjectRetention(Context& ctx);
Status PutObjectRetention(Context& ctx);
Status GetObjectLegalHold(Context& ctx);
Status PutObjectLegalHold(Context& ctx);
Status GetBucketEmptyConfig(Context& ctx);
Status GetBucketCors(Context& ctx);
Status PutBucketCors(Context& ctx);
Status DeleteBucketCors(Context& ctx);
Status GetBucketLifecycle(Context& ctx);
Status PutBucketLifecycle(Context& ctx);
Status DeleteBucketLifecycle(Context& ctx);
Status GetBucketAcl(Context& ctx);
Status PutBucketAcl(Context& ctx);
Status Preflight(Context& ctx);

Status ListObjects(Context& ctx, bool v2);
Status ListObjectVersions(Context& ctx);
Status ListMultipartUploads(Context& ctx);

Status GetObject(Context& ctx, bool head_only);
// The attributes named by x-amz-object-attributes (ETag, ObjectSize,
// StorageClass, ObjectParts; sosd keeps no whole-object Checksum to show).
Status GetObjectAttributes(Context& ctx);
Status PutObject(Context& ctx);
Status CopyObject(Context& ctx);
Status DeleteObject(Context& ctx);
Status DeleteObjects(Context& ctx);
Status GetObjectAcl(Context& ctx);
Status PutObjectAcl(Context& ctx);
// Object tags (tagging_ops.cc, object_tags.h).
Status GetObjectTagging(Context& ctx);
Status PutObjectTagging(Context& ctx);
Status DeleteObjectTagging(Context& ctx);
// The tags of a new object: its x-amz-tagging header, validated (none: empty).
Result<std::map<std::string, std::string>> TagsFromHeader(Context& ctx);

// The admin API (admin_ops.cc): authenticates with `authenticate`, allows the
// root organisation only and answers in JSON, errors included.
Status AdminApi(Context& ctx, const std::function<Status()>& authenticate);
// The web console's files and config.json (console_ops.cc); 404 when off.
Status ServeConsole(Context& ctx);
// X-Sos-Once (single_use.cc): only on SigV4 pre-signed requests (else 400
// InvalidArgument); consumes the nonce once the ACL checks passed (for object
// reads it loads the object and checks READ first); a used nonce is 403.
Status CheckSingleUse(Context& ctx);

Status CreateMultipartUpload(Context& ctx);
Status UploadPart(Context& ctx);
Status UploadPartCopy(Context& ctx);
Status CompleteMultipartUpload(Context& ctx);
Status AbortMultipartUpload(Context& ctx);
Status ListParts(Context& ctx);

}  // namespace sos::s3api
