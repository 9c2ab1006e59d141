// HttpServer: the HTTP/1.1 front door of sosd, on Boost.Beast.
//
// Listens on one address, serves each connection on its own thread with
// blocking Beast I/O (so handlers may block on disk without stalling others),
// and calls one HttpHandler per request. Keep-alive, pipelined requests served
// in order, `Expect: 100-continue` (the 100 is sent when the handler first reads
// the body), chunked request and response bodies, HEAD, limits on header size
// and connection count, and idle timeouts come from here, never from handlers.
// Bodies stream in both directions through RequestBody and ResponseWriter, so
// memory per connection is bounded whatever the object size.
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
  size_t max_connections = 1024;
  size_t max_header_bytes = 64 << 10;
  std::chrono::seconds idle_timeout{60};  // no request on a kept-alive connection
  std::chrono::seconds io_timeout{300};   // a stalled read or write of a body
  std::chrono::seconds shutdown_grace{30};
  // Unset: `status` with the reason as text/plain. sosd answers S3 XML errors.
  RejectionRenderer render_rejection;
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

// Called once per request, on the connection's thread. A handler that leaves
// the body unread gets the connection closed after its response (no desync).
using HttpHandler = std::function<void(HttpRequest& request, ResponseWriter& response)>;

class HttpServer {
 public:
  static Result<std::unique_ptr<HttpServer>> Start(HttpServerOptions options, HttpHandler handler);
  virtual ~HttpServer() = default;
  virtual int port() const = 0;
  // Stops accepting, waits for in-flight requests (up to the grace period).
  virtual void Shutdown() = 0;
};

}  // namespace sos
