// Object operations: GET/HEAD, PUT, copy, delete, multi-delete.
#include "daemon/s3api/http_conditions.h"
#include "daemon/s3api/s3_context.h"
#include "daemon/s3api/s3_error_table.h"
#include "s3core/time_format.h"
#include "s3core/xml_codec.h"

namespace sos::s3api {
namespace {

constexpr std::string_view kObjectSandbox =
    "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads";

// Loads of a copy source before CopyObject gives up on one that keeps changing.
constexpr int kCopyAttempts = 3;

void AddChecksumHeader(Context& ctx, const BodyResult& body) {
  if (body.checksum) {
    ctx.out.AddHeader(ChecksumHeaderName(body.checksum->first), body.checksum->second);
  }
}

bool HasResponseOverrides(const Context& ctx) {
  for (const auto& [name, value] : ctx.route.query) {
    if (name.rfind("response-", 0) == 0) return true;
  }
  return false;
}

}  // namespace

Status GetObject(Context& ctx, bool head_only) {
  if (ctx.Query("partNumber")) {
    return Status::NotSupported("sosd does not implement GET/HEAD by ?partNumber; use Range.");
  }
  if (HasResponseOverrides(ctx) && ctx.principal.anonymous) {
    return Status::InvalidArgument(
        "Request specific response headers cannot be used for anonymous GET requests.",
        "InvalidRequest");
  }
  SOS_ASSIGN_OR_RETURN(ObjectRecord object, LoadObjectFor(ctx, Permission::kRead));
  const ObjectMeta& meta = object.meta;

  Status condition = EvaluateReadConditions(ConditionsFromHeaders(ctx.head), meta.etag,
                                            meta.last_modified, ctx.now);
  if (condition.code() == StatusCode::kNotModified) {
    StartResponse(ctx, 304);
    ctx.out.AddHeader("ETag", meta.etag);
    ctx.out.AddHeader("Last-Modified", FormatHttpDate(meta.last_modified));
    // No body and no Content-Length: 304 describes the client's cached copy.
    SOS_RETURN_IF_ERROR(ctx.out.SendHeaders(std::nullopt));
    return ctx.out.Finish();
  }
  SOS_RETURN_IF_ERROR(condition);

  ResolvedRange range{0, meta.size};
  bool partial = false;
  if (auto header = ctx.Header("range")) {
    if (auto parsed = ParseRangeHeader(*header)) {
      auto resolved = ResolveRange(*parsed, meta.size);
      if (!resolved.ok()) {
        ctx.extra_headers.emplace_back("Content-Range", "bytes */" + std::to_string(meta.size));
        return resolved.status();
      }
      range = *resolved;
      partial = true;
    }
  }
  // Opened before the headers go out, so a failure is still a proper error.
  std::unique_ptr<ObjectReader> reader;
  if (!head_only && range.length > 0) {
    SOS_ASSIGN_OR_RETURN(reader, ctx.engine.OpenObject(object));
  }
  const int status = partial ? 206 : 200;
  StartResponse(ctx, status);
  AddObjectHeaders(ctx, meta);
  AddVersionHeader(ctx, object);
  // As S3: the lock shows to who may read it (the bucket owner).
  if (AuthorizeBucketOwner(ctx.principal, *ctx.bucket).ok()) {
    if (!object.lock_mode.empty()) {
      ctx.out.AddHeader("x-amz-object-lock-mode", object.lock_mode);
      ctx.out.AddHeader("x-amz-object-lock-retain-until-date",
                        FormatIso8601Extended(object.retain_until));
    }
    if (object.legal_hold) ctx.out.AddHeader("x-amz-object-lock-legal-hold", "ON");
  }
  // An object a browser renders (an uploaded HTML page) runs in an opaque
  // origin of its own, never in sosd's: it can reach nothing this origin
  // holds. nosniff: a body is never taken for a script or style it is not
  // declared as.
  // (The console's listener sandboxes every response already: StartResponse.)
  if (!ctx.options.console) {
    ctx.out.AddHeader("Content-Security-Policy", kObjectSandbox);
    ctx.out.AddHeader("X-Content-Type-Options", "nosniff");
  }
  // As S3: GET shows how many tags there are to callers who may read them.
  if (!head_only && !object.tags.empty() &&
      AuthorizeObject(ctx.principal, *ctx.bucket, object, Permission::kReadAcp).ok()) {
    ctx.out.AddHeader("x-amz-tagging-count", std::to_string(object.tags.size()));
  }
  if (partial) ctx.out.AddHeader("Content-Range", ContentRange(range, meta.size));
  SOS_RETURN_IF_ERROR(ctx.out.SendHeaders(range.length));
  if (reader) {
    SOS_RETURN_IF_ERROR(reader->Read(range.first, range.length,
                                     [&](std::string_view chunk) { return ctx.out.Write(chunk); }));
  }
  return ctx.out.Finish();
}

Status GetObjectAttributes(Context& ctx) {
  auto names = ctx.Header("x-amz-object-attributes");
  if (!names || names->empty()) {
    return Status::InvalidArgument(
        "The x-amz-object-attributes header specifying the attributes "
        "to be retrieved is either missing or empty",
        "InvalidRequest");
  }
  SOS_ASSIGN_OR_RETURN(ObjectRecord object, LoadObjectFor(ctx, Permission::kRead));
  const ObjectMeta& meta = object.meta;
  ObjectAttributesXml doc;
  std::string_view rest = *names;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view name = TrimSignatureSpace(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (name == "ETag") {
      doc.etag = meta.etag.size() >= 2 ? meta.etag.substr(1, meta.etag.size() - 2) : meta.etag;
    } else if (name == "ObjectSize") {
      doc.object_size = meta.size;
    } else if (name == "StorageClass") {
      doc.storage_class = "STANDARD";
    } else if (name == "ObjectParts") {
      // A multipart ETag ends in "-N": N parts. A single PUT has no parts.
      if (const int parts = MultipartEtagParts(meta.etag); parts > 0) doc.total_parts = parts;
    } else if (name != "Checksum") {
      return Status::InvalidArgument("Invalid attribute name specified.", "InvalidArgument");
    }
  }
  StartResponse(ctx, 200);
  ctx.out.AddHeader("Last-Modified", FormatHttpDate(meta.last_modified));
  return ctx.out.Send(200, "application/xml", EncodeGetObjectAttributesResponse(doc));
}

Status PutObject(Context& ctx) {
  const std::string& bucket = ctx.route.bucket;
  const std::string& key = ctx.route.key;
  SOS_ASSIGN_OR_RETURN(ObjectMeta meta, MetaFromHeaders(ctx, key));
  SOS_ASSIGN_OR_RETURN(auto tags, TagsFromHeader(ctx));
  SOS_ASSIGN_OR_RETURN(std::string acl, AclFromHeaders(ctx));
  SOS_ASSIGN_OR_RETURN(WritePrecondition precondition, WritePreconditionFromHeaders(ctx));
  if (precondition.if_match || precondition.if_none_match) {
    // Fail before the body is sent when we already know; the commit checks
    // again, atomically, so this is only an optimisation.
    auto existing = ctx.engine.HeadObject(bucket, key);
    if (existing.ok() && precondition.if_none_match) {
      return Status::PreconditionFailed(
          "At least one of the pre-conditions you specified did not hold (If-None-Match).");
    }
    if (!existing.ok() && existing.status().code() == StatusCode::kNotFound &&
        precondition.if_match) {
      return NoSuchKey(key);
    }
    if (existing.ok() && precondition.if_match &&
        !EtagListMatches(*precondition.if_match, existing->meta.etag)) {
      return Status::PreconditionFailed(
          "At least one of the pre-conditions you specified did not hold (If-Match).");
    }
  }
  ObjectRecord record;
  // Before the body: a lock refused costs no upload.
  SOS_RETURN_IF_ERROR(ApplyObjectLock(ctx, record, HasIntegrityCheck(ctx)));
  SOS_ASSIGN_OR_RETURN(WrittenBlob blob, WriteBodyToBlob(ctx, BlobUse::kObject));
  meta.size = blob.body.size;
  meta.etag = blob.etag;
  meta.last_modified = ctx.options.clock();  // when the object became whole
  record.meta = std::move(meta);
  record.owner_id = ctx.principal.account_id;
  record.acl = std::move(acl);
  record.tags = std::move(tags);
  if (blob.segment.length > 0) record.segments.push_back(std::move(blob.segment));
  SOS_ASSIGN_OR_RETURN(ObjectRecord committed,
                       ctx.engine.CommitObject(bucket, std::move(record), precondition));
  StartResponse(ctx, 200);
  ctx.out.AddHeader("ETag", committed.meta.etag);
  AddVersionHeader(ctx, committed);
  AddChecksumHeader(ctx, blob.body);
  return ctx.out.Send(200, "", "");
}

Status CopyObject(Context& ctx) {
  const std::string& bucket = ctx.route.bucket;
  const std::string& key = ctx.route.key;
  SOS_ASSIGN_OR_RETURN(CopySource source, ParseCopySource(ctx));
  std::string directive(ctx.Header("x-amz-metadata-directive").value_or("COPY"));
  if (directive != "COPY" && directive != "REPLACE") {
    return Status::InvalidArgument("Unknown metadata directive.");
  }
  const bool replace = directive == "REPLACE";
  std::string tagging_directive(ctx.Header("x-amz-tagging-directive").value_or("COPY"));
  if (tagging_directive != "COPY" && tagging_directive != "REPLACE") {
    return Status::InvalidArgument("Unknown tagging directive.");
  }
  SOS_ASSIGN_OR_RETURN(auto new_tags, TagsFromHeader(ctx));
  // Copying an older version onto its key is how S3 restores it.
  if (source.bucket == bucket && source.key == key && !replace && source.version_id.empty()) {
    return Status::InvalidArgument(
        "This copy request is illegal because it is trying to copy an object to itself without "
        "changing the object's metadata, storage class, website redirect location or encryption "
        "attributes.",
        "InvalidRequest");
  }
  SOS_ASSIGN_OR_RETURN(WritePrecondition precondition, WritePreconditionFromHeaders(ctx));
  SOS_ASSIGN_OR_RETURN(std::string acl, AclFromHeaders(ctx));
  // The source's ACL and x-amz-copy-source-if-* are checked on the version
  // loaded here; the engine copies only that version (else kCancelled), so a
  // source replaced meanwhile is loaded and checked again.
  Result<ObjectRecord> copied = Status::Internal("copy not attempted");
  std::string source_version_id;
  for (int attempt = 0; attempt < kCopyAttempts; ++attempt) {
    SOS_ASSIGN_OR_RETURN(ObjectRecord src,
                         LoadCopySource(ctx, source, tagging_directive == "COPY"));
    ObjectRecord dst;
    if (replace) {
      SOS_ASSIGN_OR_RETURN(dst.meta, MetaFromHeaders(ctx, key));
    } else {
      dst.meta = src.meta;
      dst.meta.key = key;
    }
    dst.meta.size = src.meta.size;
    dst.meta.etag = src.meta.etag;
    dst.meta.last_modified = ctx.options.clock();
    dst.meta.owner.reset();
    dst.owner_id = ctx.principal.account_id;
    dst.acl = acl;
    dst.tags = tagging_directive == "REPLACE" ? new_tags : src.tags;
    // The copy's bytes are the source's, already verified.
    SOS_RETURN_IF_ERROR(ApplyObjectLock(ctx, dst, /*body_verified=*/true));
    copied = ctx.engine.CopyObject(source.bucket, source.key, bucket, std::move(dst), precondition,
                                   ObjectVersion::Of(src.meta), source.version_id);
    source_version_id = src.version_id;
    if (copied.ok() || copied.status().code() != StatusCode::kCancelled) break;
  }
  if (!copied.ok() && copied.status().code() == StatusCode::kCancelled) {
    return Status::Unavailable("The copy source kept changing during the copy; please retry.",
                               "SlowDown");
  }
  if (!copied.ok()) return WithCode(copied.status(), "NoSuchKey");
  StartResponse(ctx, 200);
  AddVersionHeader(ctx, *copied);
  if (!source_version_id.empty()) {
    ctx.out.AddHeader("x-amz-copy-source-version-id", source_version_id);
  }
  return ctx.out.Send(200, "application/xml",
                      EncodeCopyObjectResult({copied->meta.etag, copied->meta.last_modified}));
}

Status DeleteObject(Context& ctx) {
  SOS_ASSIGN_OR_RETURN(std::string version_id, RequestedVersion(ctx.Query("versionId")));
  // As S3's ACLs: WRITE deletes objects; only the bucket owner deletes versions.
  if (!version_id.empty()) SOS_RETURN_IF_ERROR(AuthorizeBucketOwner(ctx.principal, *ctx.bucket));
  SOS_ASSIGN_OR_RETURN(DeleteOutcome outcome,
                       ctx.engine.DeleteObject(ctx.route.bucket, ctx.route.key, version_id,
                                               BypassesGovernance(ctx)));
  StartResponse(ctx, 204);
  if (!outcome.version_id.empty()) ctx.out.AddHeader("x-amz-version-id", outcome.version_id);
  if (outcome.delete_marker) ctx.out.AddHeader("x-amz-delete-marker", "true");
  return ctx.out.Send(204, "", "");
}

Status DeleteObjects(Context& ctx) {
  // S3 insists on an integrity check of this body: Content-MD5, or (newer
  // SDKs) an x-amz-checksum-* header or trailer.
  if (!HasIntegrityCheck(ctx)) {
    return Status::InvalidArgument("Missing required header for this request: Content-MD5",
                                   "InvalidRequest");
  }
  SOS_ASSIGN_OR_RETURN(std::string body, ReadSmallBody(ctx, kMaxLargeXmlBytes, /*required=*/true));
  SOS_ASSIGN_OR_RETURN(DeleteRequestXml request, DecodeDeleteRequest(body));
  if (request.objects.empty() || request.objects.size() > kMaxDeleteKeys) {
    return Status::InvalidArgument(
        "The XML you provided was not well-formed or did not validate "
        "against our published schema (1 to 1000 keys).",
        "MalformedXML");
  }
  DeleteManyResult result;
  const bool versioned = !ctx.bucket->versioning.empty();
  for (const auto& object : request.objects) {
    Status s = ValidateObjectKey(object.key);
    if (s.ok() && !object.version_id.empty()) {
      s = AuthorizeBucketOwner(ctx.principal, *ctx.bucket);
    }
    DeleteOutcome outcome;
    if (s.ok()) {
      auto deleted = ctx.engine.DeleteObject(ctx.route.bucket, object.key, object.version_id,
                                             BypassesGovernance(ctx));
      s = deleted.status();
      if (deleted.ok()) outcome = *deleted;
    }
    if (s.ok()) {
      if (request.quiet) continue;
      result.deleted.push_back(object.key);
      if (!versioned && object.version_id.empty()) continue;
      result.deleted_versions.resize(result.deleted.size());
      DeletedVersion& v = result.deleted_versions.back();
      v.version_id = object.version_id;
      v.delete_marker = outcome.delete_marker;
      if (outcome.delete_marker) v.delete_marker_version_id = outcome.version_id;
    } else {
      S3Error error = S3ErrorFor(s);
      std::string message = S3ErrorMessage(error, s);
      // The detail the client does not see (a path, errno) goes to the log.
      if (message != s.message() && ctx.warning.empty()) {
        ctx.warning = "sosd: DeleteObjects could not delete '" + object.key + "': " + s.ToString();
      }
      result.errors.push_back({object.key, error.code, std::move(message)});
    }
  }
  return SendXml(ctx, 200, EncodeDeleteResult(result));
}

}  // namespace sos::s3api
