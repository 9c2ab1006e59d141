#include "fuse/core/delete_queue.h"

#include <algorithm>
#include <set>

#include "s3core/log.h"

namespace sos {
namespace {

constexpr size_t kMaxBatch = 1000;  // DeleteObjects' limit

// Per-key errors of DeleteObjects worth another try.
bool Transient(const std::string& code) {
  return code == "InternalError" || code == "ServiceUnavailable" || code == "SlowDown" ||
         code.empty();
}

}  // namespace

DeleteQueue::DeleteQueue(ObjectStore& store, const FilesystemOptions& options,
                         NamespaceJournal& journal,
                         std::function<void(const std::vector<std::string>& keys)> on_deleted)
    : store_(store), options_(options), journal_(journal), on_deleted_(std::move(on_deleted)) {}

DeleteQueue::~DeleteQueue() { Shutdown(); }

Status DeleteQueue::Load() {
  SOS_ASSIGN_OR_RETURN(auto journalled, journal_.Deletes());
  std::vector<uint64_t> duplicates;  // the same key journalled twice: sent once
  {
    std::lock_guard lock(mu_);
    for (auto& [seq, key] : journalled) {
      if (by_key_.emplace(key, seq).second) {
        order_[seq] = {std::move(key), Clock::time_point{}};
      } else {
        duplicates.push_back(seq);
      }
    }
    count_ = order_.size();
  }
  return duplicates.empty() ? Status::Ok() : journal_.RemoveDeletes(duplicates);
}

void DeleteQueue::Start() { thread_ = std::thread([this] { Sender(); }); }

Status DeleteQueue::Add(const std::vector<std::string>& keys) {
  std::vector<std::string> fresh;
  {
    std::lock_guard lock(mu_);
    for (const std::string& key : keys) {
      if (!by_key_.contains(key)) fresh.push_back(key);
    }
  }
  if (fresh.empty()) return Status::Ok();
  SOS_ASSIGN_OR_RETURN(uint64_t first, journal_.AddDeletes(fresh));
  std::vector<uint64_t> duplicates;  // journalled twice by racing calls
  {
    std::lock_guard lock(mu_);
    const Clock::time_point now = Clock::now();
    for (size_t i = 0; i < fresh.size(); ++i) {
      if (by_key_.emplace(fresh[i], first + i).second) {
        order_[first + i] = {fresh[i], now};
      } else {
        duplicates.push_back(first + i);
      }
    }
    count_ = order_.size();
  }
  work_cv_.notify_all();
  if (!duplicates.empty()) (void)journal_.RemoveDeletes(duplicates);
  return Status::Ok();
}

bool DeleteQueue::Pending(const std::string& key) const {
  if (count_.load() == 0) return false;
  std::lock_guard lock(mu_);
  return by_key_.contains(key);
}

bool DeleteQueue::PendingLocked(const std::string& key, bool below) const {
  if (!below) return by_key_.contains(key);
  auto it = by_key_.lower_bound(key);
  return it != by_key_.end() && it->first.compare(0, key.size(), key) == 0;
}

Status DeleteQueue::Settle(const std::string& key, bool below) {
  if (count_.load() == 0) return Status::Ok();
  std::unique_lock lock(mu_);
  if (!PendingLocked(key, below)) return Status::Ok();
  if (!thread_.joinable() || stopping_) {
    return Status::Unavailable("deletes are not being sent (unmounting)");
  }
  ++urgent_;
  work_cv_.notify_all();
  // As many tries as an upload gets before its caller hears of a failure.
  const uint64_t give_up_at = failed_ + std::max(1, options_.upload_attempts);
  done_cv_.wait(lock, [&] {
    return !PendingLocked(key, below) || failed_ >= give_up_at || stopping_;
  });
  --urgent_;
  if (!PendingLocked(key, below)) return Status::Ok();
  return Status::Unavailable("a pending delete could not be sent: " + last_error_);
}

bool DeleteQueue::DueLocked(Clock::time_point now) const {
  if (order_.empty() || now < retry_at_) return false;
  return urgent_ > 0 || draining_ || now >= order_.begin()->second.added + options_.upload_delay;
}

void DeleteQueue::Sender() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const Clock::time_point now = Clock::now();
    if (!DueLocked(now)) {
      if (order_.empty()) {
        work_cv_.wait(lock);
      } else {
        Clock::time_point wake = retry_at_;
        if (urgent_ == 0 && !draining_) {
          wake = std::max(wake, order_.begin()->second.added + options_.upload_delay);
        }
        work_cv_.wait_until(lock, wake);
      }
      continue;
    }
    std::vector<std::pair<uint64_t, std::string>> batch;
    for (auto it = order_.begin(); it != order_.end() && batch.size() < kMaxBatch; ++it) {
      batch.emplace_back(it->first, it->second.key);
    }
    lock.unlock();
    // The journal reaches the disk at least once per batch.
    if (Status synced = journal_.Sync(); !synced.ok()) {
      spdlog::error("cannot sync the delete journal: {}", synced.ToString());
    }
    Status s = Status::Ok();
    std::vector<std::string> keys;
    for (const auto& [seq, key] : batch) keys.push_back(key);
    auto sent = store_.DeleteMany(options_.bucket, keys);
    std::set<std::string> retry;  // refused for now (server busy or failing)
    if (!sent.ok()) {
      s = sent.status();
    } else {
      for (const DeleteError& e : sent->errors) {
        if (Transient(e.code)) {
          retry.insert(e.key);
          if (s.ok()) s = Status::Unavailable("cannot delete " + e.key + ": " + e.message);
        } else {
          // Refused for good (AccessDenied, an object lock...): retrying would
          // hold up every delete behind it. The object stays, and it shows.
          spdlog::error("the server refuses to delete {}: {} {}; it stays", e.key, e.code,
                        e.message);
          std::lock_guard stats(mu_);
          last_error_ = e.key + ": " + e.code + " " + e.message;
        }
      }
    }
    std::vector<uint64_t> done_seqs;
    std::vector<std::string> done_keys;
    if (sent.ok()) {
      for (const auto& [seq, key] : batch) {
        if (retry.contains(key)) continue;
        done_seqs.push_back(seq);
        done_keys.push_back(key);
      }
    }
    // Forgotten only once the journal forgets it: a crash re-sends a delete
    // at most, it never loses one; and one the journal still holds stays
    // pending here too, so that a later write of its key waits for it.
    Status journalled = journal_.RemoveDeletes(done_seqs);
    if (!journalled.ok()) {
      spdlog::error("cannot update the delete journal: {}", journalled.ToString());
      s = journalled;
      done_seqs.clear();
    }
    if (!done_keys.empty()) on_deleted_(done_keys);
    lock.lock();
    for (uint64_t seq : done_seqs) {
      auto it = order_.find(seq);
      if (it == order_.end()) continue;
      by_key_.erase(it->second.key);
      order_.erase(it);
    }
    count_ = order_.size();
    deleted_ += done_seqs.size();
    if (s.ok()) {
      failures_in_a_row_ = 0;
      retry_at_ = {};
    } else {
      ++failed_;
      ++failures_in_a_row_;
      last_error_ = s.ToString();
      auto delay = options_.retry_delay * (1 << std::min(failures_in_a_row_ - 1, 10));
      retry_at_ = Clock::now() + std::min<std::chrono::milliseconds>(delay, options_.requeue_delay);
      spdlog::warn("{} delete(s) not sent yet: {}; retrying", batch.size() - done_seqs.size(),
                   last_error_);
    }
    done_cv_.notify_all();
  }
}

void DeleteQueue::Shutdown() {
  {
    std::unique_lock lock(mu_);
    if (stopping_) return;
    draining_ = true;
    work_cv_.notify_all();
    if (thread_.joinable()) {
      done_cv_.wait(lock, [&] {
        return order_.empty() || failures_in_a_row_ > options_.shutdown_rounds;
      });
    }
    stopping_ = true;
    if (!order_.empty()) {
      spdlog::error("{} delete(s) could not be sent ({}); they stay in the journal for the "
                    "next mount",
                    order_.size(), last_error_);
    }
  }
  work_cv_.notify_all();
  done_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

DeleteQueue::Stats DeleteQueue::stats() const {
  std::lock_guard lock(mu_);
  return {order_.size(), deleted_, failed_, last_error_};
}

}  // namespace sos
