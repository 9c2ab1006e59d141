// Child processes of the test harnesses (sosd, Ceph daemons, third-party
// clients): spawned so that they cannot outlive the test and do not inherit
// what the test process changed.
//
// SpawnChild forks and execs argv[0] (an absolute path) with exactly `env`,
// stdin from /dev/null, stdout to out_fd and stderr to err_fd; the child gets
// an empty signal mask and default dispositions (both survive exec), no other
// descriptors, and SIGKILL when the spawning thread dies. With own_group it
// leads a process group of its own (a terminal's Ctrl-C reaches the test
// first, which then stops its children in order). Everything the child needs
// is prepared before fork(), so it only makes async-signal-safe calls.
//
// Thread-compatible: the functions keep no state.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "s3core/status.h"

namespace sos::testing {

Result<pid_t> SpawnChild(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         int out_fd, int err_fd, bool own_group = false);

// Waits up to `timeout` for pid to exit: its wait status, -1 when it is not
// (or no longer) our child, nullopt on timeout.
std::optional<int> WaitForExit(pid_t pid, std::chrono::milliseconds timeout);

}  // namespace sos::testing
