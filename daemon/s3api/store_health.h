// StoreHealth: what /-/health, /-/ready and `sosctl admin info` say about the
// store, from its numbers (StorageStats): ok; degraded -- a drive failed,
// full or being refilled, or replicas queued for repair -- while writes still
// reach a quorum of drives that take them; failing -- too few drives take
// writes (failed or full), so writes get 503 or 507.
// Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "daemon/storage/storage_engine.h"

namespace sos::s3api {

struct StoreHealth {
  enum class State { kOk, kDegraded, kFailing };
  State state = State::kOk;
  std::vector<std::string> reasons;  // one line each; empty when ok
};

StoreHealth EvaluateHealth(const StorageStats& stats);
std::string_view HealthName(StoreHealth::State state);  // "ok", "degraded", "failing"

}  // namespace sos::s3api
