#include "daemon/storage/engine_rules.h"

#include "s3core/conditions.h"

namespace sos::storage {

Status CheckWritePrecondition(const WritePrecondition& pc, const ObjectMeta* existing,
                              const std::string& bucket, const std::string& key) {
  return EvaluateWriteConditions(pc.if_match, pc.if_none_match, existing, bucket, key);
}

TimePoint Now() { return std::chrono::system_clock::now(); }

}  // namespace sos::storage
