// Plain S3 data model shared by the client (ObjectStore) and the server.
//
// These are value types with no behaviour beyond small helpers; XML encoding
// and decoding lives in xml_codec.h. Times are system_clock; ETags are kept
// exactly as S3 sends them, including the surrounding double quotes.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sos {

using TimePoint = std::chrono::system_clock::time_point;

struct Owner {
  std::string id;  // canonical user ID
  std::string display_name;
};

struct BucketInfo {
  std::string name;
  TimePoint creation_date{};
};

// Everything HEAD tells about an object.
struct ObjectMeta {
  std::string key;
  uint64_t size = 0;
  std::string etag;  // quoted, e.g. "\"9b2cf535f27731c974343645a3985328\""
  TimePoint last_modified{};
  std::string content_type;
  std::string cache_control;
  std::string content_disposition;
  std::string content_encoding;
  std::string content_language;
  std::string expires;
  std::string storage_class;
  std::optional<Owner> owner;
  // x-amz-meta-* headers; names lower-cased without the prefix.
  std::map<std::string, std::string> user_meta;
};

// The part count of a multipart ETag ("...-N", quoted or not), or 0 for a
// plain MD5.
int MultipartEtagParts(const std::string& etag);

// An HTTP byte range. first/last are inclusive; a suffix range ("bytes=-N")
// has suffix_length set and no first.
struct ByteRange {
  std::optional<uint64_t> first;
  std::optional<uint64_t> last;
  std::optional<uint64_t> suffix_length;

  static ByteRange From(uint64_t first) { return {first, std::nullopt, std::nullopt}; }
  static ByteRange Closed(uint64_t first, uint64_t last) { return {first, last, std::nullopt}; }
  static ByteRange Suffix(uint64_t n) { return {std::nullopt, std::nullopt, n}; }
  std::string ToHeader() const;  // "bytes=0-99", "bytes=100-", "bytes=-5"
};

// Preconditions of GET/HEAD/PUT/Complete (and, prefixed, of copy sources).
struct Conditions {
  std::optional<std::string> if_match;       // ETag or "*"
  std::optional<std::string> if_none_match;  // ETag or "*"
  std::optional<TimePoint> if_modified_since;
  std::optional<TimePoint> if_unmodified_since;
  bool empty() const {
    return !if_match && !if_none_match && !if_modified_since && !if_unmodified_since;
  }
};

// Metadata a writer sets on a new object (PUT, Create multipart, Copy REPLACE).
struct WriteOptions {
  std::string content_type;
  std::string cache_control;
  std::string content_disposition;
  std::string content_encoding;
  std::string content_language;
  std::string expires;
  std::map<std::string, std::string> user_meta;
  std::string canned_acl;  // "" = server default (private)
  Conditions conditions;   // If-Match / If-None-Match for conditional writes
};

// The headers of an object as options to write it again (copies, re-uploads).
WriteOptions WriteOptionsFromMeta(const ObjectMeta& meta);

struct ListRequest {
  std::string bucket;
  std::string prefix;
  std::string delimiter;
  std::string continuation_token;  // v2 token or v1 marker
  std::string start_after;
  int max_keys = 1000;
  bool fetch_owner = false;
  bool use_v1 = false;  // ListObjects (v1) instead of ListObjectsV2
  // sos extension: also return each object's user_meta (sosd only; S3 ignores it).
  bool include_user_meta = false;
};

struct ListResult {
  std::vector<ObjectMeta> objects;
  std::vector<std::string> common_prefixes;
  // sos extension (x-sos-metadata=1 with a delimiter): the marker object of
  // each common prefix that has one (the key equal to the prefix, with its
  // metadata); with `markers_listed`, a prefix missing here has no marker.
  std::map<std::string, ObjectMeta> prefix_markers;
  bool markers_listed = false;
  bool is_truncated = false;
  // Pass back as continuation_token to get the next page (v2 token or v1 marker).
  std::string next_token;
};

struct CopyRequest {
  std::string src_bucket;
  std::string src_key;
  std::string dst_bucket;
  std::string dst_key;
  bool replace_metadata = false;  // x-amz-metadata-directive: REPLACE
  WriteOptions options;           // metadata (if REPLACE), ACL and dst conditions
  Conditions source_conditions;   // x-amz-copy-source-if-*
};

struct CopyResult {
  std::string etag;
  TimePoint last_modified{};
};

struct DeleteError {
  std::string key;
  std::string code;
  std::string message;
};

// What deleting one key of a versioned bucket did (DeleteObjects' answer).
struct DeletedVersion {
  std::string version_id;                // the version asked for ("" = none)
  bool delete_marker = false;            // a delete marker was made or removed
  std::string delete_marker_version_id;  // the marker's id
};

// One version or delete marker of a key (ListObjectVersions).
struct VersionRef {
  std::string key;
  std::string version_id;  // "null" for the null version
  bool delete_marker = false;
  bool operator==(const VersionRef&) const = default;
};

struct DeleteManyResult {
  std::vector<std::string> deleted;
  // Empty, or one per `deleted` entry, in the same order (versioned buckets).
  std::vector<DeletedVersion> deleted_versions;
  std::vector<DeleteError> errors;
};

struct CompletedPart {
  int part_number = 0;
  std::string etag;
};

struct PartInfo {
  int part_number = 0;
  std::string etag;
  uint64_t size = 0;
  TimePoint last_modified{};
};

struct UploadInfo {
  std::string key;
  std::string upload_id;
  TimePoint initiated{};
};

struct ListUploadsResult {
  std::vector<UploadInfo> uploads;
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};

struct ListPartsResult {
  std::vector<PartInfo> parts;
  bool is_truncated = false;
  int next_part_number_marker = 0;
};

// ACLs: a grantee is a canonical user, a group URI or an e-mail address.
struct Grantee {
  enum class Type { kCanonicalUser, kGroup, kEmail };
  Type type = Type::kCanonicalUser;
  std::string id;            // canonical ID (kCanonicalUser)
  std::string display_name;  // optional
  std::string uri;           // group URI (kGroup)
  std::string email;         // kEmail
};

struct Grant {
  Grantee grantee;
  std::string permission;  // FULL_CONTROL, READ, WRITE, READ_ACP, WRITE_ACP
};

struct AccessControlPolicy {
  Owner owner;
  std::vector<Grant> grants;
};

inline constexpr const char* kAllUsersUri = "http://acs.amazonaws.com/groups/global/AllUsers";
inline constexpr const char* kAuthenticatedUsersUri =
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

struct CorsRule {
  std::string id;
  std::vector<std::string> allowed_origins;
  std::vector<std::string> allowed_methods;
  std::vector<std::string> allowed_headers;
  std::vector<std::string> expose_headers;
  std::optional<int> max_age_seconds;
};

struct CorsConfiguration {
  std::vector<CorsRule> rules;
};

// A bucket's lifecycle rule (PutBucketLifecycleConfiguration). The filter
// is a key prefix and tags that must all match; the actions are optional but
// at least one is set.
struct LifecycleRule {
  std::string id;
  bool enabled = true;
  std::string prefix;
  std::map<std::string, std::string> tags;
  std::optional<int> expiration_days;        // objects this many days after their last change
  std::optional<TimePoint> expiration_date;  // objects, from this (midnight UTC) on
  std::optional<bool> expired_object_delete_marker;
  std::optional<int> noncurrent_days;        // NoncurrentVersionExpiration/NoncurrentDays
  std::optional<int> abort_incomplete_days;  // AbortIncompleteMultipartUpload/DaysAfterInitiation
};

struct LifecycleConfiguration {
  std::vector<LifecycleRule> rules;
};

// An S3 error response body.
struct ErrorResponse {
  std::string code;
  std::string message;
  std::string resource;
  std::string request_id;
  std::string bucket_name;
  std::string key;
};

}  // namespace sos
