// sosd's configuration: defaults, TOML config file, environment, flags.
//
// Precedence, highest first: command-line flags > environment (SOS_LISTEN,
// SOS_DATA, SOS_DRIVES, SOS_REGION, SOS_FSYNC, SOS_DOMAIN, SOS_CONFIG) >
// config file (--config FILE or SOS_CONFIG; TOML keys listen, data, drives,
// region, fsync, domain) > built-in defaults:
//   listen  127.0.0.1:8000
//   data    /var/lib/sos as root, else $XDG_DATA_HOME/sos (~/.local/share/sos)
//   drives  three directories under the data directory
//   region  us-east-1
//   fsync   always
//   domain  none (path-style addressing only)
// Not thread-safe; used once at start-up.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "s3core/status.h"

namespace sos {

struct SosdConfig {
  std::string listen_host = "127.0.0.1";
  int listen_port = 8000;
  std::string data_dir;
  std::vector<std::string> drives;  // empty: three under data_dir
  std::string region = "us-east-1";
  std::string fsync = "always";  // "always" | "never"
  std::string domain;
  std::string config_file;  // the file read, if any
};

// What the command line said (unset = not given).
struct SosdFlags {
  std::optional<std::string> listen, data, drives, region, fsync, domain, config;
};

// Parses argv into flags. Returns an exit code when sosd must stop now
// (--help, --version, a usage error; the message is already printed), else
// nullopt.
std::optional<int> ParseSosdFlags(int argc, char** argv, SosdFlags* flags);

using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
// The process environment.
std::optional<std::string> ProcessEnv(const char* name);

// Applies defaults, config file, environment and flags, in that order, and
// validates the result (InvalidArgument naming the bad setting).
Result<SosdConfig> ResolveSosdConfig(const SosdFlags& flags, const EnvLookup& env);

// "127.0.0.1:8000", "[::1]:9000", ":8000" (all interfaces) -> host, port.
Status ParseListen(const std::string& value, std::string* host, int* port);

}  // namespace sos
