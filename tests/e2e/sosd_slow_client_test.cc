// Slow and greedy clients against the real sosd, over raw sockets on
// 127.0.0.0/8 (any address there reaches the loopback listener, so one test
// can be many clients): a head trickled a byte at a time is cut at
// --header-timeout, a body below --min-body-rate is cut, a client address over
// --max-connections-per-client is answered 503 SlowDown at once, and with
// 1,000 slow connections open a normal client is still answered quickly;
// thousands of kept-alive idle connections hold no thread each.
// Each cut is checked in sosd's log. Each test starts its own daemon; every
// socket is closed and every daemon stopped when a test ends, failed or not.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "s3core/sigv4.h"
#include "tests/e2e/sosd_process.h"

namespace sos::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::unique_ptr<SosdProcess> StartSosd(std::vector<std::string> args,
                                       std::map<std::string, std::string> env = {}) {
  SosdProcess::Options options;
  options.extra_args = std::move(args);
  options.extra_env = std::move(env);
  auto sosd = SosdProcess::Start(options);
  EXPECT_TRUE(sosd.ok()) << sosd.status().ToString();
  return sosd.ok() ? std::move(sosd).value() : nullptr;
}

// One TCP connection to sosd from `source` (an address in 127.0.0.0/8).
// Closed by the destructor.
class Conn {
 public:
  Conn(int port, const std::string& source) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &local.sin_addr);
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_port = htons(static_cast<uint16_t>(port));
    server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};  // connect() on loopback is immediate unless something is wrong
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    connected_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) == 0 &&
                 ::connect(fd_, reinterpret_cast<sockaddr*>(&server), sizeof(server)) == 0;
    if (!connected_) error_ = std::strerror(errno);
    sockaddr_in me{};
    socklen_t len = sizeof(me);
    if (connected_ && ::getsockname(fd_, reinterpret_cast<sockaddr*>(&me), &len) == 0) {
      name_ = source + ":" + std::to_string(ntohs(me.sin_port));
    }
  }
  ~Conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool connected() const { return connected_; }
  const std::string& error() const { return error_; }
  // "127.0.0.5:41234", as sosd logs this client.
  const std::string& name() const { return name_; }
  int fd() const { return fd_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t r = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (r <= 0) return false;
      data.remove_prefix(static_cast<size_t>(r));
    }
    return true;
  }

  // Reads until sosd closes the connection (true) or `limit` passes (false).
  bool ReadUntilClosed(milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    for (;;) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      if (!ReadSome()) return true;
    }
  }
  // Sends `piece` every `every` until sosd closes the connection (true) or
  // `limit` passes (false).
  bool TrickleUntilClosed(std::string_view piece, milliseconds every, milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      (void)Send(piece);  // fails once sosd is gone: the read says so
      if (ReadUntilClosed(every)) return true;
    }
    return false;
  }
  // One non-blocking read into received(); false at EOF or on an error.
  bool ReadSome() {
    char buf[4096];
    ssize_t r = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    if (r > 0) {
      received_.append(buf, static_cast<size_t>(r));
      return true;
    }
    return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
  }
  const std::string& received() const { return received_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string error_;
  std::string name_;
  std::string received_;
};

// One request with `Connection: close`, the whole answer (empty on failure).
std::string Exchange(int port, const std::string& request, milliseconds limit = 10s) {
  Conn conn(port, "127.0.0.1");
  if (!conn.connected() || !conn.Send(request)) return "";
  conn.ReadUntilClosed(limit);
  return conn.received();
}

// `method path` signed (SigV4, UNSIGNED-PAYLOAD) with the root key of `sosd`,
// with a body of `length` bytes to follow: the request head, ready to send.
std::string SignedHead(const SosdProcess& sosd, const std::string& method, const std::string& path,
                       uint64_t length) {
  HeaderList headers = {{"host", "127.0.0.1:" + std::to_string(sosd.port())},
                        {"content-length", std::to_string(length)}};
  SigningRequest request{method, path, {}, headers, std::string(kUnsignedPayload)};
  for (auto& h : SignV4(request, Credentials{sosd.access_key(), sosd.secret_key(), ""}, "us-east-1",
                        "s3", std::chrono::system_clock::now())) {
    headers.push_back(std::move(h));
  }
  std::string head = method + " " + path + " HTTP/1.1\r\n";
  for (const auto& [name, value] : headers) head += name + ": " + value + "\r\n";
  return head + "Connection: close\r\n\r\n";
}

int StatusOf(const std::string& response) {
  return response.rfind("HTTP/1.1 ", 0) == 0 ? std::atoi(response.c_str() + 9) : 0;
}

// Lines of sosd's stderr that contain `what`, waiting (bounded) until there
// are at least `want` of them: the access log is written by a background thread.
std::vector<std::string> LogLinesWith(const SosdProcess& sosd, const std::string& what, size_t want,
                                      milliseconds limit = 5s) {
  const auto deadline = Clock::now() + limit;
  for (;;) {
    std::vector<std::string> found;
    std::istringstream lines(sosd.stderr_text());
    for (std::string line; std::getline(lines, line);) {
      if (line.find(what) != std::string::npos) found.push_back(line);
    }
    if (found.size() >= want || Clock::now() >= deadline) return found;
    std::this_thread::sleep_for(100ms);
  }
}

// Raises this process's open-file limit (and so sosd's ceiling, which it
// inherits) to at least `want` if it can (root may raise the hard limit too).
// Whether it is now that high.
bool RaiseOpenFileLimit(rlim_t want) {
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) != 0) return false;
  if (files.rlim_cur >= want) return true;
  files.rlim_cur = want;
  files.rlim_max = std::max(files.rlim_max, want);
  if (::setrlimit(RLIMIT_NOFILE, &files) != 0) {
    ::getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = std::min(want, files.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  return ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur >= want;
}

// A field of /proc/PID/status ("VmRSS:", "Threads:"), as a number.
long ProcStatus(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) == 0) return std::atol(line.c_str() + key.size());
  }
  return -1;
}

TEST(SosdSlowClientTest, TricklingHeadIsCutAtTheDeadlineAndLogged) {
  auto sosd = StartSosd({"--header-timeout", "3s"});
  ASSERT_TRUE(sosd);
  Conn slow(sosd->port(), "127.0.0.1");
  ASSERT_TRUE(slow.connected()) << slow.error();
  const auto start = Clock::now();
  ASSERT_TRUE(slow.Send("GET /-/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Trickle: "));
  // One byte a second: every read makes progress, only the deadline stops it.
  EXPECT_TRUE(slow.TrickleUntilClosed("z", 1000ms, 8000ms));
  const double elapsed = SecondsSince(start);
  std::printf("[ metric   ] trickled head cut after %.2f s (deadline 3 s)\n", elapsed);
  EXPECT_GT(elapsed, 2.8);
  EXPECT_LT(elapsed, 3.8);
  EXPECT_EQ(slow.received(), "") << "a cut head is not answered";

  auto lines = LogLinesWith(*sosd, slow.name() + " - - - in=", 1);
  ASSERT_EQ(lines.size(), 1u) << sosd->stderr_text();
  EXPECT_NE(lines[0].find(" CutConnection reason=header_timeout total=1"), std::string::npos)
      << lines[0];
  EXPECT_EQ(lines[0].find("Trickle"), std::string::npos) << "request content logged";
  // Other clients were never affected, and the total is logged at shutdown.
  EXPECT_EQ(HttpGetStatus(sosd->endpoint() + "/-/health", 2000ms), 200);
  sosd->Stop();
  EXPECT_NE(sosd->stderr_text().find("connections cut: header_timeout=1 slow_body=0 stalled=0; "
                                     "refused: per_client_limit=0"),
            std::string::npos)
      << sosd->stderr_text();
}

// Connections that send nothing wait without a thread each (parked) and are
// cut at the first head's deadline, counted from their accept, and logged.
TEST(SosdSlowClientTest, SilentConnectionsHoldNoThreadAndAreCutAtTheHeadDeadline) {
  constexpr int kSilent = 2000;
  ASSERT_TRUE(RaiseOpenFileLimit(kSilent + 200)) << "open-file limit too low";
  auto sosd = StartSosd({"--header-timeout", "6s", "--max-connections-per-client", "0"});
  ASSERT_TRUE(sosd);
  long threads_idle = ProcStatus(sosd->pid(), "Threads:");
  std::vector<std::unique_ptr<Conn>> silent;
  const auto opened = Clock::now();
  for (int i = 0; i < kSilent; ++i) {
    silent.push_back(std::make_unique<Conn>(sosd->port(), "127.0.2." + std::to_string(1 + i % 250)));
    ASSERT_TRUE(silent.back()->connected()) << i << ": " << silent.back()->error();
  }
  // Parked once their workers waited a moment; the workers then leave.
  long threads = ProcStatus(sosd->pid(), "Threads:");
  for (auto until = Clock::now() + 5s; threads > threads_idle + 8 && Clock::now() < until;) {
    std::this_thread::sleep_for(100ms);
    threads = ProcStatus(sosd->pid(), "Threads:");
  }
  EXPECT_LE(threads, threads_idle + 8) << "threads held by connections that sent nothing";
  EXPECT_LT(SecondsSince(opened), 6.0) << "too slow to tell parked from cut";
  EXPECT_EQ(HttpGetStatus(sosd->endpoint() + "/-/health", 2000ms), 200);
  // Each is closed at its deadline, unanswered.
  std::vector<double> closed_after(kSilent, -1);
  int open = kSilent;
  std::vector<pollfd> fds(kSilent);
  while (open > 0 && SecondsSince(opened) < 12) {
    for (int i = 0; i < kSilent; ++i) fds[i] = {closed_after[i] < 0 ? silent[i]->fd() : -1, POLLIN, 0};
    if (::poll(fds.data(), fds.size(), 200) <= 0) continue;
    for (int i = 0; i < kSilent; ++i) {
      if (fds[i].revents != 0 && !silent[i]->ReadSome()) {
        closed_after[i] = SecondsSince(opened);
        --open;
      }
    }
  }
  ASSERT_EQ(open, 0) << "connections left open past the head deadline";
  const auto [first, last] = std::minmax_element(closed_after.begin(), closed_after.end());
  std::printf("[ metric   ] %d silent connections: sosd threads %ld at rest, %ld with all "
              "parked; closed between %.2f and %.2f s (deadline 6 s)\n",
              kSilent, threads_idle, threads, *first, *last);
  EXPECT_GT(*first, 5.5);
  EXPECT_LT(*last, 8.0);
  for (const auto& c : silent) EXPECT_EQ(c->received(), "");
  EXPECT_EQ(LogLinesWith(*sosd, "CutConnection reason=header_timeout", kSilent).size(),
            static_cast<size_t>(kSilent));
}

TEST(SosdSlowClientTest, SlowBodyIsCutAndTheUploadLeavesNothing) {
  auto sosd = StartSosd({"--min-body-rate", "1KiB", "--min-body-rate-window", "2s"});
  ASSERT_TRUE(sosd);
  const std::string bucket = "/slow-body";
  ASSERT_EQ(StatusOf(Exchange(sosd->port(), SignedHead(*sosd, "PUT", bucket, 0))), 200);

  Conn slow(sosd->port(), "127.0.0.1");
  ASSERT_TRUE(slow.connected()) << slow.error();
  ASSERT_TRUE(slow.Send(SignedHead(*sosd, "PUT", bucket + "/trickled", 100000)));
  const auto start = Clock::now();
  // 32 bytes/s where 1024 are due: cut once 2 s have been spent waiting for it.
  EXPECT_TRUE(slow.TrickleUntilClosed(std::string(16, 'b'), 500ms, 8000ms));
  const double elapsed = SecondsSince(start);
  std::printf("[ metric   ] slow body cut after %.2f s (window 2 s)\n", elapsed);
  EXPECT_GT(elapsed, 1.8);
  EXPECT_LT(elapsed, 3.5);
  EXPECT_EQ(StatusOf(slow.received()), 400) << slow.received();
  EXPECT_NE(slow.received().find("<Code>RequestTimeout</Code>"), std::string::npos)
      << slow.received();

  auto lines = LogLinesWith(*sosd, slow.name() + " - - - in=", 1);
  ASSERT_EQ(lines.size(), 1u) << sosd->stderr_text();
  EXPECT_NE(lines[0].find(" CutConnection reason=slow_body total=1"), std::string::npos)
      << lines[0];
  // Nothing was stored; a prompt upload of the same key still works.
  EXPECT_EQ(StatusOf(Exchange(sosd->port(), SignedHead(*sosd, "HEAD", bucket + "/trickled", 0))),
            404);
  EXPECT_EQ(
      StatusOf(Exchange(sosd->port(), SignedHead(*sosd, "PUT", bucket + "/trickled", 5) + "quick")),
      200);
}

TEST(SosdSlowClientTest, ConnectionOverTheClientCapGets503SlowDownAtOnce) {
  auto sosd = StartSosd({"--max-connections-per-client", "4", "--header-timeout", "30s"});
  ASSERT_TRUE(sosd);
  const int port = sosd->port();
  std::vector<std::unique_ptr<Conn>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<Conn>(port, "127.0.0.5"));
    ASSERT_TRUE(held.back()->connected()) << held.back()->error();
    ASSERT_TRUE(held.back()->Send("GET /-/health HTTP/1.1\r\n"));  // and nothing more
  }
  // sosd accepts in order: by the fifth, the four are counted.
  const auto start = Clock::now();
  Conn fifth(port, "127.0.0.5");
  ASSERT_TRUE(fifth.connected()) << fifth.error();
  ASSERT_TRUE(fifth.Send("GET /-/health HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(fifth.ReadUntilClosed(3s));
  const double elapsed = SecondsSince(start);
  std::printf("[ metric   ] over-cap connection answered and closed in %.3f s\n", elapsed);
  EXPECT_LT(elapsed, 1.0);
  EXPECT_EQ(StatusOf(fifth.received()), 503) << fifth.received();
  EXPECT_NE(fifth.received().find("<Code>SlowDown</Code>"), std::string::npos) << fifth.received();
  EXPECT_NE(fifth.received().find("Connection: close"), std::string::npos) << fifth.received();

  // Other addresses are served meanwhile.
  for (const char* other : {"127.0.0.6", "127.0.0.1"}) {
    Conn conn(port, other);
    ASSERT_TRUE(conn.connected()) << conn.error();
    ASSERT_TRUE(conn.Send("GET /-/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    EXPECT_TRUE(conn.ReadUntilClosed(3s));
    EXPECT_EQ(StatusOf(conn.received()), 200) << other << ": " << conn.received();
  }
  // One of the four leaving makes room for the address again.
  held.pop_back();
  int status = 0;
  for (int attempt = 0; attempt < 20 && status != 200; ++attempt) {
    std::this_thread::sleep_for(100ms);
    Conn again(port, "127.0.0.5");
    if (again.Send("GET /-/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) {
      again.ReadUntilClosed(3s);
      status = StatusOf(again.received());
    }
  }
  EXPECT_EQ(status, 200);

  auto lines = LogLinesWith(*sosd, fifth.name() + " - - 503 in=0", 1);
  ASSERT_EQ(lines.size(), 1u) << sosd->stderr_text();
  EXPECT_NE(lines[0].find(" RefusedConnection reason=per_client_limit total=1"), std::string::npos)
      << lines[0];
}

TEST(SosdSlowClientTest, ThousandSlowConnectionsLeaveOthersServedThenAllAreCut) {
  constexpr int kSlow = 1000;
  constexpr int kAddresses = 40;  // 127.0.0.2 .. 127.0.0.41: 25 each, under the cap of 64
  constexpr auto kDeadline = 10s;
  // The test holds a descriptor per connection too.
  ASSERT_TRUE(RaiseOpenFileLimit(kSlow + 200)) << "open-file limit too low";

  auto sosd = StartSosd({"--header-timeout", "10s"});
  ASSERT_TRUE(sosd);
  const int port = sosd->port();
  // At rest: the worker that served the start-up health check leaves after
  // 2 s without work.
  long threads_idle = ProcStatus(sosd->pid(), "Threads:");
  for (int i = 0; i < 60; ++i) {
    std::this_thread::sleep_for(50ms);
    threads_idle = std::min(threads_idle, ProcStatus(sosd->pid(), "Threads:"));
  }
  const long rss_idle_kb = ProcStatus(sosd->pid(), "VmRSS:");

  std::vector<std::unique_ptr<Conn>> slow;
  std::vector<Clock::time_point> opened;
  for (int i = 0; i < kSlow; ++i) {
    const std::string source = "127.0.0." + std::to_string(2 + i % kAddresses);
    slow.push_back(std::make_unique<Conn>(port, source));
    ASSERT_TRUE(slow.back()->connected())
        << i << " from " << source << ": " << slow.back()->error();
    opened.push_back(Clock::now());
    ASSERT_TRUE(slow.back()->Send("GET /-/health HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  }
  const double open_seconds = std::chrono::duration<double>(opened.back() - opened[0]).count();
  // Every one is served by a thread of its own once accepted.
  const auto accept_deadline = Clock::now() + 5s;
  while (ProcStatus(sosd->pid(), "Threads:") < threads_idle + kSlow &&
         Clock::now() < accept_deadline) {
    std::this_thread::sleep_for(50ms);
  }
  const long threads_busy = ProcStatus(sosd->pid(), "Threads:");
  ASSERT_GE(threads_busy, threads_idle + kSlow);
  const long rss_busy_kb = ProcStatus(sosd->pid(), "VmRSS:");

  // A normal client on 127.0.0.1: health checks, and signed writes and reads.
  ASSERT_EQ(StatusOf(Exchange(port, SignedHead(*sosd, "PUT", "/normal", 0))), 200);
  double worst = 0;
  for (int i = 0; i < 10; ++i) {
    auto t0 = Clock::now();
    EXPECT_EQ(HttpGetStatus(sosd->endpoint() + "/-/health", 5000ms), 200);
    worst = std::max(worst, SecondsSince(t0));
    const std::string key = "/normal/k" + std::to_string(i);
    t0 = Clock::now();
    EXPECT_EQ(StatusOf(Exchange(port, SignedHead(*sosd, "PUT", key, 4) + "data")), 200);
    worst = std::max(worst, SecondsSince(t0));
    t0 = Clock::now();
    std::string got = Exchange(port, SignedHead(*sosd, "GET", key, 0));
    worst = std::max(worst, SecondsSince(t0));
    EXPECT_EQ(StatusOf(got), 200);
    EXPECT_TRUE(got.size() >= 4 && got.substr(got.size() - 4) == "data") << got;
  }
  // Still all open while the normal client was served.
  EXPECT_GE(ProcStatus(sosd->pid(), "Threads:"), threads_idle + kSlow);
  std::printf(
      "[ metric   ] %d slow connections opened in %.2f s; sosd threads %ld -> %ld, RSS %ld -> "
      "%ld KiB (+%ld KiB, %.1f KiB per connection); normal client's slowest answer %.1f ms\n",
      kSlow, open_seconds, threads_idle, threads_busy, rss_idle_kb, rss_busy_kb,
      rss_busy_kb - rss_idle_kb, double(rss_busy_kb - rss_idle_kb) / kSlow, worst * 1000);
  EXPECT_LT(worst, 1.0);
  // About 18 KiB each when measured (1 MiB stacks, mostly untouched): bounded well below.
  EXPECT_LT(rss_busy_kb - rss_idle_kb, 64 * 1024) << "more than 64 KiB per slow connection";

  // Then each is cut at its deadline: trickle a byte to every open one every
  // 2 s, and note when sosd closes it.
  std::vector<double> cut_after(kSlow, -1);
  int open = kSlow;
  auto next_trickle = Clock::now();
  const auto give_up = opened.back() + kDeadline + 5s;
  std::vector<pollfd> fds(kSlow);
  while (open > 0 && Clock::now() < give_up) {
    if (Clock::now() >= next_trickle) {
      for (int i = 0; i < kSlow; ++i) {
        if (cut_after[i] < 0) (void)slow[i]->Send("s");
      }
      next_trickle += 2s;
    }
    for (int i = 0; i < kSlow; ++i) {
      fds[i] = {cut_after[i] < 0 ? slow[i]->fd() : -1, POLLIN, 0};
    }
    if (::poll(fds.data(), fds.size(), 200) <= 0) continue;
    for (int i = 0; i < kSlow; ++i) {
      if (fds[i].revents != 0 && !slow[i]->ReadSome()) {
        cut_after[i] = std::chrono::duration<double>(Clock::now() - opened[i]).count();
        --open;
      }
    }
  }
  ASSERT_EQ(open, 0) << "connections sosd left open past their deadline";
  const auto [first, last] = std::minmax_element(cut_after.begin(), cut_after.end());
  std::printf(
      "[ metric   ] all %d cut between %.2f and %.2f s after their connect (deadline %lld s)\n",
      kSlow, *first, *last, static_cast<long long>(kDeadline.count()));
  EXPECT_GT(*first, 9.8);
  EXPECT_LT(*last, 11.5);
  for (const auto& c : slow) EXPECT_EQ(c->received(), "");

  auto lines = LogLinesWith(*sosd, "CutConnection reason=header_timeout", kSlow);
  EXPECT_EQ(lines.size(), static_cast<size_t>(kSlow));
  EXPECT_NE(LogLinesWith(*sosd, "reason=header_timeout total=1000", 1).size(), 0u);
  // Their threads are gone.
  const auto exit_deadline = Clock::now() + 5s;
  while (ProcStatus(sosd->pid(), "Threads:") > threads_idle + 8 && Clock::now() < exit_deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_LE(ProcStatus(sosd->pid(), "Threads:"), threads_idle + 8);
}

// Reads every connection's answers until each holds `want` whole responses
// (head and Content-Length body) or `limit` passes; how many do.
size_t AwaitResponses(std::vector<std::unique_ptr<Conn>>& conns, size_t want, milliseconds limit) {
  auto whole = [&](const std::string& got) {
    size_t at = 0, n = 0;
    while (n < want) {
      const size_t end = got.find("\r\n\r\n", at);
      if (end == std::string::npos) return false;
      const size_t cl = got.find("Content-Length: ", at);
      const size_t length =
          cl != std::string::npos && cl < end ? std::stoul(got.substr(cl + 16)) : 0;
      if (got.size() < end + 4 + length) return false;
      at = end + 4 + length;
      ++n;
    }
    return true;
  };
  const auto deadline = Clock::now() + limit;
  std::vector<bool> done(conns.size(), false);
  size_t complete = 0;
  std::vector<pollfd> fds(conns.size());
  while (complete < conns.size() && Clock::now() < deadline) {
    for (size_t i = 0; i < conns.size(); ++i) fds[i] = {done[i] ? -1 : conns[i]->fd(), POLLIN, 0};
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    for (size_t i = 0; i < conns.size(); ++i) {
      if (done[i] || fds[i].revents == 0) continue;
      if (!conns[i]->ReadSome()) {
        done[i] = true;  // closed: counted as incomplete unless whole already
        if (whole(conns[i]->received())) ++complete;
        continue;
      }
      if (whole(conns[i]->received())) {
        done[i] = true;
        ++complete;
      }
    }
  }
  return complete;
}

// Kept-alive connections idle between requests wait without a thread each:
// thousands of them leave sosd with a handful of threads and a small RSS, and
// each is served again at once when its next request comes.
TEST(SosdSlowClientTest, TenThousandKeptAliveConnectionsHoldFewThreads) {
  constexpr int kConns = 10000;
  // This test holds a descriptor per connection; sosd raises its own limit
  // toward the hard one, to one per connection, 3 for each of 1,024 requests
  // in progress and 256 more.
  const rlim_t want = (kConns + 100) + 3 * 1024 + 256;
  if (!RaiseOpenFileLimit(want)) GTEST_SKIP() << "open-file limit below " << want;

  auto sosd = StartSosd({"--max-connections", std::to_string(kConns + 100),
                         "--max-connections-per-client", "0"});
  ASSERT_TRUE(sosd);
  const int port = sosd->port();
  long threads_idle = ProcStatus(sosd->pid(), "Threads:");
  const long rss_idle_kb = ProcStatus(sosd->pid(), "VmRSS:");

  std::vector<std::unique_ptr<Conn>> conns;
  const std::string request = "GET /-/health HTTP/1.1\r\nHost: x\r\n\r\n";
  const auto t0 = Clock::now();
  for (int i = 0; i < kConns; ++i) {
    conns.push_back(std::make_unique<Conn>(port, "127.0.1." + std::to_string(1 + i % 250)));
    ASSERT_TRUE(conns.back()->connected()) << i << ": " << conns.back()->error();
    ASSERT_TRUE(conns.back()->Send(request));
  }
  ASSERT_EQ(AwaitResponses(conns, 1, 60s), static_cast<size_t>(kConns));
  const double first_round = SecondsSince(t0);
  // Idle now: every connection is parked, and the workers that served them
  // leave once they found no work for a while.
  long threads_parked = ProcStatus(sosd->pid(), "Threads:");
  for (auto until = Clock::now() + 10s; threads_parked > threads_idle + 8 && Clock::now() < until;) {
    std::this_thread::sleep_for(100ms);
    threads_parked = ProcStatus(sosd->pid(), "Threads:");
  }
  const long rss_parked_kb = ProcStatus(sosd->pid(), "VmRSS:");
  EXPECT_LE(threads_parked, threads_idle + 8) << "threads held by idle connections";
  // Every one is still open and answers at once.
  const auto t1 = Clock::now();
  for (auto& c : conns) ASSERT_TRUE(c->Send(request));
  EXPECT_EQ(AwaitResponses(conns, 2, 60s), static_cast<size_t>(kConns));
  const double second_round = SecondsSince(t1);
  for (auto& c : conns) EXPECT_EQ(StatusOf(c->received()), 200);
  std::printf(
      "[ metric   ] %d kept-alive connections: first requests %.2f s, again after idling %.2f "
      "s; sosd threads %ld at rest, %ld with all of them idle; RSS %ld -> %ld KiB (%.1f KiB "
      "per connection)\n",
      kConns, first_round, second_round, threads_idle, threads_parked, rss_idle_kb,
      rss_parked_kb, double(rss_parked_kb - rss_idle_kb) / kConns);
  EXPECT_LT(rss_parked_kb - rss_idle_kb, 16 * kConns) << "more than 16 KiB per idle connection";
}

TEST(SosdSlowClientTest, LimitsComeFromTomlAndEnvironmentAndBadValuesAreRefused) {
  const std::string dir = ::testing::TempDir() + "sosd-slow-client-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string config = dir + "/sosd.toml";
  {
    std::ofstream out(config);
    out << "max_connections_per_client = 1\nheader_timeout = \"30s\"\nmin_body_rate = \"2k\"\n";
  }
  // The environment wins over the file: a 2 s deadline, not 30 s.
  auto sosd = StartSosd({"--config", config}, {{"SOS_HEADER_TIMEOUT", "2s"}});
  ASSERT_TRUE(sosd);
  Conn first(sosd->port(), "127.0.0.7");
  ASSERT_TRUE(first.connected()) << first.error();
  const auto start = Clock::now();
  Conn second(sosd->port(), "127.0.0.7");
  ASSERT_TRUE(second.connected()) << second.error();
  EXPECT_TRUE(second.ReadUntilClosed(3s));
  EXPECT_EQ(StatusOf(second.received()), 503) << second.received();
  EXPECT_TRUE(first.ReadUntilClosed(5s));
  const double elapsed = SecondsSince(start);
  EXPECT_GT(elapsed, 1.8);
  EXPECT_LT(elapsed, 3.0);
  sosd.reset();

  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"--header-timeout", "1.5s"},
           {"--header-timeout", "-3"},
           {"--min-body-rate", "fast"},
           {"--min-body-rate-window", "0", "--min-body-rate", "1"},
           {"--max-connections", "0"},
           {"--max-connections-per-client", "-1"},
           {"--lifecycle-interval", "0"},
           {"--metrics-listen", "nowhere"},
           {"--console-listen", "nowhere"}}) {
    std::vector<std::string> argv = {SOSD_PATH, "--data", dir + "/data", "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), bad.begin(), bad.end());
    ProgramResult r = RunProgram(argv, {"PATH=/usr/bin:/bin"}, std::chrono::seconds(20));
    EXPECT_EQ(r.exit_code, 1) << bad[0] << " " << bad[1] << ": " << r.output;
    EXPECT_NE(r.output.find(bad[0].substr(2)), std::string::npos) << r.output;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sos::testing
