#include "daemon/storage/blob_registry.h"

namespace sos::storage {

void BlobRegistry::Add(const std::string& id) {
  std::lock_guard lock(mu_);
  in_flight_[id] = InFlight{};
}

void BlobRegistry::Finished(const std::string& id, uint64_t size) {
  std::lock_guard lock(mu_);
  auto it = in_flight_.find(id);
  if (it == in_flight_.end()) return;
  it->second.finished = true;
  it->second.size = size;
  it->second.since = Clock::now();
}

void BlobRegistry::Forget(const std::string& id) {
  std::lock_guard lock(mu_);
  in_flight_.erase(id);
}

BlobRegistry::Claim BlobRegistry::ClaimForCommit(const std::string& id, uint64_t* size) {
  std::lock_guard lock(mu_);
  auto it = in_flight_.find(id);
  if (it == in_flight_.end()) return Claim::kNotInFlight;
  if (!it->second.finished) return Claim::kUnfinished;
  if (it->second.claimed) return Claim::kBusy;
  it->second.claimed = true;
  *size = it->second.size;
  return Claim::kClaimed;
}

void BlobRegistry::Pin(const std::vector<std::string>& ids) {
  std::lock_guard lock(mu_);
  for (const std::string& id : ids) ++pins_[id];
}

std::vector<std::string> BlobRegistry::Unpin(const std::vector<std::string>& ids) {
  std::vector<std::string> free;
  std::lock_guard lock(mu_);
  for (const std::string& id : ids) {
    auto it = pins_.find(id);
    if (it == pins_.end() || --it->second > 0) continue;
    pins_.erase(it);
    if (deferred_.erase(id)) free.push_back(id);
  }
  return free;
}

bool BlobRegistry::ReleaseOrDefer(const std::string& id) {
  std::lock_guard lock(mu_);
  if (pins_.count(id) == 0) return true;
  deferred_.insert(id);
  return false;
}

bool BlobRegistry::BusyLocked(const std::string& id) const {
  return in_flight_.count(id) > 0 || pins_.count(id) > 0;
}

std::vector<std::string> BlobRegistry::ExpireLocked(Clock::duration grace) {
  std::vector<std::string> out;
  auto now = Clock::now();
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    const InFlight& f = it->second;
    if (f.finished && !f.claimed && now - f.since > grace && pins_.count(it->first) == 0) {
      out.push_back(it->first);
      it = in_flight_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

size_t BlobRegistry::in_flight() const {
  std::lock_guard lock(mu_);
  return in_flight_.size();
}

}  // namespace sos::storage
