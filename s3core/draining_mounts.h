// Mounts still sending their last writes after they were unmounted.
//
// systemd stops an fstab mount's unit as soon as umount returns, while its
// sosfs process goes on uploading, and would then stop the local sosd under
// it. So a sosfs that unmounts with writes pending leaves a file named by its
// pid in kDrainingMountsDir until they are sent, and a sosd asked to stop
// keeps serving while a live process holds such a file (bounded).
//
// Best effort: a sosfs that cannot write the directory (not root) marks
// nothing. Thread-compatible.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace sos {

inline constexpr const char* kDrainingMountsDir = "/run/sosfs";

// Marks this process as draining `mountpoint` until destroyed.
class DrainingMark {
 public:
  DrainingMark(const std::string& dir, const std::string& mountpoint);
  ~DrainingMark();
  DrainingMark(const DrainingMark&) = delete;
  DrainingMark& operator=(const DrainingMark&) = delete;

 private:
  std::string path_;  // "" when nothing was marked
};

// The pids whose marks are in `dir` and who still run (stale marks of
// processes that died are ignored).
std::vector<pid_t> DrainingMounts(const std::string& dir);

}  // namespace sos
