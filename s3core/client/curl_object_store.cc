#include "s3core/client/curl_object_store.h"

#include <charconv>

#include "s3core/crypto.h"
#include "s3core/time_format.h"
#include "s3core/uri.h"
#include "s3core/xml_codec.h"

namespace sos {
namespace {

void AddConditions(const Conditions& c, HeaderList* h, const std::string& prefix = "") {
  if (c.if_match) h->emplace_back(prefix + "if-match", *c.if_match);
  if (c.if_none_match) h->emplace_back(prefix + "if-none-match", *c.if_none_match);
  if (c.if_modified_since) {
    h->emplace_back(prefix + "if-modified-since", FormatHttpDate(*c.if_modified_since));
  }
  if (c.if_unmodified_since) {
    h->emplace_back(prefix + "if-unmodified-since", FormatHttpDate(*c.if_unmodified_since));
  }
}

void AddWriteOptions(const WriteOptions& o, HeaderList* h, bool with_conditions = true) {
  auto add = [h](const char* name, const std::string& v) {
    if (!v.empty()) h->emplace_back(name, v);
  };
  add("content-type", o.content_type);
  add("cache-control", o.cache_control);
  add("content-disposition", o.content_disposition);
  add("content-encoding", o.content_encoding);
  add("content-language", o.content_language);
  add("expires", o.expires);
  add("x-amz-acl", o.canned_acl);
  for (const auto& [k, v] : o.user_meta) h->emplace_back("x-amz-meta-" + k, v);
  if (with_conditions) AddConditions(o.conditions, h);
}

std::string CopySource(const std::string& bucket, const std::string& key) {
  return "/" + bucket + "/" + UriEncode(key, /*encode_slash=*/false);
}

// S3 quotes ETags; some servers (Ceph RGW's copy results) do not. Normalise.
std::string QuoteEtag(const std::string& etag) {
  if (etag.empty() || etag.front() == '"') return etag;
  return "\"" + etag + "\"";
}

uint64_t ParseU64(const std::string& s) {
  uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Some operations (Copy, CompleteMultipartUpload) may answer 200 with an
// <Error> body when they fail after the headers were sent.
Status ErrorIn200(const S3Response& r) {
  if (r.body.find("<Error>") == std::string::npos) return Status::Ok();
  auto err = DecodeError(r.body);
  if (!err.ok()) return Status::Ok();
  S3Response as_error = r;
  as_error.status = err->code == "SlowDown" || err->code == "InternalError" ? 503 : 400;
  return StatusFromResponse(as_error);
}

}  // namespace

ObjectMeta MetaFromHeaders(const std::string& key, const S3Response& r) {
  ObjectMeta m;
  m.key = key;
  m.etag = QuoteEtag(r.Header("etag"));
  m.content_type = r.Header("content-type");
  m.cache_control = r.Header("cache-control");
  m.content_disposition = r.Header("content-disposition");
  m.content_encoding = r.Header("content-encoding");
  m.content_language = r.Header("content-language");
  m.expires = r.Header("expires");
  m.storage_class = r.Header("x-amz-storage-class");
  if (auto t = ParseHttpDate(r.Header("last-modified"))) m.last_modified = *t;
  const std::string& range = r.Header("content-range");  // "bytes 0-9/100"
  size_t slash = range.rfind('/');
  if (slash != std::string::npos && range.substr(slash + 1) != "*") {
    m.size = ParseU64(range.substr(slash + 1));
  } else {
    m.size = ParseU64(r.Header("content-length"));
  }
  constexpr std::string_view kMeta = "x-amz-meta-";
  for (const auto& [k, v] : r.headers) {
    if (k.rfind(kMeta, 0) == 0) m.user_meta[k.substr(kMeta.size())] = v;
  }
  return m;
}

CurlObjectStore::CurlObjectStore(Options options) : client_(std::move(options)) {}

Result<std::vector<BucketInfo>> CurlObjectStore::ListBuckets() {
  S3Request r;
  SOS_ASSIGN_OR_RETURN(S3Response resp, client_.Execute(r));
  SOS_ASSIGN_OR_RETURN(ListAllMyBucketsXml list, DecodeListAllMyBucketsResult(resp.body));
  return list.buckets;
}

Status CurlObjectStore::CreateBucket(const std::string& bucket, const std::string& canned_acl) {
  S3Request r;
  r.method = "PUT";
  r.bucket = bucket;
  if (!canned_acl.empty()) r.headers.emplace_back("x-amz-acl", canned_acl);
  std::string body;
  StringViewSource source("");
  if (client_.options().region != "us-east-1") {
    body = EncodeCreateBucketConfiguration(client_.options().region);
    source = StringViewSource(body);
    r.body = &source;
  }
  return client_.Execute(r).status();
}

Status CurlObjectStore::HeadBucket(const std::string& bucket) {
  S3Request r;
  r.method = "HEAD";
  r.bucket = bucket;
  auto resp = client_.Execute(r);
  if (!resp.ok() && resp.status().code() == StatusCode::kNotFound) {
    return Status::NotFound("bucket " + bucket + " does not exist", "NoSuchBucket");
  }
  return resp.status();
}

Status CurlObjectStore::DeleteBucket(const std::string& bucket) {
  S3Request r;
  r.method = "DELETE";
  r.bucket = bucket;
  return client_.Execute(r).status();
}

Result<ObjectMeta> CurlObjectStore::Head(const std::string& bucket, const std::string& key,
                                         const Conditions& conditions) {
  S3Request r;
  r.method = "HEAD";
  r.bucket = bucket;
  r.key = key;
  AddConditions(conditions, &r.headers);
  auto resp = client_.Execute(r);
  if (!resp.ok()) {
    if (resp.status().code() == StatusCode::kNotFound && resp.status().s3_code().empty()) {
      return Status::NotFound("no such key " + key, "NoSuchKey");
    }
    return resp.status();
  }
  return MetaFromHeaders(key, *resp);
}

Result<GetResult> CurlObjectStore::Get(const GetRequest& request, const BodySink& sink) {
  GetResult result;
  bool have_meta = false;
  uint64_t total_delivered = 0;
  Conditions conditions = request.conditions;
  std::optional<ByteRange> range = request.range;
  const int max_resumes = client_.options().max_retries;

  for (int resume = 0;; ++resume) {
    S3Request r;
    r.bucket = request.bucket;
    r.key = request.key;
    AddConditions(conditions, &r.headers);
    if (range) r.headers.emplace_back("range", range->ToHeader());
    r.sink = &sink;
    uint64_t delivered = 0;
    auto resp = client_.Execute(r, &delivered);
    total_delivered += delivered;
    if (resp.ok()) {
      total_delivered += resp->delivered;
      ObjectMeta meta = MetaFromHeaders(request.key, *resp);
      if (!have_meta) {
        result.meta = meta;
        const std::string& cr = resp->Header("content-range");
        size_t sp = cr.find(' '), dash = cr.find('-');
        if (sp != std::string::npos && dash != std::string::npos) {
          result.first_byte = ParseU64(cr.substr(sp + 1, dash - sp - 1));
        }
      }
      result.length = total_delivered;
      return result;
    }
    if (!resp.status().retryable() || delivered == 0 || resume >= max_resumes) {
      if (resp.status().code() == StatusCode::kNotFound && resp.status().s3_code().empty()) {
        return Status::NotFound("no such key " + request.key, "NoSuchKey");
      }
      return resp.status();
    }
    // Resume after what the sink already has, pinned to the same object version.
    if (!have_meta) {
      auto head = Head(request.bucket, request.key, request.conditions);
      if (!head.ok()) return head.status();
      result.meta = *head;
      have_meta = true;
      if (range) {
        if (range->suffix_length) {
          uint64_t n = std::min<uint64_t>(*range->suffix_length, head->size);
          result.first_byte = head->size - n;
        } else {
          result.first_byte = range->first.value_or(0);
        }
      }
      conditions = Conditions{};
      conditions.if_match = head->etag;
    }
    uint64_t next = result.first_byte + total_delivered;
    std::optional<uint64_t> last;
    if (range && range->last) last = range->last;
    if (range && range->suffix_length) last = result.meta.size - 1;
    range = last ? ByteRange::Closed(next, *last) : ByteRange::From(next);
  }
}

Result<PutResult> CurlObjectStore::Put(const std::string& bucket, const std::string& key,
                                       BodySource& body, const WriteOptions& options) {
  S3Request r;
  r.method = "PUT";
  r.bucket = bucket;
  r.key = key;
  r.body = &body;
  AddWriteOptions(options, &r.headers);
  SOS_ASSIGN_OR_RETURN(S3Response resp, client_.Execute(r));
  return PutResult{QuoteEtag(resp.Header("etag"))};
}

Result<CopyResult> CurlObjectStore::Copy(const CopyRequest& request) {
  S3Request r;
  r.method = "PUT";
  r.bucket = request.dst_bucket;
  r.key = request.dst_key;
  r.headers.emplace_back("x-amz-copy-source", CopySource(request.src_bucket, request.src_key));
  r.headers.emplace_back("x-amz-metadata-directive", request.replace_metadata ? "REPLACE" : "COPY");
  if (request.replace_metadata) {
    AddWriteOptions(request.options, &r.headers);
  } else {
    if (!request.options.canned_acl.empty()) {
      r.headers.emplace_back("x-amz-acl", request.options.canned_acl);
    }
    AddConditions(request.options.conditions, &r.headers);
  }
  AddConditions(request.source_conditions, &r.headers, "x-amz-copy-source-");
  SOS_ASSIGN_OR_RETURN(S3Response resp, client_.Execute(r));
  SOS_RETURN_IF_ERROR(ErrorIn200(resp));
  SOS_ASSIGN_OR_RETURN(CopyResult result, DecodeCopyObjectResult(resp.body));
  result.etag = QuoteEtag(result.etag);
  return result;
}

Status CurlObjectStore::Delete(const std::string& bucket, const std::string& key) {
  S3Request r;
  r.method = "DELETE";
  r.bucket = bucket;
  r.key = key;
  auto resp = client_.Execute(r);
  // S3 answers 204 for a missing key; some servers say NoSuchKey. Both mean gone.
  if (!resp.ok() && resp.status().s3_code() == "NoSuchKey") return Status::Ok();
  return resp.status();
}

Result<DeleteManyResult> CurlObjectStore::DeleteMany(const std::string& bucket,
                                                     const std::vector<std::string>& keys) {
  std::vector<VersionRef> current;
  current.reserve(keys.size());
  for (const auto& k : keys) current.push_back({k, "", false});
  return DeleteVersions(bucket, current);
}

Result<std::vector<VersionRef>> CurlObjectStore::FirstVersions(const std::string& bucket) {
  S3Request r;
  r.bucket = bucket;
  r.query = {{"versions", ""}, {"max-keys", "1000"}, {"encoding-type", "url"}};
  SOS_ASSIGN_OR_RETURN(S3Response resp, client_.Execute(r));
  SOS_ASSIGN_OR_RETURN(ListVersionsXml doc, DecodeListVersionsResult(resp.body));
  std::vector<VersionRef> out;
  for (const auto& v : doc.versions) out.push_back({v.meta.key, v.version_id, false});
  for (const auto& m : doc.delete_markers) out.push_back({m.key, m.version_id, true});
  return out;
}

Result<DeleteManyResult> CurlObjectStore::DeleteVersions(const std::string& bucket,
                                                         const std::vector<VersionRef>& versions) {
  DeleteManyResult all;
  constexpr size_t kBatch = 1000;  // the S3 limit per request
  for (size_t start = 0; start < versions.size(); start += kBatch) {
    DeleteRequestXml doc;
    for (size_t i = start; i < std::min(versions.size(), start + kBatch); ++i) {
      doc.objects.push_back({versions[i].key, versions[i].version_id});
    }
    std::string body = EncodeDeleteRequest(doc);
    StringViewSource source(body);
    S3Request r;
    r.method = "POST";
    r.bucket = bucket;
    r.query = {{"delete", ""}};
    r.headers.emplace_back("content-md5", Base64Encode(Md5(body)));
    r.headers.emplace_back("content-type", "application/xml");
    r.body = &source;
    SOS_ASSIGN_OR_RETURN(S3Response resp, client_.Execute(r));
    SOS_ASSIGN_OR_RETURN(DeleteManyResult part, DecodeDeleteResult(resp.body));
    all.deleted.insert(all.deleted.end(), part.deleted.begin(), part.deleted.end());
    all.errors.insert(all.errors.end(), part.errors.begin(), part.errors.end());
  }
  return all;
}

Result<ListResult> CurlObjectStore::List(const ListRequest& request) {
  S3Request r;
  r.bucket = request.bucket;
  if (!request.use_v1) r.query.emplace_back("list-type", "2");
  if (!request.prefix.empty()) r.query.emplace_back("prefix", request.prefix);
  if (!request.delimiter.empty()) r.query.emplace_back("delimiter", request.delimiter);
  r.query.emplace_back("max-keys", std::to_string(request.max_keys));
  r.query.emplace_back("encoding-type", "url");
  if (request.use_v1) {
    std::string marker =
        !request.continuation_token.empty() ? request.continuation_token : request.start_after;
    if (!marker.empty()) r.query.emplace_back("marker", marker);
  } else {
    if (!request.continuation_token.empty()) {
      r.query.emplace_back("continuation-token", request.continuation_token);
    }
    if (!request.start_after.empty()) r.query.emplace_back("start-after", request.start_after);
    if (request.fetch_owner) r.query.emplace_back("fetch-owner", "true");
    // sosd's listing extension; other servers ignore an unknown parameter.
    if (request.include_user_meta) r.query.emplace_back("x-sos-metadata", "1");
  }
  SOS_ASSIGN_OR_RETURN(S3Response resp, client_.Execute(r));
  SOS_ASSIGN_OR_RETURN(ListBucketXml list, DecodeListBucketResult(resp.body));
  if (request.use_v1 && list.page.is_truncated) {
    // Some servers (Ceph RGW) send NextMarker without URL-encoding it; the last
    // key or prefix of the page, which S3 also accepts as the marker, is exact.
    std::string last = list.page.objects.empty() ? "" : list.page.objects.back().key;
    if (!list.page.common_prefixes.empty() && list.page.common_prefixes.back() > last) {
      last = list.page.common_prefixes.back();
    }
    if (!last.empty()) list.page.next_token = last;
  }
  for (auto& o : list.page.objects) o.etag = QuoteEtag(o.etag);
  return std::move(list.page);
}

Result<std::string> CurlObjectStore::CreateMultipartUpload(const std::string& bucket,
                                                           const std::string& key,
                                                           const WriteOptions& options) {
  S3Request r;
  r.method = "POST";
  r.bucket = bucket;
  r.key = key;
  r.query = {{"uploads", ""}};
  AddWriteOptions(options, &r.headers, /*with_conditions=*/false);
  SOS_ASSIGN_OR_RETURN(S3Response resp, client_.Execute(r));
  SOS_ASSIGN_OR_RETURN(InitiateMultipartUploadXml init,
                       DecodeInitiateMultipartUploadResult(resp.body));
  return init.upload_id;
}

Result<std::string> CurlObjectStore::UploadPart(const std::string& bucket, const std::string& key,
                                                const std::string& upload_id, int part_number,
                                                BodySource& body) {
  S3Request r;
  r.method = "PUT";
  r.bucket = bucket;
  r.key = key;
  r.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
  r.body = &body;
  SOS_ASSIGN_OR_RETURN(S3Response resp, client_.Execute(r));
  return QuoteEtag(resp.Header("etag"));
}

Result<std::string> CurlObjectStore::UploadPartCopy(const std::string& bucket,
                                                    const std::string& key,
                                                    const std::string& upload_id, int part_number,
                                                    const std::string& src_bucket,
                                                    const std::string& src_key,
                                                    const std::optional<ByteRange>& range) {
  S3Request r;
  r.method = "PUT";
  r.bucket = bucket;
  r.key = key;
  r.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
  r.headers.emplace_back("x-amz-copy-source", CopySource(src_bucket, src_key));
  if (range) r.headers.emplace_back("x-amz-copy-source-range", range->ToHeader());
  SOS_ASSIGN_OR_RETURN(S3Response resp, client_.Execute(r));
  SOS_RETURN_IF_ERROR(ErrorIn200(resp));
  SOS_ASSIGN_OR_RETURN(CopyResult result, DecodeCopyPartResult(resp.body));
  return QuoteEtag(result.etag);
}

Result<PutResult> CurlObjectStore::CompleteMultipartUpload(const std::string& bucket,
                                                           const std::string& key,
                                                           const std::string& upload_id,
                                                           const std::vector<CompletedPart>& parts,
                                                           const Conditions& conditions) {
  std::string body = EncodeCompleteMultipartUpload(parts);
  StringViewSource source(body);
  S3Request r;
  r.method = "POST";
  r.bucket = bucket;
  r.key = key;
  r.query = {{"uploadId", upload_id}};
  r.headers.emplace_back("content-type", "application/xml");
  AddConditions(conditions, &r.headers);
  r.body = &source;
  SOS_ASSIGN_OR_RETURN(S3Response resp, client_.Execute(r));
  SOS_RETURN_IF_ERROR(ErrorIn200(resp));
  SOS_ASSIGN_OR_RETURN(auto done, DecodeCompleteMultipartUploadResult(resp.body));
  if (done.etag.empty()) {
    // Some servers (Ceph RGW 16) omit the ETag; the object exists, so ask it.
    SOS_ASSIGN_OR_RETURN(ObjectMeta meta, Head(bucket, key));
    return PutResult{meta.etag};
  }
  return PutResult{QuoteEtag(done.etag)};
}

Status CurlObjectStore::AbortMultipartUpload(const std::string& bucket, const std::string& key,
                                             const std::string& upload_id) {
  S3Request r;
  r.method = "DELETE";
  r.bucket = bucket;
  r.key = key;
  r.query = {{"uploadId", upload_id}};
  return client_.Execute(r).status();
}

Result<ListPartsResult> CurlObjectStore::ListParts(const std::string& bucket,
                                                   const std::string& key,
                                                   const std::string& upload_id) {
  ListPartsResult all;
  int marker = 0;
  while (true) {
    S3Request r;
    r.bucket = bucket;
    r.key = key;
    r.query = {{"uploadId", upload_id}};
    if (marker > 0) r.query.emplace_back("part-number-marker", std::to_string(marker));
    SOS_ASSIGN_OR_RETURN(S3Response resp, client_.Execute(r));
    SOS_ASSIGN_OR_RETURN(ListPartsXml doc, DecodeListPartsResult(resp.body));
    const ListPartsResult& page = doc.page;
    all.parts.insert(all.parts.end(), page.parts.begin(), page.parts.end());
    if (!page.is_truncated || page.next_part_number_marker <= marker) break;
    marker = page.next_part_number_marker;
  }
  return all;
}

Result<ListUploadsResult> CurlObjectStore::ListMultipartUploads(const std::string& bucket,
                                                                const std::string& prefix) {
  S3Request r;
  r.bucket = bucket;
  r.query = {{"uploads", ""}};
  if (!prefix.empty()) r.query.emplace_back("prefix", prefix);
  SOS_ASSIGN_OR_RETURN(S3Response resp, client_.Execute(r));
  SOS_ASSIGN_OR_RETURN(ListMultipartUploadsXml list, DecodeListMultipartUploadsResult(resp.body));
  return std::move(list.page);
}

Result<AccessControlPolicy> CurlObjectStore::GetAcl(const std::string& bucket,
                                                    const std::string& key) {
  S3Request r;
  r.bucket = bucket;
  r.key = key;
  r.query = {{"acl", ""}};
  SOS_ASSIGN_OR_RETURN(S3Response resp, client_.Execute(r));
  SOS_ASSIGN_OR_RETURN(AccessControlPolicy policy, DecodeAccessControlPolicy(resp.body));
  return policy;
}

Status CurlObjectStore::PutCannedAcl(const std::string& bucket, const std::string& key,
                                     const std::string& canned_acl) {
  S3Request r;
  r.method = "PUT";
  r.bucket = bucket;
  r.key = key;
  r.query = {{"acl", ""}};
  r.headers.emplace_back("x-amz-acl", canned_acl);
  return client_.Execute(r).status();
}

Status CurlObjectStore::PutAcl(const std::string& bucket, const std::string& key,
                               const AccessControlPolicy& policy) {
  std::string xml = EncodeAccessControlPolicy(policy);
  StringViewSource body(xml);
  S3Request r;
  r.method = "PUT";
  r.bucket = bucket;
  r.key = key;
  r.query = {{"acl", ""}};
  r.headers.emplace_back("content-type", "application/xml");
  r.body = &body;
  return client_.Execute(r).status();
}

}  // namespace sos
