#include "s3core/draining_mounts.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <filesystem>
#include <fstream>

namespace sos {

namespace {
constexpr std::string_view kPrefix = "draining-";
}

DrainingMark::DrainingMark(const std::string& dir, const std::string& mountpoint) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string path = dir + "/" + std::string(kPrefix) + std::to_string(::getpid());
  std::ofstream out(path, std::ios::trunc);
  out << mountpoint << "\n";
  if (out.good()) path_ = path;
}

DrainingMark::~DrainingMark() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

std::vector<pid_t> DrainingMounts(const std::string& dir) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.compare(0, kPrefix.size(), kPrefix) != 0) continue;
    pid_t pid = 0;
    const char* first = name.data() + kPrefix.size();
    const char* last = name.data() + name.size();
    auto [end, err] = std::from_chars(first, last, pid);
    if (err != std::errc() || end != last || pid <= 0) continue;
    // EPERM: alive, but another user's (sosd runs as its own user).
    if (::kill(pid, 0) == 0 || errno == EPERM) pids.push_back(pid);
  }
  return pids;
}

}  // namespace sos
