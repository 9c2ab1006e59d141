// XML bodies of the S3 REST API, both directions, on pugixml.
//
// The client encodes requests (Delete, CompleteMultipartUpload, ACL, CORS,
// CreateBucketConfiguration) and decodes responses; the server does the
// opposite, so every document has an Encode* and a Decode*. Element names and
// the namespace are exactly those of S3. Encoders always succeed and emit
// `<?xml version="1.0" encoding="UTF-8"?>` plus compact XML.
//
// Decoders are strict where S3 is: they accept any namespace (or none, or a
// prefixed one) but reject input that is too large, not well-formed UTF-8 XML,
// carries a DOCTYPE, has another root element, lacks a required field, or has
// a non-numeric number, with Status::InvalidArgument(msg, "MalformedXML")
// ("MalformedACLError" for ACLs). Entities other than the five predefined ones
// and character references are never expanded (pugixml has no DTD support), so
// entity-expansion attacks are inert; documents with a DOCTYPE are refused
// anyway.
//
// Why decoders are bounded: a server parses untrusted request bodies into a
// DOM that costs several times the input in memory, so each decoder refuses
// input above `max_bytes`. Defaults are sized to the largest legitimate
// document of the kind: kMaxXmlBytes (1 MiB) for configuration and small
// results; kMaxLargeXmlBytes (16 MiB) for listings of 1000 entries with
// 1024-byte keys (tripled by percent-encoding) plus user metadata, for Delete
// with 1000 such keys, and for CompleteMultipartUpload with 10000 parts.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "s3core/model.h"
#include "s3core/status.h"

namespace sos {

inline constexpr const char* kS3XmlNamespace = "http://s3.amazonaws.com/doc/2006-03-01/";
inline constexpr const char* kXsiNamespace = "http://www.w3.org/2001/XMLSchema-instance";

inline constexpr size_t kMaxXmlBytes = size_t{1} << 20;
inline constexpr size_t kMaxLargeXmlBytes = size_t{16} << 20;
inline constexpr size_t kMaxDeleteKeys = 1000;  // per DeleteObjects request, as in S3
inline constexpr size_t kMaxCorsRules = 100;    // per bucket, as in S3

// ---- Buckets ---------------------------------------------------------------

struct ListAllMyBucketsXml {
  Owner owner;
  std::vector<BucketInfo> buckets;
  std::string continuation_token;     // "": the last page
  std::optional<std::string> prefix;  // echoed when the request had one
};
std::string EncodeListAllMyBucketsResult(const ListAllMyBucketsXml& doc);
Result<ListAllMyBucketsXml> DecodeListAllMyBucketsResult(std::string_view xml,
                                                         size_t max_bytes = kMaxLargeXmlBytes);

// "" is us-east-1.
std::string EncodeLocationConstraint(const std::string& region);
Result<std::string> DecodeLocationConstraint(std::string_view xml, size_t max_bytes = kMaxXmlBytes);

// The body of CreateBucket; only LocationConstraint matters.
std::string EncodeCreateBucketConfiguration(const std::string& location_constraint);
Result<std::string> DecodeCreateBucketConfiguration(std::string_view xml,
                                                    size_t max_bytes = kMaxXmlBytes);

struct VersioningXml {
  std::string status;      // "" (never enabled), "Enabled" or "Suspended"
  std::string mfa_delete;  // "" , "Enabled" or "Disabled"
};
std::string EncodeVersioningConfiguration(const VersioningXml& doc);
Result<VersioningXml> DecodeVersioningConfiguration(std::string_view xml,
                                                    size_t max_bytes = kMaxXmlBytes);

// ---- Object lock -------------------------------------------------------------

// ObjectLockConfiguration: ObjectLockEnabled "Enabled", and an optional
// default retention (Rule/DefaultRetention: Mode and exactly one of Days or
// Years, each positive).
struct ObjectLockConfigXml {
  std::string mode;  // "" = no default retention, "GOVERNANCE" or "COMPLIANCE"
  int days = 0;
  int years = 0;
};
std::string EncodeObjectLockConfiguration(const ObjectLockConfigXml& doc);
Result<ObjectLockConfigXml> DecodeObjectLockConfiguration(std::string_view xml,
                                                          size_t max_bytes = kMaxXmlBytes);
// Retention: Mode and RetainUntilDate, both or (to remove it) neither.
struct RetentionXml {
  std::string mode;
  TimePoint retain_until{};
};
std::string EncodeRetention(const RetentionXml& doc);
Result<RetentionXml> DecodeRetention(std::string_view xml, size_t max_bytes = kMaxXmlBytes);
// LegalHold: Status ON or OFF.
std::string EncodeLegalHold(bool on);
Result<bool> DecodeLegalHold(std::string_view xml, size_t max_bytes = kMaxXmlBytes);
// An object lock mode header or element: GOVERNANCE or COMPLIANCE.
bool ValidLockMode(std::string_view mode);

// ---- Listing objects -------------------------------------------------------

struct ListEncodeOptions {
  // encoding-type=url: percent-encode Key, Prefix, Delimiter, Marker,
  // NextMarker, StartAfter (KeyMarker/NextKeyMarker in ListVersions) and the
  // common prefixes, and write <EncodingType>url</EncodingType>.
  bool encode_url = false;
  // sos extension: per-Contents <UserMetadata><Items><Key/><Value/></Items>...
  // so that a mount sees mode/uid/gid/mtime in one request. Off for S3 clients.
  bool include_user_meta = false;
};

// ListBucketResult, ListObjects (v1) or ListObjectsV2.
struct ListBucketXml {
  bool v2 = true;
  std::string name;
  std::string prefix;
  std::string delimiter;
  int max_keys = 1000;
  std::string marker;              // v1 request marker
  std::string continuation_token;  // v2 request token
  std::string start_after;         // v2
  int key_count = 0;               // decoded only; the encoder writes the real count
  std::string encoding_type;       // decoded only ("url" if values were URL-encoded)
  // Contents (key, last_modified, etag, size, storage_class, owner, and
  // user_meta with the extension), CommonPrefixes, IsTruncated, and next_token:
  // NextContinuationToken (v2) or NextMarker (v1). A truncated v1 answer
  // without NextMarker (S3 sends one only with a delimiter) decodes to the last
  // key or common prefix returned, which is what the next request must send.
  ListResult page;
};
std::string EncodeListBucketResult(const ListBucketXml& doc, const ListEncodeOptions& options = {});
Result<ListBucketXml> DecodeListBucketResult(std::string_view xml,
                                             size_t max_bytes = kMaxLargeXmlBytes);

// ListVersionsResult. `versions` are encoded in their order, each as a
// Version or (with is_delete_marker) a DeleteMarker; a decoded document
// puts its DeleteMarkers in `delete_markers` instead.
struct ObjectVersionXml {
  ObjectMeta meta;  // key, last_modified, etag, size, storage_class, owner
  std::string version_id = "null";
  bool is_latest = true;
  bool is_delete_marker = false;  // encoding only: key, version, latest, time, owner
};
struct DeleteMarkerXml {
  std::string key;
  std::string version_id;
  bool is_latest = true;
  TimePoint last_modified{};
  std::optional<Owner> owner;
};
struct ListVersionsXml {
  std::string name;
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  std::string version_id_marker;
  std::string next_key_marker;
  std::string next_version_id_marker;
  int max_keys = 1000;
  bool is_truncated = false;
  std::string encoding_type;  // decoded only
  std::vector<ObjectVersionXml> versions;
  std::vector<DeleteMarkerXml> delete_markers;
  std::vector<std::string> common_prefixes;
};
// `versions` in their order, then `delete_markers`.
std::string EncodeListVersionsResult(const ListVersionsXml& doc,
                                     const ListEncodeOptions& options = {});
Result<ListVersionsXml> DecodeListVersionsResult(std::string_view xml,
                                                 size_t max_bytes = kMaxLargeXmlBytes);

// ---- Multipart uploads -----------------------------------------------------

struct InitiateMultipartUploadXml {
  std::string bucket;
  std::string key;
  std::string upload_id;  // required
};
std::string EncodeInitiateMultipartUploadResult(const InitiateMultipartUploadXml& doc);
Result<InitiateMultipartUploadXml> DecodeInitiateMultipartUploadResult(
    std::string_view xml, size_t max_bytes = kMaxXmlBytes);

// The request body: at least one Part, each with PartNumber and ETag. Order
// and duplicates are kept as sent; validating them is the server's job
// (InvalidPartOrder).
std::string EncodeCompleteMultipartUpload(const std::vector<CompletedPart>& parts);
Result<std::vector<CompletedPart>> DecodeCompleteMultipartUpload(
    std::string_view xml, size_t max_bytes = kMaxLargeXmlBytes);

struct CompleteMultipartUploadResultXml {
  std::string location;
  std::string bucket;
  std::string key;
  std::string etag;  // required
};
std::string EncodeCompleteMultipartUploadResult(const CompleteMultipartUploadResultXml& doc);
// S3 may answer 200 OK with an <Error> body (also for copies and DeleteObjects);
// those decoders then return the error's Status (StatusFromS3Error), e.g. a
// retryable kUnavailable for InternalError.
Result<CompleteMultipartUploadResultXml> DecodeCompleteMultipartUploadResult(
    std::string_view xml, size_t max_bytes = kMaxXmlBytes);

struct ListPartsXml {
  std::string bucket;
  std::string key;
  std::string upload_id;
  Owner initiator;
  Owner owner;
  std::string storage_class = "STANDARD";
  int part_number_marker = 0;
  int max_parts = 1000;
  ListPartsResult page;  // parts, is_truncated, next_part_number_marker
};
std::string EncodeListPartsResult(const ListPartsXml& doc);
Result<ListPartsXml> DecodeListPartsResult(std::string_view xml,
                                           size_t max_bytes = kMaxLargeXmlBytes);

struct ListMultipartUploadsXml {
  std::string bucket;
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  std::string upload_id_marker;
  int max_uploads = 1000;
  // UploadInfo has no owner: `owner` is written as Initiator and Owner of
  // every Upload and decoded from the first one.
  Owner owner;
  std::string storage_class = "STANDARD";
  ListUploadsResult page;  // uploads, common prefixes, truncation, next markers
};
std::string EncodeListMultipartUploadsResult(const ListMultipartUploadsXml& doc);
Result<ListMultipartUploadsXml> DecodeListMultipartUploadsResult(
    std::string_view xml, size_t max_bytes = kMaxLargeXmlBytes);

// ---- Copy ------------------------------------------------------------------

std::string EncodeCopyObjectResult(const CopyResult& result);
Result<CopyResult> DecodeCopyObjectResult(std::string_view xml, size_t max_bytes = kMaxXmlBytes);
std::string EncodeCopyPartResult(const CopyResult& result);
Result<CopyResult> DecodeCopyPartResult(std::string_view xml, size_t max_bytes = kMaxXmlBytes);

// ---- Delete ----------------------------------------------------------------

struct DeleteObjectXml {
  std::string key;
  std::string version_id;  // "" if absent; "null" from version-aware tools
};
struct DeleteRequestXml {
  bool quiet = false;
  std::vector<DeleteObjectXml> objects;  // 1..kMaxDeleteKeys
};
std::string EncodeDeleteRequest(const DeleteRequestXml& doc);
Result<DeleteRequestXml> DecodeDeleteRequest(std::string_view xml,
                                             size_t max_bytes = kMaxLargeXmlBytes);

// DeleteResult: Deleted/Key for each deleted key (the server leaves them out
// in quiet mode), Error/Key/Code/Message for each failure.
std::string EncodeDeleteResult(const DeleteManyResult& result);
Result<DeleteManyResult> DecodeDeleteResult(std::string_view xml,
                                            size_t max_bytes = kMaxLargeXmlBytes);

// ---- ACL, CORS -------------------------------------------------------------

// Errors are "MalformedACLError". Owner/ID is required; each Grant needs a
// Grantee with xsi:type CanonicalUser (ID), Group (URI) or
// AmazonCustomerByEmail (EmailAddress), and a valid Permission.
std::string EncodeAccessControlPolicy(const AccessControlPolicy& policy);
Result<AccessControlPolicy> DecodeAccessControlPolicy(std::string_view xml,
                                                      size_t max_bytes = kMaxXmlBytes);

// 1..kMaxCorsRules rules, each with at least one AllowedOrigin and one
// AllowedMethod among GET, PUT, POST, DELETE, HEAD (else "InvalidRequest").
std::string EncodeCorsConfiguration(const CorsConfiguration& config);
Result<CorsConfiguration> DecodeCorsConfiguration(std::string_view xml,
                                                  size_t max_bytes = kMaxXmlBytes);

// At most kMaxLifecycleRules rules, each with Status Enabled or Disabled and
// at least one action; Days and DaysAfterInitiation above 0, Date at midnight
// UTC. Transitions answer NotImplemented (sosd has one storage class).
inline constexpr size_t kMaxLifecycleRules = 1000;
std::string EncodeLifecycleConfiguration(const LifecycleConfiguration& config);
Result<LifecycleConfiguration> DecodeLifecycleConfiguration(std::string_view xml,
                                                            size_t max_bytes = kMaxLargeXmlBytes);

// GetObjectAttributes: the attributes asked for (unset ones are left out).
struct ObjectAttributesXml {
  std::optional<std::string> etag;  // without quotes, as S3 sends it here
  std::optional<uint64_t> object_size;
  std::optional<std::string> storage_class;
  std::optional<int> total_parts;  // ObjectParts/PartsCount (the SDKs' TotalPartsCount)
};
std::string EncodeGetObjectAttributesResponse(const ObjectAttributesXml& doc);

// <Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>, tags by
// key. A key given twice is "InvalidTag"; limits on counts and lengths are
// the caller's (they differ between objects and buckets).
std::string EncodeTagging(const std::map<std::string, std::string>& tags);
Result<std::map<std::string, std::string>> DecodeTagging(std::string_view xml,
                                                         size_t max_bytes = kMaxXmlBytes);

// ---- Errors ----------------------------------------------------------------

// <Error> carries no namespace in S3. Code is required.
std::string EncodeError(const ErrorResponse& error);
Result<ErrorResponse> DecodeError(std::string_view xml, size_t max_bytes = kMaxXmlBytes);

}  // namespace sos
