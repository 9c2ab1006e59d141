// The request pipeline: parse -> authenticate -> authorize -> execute ->
// render, and the access log.
#include "daemon/s3api/s3_service.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <random>

#include "daemon/s3api/cors.h"
#include "daemon/s3api/s3_context.h"
#include "daemon/s3api/store_health.h"
#include "s3core/log.h"
#include "s3core/uri.h"
#include "s3core/xml_codec.h"

namespace sos {
namespace s3api {
namespace {

// 16 upper-case hex digits, unique per process run: a random base plus a counter.
std::string NewRequestId() {
  static const uint64_t base = [] {
    std::random_device rd;
    return (uint64_t{rd()} << 32) ^ rd();
  }();
  static std::atomic<uint64_t> counter{0};
  uint64_t id = base + counter.fetch_add(1, std::memory_order_relaxed) * 0x9E3779B97F4A7C15ULL;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(id));
  return buf;
}

// ---- authenticate -----------------------------------------------------------

Status AuthenticateRequest(Context& ctx) {
  Status lookup_error;
  std::optional<AccessKey> found;
  CredentialLookup lookup = [&](std::string_view access_key_id) -> std::optional<std::string> {
    auto key = ctx.engine.LookupKey(std::string(access_key_id));
    if (!key.ok()) {
      if (key.status().code() != StatusCode::kNotFound) lookup_error = key.status();
      return std::nullopt;
    }
    found = *std::move(key);
    return found->secret;
  };
  AuthOptions options;
  options.v4.region = ctx.options.region;
  options.allow_sigv2 = ctx.options.allow_sigv2;
  if (ctx.route.virtual_hosted) options.v2.virtual_host_bucket = ctx.route.bucket;
  auto result = Authenticate(ctx.head, lookup, ctx.now, options);
  // A storage failure is not the client's bad key.
  if (!lookup_error.ok()) return lookup_error;
  if (!result.ok()) return result.status();
  ctx.auth = *std::move(result);
  if (ctx.auth.scheme == AuthScheme::kAnonymous) return Status::Ok();
  if (!found || found->access_key_id != ctx.auth.access_key_id) {
    return Status::Unauthenticated(
        "The AWS access key Id you provided does not exist in our "
        "records.",
        "InvalidAccessKeyId");
  }
  if (ctx.auth.sigv4 && !ctx.auth.sigv4->session_token.empty()) {
    // sosd issues no temporary credentials, so no token can be valid.
    return Status::InvalidArgument("The provided token is malformed or otherwise invalid.",
                                   "InvalidToken");
  }
  ctx.principal.anonymous = false;
  ctx.principal.account_id = found->account_id;
  ctx.principal.access_key_id = found->access_key_id;
  return Status::Ok();
}

// ---- authorize --------------------------------------------------------------

// Access-Control-* headers for an actual (non-preflight) cross-origin request.
void AddCorsHeaders(Context& ctx) {
  auto origin = ctx.Header("origin");
  if (!origin || !ctx.bucket || ctx.bucket->cors.empty()) return;
  auto config = DecodeCorsConfiguration(ctx.bucket->cors);
  if (!config.ok()) return;
  if (const CorsRule* rule = MatchCorsRule(*config, *origin, ctx.head.method, "")) {
    for (auto& h : CorsResponseHeaders(*rule, *origin, "", /*preflight=*/false)) {
      ctx.extra_headers.push_back(std::move(h));
    }
  }
}

Status LoadBucketAndAuthorize(Context& ctx) {
  AccessRule rule = AccessRuleFor(ctx.route.op);
  if (rule.kind == AccessRule::Kind::kAuthenticated) {
    return AuthorizeAuthenticated(ctx.principal);
  }
  if (ctx.route.bucket.empty()) return Status::Ok();
  auto bucket = ctx.engine.GetBucket(ctx.route.bucket);
  if (!bucket.ok()) {
    Status s = WithCode(bucket.status(), "NoSuchBucket");
    if (s.code() == StatusCode::kNotFound) {
      return Status::NotFound("The specified bucket does not exist", "NoSuchBucket");
    }
    return s;
  }
  ctx.bucket = *std::move(bucket);
  AddCorsHeaders(ctx);
  switch (rule.kind) {
    case AccessRule::Kind::kPublic:
    case AccessRule::Kind::kObject:  // checked by the operation once the object is loaded
      return Status::Ok();
    case AccessRule::Kind::kAuthenticated:
      return AuthorizeAuthenticated(ctx.principal);
    case AccessRule::Kind::kBucketOwner:
      return AuthorizeBucketOwner(ctx.principal, *ctx.bucket);
    case AccessRule::Kind::kBucket:
      return AuthorizeBucket(ctx.principal, *ctx.bucket, rule.permission);
  }
  return Status::Ok();
}

// ---- execute ------------------------------------------------------------------

// /-/health: the store's state and why; /-/ready: whether writes are taken.
Status HealthOrReady(Context& ctx) {
  SOS_ASSIGN_OR_RETURN(StorageStats stats, ctx.engine.Stats());
  const StoreHealth health = EvaluateHealth(stats);
  const bool failing = health.state == StoreHealth::State::kFailing;
  const int status = failing ? 503 : 200;
  std::string body;
  if (ctx.route.op == S3Op::kReady) {
    body = failing ? "not ready\n" : "ready\n";
  } else {
    body = std::string(HealthName(health.state)) + "\n";
  }
  for (const std::string& reason : health.reasons) body += reason + "\n";
  StartResponse(ctx, status);
  return ctx.out.Send(status, "text/plain", body);
}

Status Metrics(Context& ctx) {
  if (!ctx.options.metrics) return Status::NotFound("Metrics are off.", "NoSuchResource");
  SOS_ASSIGN_OR_RETURN(StorageStats stats, ctx.engine.Stats());
  const uint64_t open = ctx.options.open_connections ? ctx.options.open_connections() : 0;
  StartResponse(ctx, 200);
  return ctx.out.Send(200, "text/plain; version=0.0.4", ctx.options.metrics->Render(stats, open));
}

Status Execute(Context& ctx) {
  switch (ctx.route.op) {
    case S3Op::kAdmin:
      return AdminApi(ctx, [&] { return AuthenticateRequest(ctx); });
    case S3Op::kConsole:
      return ServeConsole(ctx);
    case S3Op::kHealth:
    case S3Op::kReady:
      return HealthOrReady(ctx);
    case S3Op::kMetrics:
      return Metrics(ctx);
    case S3Op::kListBuckets:
      return ListBuckets(ctx);
    case S3Op::kCreateBucket:
      return CreateBucket(ctx);
    case S3Op::kHeadBucket:
      return HeadBucket(ctx);
    case S3Op::kDeleteBucket:
      return DeleteBucket(ctx);
    case S3Op::kGetBucketLocation:
      return GetBucketLocation(ctx);
    case S3Op::kGetBucketVersioning:
      return GetBucketVersioning(ctx);
    case S3Op::kPutBucketVersioning:
      return PutBucketVersioning(ctx);
    case S3Op::kGetObjectLockConfiguration:
      return GetObjectLockConfiguration(ctx);
    case S3Op::kPutObjectLockConfiguration:
      return PutObjectLockConfiguration(ctx);
    case S3Op::kGetObjectRetention:
      return GetObjectRetention(ctx);
    case S3Op::kPutObjectRetention:
      return PutObjectRetention(ctx);
    case S3Op::kGetObjectLegalHold:
      return GetObjectLegalHold(ctx);
    case S3Op::kPutObjectLegalHold:
      return PutObjectLegalHold(ctx);
    case S3Op::kGetBucketEmptyConfig:
      return GetBucketEmptyConfig(ctx);
    case S3Op::kGetBucketCors:
      return GetBucketCors(ctx);
    case S3Op::kPutBucketCors:
      return PutBucketCors(ctx);
    case S3Op::kDeleteBucketCors:
      return DeleteBucketCors(ctx);
    case S3Op::kGetBucketLifecycle:
      return GetBucketLifecycle(ctx);
    case S3Op::kPutBucketLifecycle:
      return PutBucketLifecycle(ctx);
    case S3Op::kDeleteBucketLifecycle:
      return DeleteBucketLifecycle(ctx);
    case S3Op::kGetBucketAcl:
      return GetBucketAcl(ctx);
    case S3Op::kPutBucketAcl:
      return PutBucketAcl(ctx);
    case S3Op::kListObjects:
      return ListObjects(ctx, /*v2=*/false);
    case S3Op::kListObjectsV2:
      return ListObjects(ctx, /*v2=*/true);
    case S3Op::kListObjectVersions:
      return ListObjectVersions(ctx);
    case S3Op::kListMultipartUploads:
      return ListMultipartUploads(ctx);
    case S3Op::kDeleteObjects:
      return DeleteObjects(ctx);
    case S3Op::kGetObject:
      return GetObject(ctx, /*head_only=*/false);
    case S3Op::kHeadObject:
      return GetObject(ctx, /*head_only=*/true);
    case S3Op::kPutObject:
      return PutObject(ctx);
    case S3Op::kCopyObject:
      return CopyObject(ctx);
    case S3Op::kDeleteObject:
      return DeleteObject(ctx);
    case S3Op::kGetObjectAcl:
      return GetObjectAcl(ctx);
    case S3Op::kPutObjectAcl:
      return PutObjectAcl(ctx);
    case S3Op::kGetObjectTagging:
      return GetObjectTagging(ctx);
    case S3Op::kPutObjectTagging:
      return PutObjectTagging(ctx);
    case S3Op::kDeleteObjectTagging:
      return DeleteObjectTagging(ctx);
    case S3Op::kGetObjectAttributes:
      return GetObjectAttributes(ctx);
    case S3Op::kCreateMultipartUpload:
      return CreateMultipartUpload(ctx);
    case S3Op::kUploadPart:
      return UploadPart(ctx);
    case S3Op::kUploadPartCopy:
      return UploadPartCopy(ctx);
    case S3Op::kCompleteMultipartUpload:
      return CompleteMultipartUpload(ctx);
    case S3Op::kAbortMultipartUpload:
      return AbortMultipartUpload(ctx);
    case S3Op::kListParts:
      return ListParts(ctx);
    case S3Op::kPreflight:
      return Preflight(ctx);
    case S3Op::kNotImplemented:
      return Status::NotSupported("sosd does not implement " + ctx.route.detail + ".");
    case S3Op::kMethodNotAllowed:
      return Status::NotSupported("The specified method is not allowed against this resource.",
                                  "MethodNotAllowed");
  }
  return Status::Internal("unhandled operation");
}

Status Run(Context& ctx, const RouterOptions& router) {
  // parse
  SOS_ASSIGN_OR_RETURN(ctx.route, Route(ctx.head, router));
  S3Op op = ctx.route.op;
  if (op == S3Op::kHealth || op == S3Op::kReady || op == S3Op::kConsole ||
      op == S3Op::kNotImplemented || op == S3Op::kMethodNotAllowed) {
    return Execute(ctx);
  }
  if (op == S3Op::kMetrics) {
    if (ctx.options.metrics_root_only) {
      SOS_RETURN_IF_ERROR(AuthenticateRequest(ctx));
      if (ctx.principal.anonymous || ctx.principal.account_id != ctx.options.root_account_id) {
        return Status::PermissionDenied("Only the root organisation may read the metrics.",
                                        "AccessDenied");
      }
      SOS_RETURN_IF_ERROR(CheckSingleUse(ctx));  // a single-use URL stays single-use here too
    }
    return Execute(ctx);
  }
  if (op == S3Op::kAdmin) return AdminApi(ctx, [&] { return AuthenticateRequest(ctx); });
  // authenticate (a preflight carries no credentials, by the CORS spec)
  if (op != S3Op::kPreflight) SOS_RETURN_IF_ERROR(AuthenticateRequest(ctx));
  if (ctx.options.console && ctx.principal.anonymous) {
    // Public objects are for the S3 port: here nothing unsigned is served.
    return Status::PermissionDenied("The console's port answers signed requests only.",
                                    "AccessDenied");
  }
  // authorize
  SOS_RETURN_IF_ERROR(LoadBucketAndAuthorize(ctx));
  SOS_RETURN_IF_ERROR(CheckSingleUse(ctx));
  // execute + render
  return Execute(ctx);
}

}  // namespace
}  // namespace s3api

S3Service::S3Service(StorageEngine& engine, S3ServiceOptions options)
    : engine_(engine), options_(std::move(options)) {
  if (!options_.clock) options_.clock = [] { return std::chrono::system_clock::now(); };
  if (!options_.log) {
    options_.log = [log = AccessLog()](std::string_view line) { log->info("{}", line); };
  }
  if (!options_.warn) options_.warn = options_.log;
}

HttpHandler S3Service::Handler() {
  return [this](HttpRequest& request, ResponseWriter& response) { Handle(request, response); };
}

HttpHandler S3Service::MetricsHandler() {
  return [this](HttpRequest& request, ResponseWriter& response) {
    const std::string_view method = request.head.method;
    if (SplitTarget(request.head.target).first != "/metrics") {
      (void)response.Send(404, "text/plain", "not found: metrics are at /metrics\n");
    } else if (method != "GET" && method != "HEAD") {
      response.AddHeader("Allow", "GET, HEAD");
      (void)response.Send(405, "text/plain", "GET or HEAD only\n");
    } else if (auto stats = engine_.Stats(); !stats.ok()) {
      (void)response.Send(500, "text/plain", stats.status().ToString() + "\n");
    } else {
      const uint64_t open = options_.open_connections ? options_.open_connections() : 0;
      (void)response.Send(200, "text/plain; version=0.0.4", options_.metrics->Render(*stats, open));
    }
  };
}

void S3Service::Handle(HttpRequest& request, ResponseWriter& response) {
  using s3api::Context;
  auto started = std::chrono::steady_clock::now();
  s3api::CountingWriter out(response);
  Context ctx(request, out, engine_, options_);
  ctx.request_id = s3api::NewRequestId();
  ctx.now = options_.clock();

  Status status = s3api::Run(ctx, RouterOptions{options_.domain});
  std::string note;
  if (!status.ok()) {
    if (!out.headers_sent() && !out.finished()) {
      s3api::SendError(ctx, status);
    } else {
      // The response was under way (a streamed GET whose read failed): the
      // only honest signal left is to cut the connection, which the HTTP
      // server does when a response is not finished.
      note = " aborted";
    }
    if (status.code() != StatusCode::kNotModified) note += " err=" + status.ToString();
  } else if (out.headers_sent() && !out.finished()) {
    (void)out.Finish();
  }

  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                .count();
  // Only the path: queries may hold pre-signed credentials and signatures.
  std::string path(SplitTarget(request.head.target).first);
  std::string line =
      request.remote_addr + " " + request.head.method + " " + path + " " +
      std::to_string(out.status()) + " in=" + std::to_string(ctx.bytes_in) +
      " out=" + std::to_string(out.bytes()) + " " + std::to_string(ms) + "ms " +
      (ctx.route.wire_path.empty() ? std::string("Unrouted")
                                   : std::string(S3OpName(ctx.route.op))) +
      " id=" + ctx.request_id +
      " key=" + (ctx.principal.access_key_id.empty() ? "-" : ctx.principal.access_key_id) + note;
  // Messages may quote keys, which may hold control characters: one line stays one line.
  for (char& c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  options_.log(line);
  if (options_.metrics) {
    options_.metrics->RecordRequest(
        ctx.route.wire_path.empty() ? "Unrouted" : S3OpName(ctx.route.op), out.status(),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
        ctx.bytes_in, out.bytes());
  }
  if (status.ok() && !ctx.warning.empty()) {
    for (char& c : ctx.warning) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    options_.warn(ctx.warning);
  }
}

}  // namespace sos
