// HTTP range and precondition rules of GET/HEAD, copies and conditional writes.
//
// Range (RFC 9110 §14, as S3 applies it): one range "bytes=F-L", "bytes=F-"
// or "bytes=-N"; anything else (several ranges, bad syntax, L < F) is ignored
// and the whole object is served. A range starting at or past the end, or a
// zero suffix, is unsatisfiable (416, Content-Range: bytes */size).
//
// Preconditions: the headers become Conditions here (an unparsable date is
// ignored); s3core/conditions.h evaluates them.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "s3core/conditions.h"
#include "s3core/http_request_head.h"
#include "s3core/model.h"
#include "s3core/status.h"

namespace sos {

struct ResolvedRange {
  uint64_t first = 0;
  uint64_t length = 0;
};

// nullopt when the header is to be ignored (see above).
std::optional<ByteRange> ParseRangeHeader(std::string_view value);
// InvalidRange (kRangeNotSatisfiable) when the range cannot be served.
Result<ResolvedRange> ResolveRange(const ByteRange& range, uint64_t size);
// x-amz-copy-source-range: "bytes=F-L" within the source, else InvalidArgument.
Result<ResolvedRange> ParseCopySourceRange(std::string_view value, uint64_t size);

// If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, each name
// prefixed by `prefix` ("x-amz-copy-source-" for copy sources).
Conditions ConditionsFromHeaders(const HttpRequestHead& head, std::string_view prefix = "");

// "Content-Range: bytes F-L/size".
std::string ContentRange(const ResolvedRange& range, uint64_t size);

}  // namespace sos
