// sosd: the S3-compatible object store. Wires configuration (sosd_config.h)
// to the storage engine, the S3 API and the HTTP server, then waits for
// SIGTERM/SIGINT: in-flight requests finish, the store closes, exit 0.
// See `sosd --help` for settings and their precedence.
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <chrono>
#include <thread>
#include <vector>

#include "daemon/http/http_server.h"
#include "daemon/http/tls_context.h"
#include "daemon/root_account.h"
#include "daemon/s3api/lifecycle_worker.h"
#include "daemon/s3api/s3_error_table.h"
#include "daemon/s3api/s3_service.h"
#include "daemon/sosd_config.h"
#include "daemon/storage/storage_engine.h"
#include "s3core/draining_mounts.h"
#include "s3core/log.h"
#include "s3core/service_notify.h"

namespace {

int Fail(const std::string& what, const sos::Status& status) {
  spdlog::critical("{}: {}", what, status.ToString());
  sos::ShutdownLogging();
  return 1;
}

// Each connection holds a descriptor, and a request in progress a few more
// (replica files): raises the soft open-file limit toward the hard one to fit
// `max_connections` (kept-alive connections idle between requests need only
// theirs), and returns how many connections the limit then allows.
size_t FitOpenFileLimit(size_t max_connections) {
  constexpr rlim_t kPerRequest = 3;          // the replicas a request may open
  constexpr rlim_t kRequestsAtOnce = 1024;   // requests in progress counted for
  constexpr rlim_t kReserve = 256;           // the index, drives, log, listener
  auto needs = [&](rlim_t connections) {
    return kReserve + connections + kPerRequest * std::min(connections, kRequestsAtOnce);
  };
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return max_connections;
  // Room for a request on every connection at once if the hard limit allows,
  // else for kRequestsAtOnce of them.
  const auto connections = static_cast<rlim_t>(max_connections);
  const rlim_t want = kReserve + (1 + kPerRequest) * connections;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < want) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? want : std::min(want, limit.rlim_max);
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= needs(connections)) {
    return max_connections;
  }
  // The most connections whose needs fit (needs() grows with them).
  const rlim_t room = limit.rlim_cur > kReserve ? limit.rlim_cur - kReserve : 0;
  const rlim_t fits = room >= (1 + kPerRequest) * kRequestsAtOnce
                          ? room - kPerRequest * kRequestsAtOnce
                          : room / (1 + kPerRequest);
  return std::max<size_t>(1, static_cast<size_t>(fits));
}

// "http://127.0.0.1:8000", "https://[::1]:8443".
std::string UrlOf(const std::string& scheme, const std::string& host, int port) {
  const std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + shown + ":" + std::to_string(port);
}

// Mounts of this machine that were unmounted with writes still pending (an
// fstab mount's sosfs outlives its mount unit) get to finish before the
// listeners close, as sosfs@ units do by stopping first; bounded below the
// unit's TimeoutStopSec.
void WaitForDrainingMounts() {
  constexpr auto kLongest = std::chrono::seconds(240);
  const auto until = std::chrono::steady_clock::now() + kLongest;
  auto next_log = std::chrono::steady_clock::now();
  for (;;) {
    const size_t draining = sos::DrainingMounts(sos::kDrainingMountsDir).size();
    if (draining == 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) {
      spdlog::warn("{} unmounted sosfs mount(s) still sending; stopping anyway", draining);
      return;
    }
    if (now >= next_log) {
      spdlog::info("waiting for {} unmounted sosfs mount(s) to send their last writes", draining);
      next_log = now + std::chrono::seconds(10);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Signals are taken by sigwait below; block them before any thread starts
  // (the log's writer threads included) so that no other thread receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  sos::SosdFlags flags;
  if (auto exit_code = sos::ParseSosdFlags(argc, argv, &flags)) return *exit_code;
  (void)sos::InitLogging({"sosd"});  // until the configuration names a level and target
  auto config = sos::ResolveSosdConfig(flags, sos::ProcessEnv);
  if (!config.ok()) return Fail("configuration", config.status());
  (void)sos::InitLogging({"sosd", config->log_level, config->log_target, /*access_log=*/true});

  // The engine creates the data directory (0700: it holds root-credentials
  // and every object) and repairs loosened modes in it.
  sos::StorageOptions storage_options;
  storage_options.data_dir = config->data_dir;
  storage_options.drives = config->drives;
  storage_options.fsync =
      config->fsync == "never" ? sos::FsyncPolicy::kNever : sos::FsyncPolicy::kAlways;
  storage_options.scrub.bytes_per_second = config->scrub_rate;
  storage_options.scrub.blobs_per_second = static_cast<uint32_t>(config->scrub_blobs_per_second);
  storage_options.scrub.interval =
      std::chrono::duration_cast<std::chrono::seconds>(config->scrub_interval);
  storage_options.stale_upload_expiry =
      std::chrono::duration_cast<std::chrono::seconds>(config->stale_upload_expiry);
  auto engine = sos::StorageEngine::Open(storage_options);
  if (!engine.ok()) return Fail("opening the store in " + config->data_dir, engine.status());

  auto root = sos::EnsureRootAccount(**engine, config->data_dir, sos::ProcessEnv);
  if (!root.ok()) return Fail("root account", root.status());
  if (!root->empty()) {
    std::string_view note = *root;
    while (!note.empty() && note.back() == '\n') note.remove_suffix(1);
    spdlog::info("{}", note);
  }

  auto root_id = sos::RootAccountId(**engine);
  if (!root_id.ok()) return Fail("root account", root_id.status());

  // One access log for the S3 layer's request lines and the HTTP layer's cut
  // connections; warnings go to the main log at their level.
  auto access = sos::AccessLog();
  auto log_line = [access](std::string_view line) { access->info("{}", line); };

  sos::S3ServiceOptions service_options;
  service_options.log = log_line;
  service_options.warn = [](std::string_view line) { spdlog::warn("{}", line); };
  service_options.root_account_id = *root_id;
  service_options.region = config->region;
  service_options.domain = config->domain;
  if (config->metrics != "off")
    service_options.metrics = std::make_shared<sos::s3api::ServiceMetrics>();
  service_options.metrics_root_only = config->metrics == "root";
  // The listeners, for /-/metrics; filled as each starts. Declared before the
  // service (which outlives the listeners: they are declared after it).
  struct Listeners {
    std::mutex mu;
    std::vector<sos::HttpServer*> all;
  };
  auto listeners = std::make_shared<Listeners>();
  service_options.open_connections = [listeners] {
    std::lock_guard lock(listeners->mu);
    uint64_t open = 0;
    for (const sos::HttpServer* server : listeners->all) open += server->open_connections();
    return open;
  };
  auto service = std::make_unique<sos::S3Service>(**engine, service_options);
  sos::s3api::LifecycleWorker::Options lifecycle_options;
  lifecycle_options.interval = config->lifecycle_interval;
  lifecycle_options.log = [](std::string_view line) { spdlog::info("{}", line); };
  lifecycle_options.on_counts =
      [metrics = service_options.metrics](const sos::s3api::LifecycleWorker::Counts& run) {
        if (metrics) metrics->RecordLifecycle(run.expired, run.aborted);
      };
  sos::s3api::LifecycleWorker lifecycle(**engine, lifecycle_options);
  lifecycle.Start();
  std::vector<std::unique_ptr<sos::HttpServer>> servers;

  // The certificate first: a bad one stops sosd before anything listens.
  std::shared_ptr<sos::TlsContext> tls;
  if (!config->tls_cert.empty()) {
    auto loaded = sos::TlsContext::Load(config->tls_cert, config->tls_key);
    if (!loaded.ok()) return Fail("TLS", loaded.status());
    tls = *loaded;
  }
  const size_t listener_count =
      (config->plain_http ? 1 : 0) + (tls ? 1 : 0) + (config->console_listener ? 1 : 0);

  sos::HttpServerOptions http_options;
  http_options.host = config->listen_host;
  http_options.port = config->listen_port;
  // Each listener holds up to max_connections: the descriptors must fit them all.
  http_options.max_connections =
      FitOpenFileLimit(config->max_connections * listener_count) / listener_count;
  if (http_options.max_connections < config->max_connections) {
    spdlog::warn("the open-file limit allows {} connections per listener, not {}",
                 http_options.max_connections, config->max_connections);
  }
  http_options.max_connections_per_client = config->max_connections_per_client;
  http_options.header_timeout = config->header_timeout;
  http_options.min_body_rate = config->min_body_rate;
  http_options.body_rate_window = config->min_body_rate_window;
  http_options.log = log_line;
  // Requests refused before routing still get an S3 <Error> a client can read.
  http_options.render_rejection = [](int status, std::string_view reason) {
    sos::S3Error error = sos::S3ErrorForHttpRejection(status);
    return sos::HttpRejection{error.http_status, "application/xml",
                              sos::S3ErrorXml(error, reason, "", "")};
  };
  // One listener per scheme, sharing the handler and the limits (each
  // listener counts its own connections).
  std::string urls;
  std::string last_url;   // of the listener started last
  std::string s3_scheme;  // the S3 API's own listener, for the console's links
  int s3_port = 0;
  auto listen = [&](const std::string& scheme, const std::string& host, int port,
                    sos::S3Service& handler) -> bool {
    http_options.host = host;
    http_options.port = port;
    auto server = sos::HttpServer::Start(http_options, handler.Handler());
    if (!server.ok()) {
      Fail("listening on " + host + ":" + std::to_string(port), server.status());
      return false;
    }
    last_url = UrlOf(scheme, host, (*server)->port());
    if (&handler == service.get()) {
      urls += (urls.empty() ? "" : " and ") + last_url;
      s3_scheme = scheme;
      s3_port = (*server)->port();
    }
    {
      std::lock_guard lock(listeners->mu);
      listeners->all.push_back(server->get());
    }
    servers.push_back(std::move(*server));
    return true;
  };
  if (config->plain_http && !listen("http", config->listen_host, config->listen_port, *service)) {
    return 1;
  }
  if (tls) {
    http_options.tls = tls;
    if (!listen("https", config->tls_listen_host, config->tls_listen_port, *service)) return 1;
  }
  // The web console: the same S3 API on a port of its own, whose origin
  // renders nothing but the console (S3ServiceOptions::console); HTTPS
  // whenever sosd has a certificate, since browsers sign only in secure
  // contexts.
  std::unique_ptr<sos::S3Service> console_service;
  if (config->console_listener) {
    sos::S3ServiceOptions console_options = service_options;
    console_options.console = true;
    console_options.domain.clear();  // path-style only: /-/console/ is never a bucket's key
    console_options.console_s3_scheme = s3_scheme;
    console_options.console_s3_port = s3_port;
    console_service = std::make_unique<sos::S3Service>(**engine, console_options);
    if (!listen(tls ? "https" : "http", config->console_listen_host, config->console_listen_port,
                *console_service)) {
      return 1;
    }
    spdlog::info("web console at {}/-/console/", last_url);
  }
  if (config->metrics_listener) {
    // Prometheus' own port: a handler that serves /metrics and nothing else.
    sos::HttpServerOptions metrics_options;
    metrics_options.host = config->metrics_listen_host;
    metrics_options.port = config->metrics_listen_port;
    metrics_options.max_connections = 64;
    metrics_options.max_connections_per_client = 4;  // a scraper needs one
    metrics_options.log = log_line;
    auto server = sos::HttpServer::Start(metrics_options, service->MetricsHandler());
    if (!server.ok()) {
      return Fail("listening for metrics on " + config->metrics_listen_host + ":" +
                      std::to_string(config->metrics_listen_port),
                  server.status());
    }
    spdlog::info("metrics at {}/metrics",
                 UrlOf("http", config->metrics_listen_host, (*server)->port()));
    if (config->metrics == "root") {
      spdlog::warn("--metrics root covers /-/metrics only: {}/metrics needs no signature",
                   UrlOf("http", config->metrics_listen_host, (*server)->port()));
    }
    servers.push_back(std::move(*server));
  }
  spdlog::info("listening on {} (data {}, region {}, fsync {}{}{})", urls, config->data_dir,
               config->region, config->fsync, config->domain.empty() ? "" : ", domain ",
               config->domain);
  sos::NotifyReady("listening on " + urls);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  sos::NotifyStopping("finishing in-flight requests");
  spdlog::info("{} received, finishing in-flight requests",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  WaitForDrainingMounts();
  {  // every listener stops accepting at once, then each drains
    std::vector<std::thread> stopping;
    for (auto& server : servers) stopping.emplace_back([&server] { server->Shutdown(); });
    for (std::thread& t : stopping) t.join();
  }
  for (auto& server : servers) {
    const sos::ConnectionCuts cuts = server->cuts();
    spdlog::info(
        "connections cut: header_timeout={} slow_body={} stalled={}; refused: "
        "per_client_limit={}",
        cuts.header_timeout, cuts.slow_body, cuts.stalled, cuts.per_client_limit);
  }
  {
    std::lock_guard lock(listeners->mu);
    listeners->all.clear();
  }
  servers.clear();
  lifecycle.Stop();
  console_service.reset();
  service.reset();
  engine->reset();  // closes the index after every request is done
  spdlog::info("stopped");
  sos::ShutdownLogging();  // the access log writes out what is still queued
  return 0;
}
