// Scrubber: re-reads every replica of every blob in the background, at a
// capped rate, so that a corrupt or missing copy is found (and repaired by
// the engine's repair queue) before a read needs it.
//
// A pass walks the blobs in id order. Its progress -- the last blob done, and
// counts -- is saved to a small state file every few seconds and at Stop, so
// a restarted sosd resumes where it was. A pass starts `interval` after the
// previous one began, or at once on RequestPass (a drive came back or was
// replaced, an admin asked). The rate cap (bytes and blobs per second) keeps
// the pass from starving clients; RunPassNow ignores it.
//
// Thread-safe: Start/Stop from the owner; the rest from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/storage/fs_util.h"
#include "daemon/storage/storage_engine.h"
#include "s3core/status.h"

namespace sos::storage {

class Scrubber {
 public:
  struct BlobResult {
    uint64_t bytes = 0;   // read from all replicas
    uint64_t faults = 0;  // replicas found bad or missing (already reported for repair)
  };
  struct Hooks {
    // Up to `max` blob ids after `after` ("" = from the first), in id order.
    std::function<Result<std::vector<std::string>>(const std::string& after, size_t max)> list;
    // Verifies every replica of one blob on the healthy drives.
    std::function<BlobResult(const std::string& id)> verify;
    // How many blobs there are (for progress).
    std::function<uint64_t()> count;
    LogFn log;
  };

  Scrubber(std::string state_file, ScrubLimits limits, Hooks hooks);
  ~Scrubber();
  Scrubber(const Scrubber&) = delete;
  Scrubber& operator=(const Scrubber&) = delete;

  // The background thread; Stop saves the progress and joins it.
  void Start();
  void Stop();
  // Starts a pass now (or continues the running one at once, unpaced waits ended).
  void RequestPass();
  // One whole pass on the caller's thread, unthrottled (from the current
  // cursor if a pass is under way, else from the start).
  Status RunPassNow();
  ScrubProgress Progress() const;

 private:
  // Scrubs one page of blobs; false when the pass is done.
  Result<bool> Step(bool paced);
  void Loop();
  void Load();
  void SaveLocked();
  // Waits until the pace allows more work (or Stop/RequestPass); false on Stop.
  bool Pace();

  const std::string state_file_;
  const ScrubLimits limits_;
  const Hooks hooks_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  ScrubProgress progress_;  // guarded by mu_
  std::string cursor_;      // last blob done in the running pass; guarded by mu_
  bool stop_ = false;       // guarded by mu_
  bool requested_ = false;  // guarded by mu_
  std::chrono::steady_clock::time_point paced_since_;  // the loop thread's
  uint64_t paced_bytes_ = 0, paced_blobs_ = 0;         // the loop thread's
  std::chrono::steady_clock::time_point last_save_;    // guarded by mu_
  std::mutex pass_mu_;  // one pass runs at a time (the loop, or RunPassNow)
  std::thread thread_;
};

}  // namespace sos::storage
