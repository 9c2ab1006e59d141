// ClientReader: one connection's reads from its client, under the slow-client
// limits of HttpServerOptions.
//
// Owns the read-side clocks of a connection: the request head's absolute
// deadline (header_timeout from the head's start), the body's minimum rate
// (min_body_rate bytes/s averaged over body_rate_window of time spent waiting
// for the client; while the handler is busy elsewhere the client's clock
// stops), and io_timeout, the longest wait for any byte. A read or wait that
// runs into one of them fails (-ETIMEDOUT, or false) and cut() tells which
// limit it was; `on_cut` is called then, once, for the server to count and log
// the cut while the connection winds down. Otherwise reads are
// Socket::ReadSome's.
//
// Phases: BeginHead() when a request's head starts (at the accept for a
// connection's first request), BeginBody() when the handler first reads the
// body, EndRequest() after the response. Outside a head or a body only
// io_timeout applies.
//
// Not thread-safe: used on its connection's thread only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>

#include "daemon/http/http_server.h"
#include "daemon/http/http_socket.h"

namespace sos::http_internal {

class ClientReader {
 public:
  using Clock = std::chrono::steady_clock;

  ClientReader(Socket& socket, const HttpServerOptions& options,
               std::function<void(const ClientReader&)> on_cut = nullptr)
      : socket_(socket), options_(options), on_cut_(std::move(on_cut)) {}
  ClientReader(const ClientReader&) = delete;
  ClientReader& operator=(const ClientReader&) = delete;

  void BeginHead(Clock::time_point start);
  void BeginBody();
  void EndRequest() { phase_ = Phase::kNone; }
  bool in_head() const { return phase_ == Phase::kHead; }

  // Like Socket::ReadSome: >0 bytes, 0 at EOF, -errno; -ETIMEDOUT when a
  // limit ran out (cut() says which).
  ssize_t ReadSome(char* buf, size_t n);

  // Waits until the socket is readable, at most `limit` and, within a head,
  // not past its deadline. False on timeout; cut() is set if the head's
  // deadline was what ran out.
  bool WaitReadable(std::chrono::milliseconds limit);

  CutReason cut() const { return cut_; }
  // How long the cut phase (head or body) had lasted when it was cut.
  std::chrono::milliseconds cut_after() const { return cut_after_; }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  enum class Phase { kNone, kHead, kBody };

  ssize_t Cut(CutReason reason, Clock::time_point now);
  // A body's rate window has been waited out: false if too few bytes came in
  // it, else a new window starts.
  bool NextWindow();

  Socket& socket_;
  const HttpServerOptions& options_;
  const std::function<void(const ClientReader&)> on_cut_;
  Phase phase_ = Phase::kNone;
  Clock::time_point phase_start_;
  Clock::duration window_waited_{};  // body: time spent waiting in this window
  uint64_t window_bytes_ = 0;        // body: bytes that came in this window
  CutReason cut_ = CutReason::kNone;
  std::chrono::milliseconds cut_after_{0};
  uint64_t bytes_read_ = 0;
};

}  // namespace sos::http_internal
