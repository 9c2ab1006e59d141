// Rendering, body reading and header parsing shared by the S3 operations.
#include "daemon/s3api/s3_context.h"

#include <algorithm>
#include <charconv>
#include <memory>

#include "daemon/auth/payload_verifier.h"
#include "daemon/s3api/http_conditions.h"
#include "daemon/s3api/s3_error_table.h"
#include "s3core/crypto.h"
#include "s3core/time_format.h"
#include "s3core/uri.h"
#include "s3core/xml_codec.h"

namespace sos::s3api {
namespace {

constexpr size_t kBodyBufferBytes = 256 << 10;     // per request, reused
constexpr size_t kMaxUserMetadataBytes = 2 << 10;  // S3's limit on x-amz-meta-*

std::optional<uint64_t> ParseU64(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

Owner Context::OwnerOf(const std::string& account_id) {
  auto it = owners_.find(account_id);
  if (it != owners_.end()) return it->second;
  Owner owner{account_id, ""};
  auto account = engine.GetAccount(account_id);
  if (account.ok()) owner.display_name = account->display_name;
  owners_.emplace(account_id, owner);
  return owner;
}

// ---- Rendering ------------------------------------------------------------

void StartResponse(Context& ctx, int status, bool console_page) {
  ctx.out.SetStatus(status);
  ctx.out.AddHeader("x-amz-request-id", ctx.request_id);
  // S3's host id; sosd has one host, so it repeats the request id.
  ctx.out.AddHeader("x-amz-id-2", ctx.request_id);
  ctx.out.AddHeader("Date", FormatHttpDate(ctx.now));
  ctx.out.AddHeader("Server", "sosd");
  for (const auto& [name, value] : ctx.extra_headers) ctx.out.AddHeader(name, value);
  if (ctx.options.console && !console_page) {
    ctx.out.AddHeader("Content-Security-Policy", "sandbox; default-src 'none'");
    ctx.out.AddHeader("X-Content-Type-Options", "nosniff");
    ctx.out.AddHeader("X-Frame-Options", "DENY");
  }
}

Status SendXml(Context& ctx, int status, std::string_view xml) {
  StartResponse(ctx, status);
  return ctx.out.Send(status, "application/xml", xml);
}

Status SendEmpty(Context& ctx, int status) {
  StartResponse(ctx, status);
  return ctx.out.Send(status, "", "");
}

void SendError(Context& ctx, const Status& status) {
  S3Error error = S3ErrorFor(status);
  if (error.http_status == 304) {
    // Not an error document: 304 has no body.
    StartResponse(ctx, 304);
    if (ctx.out.SendHeaders(std::nullopt).ok()) (void)ctx.out.Finish();
    return;
  }
  std::string bucket = error.code == "NoSuchBucket" ? ctx.route.bucket : "";
  std::string key = error.code == "NoSuchKey" ? ctx.route.key : "";
  // Internal details (paths, errno) stay in the log, not in the response.
  std::string xml =
      S3ErrorXml(error, S3ErrorMessage(error, status),
                 ctx.route.wire_path.empty() ? std::string(SplitTarget(ctx.head.target).first)
                                             : ctx.route.wire_path,
                 ctx.request_id, bucket, key);
  StartResponse(ctx, error.http_status);
  (void)ctx.out.Send(error.http_status, "application/xml", xml);
}

// ---- Request bodies -------------------------------------------------------

std::optional<uint64_t> DeclaredLength(const Context& ctx) {
  if (const SigV4Auth* v4 = ctx.sigv4(); v4 && IsStreaming(v4->payload_mode)) {
    return v4->decoded_content_length;
  }
  if (auto v = ctx.Header("x-amz-decoded-content-length")) {
    if (auto n = ParseU64(*v)) return n;
  }
  if (ctx.http.body) return ctx.http.body->ContentLength();
  return uint64_t{0};
}

Result<BodyResult> ReadBody(Context& ctx, uint64_t max_bytes, const BodySink& sink,
                            const Status& too_large) {
  if (auto declared = DeclaredLength(ctx); declared && *declared > max_bytes) return too_large;
  if (ctx.sigv4() == nullptr) {
    // aws-chunked framing is bound to a SigV4 signature; without one the
    // framing would be stored as data.
    auto mode = ParsePayloadMode(ctx.Header("x-amz-content-sha256").value_or(""));
    if (mode && IsStreaming(*mode)) {
      return Status::InvalidArgument("aws-chunked (STREAMING-*) payloads require SigV4.",
                                     "InvalidRequest");
    }
  }
  SOS_ASSIGN_OR_RETURN(PayloadVerifier verifier, PayloadVerifier::Create(ctx.head, ctx.sigv4()));
  BodyResult result;
  BodySink bounded = [&](std::string_view data) -> Status {
    result.size += data.size();
    if (result.size > max_bytes) return too_large;
    return sink(data);
  };
  if (ctx.http.body != nullptr) {
    // Sized to the body when it is smaller, and not zeroed: a small PUT
    // should not pay for clearing a buffer of the largest size.
    size_t size = kBodyBufferBytes;
    if (auto raw = ctx.http.body->ContentLength()) size = std::clamp<uint64_t>(*raw, 1, size);
    auto buffer = std::make_unique_for_overwrite<char[]>(size);
    while (true) {
      SOS_ASSIGN_OR_RETURN(size_t n, ctx.http.body->Read(buffer.get(), size));
      if (n == 0) break;
      SOS_RETURN_IF_ERROR(verifier.Feed(std::string_view(buffer.get(), n), bounded));
    }
  }
  SOS_RETURN_IF_ERROR(verifier.Finish());
  ctx.bytes_in += result.size;
  // A body shorter than declared (the HTTP layer checks Content-Length; this
  // covers x-amz-decoded-content-length of non-chunked bodies).
  if (auto declared = DeclaredLength(ctx); declared && *declared != result.size) {
    return Status::InvalidArgument(
        "You did not provide the number of bytes specified by the "
        "Content-Length HTTP header.",
        "IncompleteBody");
  }
  result.checksum = verifier.checksum();
  return result;
}

Result<std::string> ReadSmallBody(Context& ctx, size_t max_bytes, bool required) {
  std::string body;
  SOS_ASSIGN_OR_RETURN(
      BodyResult read,
      ReadBody(ctx, max_bytes, AppendTo(&body),
               Status::InvalidArgument("Your request was too big.", "MaxMessageLengthExceeded")));
  (void)read;
  if (body.empty() && required) {
    return Status::InvalidArgument("Request body is empty.", "MissingRequestBodyError");
  }
  return body;
}

Result<WrittenBlob> WriteBodyToBlob(Context& ctx, BlobUse use) {
  const uint64_t max = ctx.options.max_object_size;
  const Status too_large = Status::TooLarge(
      "Your proposed upload exceeds the maximum allowed "
      "object size (" +
      std::to_string(max) + " bytes).");
  WrittenBlob out;
  SOS_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> blob, ctx.engine.NewBlob(use));
  SOS_ASSIGN_OR_RETURN(
      out.body, ReadBody(
                    ctx, max, [&](std::string_view data) { return blob->Write(data); }, too_large));
  // Only now, with every digest verified, is the blob sealed; an unsealed or
  // unreferenced blob is reclaimed by the engine.
  SOS_ASSIGN_OR_RETURN(out.segment, blob->Finish());
  out.etag = "\"" + HexEncode(blob->md5()) + "\"";
  return out;
}

// ---- Request headers -> records -------------------------------------------

Result<ObjectMeta> MetaFromHeaders(const Context& ctx, const std::string& key) {
  ObjectMeta m;
  m.key = key;
  auto get = [&](std::string_view name) { return std::string(ctx.Header(name).value_or("")); };
  m.content_type = get("content-type");
  if (m.content_type.empty()) m.content_type = "binary/octet-stream";  // S3's default
  m.cache_control = get("cache-control");
  m.content_disposition = get("content-disposition");
  m.content_language = get("content-language");
  m.expires = get("expires");
  // aws-chunked is the framing of this request, not an encoding of the object.
  std::string encoding;
  for (std::string_view rest = ctx.Header("content-encoding").value_or(""); !rest.empty();) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty() && !EqualsIgnoreCase(item, "aws-chunked")) {
      if (!encoding.empty()) encoding += ",";
      encoding += item;
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  m.content_encoding = encoding;
  m.storage_class = "STANDARD";
  size_t meta_bytes = 0;
  constexpr std::string_view kPrefix = "x-amz-meta-";
  for (const auto& [name, value] : ctx.head.headers) {
    if (name.size() <= kPrefix.size() ||
        !EqualsIgnoreCase(name.substr(0, kPrefix.size()), kPrefix)) {
      continue;
    }
    std::string meta_name = AsciiLower(std::string_view(name).substr(kPrefix.size()));
    meta_bytes += meta_name.size() + value.size();
    auto [it, inserted] = m.user_meta.emplace(meta_name, value);
    if (!inserted) it->second += "," + value;  // repeated headers join, as in HTTP
  }
  if (meta_bytes > kMaxUserMetadataBytes) {
    return Status::InvalidArgument(
        "Your metadata headers exceed the maximum allowed metadata "
        "size (2048 bytes).",
        "MetadataTooLarge");
  }
  if (auto sc = ctx.Header("x-amz-storage-class"); sc && *sc != "STANDARD") {
    return Status::InvalidArgument("sosd stores every object as STANDARD.", "InvalidStorageClass");
  }
  for (std::string_view sse :
       {"x-amz-server-side-encryption", "x-amz-server-side-encryption-customer-algorithm",
        "x-amz-website-redirect-location"}) {
    if (ctx.Header(sse)) {
      return Status::NotSupported("The " + std::string(sse) + " header is not supported by sosd.");
    }
  }
  return m;
}

Status ResolveGrantees(Context& ctx, AccessControlPolicy& policy) {
  for (auto& grant : policy.grants) {
    if (grant.grantee.type == Grantee::Type::kEmail) {
      return Status::InvalidArgument(
          "The e-mail address you provided does not match any account (sos organisations have "
          "no e-mail addresses).",
          "UnresolvableGrantByEmailAddress");
    }
    if (grant.grantee.type == Grantee::Type::kCanonicalUser) {
      auto account = ctx.engine.GetAccount(grant.grantee.id);
      if (!account.ok()) {
        if (account.status().code() != StatusCode::kNotFound) return account.status();
        return Status::InvalidArgument("Invalid id: " + grant.grantee.id, "InvalidArgument");
      }
      grant.grantee.display_name = account->display_name;
    }
  }
  return Status::Ok();
}

Result<std::optional<AccessControlPolicy>> AclPolicyFromHeaders(Context& ctx, const Owner& owner,
                                                                const Owner& bucket_owner) {
  auto canned = ctx.Header("x-amz-acl");
  bool grants = HasGrantHeaders(ctx.head.headers);
  if (canned && grants) {
    return Status::InvalidArgument("Specifying both Canned ACLs and Header Grants is not allowed",
                                   "InvalidRequest");
  }
  if (canned) {
    SOS_RETURN_IF_ERROR(ValidateCannedAcl(*canned));
    return std::optional(PolicyForCannedAcl(owner, *canned, bucket_owner));
  }
  if (!grants) return std::optional<AccessControlPolicy>();
  SOS_ASSIGN_OR_RETURN(std::vector<Grant> parsed, ParseGrantHeaders(ctx.head.headers));
  AccessControlPolicy policy = PolicyFromGrants(owner, std::move(parsed));
  SOS_RETURN_IF_ERROR(ResolveGrantees(ctx, policy));
  return std::optional(std::move(policy));
}

void NoteAclChange(Context& ctx, const AccessControlPolicy& policy) {
  if (!GrantsPublicWrite(policy)) return;
  ctx.extra_headers.emplace_back(std::string(kPublicWriteWarningHeader),
                                 std::string(kPublicWriteWarning));
  std::string resource = ctx.route.bucket + (ctx.route.key.empty() ? "" : "/" + ctx.route.key);
  ctx.warning = "sosd: warning: " + std::string(S3OpName(ctx.route.op)) + " by account " +
                ctx.principal.account_id + " makes " + resource +
                " writable by anyone (AllUsers WRITE): " + std::string(kPublicWriteWarning);
}

Result<std::string> AclFromHeaders(Context& ctx) {
  Owner owner = ctx.OwnerOf(ctx.principal.account_id);
  Owner bucket_owner;
  if (ctx.bucket) bucket_owner = ctx.OwnerOf(ctx.bucket->owner_id);
  SOS_ASSIGN_OR_RETURN(std::optional<AccessControlPolicy> policy,
                       AclPolicyFromHeaders(ctx, owner, bucket_owner));
  if (!policy) return std::string();  // private
  NoteAclChange(ctx, *policy);
  return StoredAcl(*policy);
}

Result<WritePrecondition> WritePreconditionFromHeaders(const Context& ctx) {
  WritePrecondition p;
  if (auto v = ctx.Header("if-none-match")) {
    std::string_view value = *v;
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    if (value != "*") {
      return Status::NotSupported("If-None-Match on writes only supports '*'.");
    }
    p.if_none_match = "*";
  }
  if (auto v = ctx.Header("if-match")) {
    std::string_view value = *v;
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    p.if_match = value == "*" ? std::string("*") : QuoteEtag(value);
  }
  return p;
}

Result<CopySource> ParseCopySource(const Context& ctx) {
  std::string_view raw = ctx.Header("x-amz-copy-source").value_or("");
  auto invalid = [] {
    return Status::InvalidArgument(
        "Copy Source must mention the source bucket and key: "
        "sourcebucket/sourcekey.");
  };
  // A literal '?' in the key arrives encoded, so the first '?' starts the query.
  size_t q = raw.find('?');
  std::string_view path = raw.substr(0, q);
  std::string version_id;
  if (q != std::string_view::npos) {
    auto query = ParseQuery(raw.substr(q + 1));
    if (!query) return invalid();
    for (const auto& [name, value] : *query) {
      if (name == "versionId") {
        SOS_ASSIGN_OR_RETURN(version_id, RequestedVersion(&value));
      }
    }
  }
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  size_t slash = path.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == path.size()) return invalid();
  auto bucket = UriDecode(path.substr(0, slash));
  auto key = UriDecode(path.substr(slash + 1));
  if (!bucket || !key) return invalid();
  SOS_RETURN_IF_ERROR(ValidateObjectKey(*key));
  return CopySource{std::move(*bucket), std::move(*key), std::move(version_id)};
}

Result<ObjectRecord> LoadCopySource(Context& ctx, const CopySource& source, bool copies_tags) {
  auto bucket = ctx.engine.GetBucket(source.bucket);
  if (!bucket.ok()) return WithCode(bucket.status(), "NoSuchBucket");
  auto object = ctx.engine.HeadObject(source.bucket, source.key, source.version_id);
  if (!object.ok()) return HideAbsence(ctx.principal, *bucket, source.key, object.status());
  SOS_RETURN_IF_ERROR(AuthorizeObject(ctx.principal, *bucket, *object, Permission::kRead));
  if (object->delete_marker) {
    return Status::InvalidArgument(
        "The source of a copy request may not specifically refer to a delete marker by "
        "version id.",
        "InvalidRequest");
  }
  if (copies_tags && !object->tags.empty()) {
    SOS_RETURN_IF_ERROR(AuthorizeObject(ctx.principal, *bucket, *object, Permission::kReadAcp));
  }
  Conditions conditions = ConditionsFromHeaders(ctx.head, "x-amz-copy-source-");
  SOS_RETURN_IF_ERROR(EvaluateReadConditions(conditions, object->meta.etag,
                                             object->meta.last_modified, ctx.now,
                                             /*copy_source=*/true));
  return object;
}

namespace {

// As S3: a key whose newest version is a delete marker reads as NoSuchKey,
// and the answer names the marker (x-amz-delete-marker, x-amz-version-id).
void NameLatestDeleteMarker(Context& ctx) {
  if (ctx.bucket->versioning.empty()) return;  // never versioned: no markers
  ListVersionsQuery query;
  query.prefix = ctx.route.key;  // the key itself sorts first, newest version first
  query.max_keys = 1;
  auto page = ctx.engine.ListObjectVersions(ctx.route.bucket, query);
  if (!page.ok() || page->versions.empty()) return;
  const VersionEntry& newest = page->versions.front();
  if (newest.record.meta.key != ctx.route.key || !newest.record.delete_marker ||
      !newest.is_latest) {
    return;
  }
  ctx.extra_headers.emplace_back("x-amz-delete-marker", "true");
  ctx.extra_headers.emplace_back(
      "x-amz-version-id", newest.record.version_id.empty() ? "null" : newest.record.version_id);
}

}  // namespace

Result<ObjectRecord> LoadObjectFor(Context& ctx, Permission wanted) {
  SOS_ASSIGN_OR_RETURN(std::string version_id, RequestedVersion(ctx.Query("versionId")));
  auto object = ctx.engine.HeadObject(ctx.route.bucket, ctx.route.key, version_id);
  if (!object.ok()) {
    Status absent = HideAbsence(ctx.principal, *ctx.bucket, ctx.route.key, object.status());
    // Only to those who may know the key is absent (404, not 403).
    if (absent.code() == StatusCode::kNotFound && ctx.Query("versionId") == nullptr) {
      NameLatestDeleteMarker(ctx);
    }
    return absent;
  }
  SOS_RETURN_IF_ERROR(AuthorizeObject(ctx.principal, *ctx.bucket, *object, wanted));
  if (wanted == Permission::kWriteAcp && !version_id.empty()) {
    // Tags and ACLs are changed on the current version only.
    auto current = ctx.engine.HeadObject(ctx.route.bucket, ctx.route.key);
    if (!current.ok() || current->version_seq != object->version_seq ||
        current->version_id != object->version_id) {
      return Status::NotSupported(
          "sosd changes the tags and the ACL of the current version of an object only.");
    }
  }
  if (object->delete_marker) {
    // As S3: a delete marker asked for by its id has no data and no metadata.
    ctx.extra_headers.emplace_back("x-amz-delete-marker", "true");
    ctx.extra_headers.emplace_back("x-amz-version-id", version_id);
    return Status::InvalidArgument("The specified method is not allowed against this resource.",
                                   "MethodNotAllowed");
  }
  return object;
}

Status ChangedMeanwhileIsSlowDown(Status status) {
  if (status.code() != StatusCode::kCancelled) return status;
  return Status::Unavailable("The object changed during the request; please retry.", "SlowDown");
}

// now + days, or now + years in calendar years (29 February rolls to 1 March).
TimePoint RetainUntil(TimePoint now, int days, int years) {
  using namespace std::chrono;
  if (years == 0) return now + sys_days::duration(days);
  const sys_days today = floor<sys_days::duration>(now);
  const year_month_day date = year_month_day(today) + std::chrono::years(years);
  return sys_days(date.ok() ? date : date.year() / date.month() / last) + (now - today) +
         (date.ok() ? sys_days::duration(0) : sys_days::duration(1));
}

Status ApplyObjectLock(Context& ctx, ObjectRecord& record, bool body_verified) {
  auto mode = ctx.Header("x-amz-object-lock-mode");
  auto until = ctx.Header("x-amz-object-lock-retain-until-date");
  auto hold = ctx.Header("x-amz-object-lock-legal-hold");
  const std::string& config_xml = ctx.bucket->object_lock;
  if (config_xml.empty()) {
    if (mode || until || hold) {
      return Status::InvalidArgument("Bucket is missing Object Lock Configuration",
                                     "InvalidRequest");
    }
    return Status::Ok();
  }
  // Setting a lock is the bucket owner's (S3: s3:PutObjectRetention and
  // s3:PutObjectLegalHold, which no ACL grants); the default applies to all.
  if (mode || until || hold) SOS_RETURN_IF_ERROR(AuthorizeBucketOwner(ctx.principal, *ctx.bucket));
  if (mode.has_value() != until.has_value()) {
    return Status::InvalidArgument(
        "x-amz-object-lock-mode and x-amz-object-lock-retain-until-date must both be supplied",
        "InvalidArgument");
  }
  if (mode) {
    if (!ValidLockMode(*mode)) {
      return Status::InvalidArgument("Unknown wormMode directive.", "InvalidArgument");
    }
    std::optional<TimePoint> date = ParseIso8601Extended(*until);
    if (!date) {
      return Status::InvalidArgument("The retain until date is not a valid date.",
                                     "InvalidArgument");
    }
    if (*date >= kLatestTime) {
      return Status::InvalidArgument("The retain until date is too far in the future.",
                                     "InvalidArgument");
    }
    if (*date <= ctx.now) {
      return Status::InvalidArgument("The retain until date must be in the future!",
                                     "InvalidArgument");
    }
    record.lock_mode = std::string(*mode);
    record.retain_until = *date;
  } else {
    SOS_ASSIGN_OR_RETURN(ObjectLockConfigXml config, DecodeObjectLockConfiguration(config_xml));
    if (!config.mode.empty()) {
      record.lock_mode = config.mode;
      record.retain_until = RetainUntil(ctx.now, config.days, config.years);
    }
  }
  if (hold) {
    if (*hold != "ON" && *hold != "OFF") {
      return Status::InvalidArgument("Legal Hold must be either of 'ON' or 'OFF'",
                                     "InvalidArgument");
    }
    record.legal_hold = *hold == "ON";
  }
  // As S3: what is kept under a lock must have arrived whole.
  if ((!record.lock_mode.empty() || record.legal_hold) && !body_verified) {
    return Status::InvalidArgument(
        "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with "
        "Object Lock parameters",
        "InvalidRequest");
  }
  return Status::Ok();
}

bool HasIntegrityCheck(const Context& ctx) {
  bool has_digest = ctx.Header("content-md5").has_value();
  for (const auto& [name, value] : ctx.head.headers) {
    has_digest |= ChecksumAlgorithmFromHeader(name).has_value();
  }
  if (const SigV4Auth* v4 = ctx.sigv4()) {
    for (const auto& t : v4->trailer_names) {
      has_digest |= ChecksumAlgorithmFromHeader(t).has_value();
    }
  }
  return has_digest;
}

bool BypassesGovernance(const Context& ctx) {
  auto h = ctx.Header("x-amz-bypass-governance-retention");
  return h && EqualsIgnoreCase(*h, "true");
}

Result<std::string> RequestedVersion(const std::string* version_id) {
  if (version_id == nullptr) return std::string();
  if (version_id->empty()) {
    return Status::InvalidArgument("Version id cannot be the empty string", "InvalidArgument");
  }
  return *version_id;
}

void AddVersionHeader(Context& ctx, const ObjectRecord& record, std::string_view header) {
  const std::string& state = ctx.bucket ? ctx.bucket->versioning : std::string();
  if (!record.version_id.empty()) {
    ctx.out.AddHeader(header, record.version_id);
  } else if (!state.empty()) {
    ctx.out.AddHeader(header, "null");
  }
}

void AddObjectHeaders(Context& ctx, const ObjectMeta& meta) {
  ResponseWriter& out = ctx.out;
  out.AddHeader("ETag", meta.etag);
  out.AddHeader("Last-Modified", FormatHttpDate(meta.last_modified));
  out.AddHeader("Accept-Ranges", "bytes");
  auto add = [&](std::string_view name, const std::string& query_override,
                 const std::string& value) {
    if (const std::string* o = ctx.Query(query_override)) {
      out.AddHeader(name, *o);
    } else if (!value.empty()) {
      out.AddHeader(name, value);
    }
  };
  if (ctx.options.console && ctx.head.method != "HEAD") {
    // On the console's listener a body is only ever saved, never rendered in
    // the console's origin (S3ServiceOptions::console): whatever the object
    // or the request says, as no browser can read these two otherwise.
    out.AddHeader("Content-Type", "application/octet-stream");
    out.AddHeader("Content-Disposition", "attachment");
  } else {
    add("Content-Type", "response-content-type",
        meta.content_type.empty() ? std::string("binary/octet-stream") : meta.content_type);
    add("Content-Disposition", "response-content-disposition", meta.content_disposition);
  }
  add("Cache-Control", "response-cache-control", meta.cache_control);
  add("Content-Encoding", "response-content-encoding", meta.content_encoding);
  add("Content-Language", "response-content-language", meta.content_language);
  add("Expires", "response-expires", meta.expires);
  for (const auto& [name, value] : meta.user_meta) out.AddHeader("x-amz-meta-" + name, value);
}

Status NoSuchKey(const std::string& key) {
  return Status::NotFound("The specified key does not exist: " + key, "NoSuchKey");
}

Status HideAbsence(const Principal& principal, const BucketRecord& bucket, const std::string& key,
                   const Status& load_error) {
  if (load_error.code() != StatusCode::kNotFound) return load_error;
  if (!AuthorizeBucket(principal, bucket, Permission::kRead).ok()) {
    return Status::PermissionDenied("Access Denied");
  }
  return load_error.s3_code().empty() || load_error.s3_code() == "NoSuchKey" ? NoSuchKey(key)
                                                                             : load_error;
}

Status WithCode(Status status, const char* s3_code) {
  if (status.code() == StatusCode::kNotFound && status.s3_code().empty()) {
    return Status::NotFound(status.message(), s3_code);
  }
  return status;
}

}  // namespace sos::s3api
