// Listings: ListObjects (v1), ListObjectsV2, ListObjectVersions and
// ListMultipartUploads.
//
// sos extension: ListObjectsV2 with the query parameter `x-sos-metadata=1`
// returns each object's user metadata (x-amz-meta-*) inside its <Contents>
// (ListEncodeOptions::include_user_meta), so that a mounted file system gets
// mode/uid/gid/mtime of a whole directory in one request instead of one HEAD
// per file; each <CommonPrefixes> also carries its marker object (the key
// equal to the prefix, a directory's attributes) as <SosMarker>, and
// <SosPrefixMarkers>true</SosPrefixMarkers> says a prefix without one has
// none. S3 and other servers ignore the parameter.
#include <algorithm>
#include <set>

#include "daemon/s3api/s3_context.h"
#include "s3core/crypto.h"
#include "s3core/xml_codec.h"

namespace sos::s3api {
namespace {

constexpr int kMaxListKeys = 1000;

// max-keys, max-uploads, max-parts: 0..1000 (larger values are clamped, as S3 does).
Result<int> ParseMaxKeys(const std::string* value, std::string_view name) {
  if (value == nullptr) return kMaxListKeys;
  bool digits = !value->empty() && std::all_of(value->begin(), value->end(),
                                               [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) {
    return Status::InvalidArgument("Provided " + std::string(name) +
                                   " not an integer or within integer range");
  }
  if (value->size() > 6) return kMaxListKeys;
  return std::min(std::stoi(*value), kMaxListKeys);
}

Status CheckEncodingType(const Context& ctx) {
  const std::string* encoding = ctx.Query("encoding-type");
  if (encoding && *encoding != "url") {
    return Status::InvalidArgument("Invalid Encoding Method specified in Request");
  }
  return Status::Ok();
}

std::string QueryOr(const Context& ctx, std::string_view name) {
  const std::string* v = ctx.Query(name);
  return v ? *v : std::string();
}

// Where a listing resumes after `marker`. A marker that is a common prefix
// ("photos/" with delimiter "/") resumes after every key rolled up into it:
// no valid UTF-8 key has a 0xFF byte, so marker + "\xff" sorts after them all.
std::string ResumeKey(const std::string& prefix, const std::string& delimiter,
                      const std::string& marker) {
  if (!delimiter.empty() && marker.size() > prefix.size() &&
      marker.compare(0, prefix.size(), prefix) == 0) {
    size_t d = marker.find(delimiter, prefix.size());
    if (d != std::string::npos && d + delimiter.size() == marker.size()) return marker + "\xff";
  }
  return marker;
}

Result<ListObjectsPage> ListPage(Context& ctx, const std::string& prefix,
                                 const std::string& delimiter, const std::string& marker,
                                 int max_keys) {
  if (max_keys == 0) return ListObjectsPage{};
  ListObjectsQuery query;
  query.prefix = prefix;
  query.delimiter = delimiter;
  query.start_after = ResumeKey(prefix, delimiter, marker);
  query.max_keys = max_keys;
  auto page = ctx.engine.ListObjects(ctx.route.bucket, query);
  if (!page.ok()) return WithCode(page.status(), "NoSuchBucket");
  return page;
}

}  // namespace

Status ListObjects(Context& ctx, bool v2) {
  SOS_RETURN_IF_ERROR(CheckEncodingType(ctx));
  ListBucketXml doc;
  doc.v2 = v2;
  doc.name = ctx.route.bucket;
  doc.prefix = QueryOr(ctx, "prefix");
  doc.delimiter = QueryOr(ctx, "delimiter");
  SOS_ASSIGN_OR_RETURN(doc.max_keys, ParseMaxKeys(ctx.Query("max-keys"), "max-keys"));
  std::string marker;
  bool with_owner = !v2;  // v1 always names owners; v2 only with fetch-owner
  if (v2) {
    doc.start_after = QueryOr(ctx, "start-after");  // echoed even when a token decides
    if (const std::string* token = ctx.Query("continuation-token")) {
      auto decoded = Base64Decode(*token);
      if (token->empty() || !decoded) {
        return Status::InvalidArgument("The continuation token provided is incorrect");
      }
      doc.continuation_token = *token;
      marker = *decoded;
    } else {
      marker = doc.start_after;
    }
    with_owner = QueryOr(ctx, "fetch-owner") == "true";
  } else {
    doc.marker = QueryOr(ctx, "marker");
    marker = doc.marker;
  }
  ListEncodeOptions options;
  options.encode_url = ctx.Query("encoding-type") != nullptr;
  options.include_user_meta = v2 && QueryOr(ctx, "x-sos-metadata") == "1";

  SOS_ASSIGN_OR_RETURN(ListObjectsPage page,
                       ListPage(ctx, doc.prefix, doc.delimiter, marker, doc.max_keys));
  for (auto& record : page.objects) {
    ObjectMeta meta = std::move(record.meta);
    if (meta.storage_class.empty()) meta.storage_class = "STANDARD";
    if (with_owner) {
      meta.owner = ctx.OwnerOf(record.owner_id);
    } else {
      meta.owner.reset();
    }
    doc.page.objects.push_back(std::move(meta));
  }
  doc.page.common_prefixes = std::move(page.common_prefixes);
  if (options.include_user_meta) {
    // A directory's marker (the key equal to its prefix) comes with it, so
    // that a mount needs no HEAD per subdirectory.
    for (const std::string& p : doc.page.common_prefixes) {
      auto marker = ctx.engine.HeadObject(ctx.route.bucket, p);
      if (!marker.ok()) continue;
      ObjectMeta meta = std::move(marker->meta);
      if (meta.storage_class.empty()) meta.storage_class = "STANDARD";
      meta.owner.reset();
      doc.page.prefix_markers[p] = std::move(meta);
    }
    doc.page.markers_listed = true;
  }
  doc.page.is_truncated = page.is_truncated;
  if (page.is_truncated) {
    // v2: an opaque token (base64 of the resume key). v1: NextMarker, which S3
    // sends only with a delimiter (clients otherwise resume after the last key).
    if (v2) {
      doc.page.next_token = Base64Encode(page.next_start_after);
    } else if (!doc.delimiter.empty()) {
      doc.page.next_token = page.next_start_after;
    }
  }
  return SendXml(ctx, 200, EncodeListBucketResult(doc, options));
}

Status ListObjectVersions(Context& ctx) {
  SOS_RETURN_IF_ERROR(CheckEncodingType(ctx));
  ListVersionsXml doc;
  doc.name = ctx.route.bucket;
  doc.prefix = QueryOr(ctx, "prefix");
  doc.delimiter = QueryOr(ctx, "delimiter");
  doc.key_marker = QueryOr(ctx, "key-marker");
  doc.version_id_marker = QueryOr(ctx, "version-id-marker");
  SOS_ASSIGN_OR_RETURN(doc.max_keys, ParseMaxKeys(ctx.Query("max-keys"), "max-keys"));
  if (doc.prefix.find('\0') != std::string::npos ||
      doc.key_marker.find('\0') != std::string::npos) {
    return Status::InvalidArgument("Object keys cannot contain NUL.", "InvalidArgument");
  }
  if (!doc.version_id_marker.empty() && doc.key_marker.empty()) {
    return Status::InvalidArgument(
        "A version-id marker cannot be specified without a key marker.", "InvalidArgument");
  }
  ListVersionsQuery query{doc.prefix, doc.delimiter, doc.key_marker, doc.version_id_marker,
                          doc.max_keys};
  auto listed = ctx.engine.ListObjectVersions(ctx.route.bucket, query);
  if (!listed.ok()) return WithCode(listed.status(), "NoSuchBucket");
  ListVersionsPage page = *std::move(listed);
  for (VersionEntry& entry : page.versions) {
    ObjectVersionXml version;
    version.version_id = entry.record.version_id.empty() ? "null" : entry.record.version_id;
    version.is_latest = entry.is_latest;
    version.is_delete_marker = entry.record.delete_marker;
    version.meta = std::move(entry.record.meta);
    if (version.meta.storage_class.empty()) version.meta.storage_class = "STANDARD";
    version.meta.owner = ctx.OwnerOf(entry.record.owner_id);
    doc.versions.push_back(std::move(version));
  }
  doc.common_prefixes = std::move(page.common_prefixes);
  doc.is_truncated = page.is_truncated;
  doc.next_key_marker = std::move(page.next_key_marker);
  doc.next_version_id_marker = std::move(page.next_version_id_marker);
  ListEncodeOptions options;
  options.encode_url = ctx.Query("encoding-type") != nullptr;
  return SendXml(ctx, 200, EncodeListVersionsResult(doc, options));
}

Status ListMultipartUploads(Context& ctx) {
  SOS_RETURN_IF_ERROR(CheckEncodingType(ctx));
  ListMultipartUploadsXml doc;
  doc.bucket = ctx.route.bucket;
  doc.prefix = QueryOr(ctx, "prefix");
  doc.delimiter = QueryOr(ctx, "delimiter");
  doc.key_marker = QueryOr(ctx, "key-marker");
  doc.upload_id_marker = QueryOr(ctx, "upload-id-marker");
  SOS_ASSIGN_OR_RETURN(doc.max_uploads, ParseMaxKeys(ctx.Query("max-uploads"), "max-uploads"));
  doc.owner = ctx.OwnerOf(ctx.bucket->owner_id);

  auto listed = ctx.engine.ListUploads(ctx.route.bucket, doc.prefix);
  if (!listed.ok()) return WithCode(listed.status(), "NoSuchBucket");
  std::vector<UploadRecord> uploads = *std::move(listed);
  std::sort(uploads.begin(), uploads.end(), [](const UploadRecord& a, const UploadRecord& b) {
    if (a.key != b.key) return a.key < b.key;
    if (a.initiated != b.initiated) return a.initiated < b.initiated;
    return a.upload_id < b.upload_id;
  });
  std::set<std::string> prefixes;
  int entries = 0;
  for (const auto& u : uploads) {
    if (u.key.compare(0, doc.prefix.size(), doc.prefix) != 0) continue;
    if (!doc.key_marker.empty()) {
      bool after =
          u.key > doc.key_marker || (u.key == doc.key_marker && !doc.upload_id_marker.empty() &&
                                     u.upload_id > doc.upload_id_marker);
      if (!after) continue;
    }
    std::string common;
    if (!doc.delimiter.empty()) {
      size_t d = u.key.find(doc.delimiter, doc.prefix.size());
      if (d != std::string::npos) common = u.key.substr(0, d + doc.delimiter.size());
    }
    if (!common.empty() && prefixes.count(common)) continue;
    if (entries == doc.max_uploads) {
      doc.page.is_truncated = true;
      break;
    }
    ++entries;
    if (!common.empty()) {
      prefixes.insert(common);
      doc.page.common_prefixes.push_back(common);
      doc.page.next_key_marker = common;
      doc.page.next_upload_id_marker.clear();
    } else {
      doc.page.uploads.push_back({u.key, u.upload_id, u.initiated});
      doc.page.next_key_marker = u.key;
      doc.page.next_upload_id_marker = u.upload_id;
    }
  }
  if (!doc.page.is_truncated) {
    doc.page.next_key_marker.clear();
    doc.page.next_upload_id_marker.clear();
  }
  return SendXml(ctx, 200, EncodeListMultipartUploadsResult(doc));
}

}  // namespace sos::s3api
