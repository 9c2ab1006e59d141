// ServeConnection: one accepted connection's request loop, on a worker thread
// until it goes idle between requests.
//
// Reads each request header with Beast's request_parser<buffer_body> (bounded
// by max_header_bytes: 431 past it; 400 for malformed HTTP; 505 for versions
// other than 1.0/1.1; options.render_rejection renders these when set), hands
// the handler a RequestBody that pulls the body through the parser straight
// into the handler's buffer (chunked framing undone; `100 Continue` sent on
// the first Read, or at once when there is no body), and a ResponseWriterImpl. The parser's read
// buffer lives as long as the connection, so bytes of a pipelined next request are kept and served
// next, strictly in order.
//
// The connection is kept alive only when HTTP/1.x rules allow it, the handler
// finished its response, the request body was read to its end (else the
// stream position is unknown: close, never desync), and the server is not
// shutting down. Timeouts: idle_timeout waiting for a request's first byte,
// io_timeout for any later read or write that makes no progress, and the
// slow-client limits of ClientReader: header_timeout for each request head
// (the first one counted from the accept, later ones from their first byte)
// and min_body_rate while the handler reads a body. A connection cut by one
// of them just closes (a cut body first lets the handler answer its Read()
// error); `reader` then says why, for the server to count and log.
//
// Does not close the socket: the server does, after unregistering it, so that
// Shutdown() never calls ::shutdown() on a recycled descriptor.
// Thread-safety: everything here runs on the connection's thread; only the
// ConnectionHost calls cross threads (the host synchronises them).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "daemon/http/client_reader.h"
#include "daemon/http/http_server.h"
#include "daemon/http/http_socket.h"

namespace sos::http_internal {

// What a connection asks of its server; implemented by the server, thread-safe.
class ConnectionHost {
 public:
  virtual ~ConnectionHost() = default;
  // Before waiting for the next request. False: close now (shutting down or evicted).
  virtual bool EnterIdle(uint64_t id) = 0;
  // The next request has begun arriving. False: close now (woken for shutdown/eviction).
  virtual bool EnterBusy(uint64_t id) = 0;
  virtual bool ShuttingDown() const = 0;
};

// `reader` reads from `socket`; its first head's clock starts at `accepted_at`.
// Returns true when the connection is idle (nothing came within park_after,
// before its first request or after a response, and nothing was read ahead):
// the caller parks it (until its idle timeout, and before the first request
// at most until that head's deadline) and calls again, `resumed`, once it is
// readable. False: the connection is done and the caller closes it.
bool ServeConnection(Socket& socket, ClientReader& reader, const std::string& remote_addr,
                     uint64_t id, ClientReader::Clock::time_point accepted_at,
                     const HttpServerOptions& options, const HttpHandler& handler,
                     ConnectionHost& host, bool resumed, std::chrono::milliseconds park_after);

}  // namespace sos::http_internal
