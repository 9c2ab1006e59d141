// Object tags, as S3 has them: at most 10 per object, keys of 1 to 128 and
// values of up to 256 Unicode characters, UTF-8 without control characters,
// keys not starting with the reserved "aws:". They come as a Tagging XML body (PutObjectTagging) or in
// the x-amz-tagging header of PutObject, CreateMultipartUpload and
// CopyObject (with x-amz-tagging-directive REPLACE), URL-query encoded:
// "k1=v1&k2=v2". Errors are 400 InvalidTag. Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "s3core/status.h"

namespace sos::s3api {

using ObjectTags = std::map<std::string, std::string>;

inline constexpr size_t kMaxObjectTags = 10;

// Checks S3's limits on a tag set.
Status ValidateObjectTags(const ObjectTags& tags);
// The x-amz-tagging header ('+' is a space, as in a URL query), validated.
Result<ObjectTags> ParseTaggingHeader(std::string_view header);

}  // namespace sos::s3api
