// Socket: one accepted TCP connection of the HTTP server, as a non-blocking
// file descriptor with blocking-with-timeout reads and writes built on poll().
//
// Why not asio's blocking sockets: asio's synchronous ops wait in poll() with no
// timeout when SO_RCVTIMEO fires, so per-operation timeouts must be done here.
// A timeout is "no progress for that long" per call, like SO_RCVTIMEO.
//
// Owns the descriptor (closed by the destructor or Close()). Thread-safety: one
// thread does all I/O; another thread may only call ::shutdown() on fd() (which
// wakes a blocked poll) and only while the owner keeps the descriptor open —
// HttpServer's registry lock guarantees that.
//
// With StartTls the same calls carry TLS records (OpenSSL over the same
// non-blocking descriptor, with the same timeouts).
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <chrono>
#include <cstddef>
#include <string_view>

#include "s3core/status.h"

struct ssl_st;      // OpenSSL's SSL
struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace sos::http_internal {

// How long a lingering close waits for the peer: long enough for a client to
// read our final response and close; short enough not to hold a thread (or a
// descriptor) for a client that keeps sending.
inline constexpr std::chrono::milliseconds kLingerLimit{2000};

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() { Close(); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  int fd() const { return fd_; }
  void Close();
  // Gives up ownership: returns the descriptor, which the caller must close.
  int Release();

  // Runs the server side of a TLS handshake; every later call then reads and
  // writes through TLS. Fails (Timeout, or IOError with OpenSSL's reason) for
  // a client that does not complete it within `timeout`, or speaks plain HTTP.
  Status StartTls(ssl_ctx_st* ctx, std::chrono::milliseconds timeout);

  // Waits until the socket is readable (data, EOF or error). False on timeout.
  bool WaitReadable(std::chrono::milliseconds timeout);

  // Reads up to n bytes: returns >0 bytes, 0 at EOF, or -errno (-ETIMEDOUT when
  // nothing arrived within `timeout`).
  ssize_t ReadSome(char* buf, size_t n, std::chrono::milliseconds timeout);

  // Writes every byte of the iovecs (which it may modify). Timeout is per
  // stalled write; errors are IOError, or Timeout.
  Status WriteAll(iovec* iov, int iovcnt, std::chrono::milliseconds timeout);
  Status WriteAll(std::string_view data, std::chrono::milliseconds timeout);

  // Closes our sending side, then reads and discards whatever the peer still
  // sends, until it closes or `limit` passes. Closing with unread input makes
  // the kernel send RST, which can destroy a response the peer has not read
  // yet (Apache's "lingering close"). Does not close the descriptor.
  void ShutdownWriteAndDrain(std::chrono::milliseconds limit);

 private:
  ssize_t RecvPlain(char* buf, size_t n, std::chrono::milliseconds timeout);
  ssize_t RecvTls(char* buf, size_t n, std::chrono::milliseconds timeout);
  Status SendPlain(iovec* iov, int iovcnt, std::chrono::milliseconds timeout);
  Status SendTls(iovec* iov, int iovcnt, std::chrono::milliseconds timeout);
  Status SendTlsRecord(const char* data, size_t n, std::chrono::milliseconds timeout);

  int fd_;
  ssl_st* ssl_ = nullptr;    // set by StartTls; freed with the descriptor
  bool tls_failed_ = false;  // a TLS read or write failed: no more writes, no close_notify
};

}  // namespace sos::http_internal
