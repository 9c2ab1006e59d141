#include "s3core/conditions.h"

#include <chrono>

#include "s3core/http_request_head.h"
#include "s3core/s3_errors.h"

namespace sos {
namespace {

TimePoint Seconds(TimePoint t) { return std::chrono::floor<std::chrono::seconds>(t); }

Status PreconditionFailed(const std::string& prefix, const std::string& header) {
  return Status::PreconditionFailed(
      "At least one of the pre-conditions you specified did not hold (" + prefix + header + ").");
}

}  // namespace

std::string_view BareEtag(std::string_view e) {
  e = TrimOws(e);
  if (e.substr(0, 2) == "W/") e.remove_prefix(2);
  if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
  return e;
}

std::string QuoteEtag(std::string_view etag) { return "\"" + std::string(BareEtag(etag)) + "\""; }

bool EtagEquals(std::string_view a, std::string_view b) { return BareEtag(a) == BareEtag(b); }

bool EtagListMatches(std::string_view list, std::string_view etag) {
  if (TrimOws(list) == "*") return true;
  const std::string_view want = BareEtag(etag);
  while (true) {
    size_t comma = list.find(',');
    if (BareEtag(list.substr(0, comma)) == want) return true;
    if (comma == std::string_view::npos) return false;
    list.remove_prefix(comma + 1);
  }
}

Status EvaluateReadConditions(const Conditions& c, std::string_view etag, TimePoint last_modified,
                              TimePoint now, bool copy_source) {
  const TimePoint modified = Seconds(last_modified);
  const std::string prefix = copy_source ? "x-amz-copy-source-" : "";
  if (c.if_match) {
    if (!EtagListMatches(*c.if_match, etag)) return PreconditionFailed(prefix, "If-Match");
  } else if (c.if_unmodified_since && modified > Seconds(*c.if_unmodified_since)) {
    return PreconditionFailed(prefix, "If-Unmodified-Since");
  }
  auto not_modified = [&](const std::string& header) {
    return copy_source ? PreconditionFailed(prefix, header) : Status::NotModified();
  };
  if (c.if_none_match) {
    if (EtagListMatches(*c.if_none_match, etag)) return not_modified("If-None-Match");
  } else if (c.if_modified_since && *c.if_modified_since <= now &&
             modified <= Seconds(*c.if_modified_since)) {
    return not_modified("If-Modified-Since");
  }
  return Status::Ok();
}

Status EvaluateWriteConditions(const std::optional<std::string>& if_match,
                               const std::optional<std::string>& if_none_match,
                               const ObjectMeta* existing, const std::string& bucket,
                               const std::string& key) {
  if (if_none_match) {
    if (TrimOws(*if_none_match) != "*") {
      return Status::NotSupported("If-None-Match on writes only supports '*'", "NotImplemented");
    }
    if (existing) return Status::PreconditionFailed("key '" + key + "' already exists");
  }
  if (if_match) {
    if (!existing) return NoSuchKey(bucket, key);
    if (!EtagListMatches(*if_match, existing->etag)) {
      return Status::PreconditionFailed("If-Match '" + *if_match + "' does not match " +
                                        existing->etag);
    }
  }
  return Status::Ok();
}

}  // namespace sos
