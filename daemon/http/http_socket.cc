#include "daemon/http/http_socket.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "daemon/http/tls_context.h"

namespace sos::http_internal {
namespace {

using Clock = std::chrono::steady_clock;

int PollMillis(std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) return 0;
  if (timeout.count() > 0x7fffffff) return 0x7fffffff;
  return static_cast<int>(timeout.count());
}

// Waits for `events` on fd; 1 ready, 0 timeout, -errno on failure.
int PollFor(int fd, short events, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    pollfd p{fd, events, 0};
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    int r = ::poll(&p, 1, PollMillis(left));
    if (r > 0) return 1;
    if (r == 0) return 0;
    if (errno != EINTR) return -errno;
  }
}

// What an SSL call that returned `ret` needs: 0 done; POLLIN or POLLOUT to
// wait for and retry; -1 the connection is closed cleanly; -2 failed.
int TlsNeeds(ssl_st* ssl, int ret) {
  switch (SSL_get_error(ssl, ret)) {
    case SSL_ERROR_NONE:
      return 0;
    case SSL_ERROR_WANT_READ:
      return POLLIN;
    case SSL_ERROR_WANT_WRITE:
      return POLLOUT;
    case SSL_ERROR_ZERO_RETURN:
      return -1;
    default:
      return -2;
  }
}

// Bytes at most in one TLS record that gathers small iovecs (headers, XML).
constexpr size_t kTlsGather = 16 << 10;

}  // namespace

void Socket::Close() {
  if (ssl_ != nullptr) {
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

int Socket::Release() {
  if (ssl_ != nullptr) {
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  int fd = fd_;
  fd_ = -1;
  return fd;
}

Status Socket::StartTls(ssl_ctx_st* ctx, std::chrono::milliseconds timeout) {
  ERR_clear_error();
  ssl_ = SSL_new(ctx);
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1)
    return Status::IOError("TLS: " + OpenSslErrorText());
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    ERR_clear_error();
    int needs = TlsNeeds(ssl_, SSL_accept(ssl_));
    if (needs == 0) return Status::Ok();
    if (needs < 0) return Status::IOError("TLS handshake: " + OpenSslErrorText());
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    int p = PollFor(fd_, static_cast<short>(needs), left);
    if (p == 0) return Status::Timeout("TLS handshake not done in time");
    if (p < 0) return Status::IOError(std::string("poll: ") + std::strerror(-p));
  }
}

bool Socket::WaitReadable(std::chrono::milliseconds timeout) {
  // TLS may hold decrypted or undecrypted bytes the descriptor no longer shows.
  if (ssl_ != nullptr && SSL_has_pending(ssl_) == 1) return true;
  return PollFor(fd_, POLLIN, timeout) != 0;  // errors count as "readable": the read reports them
}

ssize_t Socket::ReadSome(char* buf, size_t n, std::chrono::milliseconds timeout) {
  return ssl_ != nullptr ? RecvTls(buf, n, timeout) : RecvPlain(buf, n, timeout);
}

ssize_t Socket::RecvTls(char* buf, size_t n, std::chrono::milliseconds timeout) {
  // One deadline for the whole call: a record trickling in a byte at a time
  // must not reset it (the slow-client limits above rely on it).
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    ERR_clear_error();
    size_t got = 0;
    int needs = TlsNeeds(ssl_, SSL_read_ex(ssl_, buf, n, &got));
    if (needs == 0) return static_cast<ssize_t>(got);
    if (needs == -1) return 0;
    if (needs == -2) {
      ERR_clear_error();
      tls_failed_ = true;
      return -ECONNRESET;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return -ETIMEDOUT;
    int p = PollFor(fd_, static_cast<short>(needs), left);
    if (p == 0) return -ETIMEDOUT;
    if (p < 0) return p;
  }
}

ssize_t Socket::RecvPlain(char* buf, size_t n, std::chrono::milliseconds timeout) {
  for (;;) {
    ssize_t r = ::recv(fd_, buf, n, 0);
    if (r >= 0) return r;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -errno;
    int p = PollFor(fd_, POLLIN, timeout);
    if (p == 0) return -ETIMEDOUT;
    if (p < 0) return p;
  }
}

Status Socket::WriteAll(iovec* iov, int iovcnt, std::chrono::milliseconds timeout) {
  return ssl_ != nullptr ? SendTls(iov, iovcnt, timeout) : SendPlain(iov, iovcnt, timeout);
}

Status Socket::SendTls(iovec* iov, int iovcnt, std::chrono::milliseconds timeout) {
  // Small pieces share one record (a response's head and short body); large
  // ones go as they are, without a copy.
  std::string gathered;
  for (int i = 0; i < iovcnt; ++i) {
    const char* data = static_cast<const char*>(iov[i].iov_base);
    const size_t len = iov[i].iov_len;
    if (gathered.size() + len <= kTlsGather) {
      gathered.append(data, len);
      continue;
    }
    if (!gathered.empty()) {
      SOS_RETURN_IF_ERROR(SendTlsRecord(gathered.data(), gathered.size(), timeout));
      gathered.clear();
    }
    SOS_RETURN_IF_ERROR(SendTlsRecord(data, len, timeout));
  }
  if (gathered.empty()) return Status::Ok();
  return SendTlsRecord(gathered.data(), gathered.size(), timeout);
}

Status Socket::SendTlsRecord(const char* data, size_t n, std::chrono::milliseconds timeout) {
  // After a failed or timed-out write the TLS stream is unusable: OpenSSL
  // would insist on the same bytes again, so nothing else may follow.
  if (tls_failed_) return Status::IOError("TLS connection already failed");
  while (n > 0) {
    ERR_clear_error();
    size_t written = 0;
    int needs = TlsNeeds(ssl_, SSL_write_ex(ssl_, data, n, &written));
    if (needs == 0) {
      data += written;
      n -= written;
      continue;
    }
    if (needs < 0) {
      tls_failed_ = true;
      return Status::IOError("TLS send: " + OpenSslErrorText());
    }
    int p = PollFor(fd_, static_cast<short>(needs), timeout);
    if (p <= 0) tls_failed_ = true;
    if (p == 0) return Status::Timeout("send stalled");
    if (p < 0) return Status::IOError(std::string("poll: ") + std::strerror(-p));
  }
  return Status::Ok();
}

Status Socket::SendPlain(iovec* iov, int iovcnt, std::chrono::milliseconds timeout) {
  while (iovcnt > 0) {
    if (iov->iov_len == 0) {
      ++iov;
      --iovcnt;
      continue;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(iovcnt);
    ssize_t r = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        return Status::IOError(std::string("send: ") + std::strerror(errno));
      }
      int p = PollFor(fd_, POLLOUT, timeout);
      if (p == 0) return Status::Timeout("send stalled");
      if (p < 0) return Status::IOError(std::string("poll: ") + std::strerror(-p));
      continue;
    }
    auto done = static_cast<size_t>(r);
    while (iovcnt > 0 && done >= iov->iov_len) {
      done -= iov->iov_len;
      ++iov;
      --iovcnt;
    }
    if (iovcnt > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + done;
      iov->iov_len -= done;
    }
  }
  return Status::Ok();
}

Status Socket::WriteAll(std::string_view data, std::chrono::milliseconds timeout) {
  iovec iov{const_cast<char*>(data.data()), data.size()};
  return WriteAll(&iov, 1, timeout);
}

void Socket::ShutdownWriteAndDrain(std::chrono::milliseconds limit) {
  if (fd_ < 0) return;
  if (ssl_ != nullptr && !tls_failed_) {
    ERR_clear_error();
    SSL_shutdown(ssl_);  // one try at close_notify; the drain below discards the peer's
    ERR_clear_error();
  }
  ::shutdown(fd_, SHUT_WR);
  const auto deadline = Clock::now() + limit;
  char sink[16 << 10];
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    ssize_t r = RecvPlain(sink, sizeof(sink), left);
    if (r <= 0) break;  // EOF, error or timeout
  }
}

}  // namespace sos::http_internal
