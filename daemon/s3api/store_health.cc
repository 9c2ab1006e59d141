#include "daemon/s3api/store_health.h"

namespace sos::s3api {

StoreHealth EvaluateHealth(const StorageStats& stats) {
  StoreHealth h;
  size_t up = 0;
  for (const DriveStats& d : stats.drives) {
    if (!d.ok) {
      h.reasons.push_back("drive " + d.path + " failed: " + d.error);
    } else if (d.full) {
      h.reasons.push_back("drive " + d.path + " is full");  // takes no new data either
    } else {
      ++up;
    }
    if (d.ok && d.refilling) {
      h.reasons.push_back("drive " + d.path + " is being refilled by a scrub pass");
    }
  }
  if (stats.under_replicated > 0) {
    h.reasons.push_back(std::to_string(stats.under_replicated) +
                        " blobs under-replicated (repairs queued)");
  }
  if (up < stats.quorum) {
    h.state = StoreHealth::State::kFailing;
    h.reasons.insert(h.reasons.begin(), "only " + std::to_string(up) + " of " +
                                            std::to_string(stats.drives.size()) +
                                            " drives take writes (" + std::to_string(stats.quorum) +
                                            " needed): writes are refused");
  } else if (!h.reasons.empty()) {
    h.state = StoreHealth::State::kDegraded;
  }
  return h;
}

std::string_view HealthName(StoreHealth::State state) {
  switch (state) {
    case StoreHealth::State::kOk:
      return "ok";
    case StoreHealth::State::kDegraded:
      return "degraded";
    case StoreHealth::State::kFailing:
      return "failing";
  }
  return "failing";
}

}  // namespace sos::s3api
