// The pieces every sosfs end-to-end test needs: a bounded shell command, the
// kernel's mount table, and one sosfs mount that is unmounted (lazily if need
// be) and whose daemon is waited for, even when a test fails.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

namespace sos::testing {

struct RunResult {
  int status = -1;  // exit status; -1 if killed or timed out
  std::string output;
};

// Runs a shell command with a bound, capturing stdout and stderr.
RunResult RunCommand(const std::string& command,
                     std::chrono::seconds timeout = std::chrono::seconds(120));

bool IsMounted(const std::string& dir);

// The sosfs daemon serving dir, or -1.
pid_t FindDaemon(const std::string& dir);

bool Alive(pid_t pid);

// One sosfs mount; unmounted (lazily if need be) when it goes out of scope.
class SosfsMount {
 public:
  explicit SosfsMount(std::string dir) : dir_(std::move(dir)) {}
  ~SosfsMount() { Unmount(/*lazy=*/true); }

  // Runs the mount command (sosfs daemonises once mounted).
  RunResult Mount(const std::string& command);
  // Unmounts and waits (bounded) for the daemon to finish its uploads and exit.
  bool Unmount(bool lazy = false);
  pid_t daemon() const { return daemon_; }

 private:
  std::string dir_;
  pid_t daemon_ = -1;
};

}  // namespace sos::testing
