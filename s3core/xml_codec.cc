// Buckets, multipart uploads, copy and delete documents. Listings are in
// xml_codec_list.cc, ACL/CORS/Error in xml_codec_config.cc.
#include "s3core/xml_codec.h"

#include "s3core/s3_error_map.h"
#include "s3core/xml_codec_internal.h"

namespace sos {
namespace {

using xml_internal::AddOwner;
using xml_internal::AddText;
using xml_internal::BoolText;
using xml_internal::Child;
using xml_internal::ChildBool;
using xml_internal::ChildInt;
using xml_internal::ChildOwner;
using xml_internal::ChildText;
using xml_internal::ChildTime;
using xml_internal::ChildUint;
using xml_internal::ForEach;
using xml_internal::Malformed;
using xml_internal::NewDocument;
using xml_internal::Parse;
using xml_internal::RequiredText;
using xml_internal::Serialize;
using xml_internal::TimeText;

Result<int> PartNumber(pugi::xml_node n, std::string_view name, int fallback) {
  SOS_ASSIGN_OR_RETURN(int64_t v, ChildInt(n, name, fallback));
  if (v < 0 || v > INT32_MAX) return Malformed(std::string(name) + " out of range");
  return static_cast<int>(v);
}

// Decodes a result document that S3 may replace by an <Error> body.
Status ParseResultOrError(std::string_view xml, size_t max_bytes, const char* root_name,
                          pugi::xml_document& doc, pugi::xml_node* root) {
  Status s = Parse(xml, max_bytes, root_name, doc, root);
  if (s.ok()) return s;
  // S3 answers 200 OK with an <Error> body when CompleteMultipartUpload or a
  // copy fails after the headers went out; report that error (as if 400, so
  // that codes unknown to the map are not taken for retryable 5xx).
  Result<ErrorResponse> error = DecodeError(xml, max_bytes);
  if (error.ok()) return StatusFromS3Error(400, error->code, error->message);
  return s;
}

std::string EncodeCopyResult(const char* root_name, const CopyResult& r) {
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, root_name);
  AddText(root, "LastModified", TimeText(r.last_modified));
  AddText(root, "ETag", r.etag);
  return Serialize(d);
}

Result<CopyResult> DecodeCopyResult(const char* root_name, std::string_view xml, size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(ParseResultOrError(xml, max_bytes, root_name, d, &root));
  CopyResult r;
  SOS_ASSIGN_OR_RETURN(r.etag, RequiredText(root, "ETag"));
  SOS_ASSIGN_OR_RETURN(r.last_modified, ChildTime(root, "LastModified", false));
  return r;
}

}  // namespace

// ---- Buckets ---------------------------------------------------------------

std::string EncodeListAllMyBucketsResult(const ListAllMyBucketsXml& doc) {
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "ListAllMyBucketsResult");
  AddOwner(root, "Owner", doc.owner);
  pugi::xml_node buckets = root.append_child("Buckets");
  for (const BucketInfo& b : doc.buckets) {
    pugi::xml_node n = buckets.append_child("Bucket");
    AddText(n, "Name", b.name);
    AddText(n, "CreationDate", TimeText(b.creation_date));
  }
  if (!doc.continuation_token.empty()) AddText(root, "ContinuationToken", doc.continuation_token);
  if (doc.prefix) AddText(root, "Prefix", *doc.prefix);
  return Serialize(d);
}

Result<ListAllMyBucketsXml> DecodeListAllMyBucketsResult(std::string_view xml, size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(Parse(xml, max_bytes, "ListAllMyBucketsResult", d, &root));
  ListAllMyBucketsXml doc;
  doc.owner = ChildOwner(root, "Owner").value_or(Owner{});
  SOS_RETURN_IF_ERROR(ForEach(Child(root, "Buckets"), "Bucket", [&](pugi::xml_node n) -> Status {
    BucketInfo b;
    SOS_ASSIGN_OR_RETURN(b.name, RequiredText(n, "Name"));
    SOS_ASSIGN_OR_RETURN(b.creation_date, ChildTime(n, "CreationDate", false));
    doc.buckets.push_back(std::move(b));
    return Status::Ok();
  }));
  doc.continuation_token = ChildText(root, "ContinuationToken");
  if (Child(root, "Prefix")) doc.prefix = ChildText(root, "Prefix");
  return doc;
}

std::string EncodeLocationConstraint(const std::string& region) {
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "LocationConstraint");
  if (!region.empty()) root.append_child(pugi::node_pcdata).set_value(region.c_str());
  return Serialize(d);
}

Result<std::string> DecodeLocationConstraint(std::string_view xml, size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(Parse(xml, max_bytes, "LocationConstraint", d, &root));
  return xml_internal::Text(root);
}

std::string EncodeCreateBucketConfiguration(const std::string& location_constraint) {
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "CreateBucketConfiguration");
  if (!location_constraint.empty()) AddText(root, "LocationConstraint", location_constraint);
  return Serialize(d);
}

Result<std::string> DecodeCreateBucketConfiguration(std::string_view xml, size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(Parse(xml, max_bytes, "CreateBucketConfiguration", d, &root));
  return ChildText(root, "LocationConstraint");
}

std::string EncodeVersioningConfiguration(const VersioningXml& doc) {
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "VersioningConfiguration");
  if (!doc.status.empty()) AddText(root, "Status", doc.status);
  if (!doc.mfa_delete.empty()) AddText(root, "MfaDelete", doc.mfa_delete);
  return Serialize(d);
}

Result<VersioningXml> DecodeVersioningConfiguration(std::string_view xml, size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(Parse(xml, max_bytes, "VersioningConfiguration", d, &root));
  VersioningXml doc{ChildText(root, "Status"), ChildText(root, "MfaDelete")};
  if (!doc.status.empty() && doc.status != "Enabled" && doc.status != "Suspended") {
    return Malformed("bad versioning Status '" + doc.status + "'");
  }
  if (!doc.mfa_delete.empty() && doc.mfa_delete != "Enabled" && doc.mfa_delete != "Disabled") {
    return Malformed("bad MfaDelete '" + doc.mfa_delete + "'");
  }
  return doc;
}

// ---- Multipart uploads -----------------------------------------------------

std::string EncodeInitiateMultipartUploadResult(const InitiateMultipartUploadXml& doc) {
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "InitiateMultipartUploadResult");
  AddText(root, "Bucket", doc.bucket);
  AddText(root, "Key", doc.key);
  AddText(root, "UploadId", doc.upload_id);
  return Serialize(d);
}

Result<InitiateMultipartUploadXml> DecodeInitiateMultipartUploadResult(std::string_view xml,
                                                                       size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(Parse(xml, max_bytes, "InitiateMultipartUploadResult", d, &root));
  InitiateMultipartUploadXml doc;
  doc.bucket = ChildText(root, "Bucket");
  doc.key = ChildText(root, "Key");
  SOS_ASSIGN_OR_RETURN(doc.upload_id, RequiredText(root, "UploadId"));
  return doc;
}

std::string EncodeCompleteMultipartUpload(const std::vector<CompletedPart>& parts) {
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "CompleteMultipartUpload");
  for (const CompletedPart& p : parts) {
    pugi::xml_node n = root.append_child("Part");
    AddText(n, "PartNumber", std::to_string(p.part_number));
    AddText(n, "ETag", p.etag);
  }
  return Serialize(d);
}

Result<std::vector<CompletedPart>> DecodeCompleteMultipartUpload(std::string_view xml,
                                                                 size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(Parse(xml, max_bytes, "CompleteMultipartUpload", d, &root));
  std::vector<CompletedPart> parts;
  SOS_RETURN_IF_ERROR(ForEach(root, "Part", [&](pugi::xml_node n) -> Status {
    if (!Child(n, "PartNumber")) return Malformed("Part lacks PartNumber");
    CompletedPart p;
    SOS_ASSIGN_OR_RETURN(p.part_number, PartNumber(n, "PartNumber", 0));
    SOS_ASSIGN_OR_RETURN(p.etag, RequiredText(n, "ETag"));
    parts.push_back(std::move(p));
    return Status::Ok();
  }));
  if (parts.empty()) return Malformed("CompleteMultipartUpload has no Part");
  return parts;
}

std::string EncodeCompleteMultipartUploadResult(const CompleteMultipartUploadResultXml& doc) {
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "CompleteMultipartUploadResult");
  AddText(root, "Location", doc.location);
  AddText(root, "Bucket", doc.bucket);
  AddText(root, "Key", doc.key);
  AddText(root, "ETag", doc.etag);
  return Serialize(d);
}

Result<CompleteMultipartUploadResultXml> DecodeCompleteMultipartUploadResult(std::string_view xml,
                                                                             size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(
      ParseResultOrError(xml, max_bytes, "CompleteMultipartUploadResult", d, &root));
  CompleteMultipartUploadResultXml doc;
  doc.location = ChildText(root, "Location");
  doc.bucket = ChildText(root, "Bucket");
  doc.key = ChildText(root, "Key");
  // Ceph RGW 16 sends an empty <ETag/> here; the caller can HEAD the object.
  doc.etag = ChildText(root, "ETag");
  return doc;
}

std::string EncodeListPartsResult(const ListPartsXml& doc) {
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "ListPartsResult");
  AddText(root, "Bucket", doc.bucket);
  AddText(root, "Key", doc.key);
  AddText(root, "UploadId", doc.upload_id);
  AddOwner(root, "Initiator", doc.initiator);
  AddOwner(root, "Owner", doc.owner);
  AddText(root, "StorageClass", doc.storage_class);
  AddText(root, "PartNumberMarker", std::to_string(doc.part_number_marker));
  AddText(root, "NextPartNumberMarker", std::to_string(doc.page.next_part_number_marker));
  AddText(root, "MaxParts", std::to_string(doc.max_parts));
  AddText(root, "IsTruncated", BoolText(doc.page.is_truncated));
  for (const PartInfo& p : doc.page.parts) {
    pugi::xml_node n = root.append_child("Part");
    AddText(n, "PartNumber", std::to_string(p.part_number));
    AddText(n, "LastModified", TimeText(p.last_modified));
    AddText(n, "ETag", p.etag);
    AddText(n, "Size", std::to_string(p.size));
  }
  return Serialize(d);
}

Result<ListPartsXml> DecodeListPartsResult(std::string_view xml, size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(Parse(xml, max_bytes, "ListPartsResult", d, &root));
  ListPartsXml doc;
  doc.bucket = ChildText(root, "Bucket");
  doc.key = ChildText(root, "Key");
  SOS_ASSIGN_OR_RETURN(doc.upload_id, RequiredText(root, "UploadId"));
  doc.initiator = ChildOwner(root, "Initiator").value_or(Owner{});
  doc.owner = ChildOwner(root, "Owner").value_or(Owner{});
  doc.storage_class = ChildText(root, "StorageClass");
  SOS_ASSIGN_OR_RETURN(doc.part_number_marker, PartNumber(root, "PartNumberMarker", 0));
  SOS_ASSIGN_OR_RETURN(doc.page.next_part_number_marker,
                       PartNumber(root, "NextPartNumberMarker", 0));
  SOS_ASSIGN_OR_RETURN(doc.max_parts, PartNumber(root, "MaxParts", 1000));
  SOS_ASSIGN_OR_RETURN(doc.page.is_truncated, ChildBool(root, "IsTruncated", false));
  SOS_RETURN_IF_ERROR(ForEach(root, "Part", [&](pugi::xml_node n) -> Status {
    if (!Child(n, "PartNumber")) return Malformed("Part lacks PartNumber");
    PartInfo p;
    SOS_ASSIGN_OR_RETURN(p.part_number, PartNumber(n, "PartNumber", 0));
    SOS_ASSIGN_OR_RETURN(p.etag, RequiredText(n, "ETag"));
    SOS_ASSIGN_OR_RETURN(p.size, ChildUint(n, "Size", 0));
    SOS_ASSIGN_OR_RETURN(p.last_modified, ChildTime(n, "LastModified", false));
    doc.page.parts.push_back(std::move(p));
    return Status::Ok();
  }));
  return doc;
}

std::string EncodeListMultipartUploadsResult(const ListMultipartUploadsXml& doc) {
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "ListMultipartUploadsResult");
  const ListUploadsResult& page = doc.page;
  AddText(root, "Bucket", doc.bucket);
  AddText(root, "KeyMarker", doc.key_marker);
  AddText(root, "UploadIdMarker", doc.upload_id_marker);
  AddText(root, "NextKeyMarker", page.next_key_marker);
  AddText(root, "NextUploadIdMarker", page.next_upload_id_marker);
  AddText(root, "Prefix", doc.prefix);
  if (!doc.delimiter.empty()) AddText(root, "Delimiter", doc.delimiter);
  AddText(root, "MaxUploads", std::to_string(doc.max_uploads));
  AddText(root, "IsTruncated", BoolText(page.is_truncated));
  for (const UploadInfo& u : page.uploads) {
    pugi::xml_node n = root.append_child("Upload");
    AddText(n, "Key", u.key);
    AddText(n, "UploadId", u.upload_id);
    AddOwner(n, "Initiator", doc.owner);
    AddOwner(n, "Owner", doc.owner);
    AddText(n, "StorageClass", doc.storage_class);
    AddText(n, "Initiated", TimeText(u.initiated));
  }
  for (const std::string& p : page.common_prefixes) {
    AddText(root.append_child("CommonPrefixes"), "Prefix", p);
  }
  return Serialize(d);
}

Result<ListMultipartUploadsXml> DecodeListMultipartUploadsResult(std::string_view xml,
                                                                 size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(Parse(xml, max_bytes, "ListMultipartUploadsResult", d, &root));
  ListMultipartUploadsXml doc;
  ListUploadsResult& page = doc.page;
  doc.bucket = ChildText(root, "Bucket");
  doc.key_marker = ChildText(root, "KeyMarker");
  doc.upload_id_marker = ChildText(root, "UploadIdMarker");
  page.next_key_marker = ChildText(root, "NextKeyMarker");
  page.next_upload_id_marker = ChildText(root, "NextUploadIdMarker");
  doc.prefix = ChildText(root, "Prefix");
  doc.delimiter = ChildText(root, "Delimiter");
  SOS_ASSIGN_OR_RETURN(doc.max_uploads, PartNumber(root, "MaxUploads", 1000));
  SOS_ASSIGN_OR_RETURN(page.is_truncated, ChildBool(root, "IsTruncated", false));
  SOS_RETURN_IF_ERROR(ForEach(root, "Upload", [&](pugi::xml_node n) -> Status {
    UploadInfo u;
    SOS_ASSIGN_OR_RETURN(u.key, RequiredText(n, "Key"));
    SOS_ASSIGN_OR_RETURN(u.upload_id, RequiredText(n, "UploadId"));
    SOS_ASSIGN_OR_RETURN(u.initiated, ChildTime(n, "Initiated", false));
    if (page.uploads.empty()) {
      doc.owner = ChildOwner(n, "Owner").value_or(Owner{});
      doc.storage_class = ChildText(n, "StorageClass");
    }
    page.uploads.push_back(std::move(u));
    return Status::Ok();
  }));
  SOS_RETURN_IF_ERROR(ForEach(root, "CommonPrefixes", [&](pugi::xml_node cp) -> Status {
    SOS_ASSIGN_OR_RETURN(std::string p, RequiredText(cp, "Prefix"));
    page.common_prefixes.push_back(std::move(p));
    return Status::Ok();
  }));
  return doc;
}

// ---- Copy ------------------------------------------------------------------

std::string EncodeCopyObjectResult(const CopyResult& result) {
  return EncodeCopyResult("CopyObjectResult", result);
}
Result<CopyResult> DecodeCopyObjectResult(std::string_view xml, size_t max_bytes) {
  return DecodeCopyResult("CopyObjectResult", xml, max_bytes);
}
std::string EncodeCopyPartResult(const CopyResult& result) {
  return EncodeCopyResult("CopyPartResult", result);
}
Result<CopyResult> DecodeCopyPartResult(std::string_view xml, size_t max_bytes) {
  return DecodeCopyResult("CopyPartResult", xml, max_bytes);
}

// ---- Delete ----------------------------------------------------------------

std::string EncodeDeleteRequest(const DeleteRequestXml& doc) {
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "Delete");
  if (doc.quiet) AddText(root, "Quiet", "true");
  for (const DeleteObjectXml& o : doc.objects) {
    pugi::xml_node n = root.append_child("Object");
    AddText(n, "Key", o.key);
    if (!o.version_id.empty()) AddText(n, "VersionId", o.version_id);
  }
  return Serialize(d);
}

Result<DeleteRequestXml> DecodeDeleteRequest(std::string_view xml, size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(Parse(xml, max_bytes, "Delete", d, &root));
  DeleteRequestXml doc;
  SOS_ASSIGN_OR_RETURN(doc.quiet, ChildBool(root, "Quiet", false));
  SOS_RETURN_IF_ERROR(ForEach(root, "Object", [&](pugi::xml_node n) -> Status {
    if (doc.objects.size() == kMaxDeleteKeys) {
      return Malformed("Delete has more than " + std::to_string(kMaxDeleteKeys) + " objects");
    }
    DeleteObjectXml o;
    int keys = 0;
    SOS_RETURN_IF_ERROR(ForEach(n, "Key", [&](pugi::xml_node) -> Status {
      // Two keys in one Object is ambiguous: refuse rather than delete either.
      return ++keys > 1 ? Malformed("Object has more than one Key") : Status::Ok();
    }));
    SOS_ASSIGN_OR_RETURN(o.key, RequiredText(n, "Key"));
    o.version_id = ChildText(n, "VersionId");
    doc.objects.push_back(std::move(o));
    return Status::Ok();
  }));
  if (doc.objects.empty()) return Malformed("Delete has no Object");
  return doc;
}

std::string EncodeDeleteResult(const DeleteManyResult& result) {
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "DeleteResult");
  for (size_t i = 0; i < result.deleted.size(); ++i) {
    pugi::xml_node n = root.append_child("Deleted");
    AddText(n, "Key", result.deleted[i]);
    if (i >= result.deleted_versions.size()) continue;
    const DeletedVersion& v = result.deleted_versions[i];
    if (!v.version_id.empty()) AddText(n, "VersionId", v.version_id);
    if (v.delete_marker) {
      AddText(n, "DeleteMarker", "true");
      if (!v.delete_marker_version_id.empty()) {
        AddText(n, "DeleteMarkerVersionId", v.delete_marker_version_id);
      }
    }
  }
  for (const DeleteError& e : result.errors) {
    pugi::xml_node n = root.append_child("Error");
    AddText(n, "Key", e.key);
    AddText(n, "Code", e.code);
    AddText(n, "Message", e.message);
  }
  return Serialize(d);
}

Result<DeleteManyResult> DecodeDeleteResult(std::string_view xml, size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(ParseResultOrError(xml, max_bytes, "DeleteResult", d, &root));
  DeleteManyResult result;
  SOS_RETURN_IF_ERROR(ForEach(root, "Deleted", [&](pugi::xml_node n) -> Status {
    SOS_ASSIGN_OR_RETURN(std::string key, RequiredText(n, "Key"));
    result.deleted.push_back(std::move(key));
    return Status::Ok();
  }));
  SOS_RETURN_IF_ERROR(ForEach(root, "Error", [&](pugi::xml_node n) -> Status {
    DeleteError e;
    SOS_ASSIGN_OR_RETURN(e.key, RequiredText(n, "Key"));
    SOS_ASSIGN_OR_RETURN(e.code, RequiredText(n, "Code"));
    e.message = ChildText(n, "Message");
    result.errors.push_back(std::move(e));
    return Status::Ok();
  }));
  return result;
}

}  // namespace sos
