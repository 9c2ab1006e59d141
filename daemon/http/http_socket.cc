#include "daemon/http/http_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

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

}  // namespace

void Socket::Close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

int Socket::Release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

bool Socket::WaitReadable(std::chrono::milliseconds timeout) {
  return PollFor(fd_, POLLIN, timeout) != 0;  // errors count as "readable": the read reports them
}

ssize_t Socket::ReadSome(char* buf, size_t n, std::chrono::milliseconds timeout) {
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
  ::shutdown(fd_, SHUT_WR);
  const auto deadline = Clock::now() + limit;
  char sink[16 << 10];
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    ssize_t r = ReadSome(sink, sizeof(sink), left);
    if (r <= 0) break;  // EOF, error or timeout
  }
}

}  // namespace sos::http_internal
