// S3 rules of MemoryObjectStore: errors, keys, bodies (canned ACLs: s3core/acl.h;
// preconditions: s3core/conditions.h).
#include <algorithm>
#include <cctype>

#include "s3core/crypto.h"
#include "tests/support/memory_object_store_internal.h"

namespace sos::memstore {

Status ValidateKey(const std::string& key) {
  if (key.empty()) return Status::InvalidArgument("empty object key", "InvalidArgument");
  if (key.size() > 1024) {
    return Status::InvalidArgument("object key longer than 1024 bytes", "KeyTooLongError");
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
