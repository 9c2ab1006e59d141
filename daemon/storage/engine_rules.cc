#include "daemon/storage/engine_rules.h"

#include "s3core/conditions.h"

namespace sos::storage {

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

Status CheckWritePrecondition(const WritePrecondition& pc, const ObjectMeta* existing,
                              const std::string& bucket, const std::string& key) {
  return EvaluateWriteConditions(pc.if_match, pc.if_none_match, existing, bucket, key);
}

TimePoint Now() { return std::chrono::system_clock::now(); }

}  // namespace sos::storage
