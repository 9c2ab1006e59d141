// S3Service: the S3 REST API of sosd, as one HttpHandler.
//
// Each request goes through fixed stages, as in Ceph RGW's rgw_op:
//   parse      RequestRouter: method + target + Host -> operation, bucket, key
//   authenticate  SigV4/SigV2 header or query, or anonymous (s3core Authenticate),
//              with secrets looked up through StorageEngine::LookupKey
//   authorize  Authorizer: owner model plus stored ACLs (canned or granted);
//              then a single-use (X-Sos-Once) pre-signed URL is consumed
//   execute    one function per operation against the StorageEngine
//   render     XML / headers / streamed bodies; every error goes through the
//              one error table (s3_error_table.h)
// Every response carries x-amz-request-id and x-amz-id-2. Request bodies
// stream through PayloadVerifier into storage blobs; nothing is committed
// unless every declared digest, checksum and chunk signature verified.
//
// sosd's own endpoints (path-style only): `GET /-/health` answers "ok" or
// "degraded" with 200, or "failing" with 503, a reason per line
// (store_health.h); `GET /-/ready` answers 200 while writes are taken, else
// 503; `GET /-/metrics` is Prometheus text (service_metrics.h), open or for
// the root organisation only (MetricsHandler serves it as `/metrics` on a
// listener of its own). Health and ready need no authentication.
// `/-/admin/` is the admin API (admin_ops.cc, s3core/admin_api.h), JSON, root
// organisation only. `/-/console/` is the web console (console_ops.cc), on
// a listener of its own (options.console): static files, no authentication;
// the browser signs its S3 calls itself.
//
// One log line per request (method, path, status, bytes in/out, ms, request
// id) goes to options.log; queries and headers are never logged, so neither
// are pre-signed signatures or Authorization values.
//
// Thread-safe: Handle may run on any number of connection threads at once;
// the service holds no mutable state besides what the engine guards.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "daemon/http/http_server.h"
#include "daemon/s3api/service_metrics.h"
#include "daemon/storage/storage_engine.h"

namespace sos {

struct S3ServiceOptions {
  // The SigV4 region sosd answers for (credential scopes must name it).
  std::string region = "us-east-1";
  // Base domain of virtual-hosted bucket addressing ("" = path-style only).
  std::string domain;
  uint64_t max_object_size = uint64_t{5} << 30;  // single PUT / part (EntityTooLarge)
  uint64_t min_part_size = uint64_t{5} << 20;    // all parts but the last
  bool allow_sigv2 = true;
  // Canonical ID of the root organisation: the only one the admin API
  // (/-/admin/, s3core/admin_api.h) answers. Empty: the admin API is off.
  std::string root_account_id;
  // Time source (tests); default system_clock::now.
  std::function<TimePoint()> clock;
  // Receives one line per request; default: the access log (s3core/log.h).
  std::function<void(std::string_view line)> log;
  // Receives warnings (a public-read-write ACL, a detail hidden from a
  // client); default: `log`.
  std::function<void(std::string_view line)> warn;
  // Counts every request and serves /-/metrics; null: /-/metrics is 404.
  std::shared_ptr<s3api::ServiceMetrics> metrics;
  // /-/metrics only for requests signed by the root organisation.
  bool metrics_root_only = false;
  // This service is the web console's listener (console_ops.cc): it serves
  // /-/console/, answers signed requests only, and sends object bodies as
  // attachments, so that nothing a tenant uploads ever renders in the
  // console's origin. Elsewhere /-/console/ is 404.
  bool console = false;
  // Where the S3 API listens, for the console's public and shared links.
  std::string console_s3_scheme = "http";
  int console_s3_port = 0;
  // Connections open on sosd's listeners, for /-/metrics.
  std::function<uint64_t()> open_connections;
};

class S3Service {
 public:
  // `engine` must outlive the service.
  S3Service(StorageEngine& engine, S3ServiceOptions options);

  void Handle(HttpRequest& request, ResponseWriter& response);
  // Handle, as the callable HttpServer::Start wants.
  HttpHandler Handler();
  // For a listener of its own (--metrics-listen): GET or HEAD /metrics is the
  // Prometheus text of /-/metrics, without authentication; anything else 404.
  // Requires options.metrics.
  HttpHandler MetricsHandler();

 private:
  StorageEngine& engine_;
  S3ServiceOptions options_;
};

}  // namespace sos
