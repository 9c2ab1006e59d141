#include "daemon/s3api/request_router.h"

#include <algorithm>
#include <array>

#include "s3core/uri.h"

namespace sos {
namespace {

constexpr size_t kMaxKeyBytes = 1024;

Status InvalidUri(std::string why) {
  return Status::InvalidArgument("Couldn't parse the specified URI: " + why, "InvalidURI");
}

// Bucket sub-resources that sosd does not implement. GET of a configuration
// that cannot exist here answers like S3 does for an unconfigured bucket, so
// tools that probe them (Terraform, rclone, s3fs) carry on.
struct EmptyConfig {
  std::string_view sub_resource;
  std::string_view s3_code;  // the "not configured" error of GET
};
constexpr std::array<EmptyConfig, 7> kEmptyConfigs = {{
    {"policy", "NoSuchBucketPolicy"},
    {"tagging", "NoSuchTagSet"},
    {"website", "NoSuchWebsiteConfiguration"},
    {"encryption", "ServerSideEncryptionConfigurationNotFoundError"},
    {"publicAccessBlock", "NoSuchPublicAccessBlockConfiguration"},
    {"ownershipControls", "OwnershipControlsNotFoundError"},
    {"replication", "ReplicationConfigurationNotFoundError"},
}};

constexpr std::array<std::string_view, 13> kUnimplementedBucketSubResources = {
    "logging",      "notification", "accelerate",    "requestPayment",
    "analytics",    "metrics",      "inventory",     "intelligent-tiering",
    "policyStatus", "session",      "metadataTable", "restore",
    "select"};

constexpr std::array<std::string_view, 3> kUnimplementedObjectSubResources = {
    "torrent", "restore", "select"};

S3Op NotImplemented(RoutedRequest* r, std::string what) {
  r->detail = std::move(what);
  return S3Op::kNotImplemented;
}

S3Op ServiceOp(const std::string& method) {
  if (method == "GET") return S3Op::kListBuckets;
  return S3Op::kMethodNotAllowed;
}

S3Op BucketOp(const std::string& method, RoutedRequest* r) {
  auto has = [r](std::string_view name) { return r->HasQuery(name); };
  for (const auto& config : kEmptyConfigs) {
    if (!has(config.sub_resource)) continue;
    if (method == "GET") {
      r->detail = std::string(config.s3_code);
      return S3Op::kGetBucketEmptyConfig;
    }
    return NotImplemented(r, method + " bucket ?" + std::string(config.sub_resource));
  }
  if (method == "OPTIONS") return S3Op::kPreflight;
  if (method == "HEAD") return S3Op::kHeadBucket;
  if (method == "GET") {
    if (has("location")) return S3Op::kGetBucketLocation;
    if (has("versioning")) return S3Op::kGetBucketVersioning;
    if (has("object-lock")) return S3Op::kGetObjectLockConfiguration;
    if (has("versions")) return S3Op::kListObjectVersions;
    if (has("cors")) return S3Op::kGetBucketCors;
    if (has("acl")) return S3Op::kGetBucketAcl;
    if (has("lifecycle")) return S3Op::kGetBucketLifecycle;
    if (has("uploads")) return S3Op::kListMultipartUploads;
  }
  if (method == "PUT") {
    if (has("cors")) return S3Op::kPutBucketCors;
    if (has("acl")) return S3Op::kPutBucketAcl;
    if (has("lifecycle")) return S3Op::kPutBucketLifecycle;
    if (has("versioning")) return S3Op::kPutBucketVersioning;
    if (has("object-lock")) return S3Op::kPutObjectLockConfiguration;
  }
  if (method == "DELETE" && has("cors")) return S3Op::kDeleteBucketCors;
  if (method == "DELETE" && has("lifecycle")) return S3Op::kDeleteBucketLifecycle;
  if (method == "POST" && has("delete")) return S3Op::kDeleteObjects;
  for (std::string_view sub : kUnimplementedBucketSubResources) {
    if (has(sub)) return NotImplemented(r, method + " bucket ?" + std::string(sub));
  }
  if (method == "GET") {
    const std::string* list_type = r->Query("list-type");
    return list_type && *list_type == "2" ? S3Op::kListObjectsV2 : S3Op::kListObjects;
  }
  if (method == "PUT") return S3Op::kCreateBucket;
  if (method == "DELETE") return S3Op::kDeleteBucket;
  if (method == "POST") return NotImplemented(r, "POST object (browser form upload)");
  return S3Op::kMethodNotAllowed;
}

S3Op ObjectOp(const std::string& method, const HttpRequestHead& head, RoutedRequest* r) {
  auto has = [r](std::string_view name) { return r->HasQuery(name); };
  if (method == "OPTIONS") return S3Op::kPreflight;
  for (std::string_view sub : kUnimplementedObjectSubResources) {
    if (has(sub)) return NotImplemented(r, method + " object ?" + std::string(sub));
  }
  bool copy_source = FindHeader(head, "x-amz-copy-source").has_value();
  if (method == "GET") {
    if (has("acl")) return S3Op::kGetObjectAcl;
    if (has("retention")) return S3Op::kGetObjectRetention;
    if (has("legal-hold")) return S3Op::kGetObjectLegalHold;
    if (has("tagging")) return S3Op::kGetObjectTagging;
    if (has("attributes")) return S3Op::kGetObjectAttributes;
    if (has("uploadId")) return S3Op::kListParts;
    return S3Op::kGetObject;
  }
  if (method == "HEAD") return S3Op::kHeadObject;
  if (method == "PUT") {
    if (has("acl")) return S3Op::kPutObjectAcl;
    if (has("retention")) return S3Op::kPutObjectRetention;
    if (has("legal-hold")) return S3Op::kPutObjectLegalHold;
    if (has("tagging")) return S3Op::kPutObjectTagging;
    if (has("uploadId") || has("partNumber")) {
      return copy_source ? S3Op::kUploadPartCopy : S3Op::kUploadPart;
    }
    return copy_source ? S3Op::kCopyObject : S3Op::kPutObject;
  }
  if (method == "DELETE") {
    if (has("tagging")) return S3Op::kDeleteObjectTagging;
    return has("uploadId") ? S3Op::kAbortMultipartUpload : S3Op::kDeleteObject;
  }
  if (method == "POST") {
    if (has("uploads")) return S3Op::kCreateMultipartUpload;
    if (has("uploadId")) return S3Op::kCompleteMultipartUpload;
    return NotImplemented(r, "POST object without ?uploads or ?uploadId");
  }
  return S3Op::kMethodNotAllowed;
}

// Host without port, lower-cased ("[::1]:8000" -> "[::1]").
std::string HostName(const HttpRequestHead& head) {
  auto host = FindHeader(head, "host");
  if (!host) return "";
  std::string_view h = *host;
  if (!h.empty() && h.front() == '[') {
    size_t close = h.find(']');
    h = close == std::string_view::npos ? h : h.substr(0, close + 1);
  } else if (size_t colon = h.rfind(':'); colon != std::string_view::npos) {
    h = h.substr(0, colon);
  }
  return AsciiLower(h);
}

}  // namespace

std::string_view S3OpName(S3Op op) {
  switch (op) {
    case S3Op::kHealth:
      return "Health";
    case S3Op::kReady:
      return "Ready";
    case S3Op::kMetrics:
      return "Metrics";
    case S3Op::kAdmin:
      return "Admin";
    case S3Op::kConsole:
      return "Console";
    case S3Op::kListBuckets:
      return "ListBuckets";
    case S3Op::kCreateBucket:
      return "CreateBucket";
    case S3Op::kHeadBucket:
      return "HeadBucket";
    case S3Op::kDeleteBucket:
      return "DeleteBucket";
    case S3Op::kGetBucketLocation:
      return "GetBucketLocation";
    case S3Op::kGetBucketVersioning:
      return "GetBucketVersioning";
    case S3Op::kPutBucketVersioning:
      return "PutBucketVersioning";
    case S3Op::kGetObjectLockConfiguration:
      return "GetObjectLockConfiguration";
    case S3Op::kPutObjectLockConfiguration:
      return "PutObjectLockConfiguration";
    case S3Op::kGetObjectRetention:
      return "GetObjectRetention";
    case S3Op::kPutObjectRetention:
      return "PutObjectRetention";
    case S3Op::kGetObjectLegalHold:
      return "GetObjectLegalHold";
    case S3Op::kPutObjectLegalHold:
      return "PutObjectLegalHold";
    case S3Op::kGetBucketCors:
      return "GetBucketCors";
    case S3Op::kPutBucketCors:
      return "PutBucketCors";
    case S3Op::kDeleteBucketCors:
      return "DeleteBucketCors";
    case S3Op::kGetBucketAcl:
      return "GetBucketAcl";
    case S3Op::kGetBucketLifecycle:
      return "GetBucketLifecycleConfiguration";
    case S3Op::kPutBucketLifecycle:
      return "PutBucketLifecycleConfiguration";
    case S3Op::kDeleteBucketLifecycle:
      return "DeleteBucketLifecycle";
    case S3Op::kPutBucketAcl:
      return "PutBucketAcl";
    case S3Op::kGetBucketEmptyConfig:
      return "GetBucketConfig";
    case S3Op::kListObjects:
      return "ListObjects";
    case S3Op::kListObjectsV2:
      return "ListObjectsV2";
    case S3Op::kListObjectVersions:
      return "ListObjectVersions";
    case S3Op::kListMultipartUploads:
      return "ListMultipartUploads";
    case S3Op::kDeleteObjects:
      return "DeleteObjects";
    case S3Op::kGetObject:
      return "GetObject";
    case S3Op::kHeadObject:
      return "HeadObject";
    case S3Op::kPutObject:
      return "PutObject";
    case S3Op::kCopyObject:
      return "CopyObject";
    case S3Op::kDeleteObject:
      return "DeleteObject";
    case S3Op::kGetObjectAcl:
      return "GetObjectAcl";
    case S3Op::kPutObjectAcl:
      return "PutObjectAcl";
    case S3Op::kGetObjectTagging:
      return "GetObjectTagging";
    case S3Op::kPutObjectTagging:
      return "PutObjectTagging";
    case S3Op::kDeleteObjectTagging:
      return "DeleteObjectTagging";
    case S3Op::kGetObjectAttributes:
      return "GetObjectAttributes";
    case S3Op::kCreateMultipartUpload:
      return "CreateMultipartUpload";
    case S3Op::kUploadPart:
      return "UploadPart";
    case S3Op::kUploadPartCopy:
      return "UploadPartCopy";
    case S3Op::kCompleteMultipartUpload:
      return "CompleteMultipartUpload";
    case S3Op::kAbortMultipartUpload:
      return "AbortMultipartUpload";
    case S3Op::kListParts:
      return "ListParts";
    case S3Op::kPreflight:
      return "Preflight";
    case S3Op::kNotImplemented:
      return "NotImplemented";
    case S3Op::kMethodNotAllowed:
      return "MethodNotAllowed";
  }
  return "Unknown";
}

bool RoutedRequest::HasQuery(std::string_view name) const { return Query(name) != nullptr; }

const std::string* RoutedRequest::Query(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return &v;
  }
  return nullptr;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;  // continuation byte first, or 0xF8..0xFF
    }
    if (i + len > s.size()) return false;
    for (size_t j = 1; j < len; ++j) {
      auto cc = static_cast<unsigned char>(s[i + j]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
    i += len;
  }
  return true;
}

Status ValidateObjectKey(std::string_view key) {
  if (key.empty()) return Status::InvalidArgument("The object key is empty.");
  if (key.size() > kMaxKeyBytes) {
    return Status::InvalidArgument(
        "Your key is too long (" + std::to_string(key.size()) + " bytes; the maximum is 1024).",
        "KeyTooLongError");
  }
  if (key.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("Object keys may not contain the NUL character.");
  }
  if (!IsValidUtf8(key)) return Status::InvalidArgument("Object keys must be valid UTF-8.");
  return Status::Ok();
}

Status ValidateBucketName(std::string_view name) {
  auto invalid = [&](std::string why) {
    return Status::InvalidArgument("The specified bucket is not valid: " + why,
                                   "InvalidBucketName");
  };
  if (name.size() < 3 || name.size() > 63) return invalid("it must be 3 to 63 characters long");
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (char c : name) {
    if (!alnum(c) && c != '.' && c != '-') {
      return invalid("only lower-case letters, digits, '.' and '-' are allowed");
    }
  }
  if (!alnum(name.front()) || !alnum(name.back())) {
    return invalid("it must begin and end with a letter or digit");
  }
  if (name.find("..") != std::string_view::npos || name.find(".-") != std::string_view::npos ||
      name.find("-.") != std::string_view::npos) {
    return invalid("it must not contain '..', '.-' or '-.'");
  }
  // Formatted like an IPv4 address: four dot-separated runs of digits.
  int dots = 0;
  bool digits_only = true;
  for (char c : name) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      digits_only = false;
    }
  }
  if (digits_only && dots == 3) return invalid("it must not look like an IP address");
  for (std::string_view prefix : {"xn--", "sthree-", "amzn-s3-demo-"}) {
    if (name.substr(0, prefix.size()) == prefix) {
      return invalid("the prefix '" + std::string(prefix) + "' is reserved");
    }
  }
  for (std::string_view suffix : {"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}) {
    if (name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      return invalid("the suffix '" + std::string(suffix) + "' is reserved");
    }
  }
  return Status::Ok();
}

Result<RoutedRequest> Route(const HttpRequestHead& head, const RouterOptions& options) {
  RoutedRequest r;
  std::string_view target = head.target;
  // Absolute form (proxies): keep only the path and query.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.substr(0, scheme.size()) == scheme) {
      size_t slash = target.find('/', scheme.size());
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
  }
  auto [path, raw_query] = SplitTarget(target);
  if (path.empty() || path.front() != '/') return InvalidUri("the path must start with '/'");
  auto query = ParseQuery(raw_query);
  if (!query) return InvalidUri("malformed %-escape in the query string");
  r.query = std::move(*query);
  r.wire_path = std::string(path);

  std::string host = HostName(head);
  std::string domain = AsciiLower(options.domain);
  std::string_view key_part;
  if (!domain.empty() && host.size() > domain.size() + 1 &&
      host.compare(host.size() - domain.size(), domain.size(), domain) == 0 &&
      host[host.size() - domain.size() - 1] == '.') {
    r.virtual_hosted = true;
    r.bucket = host.substr(0, host.size() - domain.size() - 1);
    key_part = path.substr(1);
  } else {
    // sosd's own endpoints live under /-/, which no bucket name can take.
    for (auto [where, op] :
         {std::pair{"/-/health", S3Op::kHealth}, std::pair{"/-/ready", S3Op::kReady},
          std::pair{"/-/metrics", S3Op::kMetrics}}) {
      if (path == where) {
        r.op = head.method == "GET" || head.method == "HEAD" ? op : S3Op::kMethodNotAllowed;
        return r;
      }
    }
    if (path == "/-/console" || path.rfind("/-/console/", 0) == 0) {
      r.op =
          head.method == "GET" || head.method == "HEAD" ? S3Op::kConsole : S3Op::kMethodNotAllowed;
      return r;
    }
    if (path.rfind("/-/admin/", 0) == 0) {
      r.op = S3Op::kAdmin;  // admin_ops.cc parses the rest
      return r;
    }
    std::string_view rest = path.substr(1);
    size_t slash = rest.find('/');
    auto bucket = UriDecode(rest.substr(0, slash));
    if (!bucket) return InvalidUri("malformed %-escape in the bucket name");
    r.bucket = std::move(*bucket);
    key_part = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  if (!key_part.empty()) {
    // '+' is a literal plus in paths; only query strings use it for space.
    auto key = UriDecode(key_part, /*plus_is_space=*/false);
    if (!key) return InvalidUri("malformed %-escape in the object key");
    SOS_RETURN_IF_ERROR(ValidateObjectKey(*key));
    r.key = std::move(*key);
  }

  const std::string& method = head.method;
  if (r.bucket.empty() && !r.key.empty()) return InvalidUri("empty bucket name");
  if (r.bucket.empty()) {
    r.op = ServiceOp(method);
  } else if (r.key.empty()) {
    r.op = BucketOp(method, &r);
  } else {
    r.op = ObjectOp(method, head, &r);
  }
  return r;
}

}  // namespace sos
