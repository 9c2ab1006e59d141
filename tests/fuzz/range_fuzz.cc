// Fuzzes Range and x-amz-copy-source-range parsing (daemon/s3api/http_conditions.h).
//
// Input: an object size in decimal on the first line (1000 when it is not a
// number), then the header value. A parsed range must be well-formed and
// print back (ToHeader) to a header that parses to the same range; a resolved
// range lies inside the object and is never empty; a copy-source range agrees
// with the Range parse. The value also goes through the conditional-request
// headers, whose dates are parsed the same way.
#include <charconv>
#include <cstdint>
#include <string>

#include "daemon/s3api/http_conditions.h"
#include "tests/fuzz/fuzz_util.h"

namespace sos::fuzz {
namespace {

bool SameRange(const ByteRange& a, const ByteRange& b) {
  return a.first == b.first && a.last == b.last && a.suffix_length == b.suffix_length;
}

void CheckInside(const ResolvedRange& r, uint64_t size) {
  FUZZ_CHECK(r.length >= 1 && r.first < size && r.length <= size - r.first);
  FUZZ_CHECK(ContentRange(r, size) == "bytes " + std::to_string(r.first) + "-" +
                                          std::to_string(r.first + r.length - 1) + "/" +
                                          std::to_string(size));
}

void CheckRange(std::string_view value, uint64_t size) {
  std::optional<ByteRange> range = ParseRangeHeader(value);
  if (range) {
    FUZZ_CHECK(range->suffix_length.has_value() != range->first.has_value());
    if (range->suffix_length) FUZZ_CHECK(!range->last);
    if (range->last) FUZZ_CHECK(*range->last >= *range->first);
    auto again = ParseRangeHeader(range->ToHeader());
    FUZZ_CHECK(again && SameRange(*again, *range));
    auto resolved = ResolveRange(*range, size);
    if (resolved.ok()) {
      CheckInside(*resolved, size);
    } else {
      FUZZ_CHECK(resolved.status().code() == StatusCode::kRangeNotSatisfiable);
    }
  }
  auto copy = ParseCopySourceRange(value, size);
  if (copy.ok()) {
    FUZZ_CHECK(range && range->first && range->last);
    FUZZ_CHECK(copy->first == *range->first && copy->length == *range->last - *range->first + 1);
    CheckInside(*copy, size);
  }
}

}  // namespace
}  // namespace sos::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sos;
  std::string_view in = fuzz::FuzzInput(data, size);
  std::string_view first_line = fuzz::NextLine(&in);
  uint64_t object_size = 1000;
  auto [end, ec] =
      std::from_chars(first_line.data(), first_line.data() + first_line.size(), object_size);
  if (ec != std::errc() || end != first_line.data() + first_line.size()) object_size = 1000;

  fuzz::CheckRange(in, object_size);
  HttpRequestHead head{"GET", "/b/k", {}};
  for (const char* name :
       {"if-match", "if-none-match", "if-modified-since", "if-unmodified-since"}) {
    head.headers.emplace_back(std::string("x-amz-copy-source-") + name, std::string(in));
    head.headers.emplace_back(name, std::string(in));
  }
  (void)ConditionsFromHeaders(head);
  (void)ConditionsFromHeaders(head, "x-amz-copy-source-");
  return 0;
}
