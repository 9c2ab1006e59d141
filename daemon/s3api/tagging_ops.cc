// Get/Put/DeleteObjectTagging, and the x-amz-tagging header of new objects.
// Tags are read with the object's READ_ACP and changed with its WRITE_ACP
// (authorizer.cc): like its ACL, they describe the object, not its bytes.
#include "daemon/s3api/object_tags.h"
#include "daemon/s3api/s3_context.h"
#include "s3core/xml_codec.h"

namespace sos::s3api {
namespace {

// Only the version authorized gets the tags (the body may come much later).
Status SetTags(Context& ctx, const ObjectRecord& authorized, const ObjectTags& tags) {
  return WithCode(ChangedMeanwhileIsSlowDown(ctx.engine.SetObjectTags(
                      ctx.route.bucket, ctx.route.key, tags, ObjectVersion::Of(authorized.meta))),
                  "NoSuchKey");
}

}  // namespace

Result<std::map<std::string, std::string>> TagsFromHeader(Context& ctx) {
  auto header = ctx.Header("x-amz-tagging");
  if (!header) return ObjectTags{};
  return ParseTaggingHeader(*header);
}

Status GetObjectTagging(Context& ctx) {
  SOS_ASSIGN_OR_RETURN(ObjectRecord object, LoadObjectFor(ctx, Permission::kReadAcp));
  return SendXml(ctx, 200, EncodeTagging(object.tags));
}

Status PutObjectTagging(Context& ctx) {
  SOS_ASSIGN_OR_RETURN(ObjectRecord object, LoadObjectFor(ctx, Permission::kWriteAcp));
  SOS_ASSIGN_OR_RETURN(std::string body, ReadSmallBody(ctx, kMaxXmlBytes, /*required=*/true));
  SOS_ASSIGN_OR_RETURN(ObjectTags tags, DecodeTagging(body));
  SOS_RETURN_IF_ERROR(ValidateObjectTags(tags));
  SOS_RETURN_IF_ERROR(SetTags(ctx, object, tags));
  return SendEmpty(ctx, 200);
}

Status DeleteObjectTagging(Context& ctx) {
  SOS_ASSIGN_OR_RETURN(ObjectRecord object, LoadObjectFor(ctx, Permission::kWriteAcp));
  SOS_RETURN_IF_ERROR(SetTags(ctx, object, {}));
  return SendEmpty(ctx, 204);
}

}  // namespace sos::s3api
