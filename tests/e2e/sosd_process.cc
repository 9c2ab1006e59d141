#include "tests/e2e/sosd_process.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "tests/support/child_process.h"

#ifndef SOSD_PATH
#error "SOSD_PATH must name the sosd binary"
#endif

namespace sos::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string Tail(const std::string& text, size_t n = 3000) {
  return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

}  // namespace

void WriteRandomFile(const std::string& path, uint64_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::vector<uint64_t> block(8192);
  for (uint64_t done = 0; done < size;) {
    for (auto& w : block) w = rng();
    uint64_t n = std::min<uint64_t>(size - done, block.size() * sizeof(uint64_t));
    out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(n));
    done += n;
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ProgramResult RunProgram(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         std::chrono::seconds timeout) {
  ProgramResult result;
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return result;
  Result<pid_t> spawned = SpawnChild(argv, env, pipefd[1], pipefd[1]);
  ::close(pipefd[1]);
  if (!spawned.ok()) {
    ::close(pipefd[0]);
    return result;
  }
  const pid_t pid = *spawned;
  // Read in a thread so a chatty child never blocks on a full pipe.
  std::thread reader([&] {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) result.output.append(buf, n);
  });
  std::optional<int> status = WaitForExit(pid, timeout);
  if (!status) {
    ::kill(pid, SIGKILL);
    status = WaitForExit(pid, std::chrono::seconds(10));
    result.output += "\n[killed after " + std::to_string(timeout.count()) + " s]";
  }
  reader.join();
  ::close(pipefd[0]);
  if (status && WIFEXITED(*status)) result.exit_code = WEXITSTATUS(*status);
  return result;
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

long HttpGetStatus(const std::string& url, milliseconds timeout, const std::string& ca_file) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return 0;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  if (!ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  }
  curl_easy_cleanup(curl);
  return status;
}

Result<std::unique_ptr<SosdProcess>> SosdProcess::Start(Options options) {
  std::unique_ptr<SosdProcess> p(new SosdProcess(std::move(options)));
  std::string tmpl = (std::filesystem::temp_directory_path() / "sosd-e2e-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return Status::IOError(std::string("mkdtemp: ") + std::strerror(errno));
  }
  p->work_dir_ = tmpl;
  p->owns_data_ = p->options_.data_dir.empty();
  p->data_dir_ = p->owns_data_ ? p->work_dir_ + "/data" : p->options_.data_dir;
  p->stdout_path_ = p->work_dir_ + "/stdout.log";
  p->stderr_path_ = p->work_dir_ + "/stderr.log";

  std::vector<std::string> argv = {SOSD_PATH};
  if (p->options_.pass_data) {
    argv.push_back("--data");
    argv.push_back(p->data_dir_);
  }
  p->port_ = p->options_.port;
  if (p->options_.listen) {
    p->port_ = FreePort();
    argv.push_back("--listen");
    argv.push_back("127.0.0.1:" + std::to_string(p->port_));
  }
  if (p->options_.console) {
    p->console_port_ = FreePort();
    argv.push_back("--console-listen");
    argv.push_back("127.0.0.1:" + std::to_string(p->console_port_));
  }
  argv.insert(argv.end(), p->options_.extra_args.begin(), p->options_.extra_args.end());
  std::map<std::string, std::string> env = {
      {"PATH", "/usr/bin:/bin"},
      {"HOME", p->work_dir_},
  };
  if (!p->options_.access_key.empty()) {
    env["SOS_ROOT_ACCESS_KEY"] = p->options_.access_key;
    env["SOS_ROOT_SECRET_KEY"] = p->options_.secret_key;
  }
  for (const auto& [k, v] : p->options_.extra_env) env[k] = v;
  std::vector<std::string> env_list;
  for (const auto& [k, v] : env) env_list.push_back(k + "=" + v);

  int out = ::open(p->stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err = ::open(p->stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  Result<pid_t> spawned = SpawnChild(argv, env_list, out, err);
  ::close(out);
  ::close(err);
  SOS_RETURN_IF_ERROR(spawned.status());
  p->pid_ = *spawned;

  const std::string health = p->endpoint() + "/-/health";
  auto deadline = Clock::now() + p->options_.start_timeout;
  while (true) {
    int status = 0;
    if (::waitpid(p->pid_, &status, WNOHANG) == p->pid_) {
      p->pid_ = -1;
      return Status::Internal("sosd exited during start (status " + std::to_string(status) +
                              "):\n" + Tail(p->stderr_text()));
    }
    if (HttpGetStatus(health, milliseconds(500), p->options_.ca_file) == 200) break;
    if (Clock::now() >= deadline) {
      std::string log = Tail(p->stderr_text());
      p->Stop();
      return Status::Timeout("sosd did not answer " + health + " within " +
                             std::to_string(p->options_.start_timeout.count()) + " s:\n" + log);
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  return p;
}

std::optional<int> SosdProcess::Stop(std::chrono::seconds grace) {
  if (pid_ <= 0) return std::nullopt;
  ::kill(pid_, SIGTERM);
  std::optional<int> status = WaitForExit(pid_, grace);
  if (!status) {
    ::kill(pid_, SIGKILL);
    status = WaitForExit(pid_, std::chrono::seconds(10));
  }
  pid_ = -1;
  return status;
}

void SosdProcess::StopAndCleanUp() {
  Stop();
  std::error_code ec;
  if (!owns_data_ && !options_.data_dir.empty()) {
    // Keep the caller's data; remove only our logs.
    std::filesystem::remove(stdout_path_, ec);
    std::filesystem::remove(stderr_path_, ec);
    std::filesystem::remove(work_dir_, ec);
  } else if (!work_dir_.empty()) {
    std::filesystem::remove_all(work_dir_, ec);
  }
  work_dir_.clear();
}

SosdProcess::~SosdProcess() { StopAndCleanUp(); }

}  // namespace sos::testing
