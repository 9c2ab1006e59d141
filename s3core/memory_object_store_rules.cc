// S3 rules of MemoryObjectStore: errors, preconditions, bodies (canned ACLs: s3core/acl.h).
#include <algorithm>
#include <cctype>

#include "s3core/crypto.h"
#include "s3core/memory_object_store_internal.h"

namespace sos::memstore {
namespace {

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view BareEtag(std::string_view e) {
  e = TrimSpaces(e);
  if (e.substr(0, 2) == "W/") e.remove_prefix(2);
  if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
  return e;
}

// An If-Match / If-None-Match value: "*" or a comma-separated list of ETags.
bool EtagListMatches(std::string_view list, const std::string& etag) {
  if (TrimSpaces(list) == "*") return true;
  while (!list.empty()) {
    size_t comma = list.find(',');
    if (EtagEquals(list.substr(0, comma), etag)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

TimePoint Seconds(TimePoint t) { return std::chrono::floor<std::chrono::seconds>(t); }

}  // namespace

Status NoSuchBucket(const std::string& bucket) {
  return Status::NotFound("bucket '" + bucket + "' does not exist", "NoSuchBucket");
}

Status NoSuchKey(const std::string& bucket, const std::string& key) {
  return Status::NotFound("key '" + key + "' does not exist in bucket '" + bucket + "'",
                          "NoSuchKey");
}

Status NoSuchUpload(const std::string& upload_id) {
  return Status::NotFound("upload '" + upload_id + "' does not exist", "NoSuchUpload");
}

Status ValidateKey(const std::string& key) {
  if (key.empty()) return Status::InvalidArgument("empty object key", "InvalidArgument");
  if (key.size() > 1024) {
    return Status::InvalidArgument("object key longer than 1024 bytes", "KeyTooLongError");
  }
  return Status::Ok();
}

Status CheckReadConditions(const Conditions& c, const ObjectMeta& meta, TimePoint now,
                           bool copy_source) {
  const TimePoint modified = Seconds(meta.last_modified);
  if (c.if_match) {
    if (!EtagListMatches(*c.if_match, meta.etag)) {
      return Status::PreconditionFailed("If-Match '" + *c.if_match + "' does not match " +
                                        meta.etag);
    }
  } else if (c.if_unmodified_since && modified > Seconds(*c.if_unmodified_since)) {
    return Status::PreconditionFailed("object modified since If-Unmodified-Since");
  }
  auto not_modified = [&](std::string why) {
    return copy_source ? Status::PreconditionFailed(std::move(why)) : Status::NotModified();
  };
  if (c.if_none_match) {
    if (EtagListMatches(*c.if_none_match, meta.etag)) {
      return not_modified("If-None-Match '" + *c.if_none_match + "' matches " + meta.etag);
    }
  } else if (c.if_modified_since && *c.if_modified_since <= now &&
             modified <= Seconds(*c.if_modified_since)) {
    return not_modified("object not modified since If-Modified-Since");
  }
  return Status::Ok();
}

Status CheckWriteConditions(const Conditions& c, const ObjectMeta* existing,
                            const std::string& bucket, const std::string& key) {
  if (c.if_none_match) {
    if (TrimSpaces(*c.if_none_match) != "*") {
      return Status::NotSupported("If-None-Match on writes only supports '*'", "NotImplemented");
    }
    if (existing) return Status::PreconditionFailed("key '" + key + "' already exists");
  }
  if (c.if_match) {
    if (!existing) return NoSuchKey(bucket, key);
    if (!EtagListMatches(*c.if_match, existing->etag)) {
      return Status::PreconditionFailed("If-Match '" + *c.if_match + "' does not match " +
                                        existing->etag);
    }
  }
  return Status::Ok();
}

Result<std::string> ReadBody(BodySource& body, std::string* data) {
  Digest md5(DigestAlgorithm::kMd5);
  std::optional<uint64_t> declared = body.Size();
  if (declared) data->reserve(static_cast<size_t>(*declared));
  char buf[64 * 1024];
  while (true) {
    SOS_ASSIGN_OR_RETURN(size_t n, body.Read(buf, sizeof buf));
    if (n == 0) break;
    md5.Update(std::string_view(buf, n));
    data->append(buf, n);
  }
  if (declared && *declared != data->size()) {
    return Status::InvalidArgument("body has " + std::to_string(data->size()) +
                                       " bytes, Content-Length said " + std::to_string(*declared),
                                   "IncompleteBody");
  }
  return md5.Finish();
}

std::string QuotedMd5Hex(const std::string& raw_md5) { return "\"" + HexEncode(raw_md5) + "\""; }

bool EtagEquals(std::string_view a, std::string_view b) { return BareEtag(a) == BareEtag(b); }

ObjectMeta MetaFromOptions(const WriteOptions& options, const std::string& key, uint64_t size,
                           const std::string& etag, TimePoint now) {
  ObjectMeta m;
  m.key = key;
  m.size = size;
  m.etag = etag;
  m.last_modified = now;
  // S3's default when a writer sends no Content-Type.
  m.content_type = options.content_type.empty() ? "binary/octet-stream" : options.content_type;
  m.cache_control = options.cache_control;
  m.content_disposition = options.content_disposition;
  m.content_encoding = options.content_encoding;
  m.content_language = options.content_language;
  m.expires = options.expires;
  m.storage_class = "STANDARD";
  // S3 lower-cases x-amz-meta-* names (HTTP headers are case-insensitive).
  for (const auto& [name, value] : options.user_meta) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    m.user_meta[lower] = value;
  }
  return m;
}

}  // namespace sos::memstore
