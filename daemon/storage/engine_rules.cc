#include "daemon/storage/engine_rules.h"

namespace sos::storage {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Status NoSuchBucket(const std::string& bucket) {
  return Status::NotFound("bucket '" + bucket + "' does not exist", "NoSuchBucket");
}

Status NoSuchKey(const std::string& bucket, const std::string& key) {
  return Status::NotFound("key '" + key + "' does not exist in bucket '" + bucket + "'",
                          "NoSuchKey");
}

Status NoSuchUpload(const std::string& upload_id) {
  return Status::NotFound("upload '" + upload_id + "' does not exist", "NoSuchUpload");
}

std::string_view BareEtag(std::string_view e) {
  e = Trim(e);
  if (e.substr(0, 2) == "W/") e.remove_prefix(2);
  if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
  return e;
}

bool EtagListMatches(std::string_view list, std::string_view etag) {
  if (Trim(list) == "*") return true;
  while (!list.empty()) {
    size_t comma = list.find(',');
    if (BareEtag(list.substr(0, comma)) == BareEtag(etag)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

Status CheckWritePrecondition(const WritePrecondition& pc, const ObjectMeta* existing,
                              const std::string& bucket, const std::string& key) {
  if (pc.if_none_match) {
    if (Trim(*pc.if_none_match) != "*") {
      return Status::NotSupported("If-None-Match on writes only supports '*'", "NotImplemented");
    }
    if (existing) return Status::PreconditionFailed("key '" + key + "' already exists");
  }
  if (pc.if_match) {
    if (!existing) return NoSuchKey(bucket, key);
    if (!EtagListMatches(*pc.if_match, existing->etag)) {
      return Status::PreconditionFailed("If-Match '" + *pc.if_match + "' does not match " +
                                        existing->etag);
    }
  }
  return Status::Ok();
}

TimePoint Now() { return std::chrono::system_clock::now(); }

}  // namespace sos::storage
