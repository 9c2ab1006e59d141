// Scrubber: re-reads every replica of every blob in the background, at a
// capped rate, so that a corrupt or missing copy is found (and repaired by
// the engine's repair queue) before a read needs it.
//
// A pass walks the blobs in id order. Its progress -- the last blob done, and
// counts -- is saved to a small state file every few seconds and at Stop, so
// a restarted sosd resumes where it was. A pass starts `interval` after the
// previous one began, or on RequestPass (a drive came back or was replaced,
// an admin asked): a pass under way then finishes and a whole new one
// follows, so every blob is verified after the request. The rate caps (bytes
// and blobs per second, each a token bucket holding one second) keep a pass
// from starving clients; a request `at_full_speed`, and RunPassNow, lift them
// until the requested pass is done.
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
    uint32_t good = 0;    // replicas read and found good
  };
  // A blob whose every replica read was good, and when.
  struct Verified {
    std::string id;
    uint32_t replicas = 0;
    TimePoint at;
  };
  struct Hooks {
    // Up to `max` blob ids after `after` ("" = from the first), in id order.
    std::function<Result<std::vector<std::string>>(const std::string& after, size_t max)> list;
    // Verifies every replica of one blob on the healthy drives.
    std::function<BlobResult(const std::string& id)> verify;
    // After each pass (e.g. repair what it found); optional.
    std::function<void()> pass_done;
    // The blobs of one page found whole (records per-blob verification
    // times); optional.
    std::function<void(const std::vector<Verified>&)> record;
    LogFn log;
  };

  Scrubber(std::string state_file, ScrubLimits limits, Hooks hooks);
  ~Scrubber();
  Scrubber(const Scrubber&) = delete;
  Scrubber& operator=(const Scrubber&) = delete;

  // The background thread; Stop saves the progress and joins it.
  void Start();
  void Stop();
  // Asks for a whole pass that starts after this call (see above). Returns
  // the value passes_completed will have once that pass is done.
  uint64_t RequestPass(bool at_full_speed = false);
  // One whole pass on the caller's thread, unthrottled (from the current
  // cursor if a pass is under way, else from the start). Cancelled on Stop.
  Status RunPassNow();
  // Where the scrubber is (blobs_total is the caller's to fill in: it knows the index).
  ScrubProgress Progress() const;

 private:
  // Scrubs one page of blobs; false when the pass is done.
  Result<bool> Step(bool paced);
  void BeginPassLocked();
  void Loop();
  void Load();
  void SaveLocked();
  // Takes `bytes` and one blob from the buckets, waiting until they allow it
  // (at once while at full speed); false on Stop. The loop thread's only.
  bool Pace(uint64_t bytes);

  const std::string state_file_;
  const ScrubLimits limits_;
  const Hooks hooks_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  ScrubProgress progress_;     // guarded by mu_
  std::string cursor_;         // last blob done in the running pass; guarded by mu_
  bool stop_ = false;          // guarded by mu_
  bool requested_ = false;     // a new whole pass is due; guarded by mu_
  int full_speed_passes_ = 0;  // passes (this one included) run unpaced; guarded by mu_
  // When the byte and blob buckets are empty again (each may be up to a
  // second behind now: the burst it holds). The loop thread's only.
  std::chrono::steady_clock::time_point bytes_free_at_, blobs_free_at_;
  std::chrono::steady_clock::time_point last_save_;  // guarded by mu_
  std::mutex pass_mu_;  // one pass runs at a time (the loop, or RunPassNow)
  std::thread thread_;
};

}  // namespace sos::storage
