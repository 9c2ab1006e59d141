// HttpServerImpl: the listening socket, the acceptor thread, the registry of
// connection threads, the slow-client accounting, and Shutdown().
//
// Over max_connections the acceptor stops accepting: new clients wait in the
// kernel's listen backlog (TCP's own backpressure) instead of getting a 503
// that, sent before their request is read, a reset could destroy. So that
// idle keep-alive connections cannot starve waiting clients, a pending
// connection at the limit evicts the longest-idle keep-alive connection
// (closing an idle persistent connection is allowed by HTTP/1.1; clients
// retry on a fresh one).
//
// Per client (ClientKey: the IPv4 address, or the IPv6 /64), at most
// max_connections_per_client connections are open; the acceptor answers the
// next one 503 itself, without a thread, and closes it: our side at once,
// then the descriptor once the client has closed too or kLingerLimit has
// passed (a lingering close in the acceptor's poll set, at most
// kMaxLingering of them), so the 503 is not lost to a reset. Connections that
// ClientReader cut, and refused ones, are counted by reason and logged, one
// line each.
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
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "daemon/http/client_reader.h"
#include "daemon/http/http_connection.h"
#include "daemon/http/http_response.h"
#include "daemon/http/http_socket.h"
#include "daemon/http/idle_parker.h"
#include "daemon/http/worker_pool.h"

namespace sos {

std::string_view CutReasonName(CutReason reason) {
  switch (reason) {
    case CutReason::kNone:
      return "none";
    case CutReason::kHeaderTimeout:
      return "header_timeout";
    case CutReason::kSlowBody:
      return "slow_body";
    case CutReason::kStalled:
      return "stalled";
    case CutReason::kPerClientLimit:
      return "per_client_limit";
  }
  return "none";
}

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Refused connections whose close lingers in the acceptor at one time; past
// it a refused connection is closed at once.
constexpr size_t kMaxLingering = 1024;
// Workers: one that had no request to serve for this long exits.
constexpr milliseconds kThreadKeepIdle{2000};
// A connection idle after a response waits this long on its worker before it
// is parked (no thread) while fewer than kAwakeThreads are up; beyond, at once.
constexpr milliseconds kParkAfter{50};
constexpr size_t kAwakeThreads = 256;

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

// What max_connections_per_client counts by: the IPv4 address (also when
// mapped into IPv6), else the IPv6 /64, which one host usually holds whole.
std::string ClientKey(const sockaddr_storage& ss) {
  char ip[INET6_ADDRSTRLEN] = "?";
  if (ss.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr, ip, sizeof(ip));
    return ip;
  }
  if (ss.ss_family == AF_INET6) {
    in6_addr addr = reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&addr)) {
      inet_ntop(AF_INET, &addr.s6_addr[12], ip, sizeof(ip));
      return ip;
    }
    std::memset(&addr.s6_addr[8], 0, 8);
    inet_ntop(AF_INET6, &addr, ip, sizeof(ip));
    return std::string(ip) + "/64";
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
        port_(port),
        pool_(options_.thread_stack_bytes, kThreadKeepIdle) {}

  ~HttpServerImpl() override {
    Shutdown();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    ::close(wake_fd_);
  }

  Status StartAcceptor() {
    SOS_ASSIGN_OR_RETURN(parker_, http_internal::IdleParker::Start(
                                      [this](uint64_t id) { Resume(id); },
                                      [this](uint64_t id) { Expire(id); }));
    try {
      acceptor_ = std::thread([this] { AcceptLoop(); });
    } catch (const std::system_error& e) {
      return Status::Unavailable(std::string("cannot start acceptor thread: ") + e.what());
    }
    return Status::Ok();
  }

  int port() const override { return port_; }
  ConnectionCuts cuts() const override;
  void Shutdown() override;
  size_t open_connections() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return active_;
  }

  // ConnectionHost
  bool EnterIdle(uint64_t id) override;
  bool EnterBusy(uint64_t id) override;
  bool ShuttingDown() const override { return shutting_down_.load(std::memory_order_acquire); }

 private:
  // What a connection keeps between its requests (and while parked).
  struct Live {
    Live(int fd, std::string remote_addr, Clock::time_point accepted, HttpServerImpl& server)
        : socket(fd),
          remote(std::move(remote_addr)),
          accepted_at(accepted),
          // Counted and logged when cut, before the connection winds down (a
          // cut body's answer and lingering close can take a while).
          reader(socket, server.options_, [this, &server](const http_internal::ClientReader& r) {
            server.RecordCut(r.cut(), remote, "-", r.bytes_read(), r.cut_after());
          }) {}
    http_internal::Socket socket;
    const std::string remote;
    const Clock::time_point accepted_at;
    http_internal::ClientReader reader;
    bool resumed = false;  // parked before
  };
  struct Conn {
    int fd = -1;
    bool idle = false;   // waiting for the first byte of a request
    bool woken = false;  // ::shutdown() was called on it (server shutdown or eviction)
    Clock::time_point idle_since;
    std::string client;  // its ClientKey
    // Used by one thread at a time: the worker serving it, or none while parked.
    std::unique_ptr<Live> live;
  };
  // A refused connection: our side is shut, the client's is drained until it closes.
  struct Lingering {
    int fd;
    Clock::time_point until;
  };

  void AcceptLoop();
  void AcceptOne();
  // Answers a connection over its client's cap and starts its lingering close.
  void Refuse(int fd, const std::string& remote);
  // Drains the lingering connections that poll reported; closes finished or overdue ones.
  void ServeLingering(const pollfd* fds);
  // Serves the connection on a worker until it ends or goes idle (parked).
  void RunConnection(uint64_t id);
  // The parker's callbacks: the connection has input (to a worker), or was
  // idle for idle_timeout (closed).
  void Resume(uint64_t id);
  void Expire(uint64_t id);
  Live* LiveOf(uint64_t id);
  // Until when a connection parked now may wait for its next request.
  Clock::time_point ParkedUntil(const Live& c) const;
  // How long a worker waits for a connection's next request before parking
  // it: a kept-alive client usually sends it at once, and the parker's
  // hand-off costs two thread switches. Once many threads are up, at once.
  std::chrono::milliseconds ParkAfter() const;
  // The TLS handshake; false (logged, or counted as a cut) when it fails.
  bool StartTls(http_internal::Socket& socket, const std::string& remote,
                Clock::time_point accepted_at);
  // Closes the connection and frees its slot; the last thing its thread does.
  void EndConnection(uint64_t id, http_internal::Socket& socket);
  // Counts a cut (or refused) connection and logs its line.
  void RecordCut(CutReason reason, const std::string& remote, std::string_view status,
                 uint64_t bytes_in, milliseconds after);
  Conn* FindEvictableLocked();  // the longest-idle connection, if evicting one is due
  void ReleaseClientLocked(const std::string& client);
  void Wake();

  const HttpServerOptions options_;
  const HttpHandler handler_;
  int listen_fd_;      // closed by Shutdown() once the acceptor has been joined
  const int wake_fd_;  // eventfd: "look at the state again", for the acceptor
  const int port_;
  std::thread acceptor_;
  std::atomic<bool> shutting_down_{false};       // written under mu_, read anywhere
  std::array<std::atomic<uint64_t>, 5> cuts_{};  // by CutReason
  std::vector<Lingering> lingering_;             // the acceptor thread's only

  // Serialises Shutdown() callers; held for the whole of Shutdown().
  // Lock order: shutdown_mu_, then mu_.
  std::mutex shutdown_mu_;
  bool shutdown_done_ = false;  // guarded by shutdown_mu_

  // mu_ guards everything below. Never held across blocking I/O: under it only
  // non-blocking ::shutdown()/::close() of registered descriptors happen, which
  // is what makes ::shutdown() safe (a descriptor leaves the registry and is
  // closed in one critical section, so it cannot be recycled under us).
  mutable std::mutex mu_;
  std::condition_variable conn_ended_;                  // signalled when active_ drops
  std::map<uint64_t, Conn> conns_;                      // open connections
  size_t active_ = 0;                                   // == conns_.size()
  std::unordered_map<std::string, size_t> per_client_;  // open connections by ClientKey
  bool waiting_for_slot_ = false;  // acceptor at the limit: wake it on idle/exit
  uint64_t next_id_ = 1;

  http_internal::WorkerPool pool_;
  std::unique_ptr<http_internal::IdleParker> parker_;
};

void HttpServerImpl::Wake() {
  uint64_t one = 1;
  ssize_t r = ::write(wake_fd_, &one, sizeof(one));
  (void)r;  // EAGAIN: the counter is already non-zero, which is all we need
}

ConnectionCuts HttpServerImpl::cuts() const {
  auto count = [&](CutReason r) { return cuts_[static_cast<size_t>(r)].load(); };
  return {count(CutReason::kHeaderTimeout), count(CutReason::kSlowBody), count(CutReason::kStalled),
          count(CutReason::kPerClientLimit)};
}

void HttpServerImpl::RecordCut(CutReason reason, const std::string& remote, std::string_view status,
                               uint64_t bytes_in, milliseconds after) {
  const uint64_t total = ++cuts_[static_cast<size_t>(reason)];
  if (!options_.log) return;
  // The access log's columns (client, method, path, status, in, out, ms,
  // operation), then the reason and how many such cuts so far.
  std::string line =
      remote + " - - " + std::string(status) + " in=" + std::to_string(bytes_in) + " out=- " +
      std::to_string(after.count()) + "ms " +
      (reason == CutReason::kPerClientLimit ? "RefusedConnection" : "CutConnection") +
      " reason=" + std::string(CutReasonName(reason)) + " total=" + std::to_string(total);
  options_.log(line);
}

void HttpServerImpl::AcceptLoop() {
  for (;;) {
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
    // The wake eventfd, the listener (fd -1: poll skips it), the lingering closes.
    std::vector<pollfd> fds = {{wake_fd_, POLLIN, 0},
                               {watch_listener ? listen_fd_ : -1, POLLIN, 0}};
    int timeout = -1;  // until the next lingering close is due
    const auto now = Clock::now();
    for (const Lingering& l : lingering_) {
      fds.push_back({l.fd, POLLIN, 0});
      const auto left =
          std::max<int64_t>(0, std::chrono::ceil<milliseconds>(l.until - now).count());
      if (timeout < 0 || left < timeout) timeout = static_cast<int>(left);
    }
    int r = ::poll(fds.data(), fds.size(), timeout);
    if (r < 0) continue;  // EINTR
    if (fds[0].revents & POLLIN) {
      uint64_t v;
      ssize_t n = ::read(wake_fd_, &v, sizeof(v));
      (void)n;
    }
    ServeLingering(fds.data() + 2);
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
  for (const Lingering& l : lingering_) ::close(l.fd);
  lingering_.clear();
}

void HttpServerImpl::ServeLingering(const pollfd* fds) {
  const auto now = Clock::now();
  size_t kept = 0;
  for (size_t i = 0; i < lingering_.size(); ++i) {
    bool done = now >= lingering_[i].until;
    if (!done && fds[i].revents != 0) {
      // Bounded per round, so that a client that keeps sending cannot hold the acceptor.
      char sink[16 << 10];
      for (int round = 0; round < 4; ++round) {
        ssize_t n = ::recv(lingering_[i].fd, sink, sizeof(sink), MSG_DONTWAIT);
        if (n > 0) continue;
        done = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
        break;
      }
    }
    if (done) {
      ::close(lingering_[i].fd);
    } else {
      lingering_[kept++] = lingering_[i];
    }
  }
  lingering_.resize(kept);
}

void HttpServerImpl::Refuse(int fd, const std::string& remote) {
  http_internal::Socket socket(fd);
  // Nothing is queued on a fresh socket: the 503 goes out at once or not at all.
  const bool sent =
      options_.tls == nullptr &&
      http_internal::SendRejection(socket, 503, "too many connections from this client address",
                                   options_.render_rejection, milliseconds(0))
          .ok();
  RecordCut(CutReason::kPerClientLimit, remote, sent ? "503" : "-", 0, milliseconds(0));
  if (!sent || lingering_.size() >= kMaxLingering) return;  // closed at once
  ::shutdown(fd, SHUT_WR);
  lingering_.push_back({socket.Release(), Clock::now() + http_internal::kLingerLimit});
}

void HttpServerImpl::ReleaseClientLocked(const std::string& client) {
  auto it = per_client_.find(client);
  if (it != per_client_.end() && --it->second == 0) per_client_.erase(it);
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
  const auto accepted_at = Clock::now();
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  std::string remote = FormatAddress(ss);
  std::string client = ClientKey(ss);

  uint64_t new_id = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutting_down_.load()) {
      ::close(fd);
      return;
    }
    auto it = per_client_.find(client);
    const bool over_cap = options_.max_connections_per_client > 0 && it != per_client_.end() &&
                          it->second >= options_.max_connections_per_client;
    if (!over_cap) {
      const uint64_t id = next_id_++;
      Conn& conn = conns_[id];
      conn.fd = fd;
      conn.client = client;
      conn.live = std::make_unique<Live>(fd, std::move(remote), accepted_at, *this);
      ++active_;
      ++per_client_[client];
      new_id = id;
    }
  }
  if (new_id == 0) {
    Refuse(fd, remote);  // outside mu_: it writes to the socket and logs
    return;
  }
  // Registered: the worker finds it. Outside mu_, since making a thread takes a while.
  if (!pool_.Run([this, id = new_id] { RunConnection(id); })) {
    std::lock_guard<std::mutex> lock(mu_);
    ReleaseClientLocked(client);
    conns_.erase(new_id);  // closes fd
    --active_;
    conn_ended_.notify_all();
  }
}

HttpServerImpl::Live* HttpServerImpl::LiveOf(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = conns_.find(id);
  return it == conns_.end() ? nullptr : it->second.live.get();
}

std::chrono::milliseconds HttpServerImpl::ParkAfter() const {
  return pool_.threads() > kAwakeThreads ? milliseconds(0) : kParkAfter;
}

void HttpServerImpl::RunConnection(uint64_t id) {
  Live* c = LiveOf(id);
  if (c == nullptr) return;
  if (!c->resumed && options_.tls != nullptr && !StartTls(c->socket, c->remote, c->accepted_at)) {
    EndConnection(id, c->socket);
    return;
  }
  bool park = false;
  try {
    park = http_internal::ServeConnection(c->socket, c->reader, c->remote, id, c->accepted_at,
                                          options_, handler_, *this, c->resumed, ParkAfter());
  } catch (...) {
    // Allocation failure and the like: drop this connection, keep the server.
  }
  if (park) {
    c->resumed = true;
    if (parker_->Park(id, c->socket.fd(), ParkedUntil(*c)).ok()) return;
    // (From a successful Park on another worker may take it up: c is not touched.)
  }
  EndConnection(id, c->socket);
}

void HttpServerImpl::Resume(uint64_t id) {
  {
    // It has input: no longer a candidate for eviction while it waits for a worker.
    std::lock_guard<std::mutex> lock(mu_);
    auto it = conns_.find(id);
    if (it != conns_.end()) it->second.idle = false;
  }
  if (!pool_.Run([this, id] { RunConnection(id); })) {
    if (Live* c = LiveOf(id)) EndConnection(id, c->socket);
  }
}

Clock::time_point HttpServerImpl::ParkedUntil(const Live& c) const {
  const auto idle_end = Clock::now() + options_.idle_timeout;
  // Before its first request a connection waits under that head's deadline.
  if (!c.reader.in_head() || options_.header_timeout.count() <= 0) return idle_end;
  return std::min(idle_end, c.accepted_at + options_.header_timeout);
}

void HttpServerImpl::Expire(uint64_t id) {
  Live* c = LiveOf(id);
  if (c == nullptr) return;
  const auto now = Clock::now();
  if (c->reader.in_head() && options_.header_timeout.count() > 0 &&
      now >= c->accepted_at + options_.header_timeout) {
    // Connected, and no request came before the first head's deadline.
    RecordCut(CutReason::kHeaderTimeout, c->remote, "-", 0,
              std::chrono::duration_cast<milliseconds>(now - c->accepted_at));
  }
  EndConnection(id, c->socket);
}

bool HttpServerImpl::StartTls(http_internal::Socket& socket, const std::string& remote,
                              Clock::time_point accepted_at) {
  // The handshake is part of the first request's head, and under its deadline.
  const auto limit = options_.header_timeout.count() > 0
                         ? std::chrono::duration_cast<milliseconds>(
                               accepted_at + options_.header_timeout - Clock::now())
                         : std::chrono::duration_cast<milliseconds>(options_.io_timeout);
  Status s = socket.StartTls(options_.tls->native(), std::max(limit, milliseconds(1)));
  if (s.ok()) return true;
  if (s.code() == StatusCode::kTimeout) {
    RecordCut(CutReason::kHeaderTimeout, remote, "-", 0,
              std::chrono::duration_cast<milliseconds>(Clock::now() - accepted_at));
  } else if (options_.log) {
    options_.log("tls " + remote + " refused: " + s.message());
  }
  return false;
}

void HttpServerImpl::EndConnection(uint64_t id, http_internal::Socket& socket) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    socket.Close();
    auto it = conns_.find(id);
    ReleaseClientLocked(it->second.client);
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
  // Every connection has ended: nothing is parked, no request runs.
  if (parker_) parker_->Stop();
  pool_.Join();
  shutdown_done_ = true;
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Start(HttpServerOptions options,
                                                      HttpHandler handler) {
  if (!handler) return Status::InvalidArgument("HttpServer needs a handler");
  // OpenSSL writes with write(), not send(MSG_NOSIGNAL): a peer gone mid-write
  // must give EPIPE, not kill the process.
  if (options.tls != nullptr) {
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      ::signal(SIGPIPE, SIG_IGN);
    }
  }
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
