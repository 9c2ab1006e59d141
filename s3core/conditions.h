// S3 preconditions and ETag comparison, shared by sosd (its S3 layer and its
// storage engine) and MemoryObjectStore, so the server and the reference fake
// cannot disagree.
//
// Reads (RFC 9110 §13 order, as S3 applies it): If-Match, else
// If-Unmodified-Since -> 412; then If-None-Match, else If-Modified-Since ->
// 304 (412 for a copy source). Dates compare at whole seconds; a future
// If-Modified-Since is ignored. Writes: If-None-Match supports only "*" (412
// when the key exists, anything else NotImplemented); If-Match on a missing
// key is NoSuchKey, a mismatch 412. ETags compare without quotes or "W/".
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "s3core/model.h"
#include "s3core/status.h"

namespace sos {

// `abc`, `"abc"`, `W/"abc"` -> `abc`.
std::string_view BareEtag(std::string_view etag);
// -> `"abc"`.
std::string QuoteEtag(std::string_view etag);
bool EtagEquals(std::string_view a, std::string_view b);
// "*" or a comma-separated list of (quoted, possibly weak) ETags.
bool EtagListMatches(std::string_view list, std::string_view etag);

// OK, kPreconditionFailed (412) or kNotModified (304; 412 when copy_source).
Status EvaluateReadConditions(const Conditions& conditions, std::string_view etag,
                              TimePoint last_modified, TimePoint now, bool copy_source = false);

// `existing` is the current object, nullptr when the key is absent.
Status EvaluateWriteConditions(const std::optional<std::string>& if_match,
                               const std::optional<std::string>& if_none_match,
                               const ObjectMeta* existing, const std::string& bucket,
                               const std::string& key);

}  // namespace sos
