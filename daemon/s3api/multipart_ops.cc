// Multipart uploads: create, upload part (and part copy), complete, abort,
// list parts. Each part is its own blob; completing an upload commits the
// object from the parts' blobs without copying data.
#include <algorithm>
#include <charconv>

#include "daemon/s3api/http_conditions.h"
#include "daemon/s3api/s3_context.h"
#include "s3core/crypto.h"
#include "s3core/uri.h"
#include "s3core/xml_codec.h"

namespace sos::s3api {
namespace {

constexpr int kMaxPartNumber = 10000;

Result<int> PartNumber(const Context& ctx) {
  const std::string* value = ctx.Query("partNumber");
  int n = 0;
  if (value != nullptr) {
    auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
    if (ec != std::errc() || end != value->data() + value->size()) n = 0;
  }
  if (n < 1 || n > kMaxPartNumber) {
    return Status::InvalidArgument(
        "Part number must be an integer between 1 and 10000, "
        "inclusive");
  }
  return n;
}

// The upload named by ?uploadId, which must belong to this bucket and key and
// be the principal's to continue (AuthorizeUpload).
Result<UploadRecord> LoadUpload(Context& ctx) {
  const std::string* id = ctx.Query("uploadId");
  if (id == nullptr || id->empty()) {
    return Status::NotFound("The specified upload does not exist.", "NoSuchUpload");
  }
  auto upload = ctx.engine.GetUpload(ctx.route.bucket, ctx.route.key, *id);
  if (!upload.ok()) {
    if (upload.status().code() == StatusCode::kNotFound) {
      return Status::NotFound(
          "The specified upload does not exist. The upload ID may be invalid, "
          "or the upload may have been aborted or completed.",
          "NoSuchUpload");
    }
    return upload.status();
  }
  SOS_RETURN_IF_ERROR(AuthorizeUpload(ctx.principal, *ctx.bucket, *upload));
  return upload;
}

Status WithUploadCode(Status s) { return WithCode(std::move(s), "NoSuchUpload"); }

Status SendCompleteResult(Context& ctx, const ObjectRecord& object) {
  const std::string& etag = object.meta.etag;
  CompleteMultipartUploadResultXml doc;
  std::string host(ctx.Header("host").value_or("localhost"));
  doc.location = "http://" + host + "/" + ctx.route.bucket + "/" +
                 UriEncode(ctx.route.key, /*encode_slash=*/false);
  doc.bucket = ctx.route.bucket;
  doc.key = ctx.route.key;
  doc.etag = etag;
  StartResponse(ctx, 200);
  AddVersionHeader(ctx, object);
  return ctx.out.Send(200, "application/xml", EncodeCompleteMultipartUploadResult(doc));
}

}  // namespace

Status CreateMultipartUpload(Context& ctx) {
  SOS_ASSIGN_OR_RETURN(ObjectMeta meta, MetaFromHeaders(ctx, ctx.route.key));
  ObjectRecord object;
  object.meta = std::move(meta);
  object.meta.last_modified = ctx.now;
  object.owner_id = ctx.principal.account_id;
  SOS_ASSIGN_OR_RETURN(object.acl, AclFromHeaders(ctx));
  SOS_ASSIGN_OR_RETURN(object.tags, TagsFromHeader(ctx));
  // Each part of a locked upload must come with its Content-MD5 or checksum
  // (UploadPart checks), so the upload itself passes.
  SOS_RETURN_IF_ERROR(ApplyObjectLock(ctx, object, /*body_verified=*/true));
  auto upload = ctx.engine.CreateUpload(ctx.route.bucket, ctx.route.key, object);
  if (!upload.ok()) return WithCode(upload.status(), "NoSuchBucket");
  std::string xml =
      EncodeInitiateMultipartUploadResult({ctx.route.bucket, ctx.route.key, upload->upload_id});
  StartResponse(ctx, 200);
  // SDKs that asked for per-part checksums expect the algorithm echoed.
  if (auto algorithm = ctx.Header("x-amz-checksum-algorithm")) {
    ctx.out.AddHeader("x-amz-checksum-algorithm", *algorithm);
  }
  return ctx.out.Send(200, "application/xml", xml);
}

Status UploadPart(Context& ctx) {
  SOS_ASSIGN_OR_RETURN(int part_number, PartNumber(ctx));
  SOS_ASSIGN_OR_RETURN(UploadRecord upload, LoadUpload(ctx));
  if ((!upload.object.lock_mode.empty() || upload.object.legal_hold) && !HasIntegrityCheck(ctx)) {
    return Status::InvalidArgument(
        "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Part requests with "
        "Object Lock parameters",
        "InvalidRequest");
  }
  SOS_ASSIGN_OR_RETURN(WrittenBlob blob, WriteBodyToBlob(ctx, BlobUse::kPart));
  PartRecord part;
  part.part_number = part_number;
  part.etag = blob.etag;
  part.size = blob.body.size;
  part.last_modified = ctx.now;
  part.segment = blob.segment;
  SOS_RETURN_IF_ERROR(WithUploadCode(ctx.engine.PutPart(upload.upload_id, part)));
  StartResponse(ctx, 200);
  ctx.out.AddHeader("ETag", part.etag);
  if (blob.body.checksum) {
    ctx.out.AddHeader(ChecksumHeaderName(blob.body.checksum->first), blob.body.checksum->second);
  }
  return ctx.out.Send(200, "", "");
}

Status UploadPartCopy(Context& ctx) {
  SOS_ASSIGN_OR_RETURN(int part_number, PartNumber(ctx));
  SOS_ASSIGN_OR_RETURN(UploadRecord upload, LoadUpload(ctx));
  SOS_ASSIGN_OR_RETURN(CopySource source, ParseCopySource(ctx));
  SOS_ASSIGN_OR_RETURN(ObjectRecord src, LoadCopySource(ctx, source));
  ResolvedRange range{0, src.meta.size};
  if (auto header = ctx.Header("x-amz-copy-source-range")) {
    SOS_ASSIGN_OR_RETURN(range, ParseCopySourceRange(*header, src.meta.size));
  }
  if (range.length > ctx.options.max_object_size) {
    return Status::TooLarge("A part may hold at most " +
                            std::to_string(ctx.options.max_object_size) + " bytes.");
  }
  // A range of a blob cannot be shared by reference count, so the part is a
  // new blob holding a copy of the range.
  SOS_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> blob, ctx.engine.NewBlob(BlobUse::kPart));
  if (range.length > 0) {
    SOS_ASSIGN_OR_RETURN(std::unique_ptr<ObjectReader> reader, ctx.engine.OpenObject(src));
    SOS_RETURN_IF_ERROR(reader->Read(range.first, range.length,
                                     [&](std::string_view chunk) { return blob->Write(chunk); }));
  }
  PartRecord part;
  SOS_ASSIGN_OR_RETURN(part.segment, blob->Finish());
  part.part_number = part_number;
  part.etag = "\"" + HexEncode(blob->md5()) + "\"";
  part.size = range.length;
  part.last_modified = ctx.now;
  SOS_RETURN_IF_ERROR(WithUploadCode(ctx.engine.PutPart(upload.upload_id, part)));
  return SendXml(ctx, 200, EncodeCopyPartResult({part.etag, part.last_modified}));
}

Status CompleteMultipartUpload(Context& ctx) {
  auto loaded = LoadUpload(ctx);
  const std::string* upload_id = ctx.Query("uploadId");
  if (!loaded.ok() && loaded.status().code() == StatusCode::kNotFound && upload_id) {
    // A retry of a completion whose answer was lost: S3 answers it again.
    auto done = ctx.engine.FindCompletedUpload(ctx.route.bucket, ctx.route.key, *upload_id);
    if (!done.ok()) return loaded.status();
    SOS_RETURN_IF_ERROR(AuthorizeUpload(ctx.principal, *ctx.bucket, done->upload));
    SOS_RETURN_IF_ERROR(ReadSmallBody(ctx, kMaxLargeXmlBytes, false).status());
    return SendCompleteResult(ctx, done->object);
  }
  SOS_ASSIGN_OR_RETURN(UploadRecord upload, std::move(loaded));
  SOS_ASSIGN_OR_RETURN(WritePrecondition precondition, WritePreconditionFromHeaders(ctx));
  SOS_ASSIGN_OR_RETURN(std::string body, ReadSmallBody(ctx, kMaxLargeXmlBytes, false));
  if (body.empty()) {
    return Status::InvalidArgument("You must specify at least one part.", "MalformedXML");
  }
  SOS_ASSIGN_OR_RETURN(std::vector<CompletedPart> parts, DecodeCompleteMultipartUpload(body));
  for (auto& p : parts) {
    if (p.part_number < 1 || p.part_number > kMaxPartNumber) {
      return Status::InvalidArgument("One or more of the specified parts could not be found.",
                                     "InvalidPart");
    }
    p.etag = QuoteEtag(p.etag);
  }
  auto committed =
      ctx.engine.CompleteUpload(upload.upload_id, parts, precondition, ctx.options.min_part_size);
  if (!committed.ok()) return WithUploadCode(committed.status());
  return SendCompleteResult(ctx, *committed);
}

Status AbortMultipartUpload(Context& ctx) {
  SOS_ASSIGN_OR_RETURN(UploadRecord upload, LoadUpload(ctx));
  SOS_RETURN_IF_ERROR(WithUploadCode(ctx.engine.AbortUpload(upload.upload_id)));
  return SendEmpty(ctx, 204);
}

Status ListParts(Context& ctx) {
  SOS_ASSIGN_OR_RETURN(UploadRecord upload, LoadUpload(ctx));
  int marker = 0;
  if (const std::string* m = ctx.Query("part-number-marker")) {
    auto [end, ec] = std::from_chars(m->data(), m->data() + m->size(), marker);
    if (ec != std::errc() || end != m->data() + m->size() || marker < 0) {
      return Status::InvalidArgument(
          "Provided part-number-marker not an integer or within "
          "integer range");
    }
  }
  int max_parts = 1000;
  if (const std::string* m = ctx.Query("max-parts")) {
    auto [end, ec] = std::from_chars(m->data(), m->data() + m->size(), max_parts);
    if (ec != std::errc() || end != m->data() + m->size() || max_parts < 0) {
      return Status::InvalidArgument("Provided max-parts not an integer or within integer range");
    }
    max_parts = std::min(max_parts, 1000);
  }
  auto listed = ctx.engine.ListParts(upload.upload_id);
  if (!listed.ok()) return WithUploadCode(listed.status());
  std::vector<PartRecord> parts = *std::move(listed);
  std::sort(parts.begin(), parts.end(),
            [](const PartRecord& a, const PartRecord& b) { return a.part_number < b.part_number; });
  ListPartsXml doc;
  doc.bucket = ctx.route.bucket;
  doc.key = ctx.route.key;
  doc.upload_id = upload.upload_id;
  doc.initiator = ctx.OwnerOf(upload.object.owner_id);
  doc.owner = doc.initiator;
  doc.part_number_marker = marker;
  doc.max_parts = max_parts;
  for (const auto& p : parts) {
    if (p.part_number <= marker) continue;
    if (static_cast<int>(doc.page.parts.size()) == max_parts) {
      doc.page.is_truncated = true;
      break;
    }
    doc.page.parts.push_back({p.part_number, p.etag, p.size, p.last_modified});
    doc.page.next_part_number_marker = p.part_number;
  }
  return SendXml(ctx, 200, EncodeListPartsResult(doc));
}

}  // namespace sos::s3api
