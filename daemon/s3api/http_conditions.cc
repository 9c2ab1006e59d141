#include "daemon/s3api/http_conditions.h"

#include <charconv>

#include "s3core/http_request_head.h"
#include "s3core/time_format.h"

namespace sos {
namespace {

std::optional<uint64_t> ParseU64(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<ByteRange> ParseRangeHeader(std::string_view value) {
  value = TrimOws(value);
  constexpr std::string_view kUnit = "bytes=";
  if (value.size() < kUnit.size() || AsciiLower(value.substr(0, kUnit.size())) != kUnit) {
    return std::nullopt;
  }
  std::string_view spec = TrimOws(value.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return std::nullopt;  // several ranges
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::string_view first = TrimOws(spec.substr(0, dash));
  std::string_view last = TrimOws(spec.substr(dash + 1));
  if (first.empty()) {
    auto n = ParseU64(last);
    if (!n) return std::nullopt;
    return ByteRange::Suffix(*n);
  }
  auto f = ParseU64(first);
  if (!f) return std::nullopt;
  if (last.empty()) return ByteRange::From(*f);
  auto l = ParseU64(last);
  if (!l || *l < *f) return std::nullopt;
  return ByteRange::Closed(*f, *l);
}

Result<ResolvedRange> ResolveRange(const ByteRange& range, uint64_t size) {
  auto unsatisfiable = [&] {
    return Status::RangeNotSatisfiable("The requested range is not satisfiable (object size " +
                                       std::to_string(size) + ").");
  };
  if (range.suffix_length) {
    if (*range.suffix_length == 0 || size == 0) return unsatisfiable();
    uint64_t n = std::min(*range.suffix_length, size);
    return ResolvedRange{size - n, n};
  }
  uint64_t first = range.first.value_or(0);
  if (first >= size) return unsatisfiable();
  uint64_t last = range.last ? std::min(*range.last, size - 1) : size - 1;
  return ResolvedRange{first, last - first + 1};
}

Result<ResolvedRange> ParseCopySourceRange(std::string_view value, uint64_t size) {
  auto range = ParseRangeHeader(value);
  if (!range || !range->first || !range->last) {
    return Status::InvalidArgument(
        "The x-amz-copy-source-range value must be of the form bytes=first-last.");
  }
  if (*range->last >= size) {
    return Status::InvalidArgument("Range specified is not valid for source object of size: " +
                                   std::to_string(size));
  }
  return ResolvedRange{*range->first, *range->last - *range->first + 1};
}

Conditions ConditionsFromHeaders(const HttpRequestHead& head, std::string_view prefix) {
  Conditions c;
  std::string p(prefix);
  if (auto v = FindHeader(head, p + "if-match")) c.if_match = std::string(*v);
  if (auto v = FindHeader(head, p + "if-none-match")) c.if_none_match = std::string(*v);
  // Unparsable dates are ignored, as HTTP requires.
  if (auto v = FindHeader(head, p + "if-modified-since")) c.if_modified_since = ParseHttpDate(*v);
  if (auto v = FindHeader(head, p + "if-unmodified-since")) {
    c.if_unmodified_since = ParseHttpDate(*v);
  }
  return c;
}

std::string ContentRange(const ResolvedRange& range, uint64_t size) {
  return "bytes " + std::to_string(range.first) + "-" +
         std::to_string(range.first + range.length - 1) + "/" + std::to_string(size);
}

}  // namespace sos
