// SosdProcess: the real sosd binary, started for a test.
//
// Start() runs the binary (path compiled in as SOSD_PATH) on 127.0.0.1 with a
// free port and a fresh temporary data directory (unless one is given, to
// restart on the same data), with SOS_ROOT_ACCESS_KEY/SOS_ROOT_SECRET_KEY set
// when credentials are given, stdout and stderr captured in files next to the
// data, and waits -- bounded -- until GET /-/health answers 200. A failed
// start says why, with the tail of sosd's stderr. Stop() (also run by the
// destructor, so a failing test cannot leak a daemon) sends SIGTERM, waits,
// then SIGKILLs; the child also dies with the test process (PR_SET_PDEATHSIG).
//
// Also here: RunProgram, a fork/exec helper with captured output for the
// third-party clients (awscli, curl). Not thread-safe; drive one SosdProcess
// from one thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "s3core/status.h"

namespace sos::testing {

struct ProgramResult {
  int exit_code = -1;  // -1: killed or not run
  std::string output;  // stdout and stderr, interleaved
};

// Runs argv[0] (an absolute path) with exactly `env`, bounded by `timeout`
// (then SIGKILL).
ProgramResult RunProgram(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         std::chrono::seconds timeout = std::chrono::seconds(300));

std::string ReadFile(const std::string& path);
// Writes `size` pseudo-random bytes from `seed` to path (replacing it).
void WriteRandomFile(const std::string& path, uint64_t size, uint64_t seed);

class SosdProcess {
 public:
  struct Options {
    std::string access_key = "SOSE2EROOTKEY0000001";  // empty: let sosd generate one
    std::string secret_key = "sos-e2e-root-secret-key-0000000000000001";
    std::string data_dir;                 // empty: a fresh temporary directory
    std::vector<std::string> extra_args;  // e.g. {"--domain", "sos.test"}
    std::map<std::string, std::string> extra_env;
    bool listen = true;           // pass --listen 127.0.0.1:<free port>
    int port = 0;                 // without `listen`: the port sosd will use (from its config)
    bool pass_data = true;        // pass --data (else sosd picks its default data directory)
    std::string scheme = "http";  // "https": endpoint() and the start-up health check use TLS
    std::string ca_file;          // what the health check trusts over https
    bool console = false;         // pass --console-listen 127.0.0.1:<free port>
    std::chrono::seconds start_timeout{20};
  };

  static Result<std::unique_ptr<SosdProcess>> Start(Options options);
  static Result<std::unique_ptr<SosdProcess>> Start() { return Start(Options()); }
  ~SosdProcess();
  SosdProcess(const SosdProcess&) = delete;
  SosdProcess& operator=(const SosdProcess&) = delete;

  // SIGTERM, then SIGKILL after `grace`. Returns the wait status (or nullopt
  // if it was already stopped). Idempotent.
  std::optional<int> Stop(std::chrono::seconds grace = std::chrono::seconds(15));
  // Stops and removes the data directory if Start created it.
  void StopAndCleanUp();

  int port() const { return port_; }
  std::string endpoint() const { return options_.scheme + "://127.0.0.1:" + std::to_string(port_); }
  // The web console's listener (Options::console).
  std::string console_endpoint() const {
    return options_.scheme + "://127.0.0.1:" + std::to_string(console_port_);
  }
  const std::string& data_dir() const { return data_dir_; }
  const std::string& access_key() const { return options_.access_key; }
  const std::string& secret_key() const { return options_.secret_key; }
  std::string stdout_text() const { return ReadFile(stdout_path_); }
  std::string stderr_text() const { return ReadFile(stderr_path_); }
  pid_t pid() const { return pid_; }

 private:
  explicit SosdProcess(Options options) : options_(std::move(options)) {}

  Options options_;
  std::string work_dir_;  // logs (and data, unless given)
  std::string data_dir_;
  std::string stdout_path_, stderr_path_;
  bool owns_data_ = false;
  int port_ = 0;
  int console_port_ = 0;
  pid_t pid_ = -1;
};

// A free TCP port on 127.0.0.1 (bound and released; a race is possible but rare).
int FreePort();

// GET url with libcurl: the HTTP status, or 0 when nothing answered.
long HttpGetStatus(const std::string& url, std::chrono::milliseconds timeout,
                   const std::string& ca_file = "");

}  // namespace sos::testing
