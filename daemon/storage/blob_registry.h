// BlobRegistry: the in-memory life cycle of blobs that the index cannot see.
//
//  - In flight: a blob from NewBlob until a commit references it (or it is
//    dropped). Only this process writes to its drives (the data dir is
//    flock'ed), so "in flight" needs no on-disk record: after a crash every
//    unreferenced blob is garbage, and the GC scan at Open removes it.
//    A commit claims its fresh blobs inside the commit transaction (so the GC
//    cannot reclaim them concurrently) and forgets them afterwards; a finished
//    blob nobody commits within the grace period is reclaimed by the GC.
//  - Pinned: blobs an ObjectReader may still read. A blob whose refcount drops
//    to zero while pinned is deleted when the last pin goes (POSIX would keep
//    open files readable, but a reader opens replicas lazily, one segment at a
//    time, and falls back to other replicas).
//
// GC rule (no lost blob, no race): a blob file may be deleted only if, with
// mu() held and in an index snapshot taken after locking, its refcount is 0
// and it is neither in flight nor pinned. Commits increment refcounts before
// they un-claim, so one of the two checks always sees a live blob.
//
// Thread-safe: one mutex; every method locks it except *Locked ones, which
// require it held.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace sos::storage {

class BlobRegistry {
 public:
  using Clock = std::chrono::steady_clock;

  void Add(const std::string& id);
  void Finished(const std::string& id, uint64_t size);
  void Forget(const std::string& id);

  enum class Claim { kClaimed, kNotInFlight, kUnfinished, kBusy };
  // For a commit: marks a finished in-flight blob as being committed (kBusy:
  // another commit claimed it already).
  Claim ClaimForCommit(const std::string& id, uint64_t* size);

  void Pin(const std::vector<std::string>& ids);
  // Returns the blobs released while pinned that may now be deleted.
  std::vector<std::string> Unpin(const std::vector<std::string>& ids);
  // For a blob whose refcount reached 0: true = delete it now; false = it is
  // pinned, and Unpin will return it.
  bool ReleaseOrDefer(const std::string& id);

  std::mutex& mu() { return mu_; }
  bool BusyLocked(const std::string& id) const;
  // Finished, unclaimed blobs older than `grace`; forgotten and returned.
  std::vector<std::string> ExpireLocked(Clock::duration grace);
  size_t in_flight() const;

 private:
  struct InFlight {
    bool finished = false;
    bool claimed = false;
    uint64_t size = 0;
    Clock::time_point since = Clock::now();
  };
  mutable std::mutex mu_;
  std::map<std::string, InFlight> in_flight_;
  std::map<std::string, int> pins_;
  std::set<std::string> deferred_;
};

}  // namespace sos::storage
