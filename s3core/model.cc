#include "s3core/model.h"

#include <cstdlib>

namespace sos {

int MultipartEtagParts(const std::string& etag) {
  const size_t dash = etag.rfind('-');
  if (dash == std::string::npos) return 0;
  const int n = std::atoi(etag.c_str() + dash + 1);
  return n > 0 ? n : 0;
}

std::string ByteRange::ToHeader() const {
  if (suffix_length) return "bytes=-" + std::to_string(*suffix_length);
  std::string out = "bytes=" + std::to_string(first.value_or(0)) + "-";
  if (last) out += std::to_string(*last);
  return out;
}

WriteOptions WriteOptionsFromMeta(const ObjectMeta& meta) {
  WriteOptions o;
  o.content_type = meta.content_type;
  o.cache_control = meta.cache_control;
  o.content_disposition = meta.content_disposition;
  o.content_encoding = meta.content_encoding;
  o.content_language = meta.content_language;
  o.expires = meta.expires;
  o.user_meta = meta.user_meta;
  return o;
}

}  // namespace sos
