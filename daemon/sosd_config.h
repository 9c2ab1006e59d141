// sosd's configuration: defaults, TOML config file, environment, flags.
//
// Precedence, highest first: command-line flags > environment (SOS_LISTEN,
// SOS_DATA, SOS_DRIVES, SOS_REGION, SOS_FSYNC, SOS_DOMAIN, SOS_MAX_CONNECTIONS,
// SOS_MAX_CONNECTIONS_PER_CLIENT, SOS_HEADER_TIMEOUT, SOS_MIN_BODY_RATE,
// SOS_MIN_BODY_RATE_WINDOW, SOS_LOG_LEVEL, SOS_LOG_TARGET, SOS_CONFIG) > config file (--config FILE
// or SOS_CONFIG; TOML keys named like the flags, with underscores) > built-in defaults:
//   listen                      127.0.0.1:8000
//   data                        /var/lib/sos as root, else $XDG_DATA_HOME/sos
//   drives                      three directories under the data directory
//   region                      us-east-1
//   fsync                       always
//   domain                      none (path-style addressing only)
//   max_connections             4096
//   max_connections_per_client  64 (0: no cap)
//   header_timeout              30s (0: none)
//   min_body_rate               1KiB (bytes per second; 0: none)
//   min_body_rate_window        30s
//   log_level                   info (trace, debug, info, warn, error, critical, off)
//   log_target                  auto (stderr while it leads somewhere, else syslog)
//   tls_cert, tls_key           none: no HTTPS (both, PEM files: HTTPS on tls_listen)
//   tls_listen                  127.0.0.1:8443
//   metrics                     open (anyone who reaches the port), root, or off
//   metrics_listen              off (HOST:PORT: GET /metrics there, unauthenticated)
//   scrub_rate                  64MiB (bytes per second; 0: no cap)
//   scrub_blobs_per_second      500 (0: no cap)
//   scrub_interval              7d (a pass starts this long after the last began)
//   stale_upload_expiry         7d (unfinished multipart uploads older than this are aborted; 0:
//   never) lifecycle_interval          1h (how often the buckets' lifecycle rules are applied)
//   console_listen              off (HOST:PORT: the web console there, HTTPS with tls_cert)
// listen = "off" turns plain HTTP off (only with TLS set).
// max_connections .. min_body_rate_window are HttpServerOptions' slow-client
// limits; durations and sizes take s3core/units.h's syntax.
// Not thread-safe; used once at start-up.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "s3core/log.h"
#include "s3core/status.h"

namespace sos {

struct SosdConfig {
  bool plain_http = true;  // false: listen = "off"
  std::string listen_host = "127.0.0.1";
  int listen_port = 8000;
  std::string tls_cert, tls_key;  // both or neither
  std::string tls_listen_host = "127.0.0.1";
  int tls_listen_port = 8443;
  std::string metrics = "open";   // "open" | "root" | "off"
  bool metrics_listener = false;  // metrics_listen set: a listener for GET /metrics
  std::string metrics_listen_host;
  int metrics_listen_port = 0;
  bool console_listener = false;  // console_listen set: the web console's own listener
  std::string console_listen_host;
  int console_listen_port = 0;
  uint64_t scrub_rate = uint64_t{64} << 20;
  uint64_t scrub_blobs_per_second = 500;
  std::chrono::milliseconds scrub_interval{std::chrono::hours(24 * 7)};
  std::chrono::milliseconds stale_upload_expiry{std::chrono::hours(24 * 7)};
  std::chrono::milliseconds lifecycle_interval{std::chrono::hours(1)};
  std::string data_dir;
  std::vector<std::string> drives;  // empty: three under data_dir
  std::string region = "us-east-1";
  std::string fsync = "always";  // "always" | "never"
  std::string domain;
  size_t max_connections = 4096;
  size_t max_connections_per_client = 64;           // 0: no cap
  std::chrono::milliseconds header_timeout{30000};  // 0: none
  uint64_t min_body_rate = 1024;                    // bytes per second; 0: none
  std::chrono::milliseconds min_body_rate_window{30000};
  std::string log_level = "info";
  LogTarget log_target = LogTarget::kAuto;
  std::string config_file;  // the file read, if any
};

// What the command line said (unset = not given).
struct SosdFlags {
  std::optional<std::string> listen, data, drives, region, fsync, domain, config;
  std::optional<std::string> max_connections, max_connections_per_client, header_timeout,
      min_body_rate, min_body_rate_window, log_level, log_target, tls_cert, tls_key, tls_listen,
      metrics, metrics_listen, scrub_rate, scrub_blobs_per_second, scrub_interval,
      stale_upload_expiry, console_listen, lifecycle_interval;
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

// s3core/units.h's ParseDuration and ParseSize, with errors naming `setting`.
Result<std::chrono::milliseconds> ParseSosdDuration(const std::string& setting,
                                                    const std::string& value);
Result<uint64_t> ParseSosdSize(const std::string& setting, const std::string& value);

}  // namespace sos
