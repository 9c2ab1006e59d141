#include "s3core/model.h"

namespace sos {

std::string ByteRange::ToHeader() const {
  if (suffix_length) return "bytes=-" + std::to_string(*suffix_length);
  std::string out = "bytes=" + std::to_string(first.value_or(0)) + "-";
  if (last) out += std::to_string(*last);
  return out;
}

}  // namespace sos
