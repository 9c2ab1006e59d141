// RequestRouter: from an HTTP request head to the S3 operation it asks for.
//
// Owns the addressing rules: path-style (`/bucket/key`) and virtual-hosted
// (`bucket.DOMAIN`, when a base domain is configured) requests, the query
// sub-resources that select an operation (?uploads, ?uploadId=, ?acl, ?cors,
// ?delete, ?location, ?versioning, ?versions, list-type=2, ...), and key
// hygiene. A key is the raw path after the bucket, percent-decoded exactly
// once and never normalised (`a/../b` is a key of its own); it must be valid
// UTF-8 without NUL and at most 1024 bytes. Anything S3 defines that sosd does
// not implement routes to kNotImplemented with a message naming it.
//
// Routing reads only the head (method, target, Host); it never touches the
// body or storage. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s3core/http_request_head.h"
#include "s3core/status.h"

namespace sos {

enum class S3Op {
  kHealth,   // GET /-/health: ok, degraded or failing (no auth)
  kReady,    // GET /-/ready: whether writes are taken (no auth)
  kMetrics,  // GET /-/metrics: Prometheus text (auth as configured)
  kAdmin,    // /-/admin/... (organisations and keys, JSON; s3core/admin_api.h)
  kConsole,  // GET /-/console/...: the web console's files (no auth; console_ops.cc)
  kListBuckets,
  kCreateBucket,
  kHeadBucket,
  kDeleteBucket,
  kGetBucketLocation,
  kGetBucketVersioning,
  kPutBucketVersioning,
  kGetObjectLockConfiguration,
  kPutObjectLockConfiguration,
  kGetObjectRetention,
  kPutObjectRetention,
  kGetObjectLegalHold,
  kPutObjectLegalHold,
  kGetBucketCors,
  kPutBucketCors,
  kDeleteBucketCors,
  kGetBucketAcl,
  kPutBucketAcl,
  kGetBucketLifecycle,
  kPutBucketLifecycle,
  kDeleteBucketLifecycle,
  kGetBucketEmptyConfig,  // GET ?policy, ?tagging, ...: "none configured" (404)
  kListObjects,
  kListObjectsV2,
  kListObjectVersions,
  kListMultipartUploads,
  kDeleteObjects,
  kGetObject,
  kHeadObject,
  kPutObject,
  kCopyObject,
  kDeleteObject,
  kGetObjectAcl,
  kPutObjectAcl,
  kGetObjectTagging,
  kPutObjectTagging,
  kDeleteObjectTagging,
  kGetObjectAttributes,
  kCreateMultipartUpload,
  kUploadPart,
  kUploadPartCopy,
  kCompleteMultipartUpload,
  kAbortMultipartUpload,
  kListParts,
  kPreflight,  // OPTIONS (CORS preflight, no auth)
  kNotImplemented,
  kMethodNotAllowed,
};

// "GetObject", for logs and tests.
std::string_view S3OpName(S3Op op);

struct RouterOptions {
  // Base domain for virtual-hosted buckets ("s3.example.com": a request to
  // Host "photos.s3.example.com" addresses bucket "photos"). Empty: path-style only.
  std::string domain;
};

struct RoutedRequest {
  S3Op op = S3Op::kNotImplemented;
  std::string bucket;           // empty for service-level operations
  std::string key;              // decoded once; empty for bucket-level operations
  bool virtual_hosted = false;  // bucket came from the Host header
  std::string wire_path;        // the path as received (still percent-encoded)
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  // kGetBucketEmptyConfig: the S3 error code to answer with (e.g. NoSuchTagSet).
  // kNotImplemented: what is not implemented (for the error message).
  std::string detail;

  bool HasQuery(std::string_view name) const;
  // The first value of a query parameter, or nullptr.
  const std::string* Query(std::string_view name) const;
};

// Errors: InvalidURI (malformed target or %-escape), KeyTooLongError,
// InvalidArgument (key not valid UTF-8 or containing NUL).
Result<RoutedRequest> Route(const HttpRequestHead& head, const RouterOptions& options);

// S3's rules for new bucket names (3-63 chars of a-z 0-9 . -, starting and
// ending with a letter or digit, no "..", ".-", "-.", not an IPv4 address,
// none of the reserved prefixes/suffixes). InvalidBucketName otherwise.
Status ValidateBucketName(std::string_view name);

// Keys: 1..1024 bytes of valid UTF-8 without NUL.
Status ValidateObjectKey(std::string_view key);
bool IsValidUtf8(std::string_view s);

}  // namespace sos
