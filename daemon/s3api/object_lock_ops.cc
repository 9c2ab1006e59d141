// Object lock of one version: Get/PutObjectRetention, Get/PutObjectLegalHold.
// The bucket owner's (AccessRule); the rules are the engine's (object_lock.h).
#include "daemon/s3api/s3_context.h"
#include "daemon/s3api/s3_error_table.h"
#include "s3core/xml_codec.h"

namespace sos::s3api {
namespace {

// The version the request names, once the bucket has object lock.
Result<ObjectRecord> LoadLockedVersion(Context& ctx, std::string* version_id) {
  if (ctx.bucket->object_lock.empty()) {
    return Status::InvalidArgument("Bucket is missing Object Lock Configuration",
                                   "InvalidRequest");
  }
  SOS_ASSIGN_OR_RETURN(*version_id, RequestedVersion(ctx.Query("versionId")));
  auto object = ctx.engine.HeadObject(ctx.route.bucket, ctx.route.key, *version_id);
  if (!object.ok()) return WithCode(object.status(), "NoSuchKey");
  if (object->delete_marker) {
    return Status::InvalidArgument("The specified method is not allowed against this resource.",
                                   "MethodNotAllowed");
  }
  // The version loaded, by its id: a PUT meanwhile does not move the change.
  *version_id = object->version_id.empty() ? "null" : object->version_id;
  return object;
}

}  // namespace

Status GetObjectRetention(Context& ctx) {
  std::string version_id;
  SOS_ASSIGN_OR_RETURN(ObjectRecord object, LoadLockedVersion(ctx, &version_id));
  if (object.lock_mode.empty()) {
    return Status::NotFound("The specified object does not have a ObjectLock configuration",
                            "NoSuchObjectLockConfiguration");
  }
  return SendXml(ctx, 200, EncodeRetention({object.lock_mode, object.retain_until}));
}

Status PutObjectRetention(Context& ctx) {
  std::string version_id;
  SOS_ASSIGN_OR_RETURN(ObjectRecord object, LoadLockedVersion(ctx, &version_id));
  SOS_ASSIGN_OR_RETURN(std::string body, ReadSmallBody(ctx, kMaxXmlBytes, /*required=*/true));
  SOS_ASSIGN_OR_RETURN(RetentionXml retention, DecodeRetention(body));
  SOS_RETURN_IF_ERROR(ctx.engine.SetObjectRetention(ctx.route.bucket, ctx.route.key, version_id,
                                                    retention.mode, retention.retain_until,
                                                    BypassesGovernance(ctx)));
  return SendEmpty(ctx, 200);
}

Status GetObjectLegalHold(Context& ctx) {
  std::string version_id;
  SOS_ASSIGN_OR_RETURN(ObjectRecord object, LoadLockedVersion(ctx, &version_id));
  return SendXml(ctx, 200, EncodeLegalHold(object.legal_hold));
}

Status PutObjectLegalHold(Context& ctx) {
  std::string version_id;
  SOS_ASSIGN_OR_RETURN(ObjectRecord object, LoadLockedVersion(ctx, &version_id));
  SOS_ASSIGN_OR_RETURN(std::string body, ReadSmallBody(ctx, kMaxXmlBytes, /*required=*/true));
  SOS_ASSIGN_OR_RETURN(bool on, DecodeLegalHold(body));
  SOS_RETURN_IF_ERROR(
      ctx.engine.SetObjectLegalHold(ctx.route.bucket, ctx.route.key, version_id, on));
  return SendEmpty(ctx, 200);
}

}  // namespace sos::s3api
