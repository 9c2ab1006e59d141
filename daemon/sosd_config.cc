#include "daemon/sosd_config.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdlib>
#include <map>

#include "s3core/units.h"

namespace sos {
namespace {

constexpr const char* kDescription =
    "sosd: an S3-compatible object store. Every object is kept as three verified replicas on "
    "three drives (directories), indexed in LMDB.";

constexpr const char* kFooter =
    "Defaults: with no arguments sosd serves http://127.0.0.1:8000 from /var/lib/sos (as root) "
    "or $XDG_DATA_HOME/sos (default ~/.local/share/sos), with three drive directories under it.\n"
    "\nPrecedence, highest first: flags, then the environment (SOS_LISTEN, SOS_DATA, SOS_DRIVES, "
    "SOS_REGION, SOS_FSYNC, SOS_DOMAIN, SOS_MAX_CONNECTIONS, SOS_MAX_CONNECTIONS_PER_CLIENT, "
    "SOS_HEADER_TIMEOUT, SOS_MIN_BODY_RATE, SOS_MIN_BODY_RATE_WINDOW, SOS_LOG_LEVEL, "
    "SOS_LOG_TARGET, SOS_TLS_CERT, SOS_TLS_KEY, SOS_TLS_LISTEN, SOS_METRICS, SOS_METRICS_LISTEN, "
    "SOS_CONSOLE_LISTEN, SOS_SCRUB_RATE, SOS_SCRUB_BLOBS_PER_SECOND, SOS_SCRUB_INTERVAL, "
    "SOS_STALE_UPLOAD_EXPIRY, SOS_LIFECYCLE_INTERVAL, SOS_CONFIG), then "
    "the TOML "
    "config file (keys: the flags' names with underscores: listen, data, drives, region, fsync, "
    "domain, max_connections, ...), then the defaults.\n"
    "\nSlow clients: a request head must arrive whole within --header-timeout (counted from the "
    "connection's accept for its first request, from the first byte for later ones); a body "
    "arriving slower than --min-body-rate, averaged over --min-body-rate-window of waiting for "
    "it, is cut; one client address (an IPv6 /64) may hold --max-connections-per-client "
    "connections, the next is answered 503 SlowDown at once. Each cut or refused connection "
    "leaves one log line (client, reason, running count per reason), never request content.\n"
    "\nRoot credentials: SOS_ROOT_ACCESS_KEY and SOS_ROOT_SECRET_KEY, when both are set, become "
    "the root organisation's key (created, or its secret updated). Otherwise a key is generated "
    "on the first start and saved to DATA/root-credentials (mode 0600; sosd prints its access "
    "key ID and the file's path, never the secret; "
    "AWS credentials-file format: AWS_SHARED_CREDENTIALS_FILE can point at it).\n"
    "\nHTTPS: with --tls-cert and --tls-key (PEM; the chain's server certificate first) sosd "
    "serves HTTPS on --tls-listen as well as HTTP on --listen; --listen off leaves HTTPS only. "
    "TLS 1.2 and 1.3, forward-secret AEAD ciphers only. The files are read once at start.\n"
    "\nWeb console: --console-listen HOST:PORT serves it at http(s)://HOST:PORT/-/console/ "
    "(HTTPS when --tls-cert is set). That port serves the console, and S3 requests only when "
    "signed, with object bodies as attachments: nothing uploaded renders there.\n"
    "\nHealth: GET /-/health answers \"ok\" or \"degraded\" (a drive failed or full, replicas "
    "queued for repair) with 200, or \"failing\" (too few drives for writes) with 503, a reason "
    "per line; GET /-/ready answers 200 while writes are taken, else 503; neither needs "
    "authentication. GET /-/metrics is Prometheus text (--metrics: open, root-signed only, or "
    "off); --metrics-listen serves the same as GET /metrics on a port of its own, without "
    "authentication: bind it where only the scraper reaches.\n"
    "\nScrubbing: a background pass re-reads every replica of every object at most at "
    "--scrub-rate bytes and --scrub-blobs-per-second objects a second, repairs bad or missing "
    "ones from a good copy, and resumes after a restart; a pass starts --scrub-interval after "
    "the last began, and at once when a drive comes back or an empty one replaces it.\n"
    "Signals: SIGTERM or SIGINT let in-flight requests finish, close the store, exit 0.\n"
    "Logs: one line per request on stderr; secrets and query strings are never logged.";

std::string DefaultDataDir(const EnvLookup& env) {
  if (::geteuid() == 0) return "/var/lib/sos";
  if (auto xdg = env("XDG_DATA_HOME"); xdg && !xdg->empty()) return *xdg + "/sos";
  if (auto home = env("HOME"); home && !home->empty()) return *home + "/.local/share/sos";
  return "./sos-data";
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    std::string item =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// The settings as strings, before validation.
struct Raw {
  std::string listen = "127.0.0.1:8000";
  std::string data;
  std::vector<std::string> drives;
  std::string region = "us-east-1";
  std::string fsync = "always";
  std::string domain;
  std::string max_connections = "4096";
  std::string max_connections_per_client = "64";
  std::string header_timeout = "30s";
  std::string min_body_rate = "1KiB";
  std::string min_body_rate_window = "30s";
  std::string log_level = "info";
  std::string log_target = "auto";
  std::string tls_cert, tls_key;
  std::string tls_listen = "127.0.0.1:8443";
  std::string metrics = "open";
  std::string metrics_listen = "off";
  std::string console_listen = "off";
  std::string scrub_rate = "64MiB";
  std::string scrub_blobs_per_second = "500";
  std::string scrub_interval = "7d";
  std::string stale_upload_expiry = "7d";
  std::string lifecycle_interval = "1h";
};

// The settings that are numbers, durations or sizes: TOML key and where it goes.
std::map<std::string, std::string*> NumericKeys(Raw* raw) {
  return {{"max_connections", &raw->max_connections},
          {"max_connections_per_client", &raw->max_connections_per_client},
          {"header_timeout", &raw->header_timeout},
          {"min_body_rate", &raw->min_body_rate},
          {"min_body_rate_window", &raw->min_body_rate_window},
          {"scrub_rate", &raw->scrub_rate},
          {"scrub_blobs_per_second", &raw->scrub_blobs_per_second},
          {"scrub_interval", &raw->scrub_interval},
          {"stale_upload_expiry", &raw->stale_upload_expiry},
          {"lifecycle_interval", &raw->lifecycle_interval}};
}

Result<size_t> ParseCount(const std::string& setting, const std::string& value, size_t min) {
  size_t out = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, out);
  if (value.empty() || ec != std::errc() || ptr != end || out < min || out > 10'000'000) {
    return Status::InvalidArgument(setting + " '" + value + "' is not a whole number from " +
                                   std::to_string(min) + " to 10000000");
  }
  return out;
}

Status ApplyConfigFile(const std::string& path, Raw* raw) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument("config file " + path + ": " + std::string(e.description()));
  }
  for (const auto& [key, node] : table) {
    std::string name(key.str());
    auto text = [&](std::string* out) -> Status {
      auto v = node.value<std::string>();
      if (!v)
        return Status::InvalidArgument("config file " + path + ": '" + name + "' must be a string");
      *out = *v;
      return Status::Ok();
    };
    if (name == "listen") {
      SOS_RETURN_IF_ERROR(text(&raw->listen));
    } else if (name == "data") {
      SOS_RETURN_IF_ERROR(text(&raw->data));
    } else if (name == "region") {
      SOS_RETURN_IF_ERROR(text(&raw->region));
    } else if (name == "fsync") {
      SOS_RETURN_IF_ERROR(text(&raw->fsync));
    } else if (name == "domain") {
      SOS_RETURN_IF_ERROR(text(&raw->domain));
    } else if (name == "log_level") {
      SOS_RETURN_IF_ERROR(text(&raw->log_level));
    } else if (name == "log_target") {
      SOS_RETURN_IF_ERROR(text(&raw->log_target));
    } else if (name == "tls_cert") {
      SOS_RETURN_IF_ERROR(text(&raw->tls_cert));
    } else if (name == "tls_key") {
      SOS_RETURN_IF_ERROR(text(&raw->tls_key));
    } else if (name == "tls_listen") {
      SOS_RETURN_IF_ERROR(text(&raw->tls_listen));
    } else if (name == "metrics") {
      SOS_RETURN_IF_ERROR(text(&raw->metrics));
    } else if (name == "metrics_listen") {
      SOS_RETURN_IF_ERROR(text(&raw->metrics_listen));
    } else if (name == "console_listen") {
      SOS_RETURN_IF_ERROR(text(&raw->console_listen));
    } else if (auto numeric = NumericKeys(raw); numeric.count(name) > 0) {
      // A number (4096), or a string with a unit ("30s", "1KiB").
      if (auto n = node.value<int64_t>(); n && node.is_integer()) {
        *numeric[name] = std::to_string(*n);
      } else {
        SOS_RETURN_IF_ERROR(text(numeric[name]));
      }
    } else if (name == "drives") {
      const toml::array* array = node.as_array();
      if (array == nullptr) {
        return Status::InvalidArgument("config file " + path +
                                       ": 'drives' must be an array of strings");
      }
      raw->drives.clear();
      for (const auto& item : *array) {
        auto v = item.value<std::string>();
        if (!v)
          return Status::InvalidArgument("config file " + path +
                                         ": 'drives' must be an array of strings");
        raw->drives.push_back(*v);
      }
    } else {
      // A typo must not silently fall back to a default.
      return Status::InvalidArgument("config file " + path + ": unknown setting '" + name + "'");
    }
  }
  return Status::Ok();
}

}  // namespace

std::optional<std::string> ProcessEnv(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

Status ParseListen(const std::string& value, std::string* host, int* port) {
  auto bad = [&] {
    return Status::InvalidArgument("listen address '" + value + "' is not HOST:PORT");
  };
  size_t colon;
  if (!value.empty() && value.front() == '[') {
    size_t close = value.find(']');
    if (close == std::string::npos || close + 1 >= value.size() || value[close + 1] != ':') {
      return bad();
    }
    *host = value.substr(1, close - 1);
    colon = close + 1;
  } else {
    colon = value.rfind(':');
    if (colon == std::string::npos) return bad();
    *host = value.substr(0, colon);
    if (host->find(':') != std::string::npos) return bad();  // IPv6 needs brackets
  }
  if (host->empty()) *host = "0.0.0.0";
  std::string digits = value.substr(colon + 1);
  if (digits.empty() || digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return bad();
  }
  *port = std::stoi(digits);
  if (*port > 65535) return bad();
  return Status::Ok();
}

Result<std::chrono::milliseconds> ParseSosdDuration(const std::string& setting,
                                                    const std::string& value) {
  auto parsed = ParseDuration(value);
  if (!parsed.ok()) return Status::InvalidArgument(setting + ": " + parsed.status().message());
  return *parsed;
}

Result<uint64_t> ParseSosdSize(const std::string& setting, const std::string& value) {
  auto parsed = ParseSize(value);
  if (!parsed.ok()) return Status::InvalidArgument(setting + ": " + parsed.status().message());
  return *parsed;
}

std::optional<int> ParseSosdFlags(int argc, char** argv, SosdFlags* flags) {
  CLI::App app(kDescription, "sosd");
  app.footer(kFooter);
  app.set_version_flag("--version", "sosd 0.1.0");
  app.get_formatter()->column_width(28);
  auto opt = [&](const char* name, std::optional<std::string>* out, const char* type,
                 const char* help) {
    app.add_option_function<std::string>(
           name, [out](const std::string& v) { *out = v; }, help)
        ->type_name(type);
  };
  opt("--listen", &flags->listen, "HOST:PORT",
      "HOST:PORT to serve HTTP on (env SOS_LISTEN; default 127.0.0.1:8000; [::1]:PORT for IPv6, "
      ":PORT for every interface, port 0 picks a free one; off: no plain HTTP, with TLS only)");
  opt("--tls-cert", &flags->tls_cert, "FILE",
      "PEM certificate chain for HTTPS, with --tls-key (env SOS_TLS_CERT; default none)");
  opt("--tls-key", &flags->tls_key, "FILE",
      "PEM private key of --tls-cert (env SOS_TLS_KEY; keep it 0600)");
  opt("--tls-listen", &flags->tls_listen, "HOST:PORT",
      "HOST:PORT to serve HTTPS on (env SOS_TLS_LISTEN; default 127.0.0.1:8443)");
  opt("--data", &flags->data, "DIR",
      "data directory: the index and, by default, the drives (env SOS_DATA; default "
      "/var/lib/sos as root, else $XDG_DATA_HOME/sos)");
  opt("--drives", &flags->drives, "D1,D2,D3",
      "comma-separated replica directories, one per drive (env SOS_DRIVES; default three "
      "under the data directory)");
  opt("--region", &flags->region, "REGION",
      "S3 region that SigV4 credential scopes must name (env SOS_REGION; default us-east-1)");
  opt("--fsync", &flags->fsync, "always|never",
      "always: acknowledge writes only once on disk; never: leave flushing to the kernel, NOT "
      "durable (env SOS_FSYNC; default always)");
  opt("--domain", &flags->domain, "DOMAIN",
      "base domain for virtual-hosted buckets: Host BUCKET.DOMAIN addresses BUCKET (env "
      "SOS_DOMAIN; default none: path-style only)");
  opt("--max-connections", &flags->max_connections, "N",
      "connections open at once; past it new ones wait in the listen backlog (env "
      "SOS_MAX_CONNECTIONS; default 4096; each holds a descriptor, and a thread only while a "
      "request is in progress on it; sosd raises its open-file limit to fit)");
  opt("--max-connections-per-client", &flags->max_connections_per_client, "N",
      "connections one client address (an IPv6 /64) may hold; the next is answered 503 SlowDown "
      "and closed (env SOS_MAX_CONNECTIONS_PER_CLIENT; default 64; 0: no cap)");
  opt("--header-timeout", &flags->header_timeout, "DURATION",
      "a request head must arrive whole within this, or the connection is cut (env "
      "SOS_HEADER_TIMEOUT; default 30s; 500ms, 2m; 0: none)");
  opt("--min-body-rate", &flags->min_body_rate, "BYTES",
      "a request body slower than this many bytes per second is cut (env SOS_MIN_BODY_RATE; "
      "default 1KiB; 0: none)");
  opt("--min-body-rate-window", &flags->min_body_rate_window, "DURATION",
      "the time spent waiting for a body over which --min-body-rate is averaged (env "
      "SOS_MIN_BODY_RATE_WINDOW; default 30s)");
  opt("--log-level", &flags->log_level, "LEVEL",
      "trace, debug, info, warn, error, critical or off (env SOS_LOG_LEVEL; default info; the "
      "access log is at info)");
  opt("--log-target", &flags->log_target, "auto|stderr|syslog",
      "where the log goes; auto: stderr while it leads somewhere (a terminal, a file, "
      "journald), else syslog (env SOS_LOG_TARGET; default auto)");
  opt("--metrics", &flags->metrics, "open|root|off",
      "GET /-/metrics for anyone who reaches the port, only for requests signed by the root "
      "organisation, or not at all (env SOS_METRICS; default open)");
  opt("--metrics-listen", &flags->metrics_listen, "HOST:PORT",
      "also serve GET /metrics, unauthenticated, on a port of its own for Prometheus (env "
      "SOS_METRICS_LISTEN; default off)");
  opt("--console-listen", &flags->console_listen, "HOST:PORT",
      "serve the web console at /-/console/ on a port of its own, HTTPS when tls-cert is set "
      "(env SOS_CONSOLE_LISTEN; default off)");
  opt("--scrub-rate", &flags->scrub_rate, "BYTES",
      "the background scrub reads at most this many bytes per second (env SOS_SCRUB_RATE; "
      "default 64MiB; 0: no cap)");
  opt("--scrub-blobs-per-second", &flags->scrub_blobs_per_second, "N",
      "and verifies at most this many objects' blobs per second (env "
      "SOS_SCRUB_BLOBS_PER_SECOND; default 500; 0: no cap)");
  opt("--scrub-interval", &flags->scrub_interval, "DURATION",
      "a scrub pass starts this long after the last one began (env SOS_SCRUB_INTERVAL; "
      "default 7d)");
  opt("--stale-upload-expiry", &flags->stale_upload_expiry, "DURATION",
      "multipart uploads left unfinished this long are aborted and their parts freed (env "
      "SOS_STALE_UPLOAD_EXPIRY; default 7d; 0: never)");
  opt("--lifecycle-interval", &flags->lifecycle_interval, "DURATION",
      "how often the buckets' lifecycle rules are applied (env SOS_LIFECYCLE_INTERVAL; default "
      "1h)");
  opt("--config", &flags->config, "FILE",
      "TOML file with any of: listen, data, drives (array), region, fsync, domain, "
      "max_connections, max_connections_per_client, header_timeout, min_body_rate, "
      "min_body_rate_window, log_level, log_target, tls_cert, tls_key, tls_listen, metrics, "
      "metrics_listen, console_listen, scrub_rate, scrub_blobs_per_second, scrub_interval, "
      "stale_upload_expiry, lifecycle_interval "
      "(env SOS_CONFIG)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return std::nullopt;
}

Result<SosdConfig> ResolveSosdConfig(const SosdFlags& flags, const EnvLookup& env) {
  Raw raw;
  SosdConfig config;
  // config file: named by the flag, else by the environment
  std::optional<std::string> file = flags.config ? flags.config : env("SOS_CONFIG");
  if (file && !file->empty()) {
    SOS_RETURN_IF_ERROR(ApplyConfigFile(*file, &raw));
    config.config_file = *file;
  }
  // environment, then flags
  auto layer = [&](const std::optional<std::string>& flag, const char* env_name, std::string* out) {
    if (auto v = env(env_name); v && !v->empty()) *out = *v;
    if (flag) *out = *flag;
  };
  layer(flags.listen, "SOS_LISTEN", &raw.listen);
  layer(flags.data, "SOS_DATA", &raw.data);
  layer(flags.region, "SOS_REGION", &raw.region);
  layer(flags.fsync, "SOS_FSYNC", &raw.fsync);
  layer(flags.domain, "SOS_DOMAIN", &raw.domain);
  layer(flags.max_connections, "SOS_MAX_CONNECTIONS", &raw.max_connections);
  layer(flags.max_connections_per_client, "SOS_MAX_CONNECTIONS_PER_CLIENT",
        &raw.max_connections_per_client);
  layer(flags.header_timeout, "SOS_HEADER_TIMEOUT", &raw.header_timeout);
  layer(flags.min_body_rate, "SOS_MIN_BODY_RATE", &raw.min_body_rate);
  layer(flags.min_body_rate_window, "SOS_MIN_BODY_RATE_WINDOW", &raw.min_body_rate_window);
  layer(flags.log_level, "SOS_LOG_LEVEL", &raw.log_level);
  layer(flags.log_target, "SOS_LOG_TARGET", &raw.log_target);
  layer(flags.tls_cert, "SOS_TLS_CERT", &raw.tls_cert);
  layer(flags.tls_key, "SOS_TLS_KEY", &raw.tls_key);
  layer(flags.tls_listen, "SOS_TLS_LISTEN", &raw.tls_listen);
  layer(flags.metrics, "SOS_METRICS", &raw.metrics);
  layer(flags.metrics_listen, "SOS_METRICS_LISTEN", &raw.metrics_listen);
  layer(flags.console_listen, "SOS_CONSOLE_LISTEN", &raw.console_listen);
  layer(flags.scrub_rate, "SOS_SCRUB_RATE", &raw.scrub_rate);
  layer(flags.scrub_blobs_per_second, "SOS_SCRUB_BLOBS_PER_SECOND", &raw.scrub_blobs_per_second);
  layer(flags.scrub_interval, "SOS_SCRUB_INTERVAL", &raw.scrub_interval);
  layer(flags.stale_upload_expiry, "SOS_STALE_UPLOAD_EXPIRY", &raw.stale_upload_expiry);
  layer(flags.lifecycle_interval, "SOS_LIFECYCLE_INTERVAL", &raw.lifecycle_interval);
  std::string drives;
  layer(flags.drives, "SOS_DRIVES", &drives);
  if (!drives.empty() || flags.drives) raw.drives = SplitComma(drives);

  if (raw.tls_cert.empty() != raw.tls_key.empty()) {
    return Status::InvalidArgument("tls-cert and tls-key go together: give both or neither");
  }
  config.tls_cert = raw.tls_cert;
  config.tls_key = raw.tls_key;
  if (!config.tls_cert.empty()) {
    SOS_RETURN_IF_ERROR(
        ParseListen(raw.tls_listen, &config.tls_listen_host, &config.tls_listen_port));
  }
  if (raw.listen == "off") {
    if (config.tls_cert.empty()) {
      return Status::InvalidArgument(
          "listen 'off' needs tls-cert and tls-key: else nothing serves");
    }
    config.plain_http = false;
  } else {
    SOS_RETURN_IF_ERROR(ParseListen(raw.listen, &config.listen_host, &config.listen_port));
  }
  config.data_dir = raw.data.empty() ? DefaultDataDir(env) : raw.data;
  config.drives = raw.drives;
  if (raw.fsync != "always" && raw.fsync != "never") {
    return Status::InvalidArgument("fsync must be 'always' or 'never', not '" + raw.fsync + "'");
  }
  config.fsync = raw.fsync;
  if (raw.region.empty()) return Status::InvalidArgument("region must not be empty");
  config.region = raw.region;
  config.domain = raw.domain;
  SOS_ASSIGN_OR_RETURN(config.max_connections,
                       ParseCount("max-connections", raw.max_connections, 1));
  SOS_ASSIGN_OR_RETURN(config.max_connections_per_client,
                       ParseCount("max-connections-per-client", raw.max_connections_per_client, 0));
  SOS_ASSIGN_OR_RETURN(config.header_timeout,
                       ParseSosdDuration("header-timeout", raw.header_timeout));
  SOS_ASSIGN_OR_RETURN(config.min_body_rate, ParseSosdSize("min-body-rate", raw.min_body_rate));
  SOS_ASSIGN_OR_RETURN(config.min_body_rate_window,
                       ParseSosdDuration("min-body-rate-window", raw.min_body_rate_window));
  if (raw.metrics != "open" && raw.metrics != "root" && raw.metrics != "off") {
    return Status::InvalidArgument("metrics must be 'open', 'root' or 'off', not '" + raw.metrics +
                                   "'");
  }
  config.metrics = raw.metrics;
  if (raw.metrics_listen != "off") {
    if (config.metrics == "off") {
      return Status::InvalidArgument("metrics-listen needs metrics on, not 'off'");
    }
    config.metrics_listener = true;
    Status parsed =
        ParseListen(raw.metrics_listen, &config.metrics_listen_host, &config.metrics_listen_port);
    if (!parsed.ok()) return Status::InvalidArgument("metrics-listen: " + parsed.message());
  }
  if (raw.console_listen != "off") {
    config.console_listener = true;
    Status parsed =
        ParseListen(raw.console_listen, &config.console_listen_host, &config.console_listen_port);
    if (!parsed.ok()) return Status::InvalidArgument("console-listen: " + parsed.message());
  }
  SOS_ASSIGN_OR_RETURN(config.scrub_rate, ParseSosdSize("scrub-rate", raw.scrub_rate));
  SOS_ASSIGN_OR_RETURN(config.scrub_blobs_per_second,
                       ParseCount("scrub-blobs-per-second", raw.scrub_blobs_per_second, 0));
  SOS_ASSIGN_OR_RETURN(config.scrub_interval,
                       ParseSosdDuration("scrub-interval", raw.scrub_interval));
  SOS_ASSIGN_OR_RETURN(config.stale_upload_expiry,
                       ParseSosdDuration("stale-upload-expiry", raw.stale_upload_expiry));
  if (config.scrub_interval.count() == 0) {
    return Status::InvalidArgument("scrub-interval must not be 0");
  }
  SOS_ASSIGN_OR_RETURN(config.lifecycle_interval,
                       ParseSosdDuration("lifecycle-interval", raw.lifecycle_interval));
  if (config.lifecycle_interval.count() == 0) {
    return Status::InvalidArgument("lifecycle-interval must not be 0");
  }
  SOS_RETURN_IF_ERROR(ValidateLogLevel(raw.log_level));
  config.log_level = raw.log_level;
  SOS_ASSIGN_OR_RETURN(config.log_target, ParseLogTarget(raw.log_target));
  if (config.min_body_rate > 0 && config.min_body_rate_window.count() == 0) {
    return Status::InvalidArgument("min-body-rate-window must not be 0 while min-body-rate is set");
  }
  return config;
}

}  // namespace sos
