// HttpServerImpl: the listening socket, the acceptor thread, the registry of
// connection threads, and Shutdown().
//
// Over max_connections the acceptor stops accepting: new clients wait in the
// kernel's listen backlog (TCP's own backpressure) instead of getting a 503
// that, sent before their request is read, a reset could destroy. So that
// idle keep-alive connections cannot starve waiting clients, a pending
// connection at the limit evicts the longest-idle keep-alive connection
// (closing an idle persistent connection is allowed by HTTP/1.1; clients
// retry on a fresh one).
//
// Shutdown: stop accepting and close the listener (new connects are refused),
// wake idle connections (::shutdown(SHUT_RD) on sockets waiting for a request's
// first byte), let busy ones finish their request (responses then carry
// `Connection: close`) for up to shutdown_grace, then ::shutdown(SHUT_RDWR)
// every remaining socket so blocked I/O fails, and join every thread. A
// handler blocked in something other than socket I/O delays the join.
#include "daemon/http/http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "daemon/http/http_connection.h"
#include "daemon/http/http_socket.h"

namespace sos {
namespace {

using Clock = std::chrono::steady_clock;

std::string FormatAddress(const sockaddr_storage& ss) {
  char ip[INET6_ADDRSTRLEN] = "?";
  if (ss.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
    return std::string(ip) + ":" + std::to_string(ntohs(in->sin_port));
  }
  if (ss.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
    return "[" + std::string(ip) + "]:" + std::to_string(ntohs(in6->sin6_port));
  }
  return "unknown";
}

std::string Errno(std::string_view what) { return std::string(what) + ": " + std::strerror(errno); }

class HttpServerImpl final : public HttpServer, public http_internal::ConnectionHost {
 public:
  HttpServerImpl(HttpServerOptions options, HttpHandler handler, int listen_fd, int wake_fd,
                 int port)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        listen_fd_(listen_fd),
        wake_fd_(wake_fd),
        port_(port) {}

  ~HttpServerImpl() override {
    Shutdown();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    ::close(wake_fd_);
  }

  Status StartAcceptor() {
    try {
      acceptor_ = std::thread([this] { AcceptLoop(); });
    } catch (const std::system_error& e) {
      return Status::Unavailable(std::string("cannot start acceptor thread: ") + e.what());
    }
    return Status::Ok();
  }

  int port() const override { return port_; }
  void Shutdown() override;

  // ConnectionHost
  bool EnterIdle(uint64_t id) override;
  bool EnterBusy(uint64_t id) override;
  bool ShuttingDown() const override { return shutting_down_.load(std::memory_order_acquire); }

 private:
  struct Conn {
    int fd = -1;
    bool idle = false;   // waiting for the first byte of a request
    bool woken = false;  // ::shutdown() was called on it (server shutdown or eviction)
    Clock::time_point idle_since;
    std::thread thread;
  };

  void AcceptLoop();
  void AcceptOne();
  void RunConnection(uint64_t id, int fd, std::string remote);
  Conn* FindEvictableLocked();  // the longest-idle connection, if evicting one is due
  void JoinFinished();
  void Wake();

  const HttpServerOptions options_;
  const HttpHandler handler_;
  int listen_fd_;      // closed by Shutdown() once the acceptor has been joined
  const int wake_fd_;  // eventfd: "look at the state again", for the acceptor
  const int port_;
  std::thread acceptor_;
  std::atomic<bool> shutting_down_{false};  // written under mu_, read anywhere

  // Serialises Shutdown() callers; held for the whole of Shutdown().
  // Lock order: shutdown_mu_, then mu_.
  std::mutex shutdown_mu_;
  bool shutdown_done_ = false;  // guarded by shutdown_mu_

  // mu_ guards everything below. Never held across blocking I/O: under it only
  // non-blocking ::shutdown()/::close() of registered descriptors happen, which
  // is what makes ::shutdown() safe (a descriptor leaves the registry and is
  // closed in one critical section, so it cannot be recycled under us).
  std::mutex mu_;
  std::condition_variable conn_ended_;  // signalled when active_ drops
  std::map<uint64_t, Conn> conns_;      // open connections
  size_t active_ = 0;                   // == conns_.size()
  std::vector<std::thread> finished_;   // threads of closed connections, to join
  bool waiting_for_slot_ = false;       // acceptor at the limit: wake it on idle/exit
  uint64_t next_id_ = 1;
};

void HttpServerImpl::Wake() {
  uint64_t one = 1;
  ssize_t r = ::write(wake_fd_, &one, sizeof(one));
  (void)r;  // EAGAIN: the counter is already non-zero, which is all we need
}

void HttpServerImpl::JoinFinished() {
  std::vector<std::thread> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    done.swap(finished_);
  }
  for (auto& t : done) {
    if (t.joinable()) t.join();
  }
}

void HttpServerImpl::AcceptLoop() {
  for (;;) {
    JoinFinished();
    bool at_limit;
    bool watch_listener;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shutting_down_.load()) break;
      at_limit = active_ >= options_.max_connections;
      waiting_for_slot_ = at_limit;
      // At the limit the listener matters only if an idle connection could make
      // room; otherwise wait for a connection to end or go idle (it wakes us).
      watch_listener = !at_limit || FindEvictableLocked() != nullptr;
    }
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    int r = ::poll(fds, watch_listener ? 2 : 1, -1);
    if (r < 0) continue;  // EINTR
    if (fds[0].revents & POLLIN) {
      uint64_t v;
      ssize_t n = ::read(wake_fd_, &v, sizeof(v));
      (void)n;
    }
    if (!watch_listener || !(fds[1].revents & POLLIN)) continue;
    if (!at_limit) {
      AcceptOne();
      continue;
    }
    // A client waits and every slot is taken: close the longest-idle connection.
    std::lock_guard<std::mutex> lock(mu_);
    if (Conn* victim = FindEvictableLocked()) {
      victim->woken = true;
      ::shutdown(victim->fd, SHUT_RD);
    }
  }
}

HttpServerImpl::Conn* HttpServerImpl::FindEvictableLocked() {
  size_t leaving = 0;
  Conn* oldest = nullptr;
  for (auto& [id, c] : conns_) {
    if (c.woken) {
      ++leaving;
    } else if (c.idle && (oldest == nullptr || c.idle_since < oldest->idle_since)) {
      oldest = &c;
    }
  }
  // Evictions already under way will make the room.
  if (active_ - leaving < options_.max_connections) return nullptr;
  return oldest;
}

void HttpServerImpl::AcceptOne() {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  int fd =
      ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) {
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      // Out of descriptors or memory: back off rather than spin on a ready listener.
      pollfd p{wake_fd_, POLLIN, 0};
      ::poll(&p, 1, 100);
    }
    return;  // EAGAIN, ECONNABORTED, ...: try again
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  std::string remote = FormatAddress(ss);

  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down_.load()) {
    ::close(fd);
    return;
  }
  const uint64_t id = next_id_++;
  Conn& conn = conns_[id];
  conn.fd = fd;
  ++active_;
  try {
    // Started under mu_, so the thread's exit path finds conn.thread assigned.
    conn.thread = std::thread(&HttpServerImpl::RunConnection, this, id, fd, std::move(remote));
  } catch (const std::system_error&) {
    conns_.erase(id);
    --active_;
    ::close(fd);
  }
}

void HttpServerImpl::RunConnection(uint64_t id, int fd, std::string remote) {
  http_internal::Socket socket(fd);
  try {
    http_internal::ServeConnection(socket, remote, id, options_, handler_, *this);
  } catch (...) {
    // Allocation failure and the like: drop this connection, keep the server.
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    socket.Close();
    auto it = conns_.find(id);
    finished_.push_back(std::move(it->second.thread));
    conns_.erase(it);
    --active_;
    conn_ended_.notify_all();
  }
  Wake();
}

bool HttpServerImpl::EnterIdle(uint64_t id) {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Conn& c = conns_.at(id);
    if (shutting_down_.load() || c.woken) return false;
    c.idle = true;
    c.idle_since = Clock::now();
    wake = waiting_for_slot_;
  }
  if (wake) Wake();
  return true;
}

bool HttpServerImpl::EnterBusy(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  Conn& c = conns_.at(id);
  c.idle = false;
  return !c.woken;
}

void HttpServerImpl::Shutdown() {
  std::lock_guard<std::mutex> shutdown_lock(shutdown_mu_);
  if (shutdown_done_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutting_down_.store(true, std::memory_order_release);
    for (auto& [id, c] : conns_) {
      if (c.idle && !c.woken) {
        c.woken = true;
        ::shutdown(c.fd, SHUT_RD);
      }
    }
  }
  Wake();
  if (acceptor_.joinable()) acceptor_.join();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  {
    std::unique_lock<std::mutex> lock(mu_);
    const auto deadline = Clock::now() + options_.shutdown_grace;
    if (!conn_ended_.wait_until(lock, deadline, [&] { return active_ == 0; })) {
      for (auto& [id, c] : conns_) {
        c.woken = true;
        ::shutdown(c.fd, SHUT_RDWR);
      }
      conn_ended_.wait(lock, [&] { return active_ == 0; });
    }
  }
  JoinFinished();
  shutdown_done_ = true;
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Start(HttpServerOptions options,
                                                      HttpHandler handler) {
  if (!handler) return Status::InvalidArgument("HttpServer needs a handler");
  if (options.max_connections == 0) return Status::InvalidArgument("max_connections is 0");
  if (options.port < 0 || options.port > 65535) {
    return Status::InvalidArgument("bad port " + std::to_string(options.port));
  }
  const std::string where = options.host + ":" + std::to_string(options.port);

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(options.port);
  int gai = ::getaddrinfo(options.host.empty() ? nullptr : options.host.c_str(), service.c_str(),
                          &hints, &list);
  if (gai != 0) {
    return Status::InvalidArgument("cannot resolve " + where + ": " + ::gai_strerror(gai));
  }
  int fd = -1;
  std::string error = "no address";
  for (addrinfo* ai = list; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      error = Errno("socket");
      continue;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      error = Errno("bind/listen");
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(list);
  if (fd < 0) return Status::Unavailable("cannot listen on " + where + ": " + error);

  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  int port = options.port;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    if (ss.ss_family == AF_INET) port = ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    if (ss.ss_family == AF_INET6) port = ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  }
  int wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) {
    Status s = Status::Unavailable(Errno("eventfd"));
    ::close(fd);
    return s;
  }
  auto server =
      std::make_unique<HttpServerImpl>(std::move(options), std::move(handler), fd, wake_fd, port);
  SOS_RETURN_IF_ERROR(server->StartAcceptor());
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace sos
