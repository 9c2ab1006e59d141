// Bucket operations: list, create, head, delete, location, versioning, CORS,
// ACLs and the CORS preflight.
#include <algorithm>
#include <charconv>

#include "daemon/s3api/cors.h"
#include "daemon/s3api/s3_context.h"
#include "s3core/xml_codec.h"

namespace sos::s3api {
namespace {

// The policy a PutBucketAcl/PutObjectAcl asks for, as the value to store:
// a canned x-amz-acl header or an AccessControlPolicy body.
Result<std::string> AclFromPutAclRequest(Context& ctx, const Owner& resource_owner,
                                         const Owner& bucket_owner) {
  SOS_ASSIGN_OR_RETURN(std::string body, ReadSmallBody(ctx, kMaxXmlBytes, /*required=*/false));
  SOS_ASSIGN_OR_RETURN(std::optional<AccessControlPolicy> from_headers,
                       AclPolicyFromHeaders(ctx, resource_owner, bucket_owner));
  if (from_headers) {
    if (!body.empty()) {
      return Status::InvalidArgument("This request does not support content.", "UnexpectedContent");
    }
    NoteAclChange(ctx, *from_headers);
    return StoredAcl(*from_headers);
  }
  if (body.empty()) {
    return Status::InvalidArgument(
        "Your request was missing a required header: x-amz-acl, x-amz-grant-*, or an "
        "AccessControlPolicy body.",
        "MissingSecurityHeader");
  }
  SOS_ASSIGN_OR_RETURN(AccessControlPolicy policy, DecodeAccessControlPolicy(body));
  if (!policy.owner.id.empty() && policy.owner.id != resource_owner.id) {
    return Status::PermissionDenied("The owner of an ACL cannot be changed.");
  }
  policy.owner = resource_owner;
  SOS_RETURN_IF_ERROR(ResolveGrantees(ctx, policy));
  EnsureOwnerFullControl(policy);
  NoteAclChange(ctx, policy);
  return StoredAcl(policy);
}

}  // namespace

// Pages as S3's: max-buckets (1 to 10,000; all when absent), prefix, and a
// continuation-token that is the last name of the page before.
Status ListBuckets(Context& ctx) {
  constexpr int kMaxBuckets = 10000;
  int max_buckets = kMaxBuckets;
  if (const std::string* m = ctx.Query("max-buckets")) {
    auto [end, ec] = std::from_chars(m->data(), m->data() + m->size(), max_buckets);
    if (ec != std::errc() || end != m->data() + m->size() || max_buckets < 1 ||
        max_buckets > kMaxBuckets) {
      return Status::InvalidArgument("max-buckets must be an integer from 1 to 10000.");
    }
  }
  const std::string* prefix = ctx.Query("prefix");
  const std::string* after = ctx.Query("continuation-token");
  SOS_ASSIGN_OR_RETURN(std::vector<BucketRecord> buckets, ctx.engine.ListBuckets());
  ListAllMyBucketsXml doc;
  doc.owner = ctx.OwnerOf(ctx.principal.account_id);
  if (prefix) doc.prefix = *prefix;
  for (const auto& b : buckets) {
    if (b.owner_id != ctx.principal.account_id) continue;
    if (prefix && b.name.rfind(*prefix, 0) != 0) continue;
    if (after && b.name <= *after) continue;
    doc.buckets.push_back({b.name, b.created});
  }
  std::sort(doc.buckets.begin(), doc.buckets.end(),
            [](const BucketInfo& a, const BucketInfo& b) { return a.name < b.name; });
  if (doc.buckets.size() > static_cast<size_t>(max_buckets)) {
    doc.buckets.resize(static_cast<size_t>(max_buckets));
    doc.continuation_token = doc.buckets.back().name;
  }
  return SendXml(ctx, 200, EncodeListAllMyBucketsResult(doc));
}

Status CreateBucket(Context& ctx) {
  const std::string& name = ctx.route.bucket;
  SOS_RETURN_IF_ERROR(ValidateBucketName(name));
  auto lock = ctx.Header("x-amz-bucket-object-lock-enabled");
  const bool object_lock = lock && EqualsIgnoreCase(*lock, "true");
  SOS_ASSIGN_OR_RETURN(std::string body, ReadSmallBody(ctx, kMaxXmlBytes, /*required=*/false));
  if (!body.empty()) {
    SOS_ASSIGN_OR_RETURN(std::string location, DecodeCreateBucketConfiguration(body));
    bool ok = location.empty() || location == ctx.options.region;
    if (!ok) {
      return Status::InvalidArgument("The " + location +
                                         " location constraint is incompatible with the region "
                                         "this server is in (" +
                                         ctx.options.region + ").",
                                     "IllegalLocationConstraintException");
    }
  }
  SOS_ASSIGN_OR_RETURN(std::string acl, AclFromHeaders(ctx));
  BucketRecord record;
  record.name = name;
  record.owner_id = ctx.principal.account_id;
  record.created = ctx.now;
  record.acl = std::move(acl);
  if (object_lock) {  // as S3: object lock comes with versioning, for good
    record.versioning = "Enabled";
    record.object_lock = EncodeObjectLockConfiguration({});
  }
  Status created = ctx.engine.CreateBucket(record);
  if (!created.ok()) {
    if (created.code() == StatusCode::kAlreadyExists && created.s3_code().empty()) {
      auto existing = ctx.engine.GetBucket(name);
      bool mine = existing.ok() && existing->owner_id == ctx.principal.account_id;
      return mine ? Status::AlreadyExists(
                        "Your previous request to create the named bucket "
                        "succeeded and you already own it.",
                        "BucketAlreadyOwnedByYou")
                  : Status::AlreadyExists("The requested bucket name is not available.",
                                          "BucketAlreadyExists");
    }
    return created;
  }
  StartResponse(ctx, 200);
  ctx.out.AddHeader("Location", "/" + name);
  return ctx.out.Send(200, "", "");
}

Status HeadBucket(Context& ctx) {
  StartResponse(ctx, 200);
  ctx.out.AddHeader("x-amz-bucket-region", ctx.options.region);
  return ctx.out.Send(200, "", "");
}

Status DeleteBucket(Context& ctx) {
  Status s = ctx.engine.DeleteBucket(ctx.route.bucket);
  if (s.code() == StatusCode::kNotEmpty && s.s3_code().empty()) {
    return Status::NotEmpty("The bucket you tried to delete is not empty.", "BucketNotEmpty");
  }
  SOS_RETURN_IF_ERROR(WithCode(s, "NoSuchBucket"));
  return SendEmpty(ctx, 204);
}

Status GetBucketLocation(Context& ctx) {
  // us-east-1 is spelled as an empty LocationConstraint, as S3 does.
  std::string region = ctx.options.region == "us-east-1" ? "" : ctx.options.region;
  return SendXml(ctx, 200, EncodeLocationConstraint(region));
}

Status GetBucketVersioning(Context& ctx) {
  VersioningXml doc;
  doc.status = ctx.bucket->versioning;
  return SendXml(ctx, 200, EncodeVersioningConfiguration(doc));
}

Status GetObjectLockConfiguration(Context& ctx) {
  if (ctx.bucket->object_lock.empty()) {
    return Status::NotFound("Object Lock configuration does not exist for this bucket",
                            "ObjectLockConfigurationNotFoundError");
  }
  return SendXml(ctx, 200, ctx.bucket->object_lock);
}

Status PutObjectLockConfiguration(Context& ctx) {
  SOS_ASSIGN_OR_RETURN(std::string body, ReadSmallBody(ctx, kMaxXmlBytes, /*required=*/true));
  SOS_ASSIGN_OR_RETURN(ObjectLockConfigXml config, DecodeObjectLockConfiguration(body));
  SOS_RETURN_IF_ERROR(
      ctx.engine.SetBucketObjectLock(ctx.route.bucket, EncodeObjectLockConfiguration(config)));
  return SendEmpty(ctx, 200);
}

Status PutBucketVersioning(Context& ctx) {
  SOS_ASSIGN_OR_RETURN(std::string body, ReadSmallBody(ctx, kMaxXmlBytes, /*required=*/true));
  SOS_ASSIGN_OR_RETURN(VersioningXml doc, DecodeVersioningConfiguration(body));
  if (doc.mfa_delete == "Enabled") {
    return Status::NotSupported("sosd does not implement MFA delete.");
  }
  if (doc.status != "Enabled" && doc.status != "Suspended") {
    // S3 leaves a bucket as it is when the document names no status.
    if (doc.status.empty()) return SendEmpty(ctx, 200);
    return Status::InvalidArgument("The XML you provided was not well-formed or did not validate "
                                   "against our published schema.",
                                   "MalformedXML");
  }
  SOS_RETURN_IF_ERROR(ctx.engine.SetBucketVersioning(ctx.route.bucket, doc.status));
  return SendEmpty(ctx, 200);
}

Status GetBucketEmptyConfig(Context& ctx) {
  return Status::NotFound("The bucket has no such configuration (sosd does not support it).",
                          ctx.route.detail);
}

Status GetBucketCors(Context& ctx) {
  if (ctx.bucket->cors.empty()) {
    return Status::NotFound("The CORS configuration does not exist", "NoSuchCORSConfiguration");
  }
  return SendXml(ctx, 200, ctx.bucket->cors);
}

Status PutBucketCors(Context& ctx) {
  SOS_ASSIGN_OR_RETURN(std::string body, ReadSmallBody(ctx, kMaxXmlBytes, /*required=*/true));
  SOS_ASSIGN_OR_RETURN(CorsConfiguration config, DecodeCorsConfiguration(body));
  SOS_RETURN_IF_ERROR(WithCode(
      ctx.engine.SetBucketCors(ctx.route.bucket, EncodeCorsConfiguration(config)), "NoSuchBucket"));
  return SendEmpty(ctx, 200);
}

Status DeleteBucketCors(Context& ctx) {
  SOS_RETURN_IF_ERROR(WithCode(ctx.engine.SetBucketCors(ctx.route.bucket, ""), "NoSuchBucket"));
  return SendEmpty(ctx, 204);
}

Status GetBucketLifecycle(Context& ctx) {
  if (ctx.bucket->lifecycle.empty()) {
    return Status::NotFound("The lifecycle configuration does not exist",
                            "NoSuchLifecycleConfiguration");
  }
  return SendXml(ctx, 200, ctx.bucket->lifecycle);
}

// Stored re-encoded, after every rule was checked (lifecycle_worker.h applies it).
Status PutBucketLifecycle(Context& ctx) {
  SOS_ASSIGN_OR_RETURN(std::string body, ReadSmallBody(ctx, kMaxLargeXmlBytes, /*required=*/true));
  SOS_ASSIGN_OR_RETURN(LifecycleConfiguration config, DecodeLifecycleConfiguration(body));
  SOS_RETURN_IF_ERROR(WithCode(ctx.engine.SetBucketLifecycle(
                                   ctx.route.bucket, EncodeLifecycleConfiguration(config)),
                               "NoSuchBucket"));
  return SendEmpty(ctx, 200);
}

Status DeleteBucketLifecycle(Context& ctx) {
  SOS_RETURN_IF_ERROR(
      WithCode(ctx.engine.SetBucketLifecycle(ctx.route.bucket, ""), "NoSuchBucket"));
  return SendEmpty(ctx, 204);
}

Status GetBucketAcl(Context& ctx) {
  Owner owner = ctx.OwnerOf(ctx.bucket->owner_id);
  return SendXml(ctx, 200, EncodeAccessControlPolicy(EffectivePolicy(ctx.bucket->acl, owner)));
}

Status PutBucketAcl(Context& ctx) {
  Owner owner = ctx.OwnerOf(ctx.bucket->owner_id);
  SOS_ASSIGN_OR_RETURN(std::string acl, AclFromPutAclRequest(ctx, owner, owner));
  SOS_RETURN_IF_ERROR(WithCode(ctx.engine.SetBucketAcl(ctx.route.bucket, acl), "NoSuchBucket"));
  return SendEmpty(ctx, 200);
}

Status GetObjectAcl(Context& ctx) {
  SOS_ASSIGN_OR_RETURN(ObjectRecord object, LoadObjectFor(ctx, Permission::kReadAcp));
  Owner owner = ctx.OwnerOf(object.owner_id);
  return SendXml(ctx, 200, EncodeAccessControlPolicy(EffectivePolicy(object.acl, owner)));
}

Status PutObjectAcl(Context& ctx) {
  SOS_ASSIGN_OR_RETURN(ObjectRecord object, LoadObjectFor(ctx, Permission::kWriteAcp));
  Owner owner = ctx.OwnerOf(object.owner_id);
  SOS_ASSIGN_OR_RETURN(std::string acl,
                       AclFromPutAclRequest(ctx, owner, ctx.OwnerOf(ctx.bucket->owner_id)));
  // Only the version authorized gets the ACL (the body may come much later).
  SOS_RETURN_IF_ERROR(WithCode(ChangedMeanwhileIsSlowDown(ctx.engine.SetObjectAcl(
                                   ctx.route.bucket, ctx.route.key, acl,
                                   ObjectVersion::Of(object.meta))),
                               "NoSuchKey"));
  return SendEmpty(ctx, 200);
}

Status Preflight(Context& ctx) {
  auto origin = ctx.Header("origin");
  auto method = ctx.Header("access-control-request-method");
  if (!origin || !method) {
    return Status::InvalidArgument(
        "Insufficient information. Origin and Access-Control-Request-Method request headers "
        "needed.",
        "InvalidRequest");
  }
  std::string request_headers(ctx.Header("access-control-request-headers").value_or(""));
  if (ctx.bucket->cors.empty()) {
    return Status::PermissionDenied("CORSResponse: CORS is not enabled for this bucket.",
                                    "CORSResponse");
  }
  SOS_ASSIGN_OR_RETURN(CorsConfiguration config, DecodeCorsConfiguration(ctx.bucket->cors));
  const CorsRule* rule = MatchCorsRule(config, *origin, *method, request_headers);
  if (rule == nullptr) {
    return Status::PermissionDenied(
        "CORSResponse: This CORS request is not allowed. This is usually because the evaluation "
        "of Origin, request method / Access-Control-Request-Method or "
        "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
        "CORSResponse");
  }
  StartResponse(ctx, 200);
  for (const auto& [name, value] : CorsResponseHeaders(*rule, *origin, request_headers, true)) {
    ctx.out.AddHeader(name, value);
  }
  return ctx.out.Send(200, "", "");
}

}  // namespace sos::s3api
