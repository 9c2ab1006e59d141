// HttpServer: the HTTP/1.1 front door of sosd, on Boost.Beast.
//
// Listens on one address, serves each request on a worker thread with
// blocking Beast I/O (so handlers may block on disk without stalling others),
// and calls one HttpHandler per request. A connection with nothing to read
// (before its first request, or kept alive between requests) holds no thread:
// after a short wait on its worker it is parked in an epoll set (IdleParker)
// and handed to a worker again when bytes arrive, so thousands of idle
// connections cost a few KiB each. Keep-alive, pipelined requests served
// in order, `Expect: 100-continue` (the 100 is sent when the handler first reads
// the body), chunked request and response bodies, HEAD, limits on header size
// and connection count, and idle timeouts come from here, never from handlers.
// Bodies stream in both directions through RequestBody and ResponseWriter, so
// memory per connection is bounded whatever the object size.
//
// Slow clients (slowloris and its kin) are cut off here too: a request head
// must arrive whole within header_timeout, a body must keep up min_body_rate,
// and one client address may hold at most max_connections_per_client
// connections (the next is answered 503 at once and closed, never queued).
// Each cut or refused connection is counted (cuts()) and leaves one line in
// options.log: client address and reason, never request content. Worker
// threads get thread_stack_bytes of stack, so thousands of requests in
// progress stay cheap (their stacks are mostly untouched address space).
//
// Shutdown() stops accepting, lets in-flight requests finish (up to a grace
// period), closes idle connections, then returns. Thread-safe: Start once,
// Shutdown from any thread (e.g. a SIGTERM watcher).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/http/tls_context.h"
#include "s3core/http_request_head.h"
#include "s3core/status.h"

namespace sos {

// The answer to a request the HTTP layer refuses before any handler runs
// (header section too large, malformed HTTP, unsupported version).
struct HttpRejection {
  int status = 400;
  std::string content_type = "text/plain";
  std::string body;
};
// Given the status the server would send (400, 431, 505) and the reason.
using RejectionRenderer = std::function<HttpRejection(int status, std::string_view reason)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0 picks a free port; port() tells which
  // Open connections in all; past it new clients wait in the listen backlog
  // (and the longest-idle keep-alive connection is closed to make room).
  size_t max_connections = 4096;
  // Open connections from one client: an IPv4 address, or an IPv6 /64 (one
  // host's usual allocation). The next one gets 503 (render_rejection) and is
  // closed at once. 0: no cap.
  size_t max_connections_per_client = 64;
  size_t max_header_bytes = 64 << 10;
  std::chrono::seconds idle_timeout{60};  // no request on a kept-alive connection
  std::chrono::seconds io_timeout{300};   // a stalled read or write of a body
  // A request head (request line and header fields) must arrive whole within
  // this, counted from its first byte; a connection's first request counts
  // from the accept. Else the connection is cut. 0: no deadline.
  std::chrono::milliseconds header_timeout{30000};
  // A request body arriving at less than min_body_rate bytes/s, averaged over
  // body_rate_window of waiting for it, is cut: the handler's Read() fails
  // with Timeout. Time the handler spends not reading does not count against
  // the client. 0: no minimum.
  uint64_t min_body_rate = 1024;
  std::chrono::milliseconds body_rate_window{30000};
  std::chrono::seconds shutdown_grace{30};
  size_t thread_stack_bytes = 1 << 20;  // of each worker thread
  // Unset: `status` with the reason as text/plain. sosd answers S3 XML errors.
  RejectionRenderer render_rejection;
  // Set: the listener speaks HTTPS only. The handshake counts against
  // header_timeout, and a per-client refusal closes without a 503 (there is no
  // session to send it in).
  std::shared_ptr<const TlsContext> tls;
  // Receives one line per connection cut or refused as a slow or greedy
  // client; called from connection threads and the acceptor. Unset: no lines.
  std::function<void(std::string_view line)> log;
};

// Why the server cut a connection off.
enum class CutReason {
  kNone,
  kHeaderTimeout,   // the request head was not whole within header_timeout
  kSlowBody,        // the body came slower than min_body_rate
  kStalled,         // nothing arrived for io_timeout
  kPerClientLimit,  // refused: the client already had max_connections_per_client
};
// "header_timeout", "slow_body", "stalled", "per_client_limit" ("none").
std::string_view CutReasonName(CutReason reason);

// Connections cut (or refused) since Start, by reason.
struct ConnectionCuts {
  uint64_t header_timeout = 0;
  uint64_t slow_body = 0;
  uint64_t stalled = 0;
  uint64_t per_client_limit = 0;
};

// The request body; Read() returns 0 at its end. Transfer-Encoding: chunked
// is undone here (aws-chunked payload framing is not: that is S3's, not HTTP's).
class RequestBody {
 public:
  virtual ~RequestBody() = default;
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
  // Content-Length, if the request had one.
  virtual std::optional<uint64_t> ContentLength() const = 0;
};

// Builds the response: status and headers first, then the body.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  virtual void SetStatus(int status) = 0;
  virtual void AddHeader(std::string_view name, std::string_view value) = 0;
  // Sends status and headers. With a length, Content-Length is sent; without,
  // the body is sent chunked. For HEAD the body is suppressed but the length kept.
  virtual Status SendHeaders(std::optional<uint64_t> content_length) = 0;
  virtual Status Write(std::string_view data) = 0;
  // Ends the response; the connection may then serve the next request.
  virtual Status Finish() = 0;
  // Whole response in one call (small bodies: XML, errors).
  virtual Status Send(int status, std::string_view content_type, std::string_view body) = 0;
  virtual bool headers_sent() const = 0;
};

struct HttpRequest {
  HttpRequestHead head;     // method, raw target, headers as received
  std::string remote_addr;  // "127.0.0.1:53422"
  RequestBody* body = nullptr;
};

// Called once per request, on a worker thread. A handler that leaves
// the body unread gets the connection closed after its response (no desync).
using HttpHandler = std::function<void(HttpRequest& request, ResponseWriter& response)>;

class HttpServer {
 public:
  static Result<std::unique_ptr<HttpServer>> Start(HttpServerOptions options, HttpHandler handler);
  virtual ~HttpServer() = default;
  virtual int port() const = 0;
  virtual ConnectionCuts cuts() const = 0;
  // Connections open now (idle kept-alive ones included).
  virtual size_t open_connections() const = 0;
  // Stops accepting, waits for in-flight requests (up to the grace period).
  virtual void Shutdown() = 0;
};

}  // namespace sos
