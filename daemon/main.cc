// sosd: the S3-compatible object store. Wires configuration (sosd_config.h)
// to the storage engine, the S3 API and the HTTP server, then waits for
// SIGTERM/SIGINT: in-flight requests finish, the store closes, exit 0.
// See `sosd --help` for settings and their precedence.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>

#include "daemon/http/http_server.h"
#include "daemon/root_account.h"
#include "daemon/s3api/s3_error_table.h"
#include "daemon/s3api/s3_service.h"
#include "daemon/sosd_config.h"
#include "daemon/storage/storage_engine.h"

namespace {

int Fail(const std::string& what, const sos::Status& status) {
  std::fprintf(stderr, "sosd: %s: %s\n", what.c_str(), status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  sos::SosdFlags flags;
  if (auto exit_code = sos::ParseSosdFlags(argc, argv, &flags)) return *exit_code;
  auto config = sos::ResolveSosdConfig(flags, sos::ProcessEnv);
  if (!config.ok()) return Fail("configuration", config.status());

  // Signals are taken by sigwait below; block them before any thread starts
  // so that none of the server's threads receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // The engine creates the data directory (0700: it holds root-credentials
  // and every object) and repairs loosened modes in it.
  sos::StorageOptions storage_options;
  storage_options.data_dir = config->data_dir;
  storage_options.drives = config->drives;
  storage_options.fsync =
      config->fsync == "never" ? sos::FsyncPolicy::kNever : sos::FsyncPolicy::kAlways;
  auto engine = sos::StorageEngine::Open(storage_options);
  if (!engine.ok()) return Fail("opening the store in " + config->data_dir, engine.status());

  auto root = sos::EnsureRootAccount(**engine, config->data_dir, sos::ProcessEnv);
  if (!root.ok()) return Fail("root account", root.status());
  if (!root->empty()) {
    std::fputs(root->c_str(), stdout);
    std::fflush(stdout);
  }

  auto root_id = sos::RootAccountId(**engine);
  if (!root_id.ok()) return Fail("root account", root_id.status());

  sos::S3ServiceOptions service_options;
  service_options.root_account_id = *root_id;
  service_options.region = config->region;
  service_options.domain = config->domain;
  auto service = std::make_unique<sos::S3Service>(**engine, service_options);

  sos::HttpServerOptions http_options;
  http_options.host = config->listen_host;
  http_options.port = config->listen_port;
  // Requests refused before routing still get an S3 <Error> a client can read.
  http_options.render_rejection = [](int status, std::string_view reason) {
    sos::S3Error error = sos::S3ErrorForHttpRejection(status);
    return sos::HttpRejection{error.http_status, "application/xml",
                              sos::S3ErrorXml(error, reason, "", "")};
  };
  auto server = sos::HttpServer::Start(http_options, service->Handler());
  if (!server.ok()) {
    return Fail("listening on " + config->listen_host + ":" + std::to_string(config->listen_port),
                server.status());
  }
  std::string host = config->listen_host.find(':') != std::string::npos
                         ? "[" + config->listen_host + "]"
                         : config->listen_host;
  std::fprintf(stderr, "sosd: listening on http://%s:%d (data %s, region %s, fsync %s%s%s)\n",
               host.c_str(), (*server)->port(), config->data_dir.c_str(), config->region.c_str(),
               config->fsync.c_str(), config->domain.empty() ? "" : ", domain ",
               config->domain.c_str());

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::fprintf(stderr, "sosd: %s received, finishing in-flight requests\n",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->Shutdown();
  server->reset();
  service.reset();  // its access log writes out what is still queued
  engine->reset();  // closes the index after every request is done
  std::fprintf(stderr, "sosd: stopped\n");
  return 0;
}
