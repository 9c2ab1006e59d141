#include "daemon/s3api/object_tags.h"

#include "daemon/s3api/request_router.h"
#include "s3core/uri.h"

namespace sos::s3api {
namespace {

constexpr size_t kMaxKeyChars = 128;
constexpr size_t kMaxValueChars = 256;

Status InvalidTag(const std::string& why) { return Status::InvalidArgument(why, "InvalidTag"); }

// NUL and the other control characters: XML cannot carry them back.
bool HasControl(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// Unicode characters in valid UTF-8: the bytes that do not continue one.
size_t Utf8Chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

}  // namespace

Status ValidateObjectTags(const ObjectTags& tags) {
  if (tags.size() > kMaxObjectTags) {
    return Status::InvalidArgument("Object tags cannot be greater than 10", "BadRequest");
  }
  for (const auto& [key, value] : tags) {
    if (!IsValidUtf8(key) || !IsValidUtf8(value)) return InvalidTag("A tag is not valid UTF-8.");
    if (HasControl(key) || HasControl(value)) {
      return InvalidTag("A tag holds a control character.");
    }
    if (key.empty() || Utf8Chars(key) > kMaxKeyChars) {
      return InvalidTag("The TagKey you have provided is invalid");
    }
    if (Utf8Chars(value) > kMaxValueChars) {
      return InvalidTag("The TagValue you have provided is invalid");
    }
    if (key.rfind("aws:", 0) == 0) {
      return InvalidTag("Your TagKey cannot be prefixed with aws:");
    }
  }
  return Status::Ok();
}

Result<ObjectTags> ParseTaggingHeader(std::string_view header) {
  ObjectTags tags;
  while (!header.empty()) {
    const size_t amp = header.find('&');
    std::string_view pair = header.substr(0, amp);
    header = amp == std::string_view::npos ? std::string_view() : header.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    auto key = UriDecode(pair.substr(0, eq), /*plus_is_space=*/true);
    auto value = UriDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!key || !value) return InvalidTag("The x-amz-tagging header is not URL-encoded.");
    if (!tags.emplace(std::move(*key), std::move(*value)).second) {
      return InvalidTag("Cannot provide multiple Tags with the same key");
    }
    if (tags.size() > kMaxObjectTags) break;  // refused below, without parsing the rest
  }
  SOS_RETURN_IF_ERROR(ValidateObjectTags(tags));
  return tags;
}

}  // namespace sos::s3api
