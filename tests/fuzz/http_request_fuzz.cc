// Fuzzes the HTTP/1.1 request parsing of sosd's server (daemon/http) through
// its public face: one HttpServer on 127.0.0.1, configured as sosd configures
// it (Beast's request parser, the 400/431/505 rejections, keep-alive and
// pipelining, request bodies with Content-Length or chunked framing, Expect:
// 100-continue).
//
// Input: everything a client sends on one connection before it half-closes.
// The handler checks each HttpRequestHead the server hands it: a token
// method, a target without spaces or controls, token header names, values
// without controls or surrounding whitespace, and a body that, read to its
// end, has exactly its Content-Length. What the server sends back must be
// HTTP responses, and the server must close the connection when the client
// is done.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>

#include "daemon/http/http_server.h"
#include "tests/fuzz/fuzz_util.h"

namespace sos::fuzz {
namespace {

bool IsTargetChar(unsigned char c) { return c > 0x20 && c != 0x7f; }

void Handle(HttpRequest& request, ResponseWriter& response) {
  const HttpRequestHead& head = request.head;
  FUZZ_CHECK(IsToken(head.method));
  FUZZ_CHECK(!head.target.empty());
  for (unsigned char c : head.target) FUZZ_CHECK(IsTargetChar(c));
  for (const auto& [name, value] : head.headers) {
    FUZZ_CHECK(IsToken(name));
    FUZZ_CHECK(IsFieldValue(value));
    FUZZ_CHECK(TrimOws(value).size() == value.size());
  }
  // Odd-sized reads, so that framing is undone across read boundaries.
  char buf[997];
  uint64_t total = 0;
  for (;;) {
    auto n = request.body->Read(buf, sizeof buf);
    if (!n.ok()) break;
    if (*n == 0) {
      if (auto length = request.body->ContentLength()) FUZZ_CHECK(total == *length);
      break;
    }
    FUZZ_CHECK(*n <= sizeof buf);
    total += *n;
  }
  if (head.method == "GET") {
    (void)response.Send(200, "text/plain", "ok\n");
  } else {
    response.SetStatus(200);
    if (response.SendHeaders(std::nullopt).ok() && response.Write("chunked ok\n").ok()) {
      (void)response.Finish();
    }
  }
}

HttpServer& Server() {
  static HttpServer* server = [] {
    HttpServerOptions options;
    options.max_header_bytes = 8 << 10;
    options.idle_timeout = std::chrono::seconds(2);
    options.io_timeout = std::chrono::seconds(2);
    auto started = HttpServer::Start(options, Handle);
    FUZZ_CHECK(started.ok());
    return started->release();  // serves until the process exits
  }();
  return *server;
}

// Waits for the connection to end, so that everything it did counts for this
// input: a leak check or a crash after it must not blame the next. (Its
// worker thread stays in the server's pool a while, serving nothing.)
void AwaitConnectionEnd() {
  for (int i = 0; i < 50000 && Server().open_connections() > 0; ++i) ::usleep(100);
  FUZZ_CHECK(Server().open_connections() == 0);  // a connection that never ends
}

// Sends `input` on a new connection, half-closes, and returns everything the
// server sent until it closed. Reads while writing: pipelined responses
// must not fill the socket buffers while the input is still going out.
std::string Exchange(std::string_view input) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  FUZZ_CHECK(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(Server().port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc;
  while ((rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr)) != 0 &&
         errno == EINTR) {
  }
  FUZZ_CHECK(rc == 0);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  std::string out;
  bool write_open = true;
  if (input.empty()) write_open = ::shutdown(fd, SHUT_WR) != 0;
  // libFuzzer's timeout alarm interrupts system calls: EINTR means "again".
  auto again = [] { return errno == EAGAIN || errno == EINTR; };
  for (;;) {
    pollfd p{fd, static_cast<short>(POLLIN | (write_open ? POLLOUT : 0)), 0};
    int ready = ::poll(&p, 1, 30000);
    if (ready < 0 && errno == EINTR) continue;
    FUZZ_CHECK(ready == 1);  // the server answers or closes in time
    if (write_open && (p.revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = ::send(fd, input.data(), input.size(), MSG_NOSIGNAL);
      if (n > 0) input.remove_prefix(static_cast<size_t>(n));
      if (n < 0 && !again()) input = {};  // the server closed early: fine
      if (input.empty()) {
        ::shutdown(fd, SHUT_WR);
        write_open = false;
      }
    }
    char buf[16 << 10];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || !again()) {
      break;
    }
  }
  ::close(fd);
  return out;
}

}  // namespace
}  // namespace sos::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string responses = sos::fuzz::Exchange(sos::fuzz::FuzzInput(data, size));
  sos::fuzz::AwaitConnectionEnd();
  FUZZ_CHECK(responses.empty() || responses.rfind("HTTP/1.", 0) == 0);
  return 0;
}
