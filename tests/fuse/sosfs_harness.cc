#include "tests/fuse/sosfs_harness.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace sos::testing {

using namespace std::chrono_literals;

// Runs a shell command with a bound, capturing stdout and stderr.
RunResult RunCommand(const std::string& command, std::chrono::seconds timeout) {
  char path[] = "/tmp/sosfs-e2e-out-XXXXXX";
  int fd = mkstemp(path);
  RunResult result;
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    int null = ::open("/dev/null", O_RDONLY);
    dup2(null, 0);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (true) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      result.output = "[timed out after " + std::to_string(timeout.count()) + " s] ";
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  result.output += ss.str();
  close(fd);
  unlink(path);
  return result;
}

bool IsMounted(const std::string& dir) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, mountpoint;
    fields >> id >> parent >> devno >> root >> mountpoint;
    if (mountpoint == dir) return true;
  }
  return false;
}

// The sosfs daemon serving dir, or -1.
pid_t FindDaemon(const std::string& dir) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> argv;
    std::string arg;
    for (char c : cmdline) {
      if (c == '\0') {
        argv.push_back(arg);
        arg.clear();
      } else {
        arg += c;
      }
    }
    if (argv.empty() || argv[0].find("sosfs") == std::string::npos) continue;
    for (const auto& a : argv) {
      if (a == dir) return static_cast<pid_t>(std::stol(name));
    }
  }
  return -1;
}

bool Alive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, comm, state;
  if (!(in >> pid_field >> comm >> state)) return false;
  return state != "Z";
}

RunResult SosfsMount::Mount(const std::string& command) {
  RunResult r = RunCommand(command, 120s);
  if (r.status == 0) daemon_ = FindDaemon(dir_);
  return r;
}

bool SosfsMount::Unmount(bool lazy) {
  bool ok = true;
  if (IsMounted(dir_)) {
    RunResult r = RunCommand(std::string("fusermount3 -u") + (lazy ? "z " : " ") + dir_, 30s);
    if (r.status != 0) {
      ADD_FAILURE() << "fusermount3 -u " << dir_ << ": " << r.output;
      RunCommand("fusermount3 -uz " + dir_, 30s);
      ok = false;
    }
  }
  if (daemon_ > 0) {
    auto deadline = std::chrono::steady_clock::now() + 120s;
    while (Alive(daemon_) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
    }
    if (Alive(daemon_)) {
      ADD_FAILURE() << "sosfs (pid " << daemon_ << ") did not exit after the unmount";
      kill(daemon_, SIGKILL);
      ok = false;
    }
    daemon_ = -1;
  }
  return ok;
}

}  // namespace sos::testing
