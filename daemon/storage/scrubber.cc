#include "daemon/storage/scrubber.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace sos::storage {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr size_t kPage = 256;                    // blob ids read per index transaction
constexpr std::chrono::seconds kSaveEvery{5};    // progress saved at most this often
constexpr std::chrono::seconds kIdleCheck{60};   // the loop re-checks the schedule
constexpr std::chrono::seconds kRetryAfter{30};  // after a failed step

int64_t Millis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
TimePoint FromMillis(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

}  // namespace

Scrubber::Scrubber(std::string state_file, ScrubLimits limits, Hooks hooks)
    : state_file_(std::move(state_file)), limits_(limits), hooks_(std::move(hooks)) {
  Load();
}

Scrubber::~Scrubber() { Stop(); }

void Scrubber::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Scrubber::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  SaveLocked();
}

uint64_t Scrubber::RequestPass(bool at_full_speed) {
  uint64_t done_at;
  {
    std::lock_guard lock(mu_);
    requested_ = true;
    // A pass under way finishes first; the requested one follows it.
    const int passes = progress_.running ? 2 : 1;
    if (at_full_speed) full_speed_passes_ = passes;
    done_at = progress_.passes_completed + static_cast<uint64_t>(passes);
    SaveLocked();  // a restart before the pass still owes it
  }
  cv_.notify_all();
  return done_at;
}

ScrubProgress Scrubber::Progress() const {
  std::lock_guard lock(mu_);
  return progress_;
}

Status Scrubber::RunPassNow() {
  {
    std::lock_guard lock(mu_);
    full_speed_passes_ = std::max(full_speed_passes_, 1);  // a paced pass under way hurries
  }
  cv_.notify_all();
  std::lock_guard pass(pass_mu_);
  for (;;) {
    SOS_ASSIGN_OR_RETURN(bool more, Step(/*paced=*/false));
    if (!more) return Status::Ok();
    std::lock_guard lock(mu_);
    if (stop_) return Status::Cancelled("sosd is stopping");
  }
}

void Scrubber::BeginPassLocked() {
  progress_.running = true;
  progress_.blobs_done = progress_.bytes_done = progress_.faults_found = 0;
  progress_.pass_started = std::chrono::system_clock::now();
  cursor_.clear();
  SaveLocked();
}

Result<bool> Scrubber::Step(bool paced) {
  std::string after;
  {
    std::lock_guard lock(mu_);
    if (!progress_.running) BeginPassLocked();
    after = cursor_;
  }
  SOS_ASSIGN_OR_RETURN(std::vector<std::string> ids, hooks_.list(after, kPage));
  std::vector<Verified> verified;
  auto record = [&] {
    if (hooks_.record && !verified.empty()) hooks_.record(verified);
  };
  for (const std::string& id : ids) {
    BlobResult r = hooks_.verify(id);
    if (r.faults == 0 && r.good > 0) {
      verified.push_back({id, r.good, std::chrono::system_clock::now()});
    }
    {
      std::lock_guard lock(mu_);
      cursor_ = id;
      ++progress_.blobs_done;
      progress_.bytes_done += r.bytes;
      progress_.faults_found += r.faults;
      progress_.faults_total += r.faults;
      if (Clock::now() - last_save_ >= kSaveEvery) SaveLocked();
    }
    if (paced && !Pace(r.bytes)) {
      record();
      return true;  // stopping: the cursor says where to resume
    }
  }
  record();
  if (ids.size() == kPage) return true;
  std::unique_lock lock(mu_);
  progress_.running = false;
  progress_.last_pass_started = progress_.pass_started;
  progress_.last_pass_completed = std::chrono::system_clock::now();
  cursor_.clear();
  SaveLocked();
  if (hooks_.log) {
    hooks_.log("sos storage: scrub pass done: " + std::to_string(progress_.blobs_done) +
               " blobs, " + std::to_string(progress_.bytes_done) + " bytes, " +
               std::to_string(progress_.faults_found) + " bad or missing replicas");
  }
  lock.unlock();
  if (hooks_.pass_done) hooks_.pass_done();
  lock.lock();
  ++progress_.passes_completed;  // counted once its repairs are done
  if (full_speed_passes_ > 0) --full_speed_passes_;
  SaveLocked();
  return false;
}

bool Scrubber::Pace(uint64_t bytes) {
  using Seconds = std::chrono::duration<double>;
  const auto now = Clock::now();
  // Each bucket holds at most a second of allowance: a slow stretch under one
  // cap does not build up a burst for the other.
  auto take = [&](Clock::time_point& free_at, double amount, uint64_t per_second) {
    if (per_second == 0) return;
    free_at = std::max(free_at, now - std::chrono::seconds(1)) +
              std::chrono::duration_cast<Clock::duration>(Seconds(amount / double(per_second)));
  };
  take(bytes_free_at_, double(bytes), limits_.bytes_per_second);
  take(blobs_free_at_, 1, limits_.blobs_per_second);
  std::unique_lock lock(mu_);
  for (;;) {
    if (stop_) return false;
    if (full_speed_passes_ > 0) return true;
    const auto until = std::max(bytes_free_at_, blobs_free_at_);
    if (Clock::now() >= until) return true;
    cv_.wait_until(lock, until);
  }
}

void Scrubber::Loop() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      auto due = [&] {
        if (stop_ || requested_ || progress_.running) return true;
        const TimePoint last = progress_.last_pass_started;
        return last.time_since_epoch().count() == 0 ||
               std::chrono::system_clock::now() - last >= limits_.interval;
      };
      while (!due()) {
        // Until the next pass is due (or a minute, in case the clock moves).
        const auto next = progress_.last_pass_started + limits_.interval;
        const auto wait =
            std::chrono::duration_cast<Clock::duration>(next - std::chrono::system_clock::now());
        cv_.wait_for(lock,
                     std::clamp<Clock::duration>(wait, std::chrono::milliseconds(1), kIdleCheck));
      }
      if (stop_) return;
      // A pass resumed from the state file began before any request: the
      // request stays for the pass after it. Taking a request and marking the
      // pass running happen together, so a caller sees either "running: the
      // next pass is mine" or "not running: the pass starting is mine".
      if (!progress_.running) {
        requested_ = false;
        BeginPassLocked();
      }
    }
    std::lock_guard pass(pass_mu_);
    bytes_free_at_ = blobs_free_at_ = Clock::now();
    for (;;) {
      Result<bool> more = Step(/*paced=*/true);
      std::unique_lock lock(mu_);
      if (stop_) return;
      if (!more.ok()) {
        if (hooks_.log) hooks_.log("sos storage: scrub: " + more.status().ToString());
        cv_.wait_for(lock, kRetryAfter, [&] { return stop_; });  // not a hot loop on a bad index
        break;
      }
      if (!*more) break;
    }
  }
}

void Scrubber::Load() {
  std::lock_guard lock(mu_);
  auto text = ReadSmallFile(state_file_);
  if (!text.ok()) return;  // none yet: never scrubbed
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    if (hooks_.log) hooks_.log("sos storage: " + state_file_ + " is unreadable; scrub starts over");
    return;
  }
  cursor_ = j.value("cursor", "");
  requested_ = j.value("requested", false);
  progress_.running = j.value("running", false);
  progress_.blobs_done = j.value("blobs_done", uint64_t{0});
  progress_.bytes_done = j.value("bytes_done", uint64_t{0});
  progress_.faults_found = j.value("faults_found", uint64_t{0});
  progress_.faults_total = j.value("faults_total", uint64_t{0});
  progress_.passes_completed = j.value("passes_completed", uint64_t{0});
  progress_.pass_started = FromMillis(j.value("pass_started_ms", int64_t{0}));
  progress_.last_pass_started = FromMillis(j.value("last_pass_started_ms", int64_t{0}));
  progress_.last_pass_completed = FromMillis(j.value("last_pass_completed_ms", int64_t{0}));
}

void Scrubber::SaveLocked() {
  last_save_ = Clock::now();
  json j = {{"cursor", cursor_},
            {"requested", requested_},
            {"running", progress_.running},
            {"blobs_done", progress_.blobs_done},
            {"bytes_done", progress_.bytes_done},
            {"faults_found", progress_.faults_found},
            {"faults_total", progress_.faults_total},
            {"passes_completed", progress_.passes_completed},
            {"pass_started_ms", Millis(progress_.pass_started)},
            {"last_pass_started_ms", Millis(progress_.last_pass_started)},
            {"last_pass_completed_ms", Millis(progress_.last_pass_completed)}};
  // Not fsync'd: a crash loses at most a few seconds of progress.
  Status s = WriteSmallFileDurably(state_file_, j.dump() + "\n", /*durable=*/false);
  if (!s.ok() && hooks_.log) hooks_.log("sos storage: saving scrub progress: " + s.ToString());
}

}  // namespace sos::storage
