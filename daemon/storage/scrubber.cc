#include "daemon/storage/scrubber.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace sos::storage {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr size_t kPage = 256;                   // blob ids read per index transaction
constexpr std::chrono::seconds kSaveEvery{5};   // progress saved at most this often
constexpr std::chrono::seconds kIdleCheck{60};  // the loop re-checks the schedule

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

void Scrubber::RequestPass() {
  {
    std::lock_guard lock(mu_);
    requested_ = true;
  }
  cv_.notify_all();
}

ScrubProgress Scrubber::Progress() const {
  std::lock_guard lock(mu_);
  ScrubProgress p = progress_;
  if (hooks_.count) p.blobs_total = hooks_.count();
  return p;
}

Status Scrubber::RunPassNow() {
  std::lock_guard pass(pass_mu_);
  for (;;) {
    SOS_ASSIGN_OR_RETURN(bool more, Step(/*paced=*/false));
    if (!more) return Status::Ok();
  }
}

Result<bool> Scrubber::Step(bool paced) {
  std::string after;
  {
    std::lock_guard lock(mu_);
    if (!progress_.running) {
      progress_.running = true;
      progress_.blobs_done = progress_.bytes_done = progress_.faults_found = 0;
      progress_.pass_started = std::chrono::system_clock::now();
      cursor_.clear();
      SaveLocked();
    }
    after = cursor_;
  }
  SOS_ASSIGN_OR_RETURN(std::vector<std::string> ids, hooks_.list(after, kPage));
  for (const std::string& id : ids) {
    if (paced && !Pace()) return true;  // stopping: the cursor says where to resume
    BlobResult r = hooks_.verify(id);
    paced_bytes_ += r.bytes;
    ++paced_blobs_;
    std::lock_guard lock(mu_);
    cursor_ = id;
    ++progress_.blobs_done;
    progress_.bytes_done += r.bytes;
    progress_.faults_found += r.faults;
    progress_.faults_total += r.faults;
    if (Clock::now() - last_save_ >= kSaveEvery) SaveLocked();
  }
  if (ids.size() == kPage) return true;
  std::lock_guard lock(mu_);
  progress_.running = false;
  progress_.last_pass_started = progress_.pass_started;
  progress_.last_pass_completed = std::chrono::system_clock::now();
  ++progress_.passes_completed;
  cursor_.clear();
  SaveLocked();
  if (hooks_.log) {
    hooks_.log("sos storage: scrub pass done: " + std::to_string(progress_.blobs_done) +
               " blobs, " + std::to_string(progress_.bytes_done) + " bytes, " +
               std::to_string(progress_.faults_found) + " bad or missing replicas");
  }
  return false;
}

bool Scrubber::Pace() {
  // The pass may not run ahead of either cap since the pacing window began.
  auto ahead = [&] {
    std::chrono::duration<double> need{0};
    if (limits_.bytes_per_second > 0) {
      need = std::max(need, std::chrono::duration<double>(double(paced_bytes_) /
                                                          double(limits_.bytes_per_second)));
    }
    if (limits_.blobs_per_second > 0) {
      need = std::max(need, std::chrono::duration<double>(double(paced_blobs_) /
                                                          double(limits_.blobs_per_second)));
    }
    return std::chrono::duration_cast<Clock::duration>(need) - (Clock::now() - paced_since_);
  };
  std::unique_lock lock(mu_);
  for (;;) {
    if (stop_) return false;
    auto wait = ahead();
    if (wait <= Clock::duration::zero()) return true;
    cv_.wait_for(lock, wait);
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
      while (!due()) cv_.wait_for(lock, kIdleCheck);
      if (stop_) return;
      requested_ = false;
    }
    paced_since_ = Clock::now();
    paced_bytes_ = paced_blobs_ = 0;
    std::lock_guard pass(pass_mu_);
    for (;;) {
      Result<bool> more = Step(/*paced=*/true);
      if (!more.ok() && hooks_.log) hooks_.log("sos storage: scrub: " + more.status().ToString());
      if (!more.ok() || !*more) break;
      std::lock_guard lock(mu_);
      if (stop_) return;
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
