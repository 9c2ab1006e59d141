// HttpServer over real sockets on 127.0.0.1: libcurl as the well-behaved client,
// raw sockets for the protocol edge cases (pipelining, malformed input,
// stalls, exact bytes on the wire).
#include "daemon/http/http_server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace sos {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---------------------------------------------------------------- raw client

struct RawResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::optional<std::string> Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (EqualsIgnoreCase(k, name)) return v;
    }
    return std::nullopt;
  }
};

class RawClient {
 public:
  // `source`: the client's address, one of 127.0.0.0/8 (default: the kernel's choice).
  explicit RawClient(int port, std::chrono::milliseconds timeout = 10s,
                     const char* source = nullptr)
      : timeout_(timeout) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (source != nullptr) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      ::inet_pton(AF_INET, source, &local.sin_addr);
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
        connect_errno_ = errno;
        return;
      }
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    connect_errno_ = connected_ ? 0 : errno;
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }
  int connect_errno() const { return connect_errno_; }
  void set_timeout(std::chrono::milliseconds t) { timeout_ = t; }

  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t r = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (r <= 0) return false;
      data.remove_prefix(static_cast<size_t>(r));
    }
    return true;
  }

  // Reads one response (1xx included). nullopt on timeout or EOF before its end.
  std::optional<RawResponse> ReadResponse(bool head = false) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    RawResponse r;
    std::istringstream lines(buf_.substr(0, end));
    buf_.erase(0, end + 4);
    std::string line;
    std::getline(lines, line);
    if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) return std::nullopt;
    r.status = std::stoi(line.substr(9, 3));
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers.emplace_back(line.substr(0, colon), value);
    }
    if (head || r.status < 200 || r.status == 204 || r.status == 304) return r;
    auto te = r.Header("Transfer-Encoding");
    auto cl = r.Header("Content-Length");
    if (te && EqualsIgnoreCase(*te, "chunked")) {
      for (;;) {
        size_t eol;
        while ((eol = buf_.find("\r\n")) == std::string::npos) {
          if (!Fill()) return std::nullopt;
        }
        size_t size = std::stoul(buf_.substr(0, eol), nullptr, 16);
        buf_.erase(0, eol + 2);
        if (size == 0) {
          while ((eol = buf_.find("\r\n")) != 0) {  // trailers, then an empty line
            if (eol == std::string::npos) {
              if (!Fill()) return std::nullopt;
            } else {
              buf_.erase(0, eol + 2);
            }
          }
          buf_.erase(0, 2);
          return r;
        }
        while (buf_.size() < size + 2) {
          if (!Fill()) return std::nullopt;
        }
        r.body.append(buf_, 0, size);
        buf_.erase(0, size + 2);
      }
    }
    if (cl) {
      size_t n = std::stoul(*cl);
      while (buf_.size() < n) {
        if (!Fill()) return std::nullopt;
      }
      r.body = buf_.substr(0, n);
      buf_.erase(0, n);
      return r;
    }
    while (Fill()) {
    }
    r.body = std::move(buf_);
    buf_.clear();
    return r;
  }

  // True if the server closes (EOF or reset) within `timeout`; bytes that
  // arrive meanwhile are kept in pending().
  bool WaitClosed(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char tmp[65536];
      ssize_t r = ::recv(fd_, tmp, sizeof(tmp), 0);
      if (r <= 0) return true;
      buf_.append(tmp, static_cast<size_t>(r));
    }
  }

  // Whether any byte arrives within `timeout`.
  bool DataArrives(std::chrono::milliseconds timeout) {
    if (!buf_.empty()) return true;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
  }

  const std::string& pending() const { return buf_; }

 private:
  bool Fill() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout_.count())) <= 0) return false;
    char tmp[65536];
    ssize_t r = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (r <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(r));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  int connect_errno_ = 0;
  std::chrono::milliseconds timeout_;
  std::string buf_;
};

// ---------------------------------------------------------------- curl client

void CurlGlobalInit() {
  static const bool once = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)once;
}

struct CurlReply {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::vector<std::string> header_lines;
  long connects = 0;
};

size_t AppendBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t AppendHeader(char* data, size_t size, size_t n, void* user) {
  static_cast<std::vector<std::string>*>(user)->emplace_back(data, size * n);
  return size * n;
}

struct UploadSource {
  const std::string* data = nullptr;
  size_t pos = 0;
};

size_t ReadUpload(char* buf, size_t size, size_t n, void* user) {
  auto* src = static_cast<UploadSource*>(user);
  size_t take = std::min(size * n, src->data->size() - src->pos);
  std::memcpy(buf, src->data->data() + src->pos, take);
  src->pos += take;
  return take;
}

class Curl {
 public:
  Curl() {
    CurlGlobalInit();
    h_ = curl_easy_init();
  }
  ~Curl() { curl_easy_cleanup(h_); }
  CURL* get() { return h_; }

  // GET, or PUT of `upload` (chunked when `chunked`), keeping the connection.
  CurlReply Do(const std::string& url, const std::string* upload = nullptr, bool chunked = false,
               std::vector<std::string> extra_headers = {}) {
    CurlReply reply;
    curl_easy_reset(h_);
    curl_easy_setopt(h_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h_, CURLOPT_WRITEFUNCTION, AppendBody);
    curl_easy_setopt(h_, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(h_, CURLOPT_HEADERFUNCTION, AppendHeader);
    curl_easy_setopt(h_, CURLOPT_HEADERDATA, &reply.header_lines);
    curl_easy_setopt(h_, CURLOPT_TIMEOUT, 60L);
    UploadSource src{upload, 0};
    curl_slist* headers = nullptr;
    if (upload != nullptr) {
      curl_easy_setopt(h_, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(h_, CURLOPT_READFUNCTION, ReadUpload);
      curl_easy_setopt(h_, CURLOPT_READDATA, &src);
      if (chunked) {
        headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
      } else {
        curl_easy_setopt(h_, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(upload->size()));
      }
    }
    for (const auto& h : extra_headers) headers = curl_slist_append(headers, h.c_str());
    if (headers != nullptr) curl_easy_setopt(h_, CURLOPT_HTTPHEADER, headers);
    reply.code = curl_easy_perform(h_);
    curl_easy_getinfo(h_, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_easy_getinfo(h_, CURLINFO_NUM_CONNECTS, &reply.connects);
    curl_slist_free_all(headers);
    return reply;
  }

 private:
  CURL* h_;
};

// ---------------------------------------------------------------- helpers

std::string Url(int port, std::string_view path) {
  return "http://127.0.0.1:" + std::to_string(port) + std::string(path);
}

std::unique_ptr<HttpServer> StartServer(HttpHandler handler, HttpServerOptions options = {}) {
  options.host = "127.0.0.1";
  options.port = 0;
  auto server = HttpServer::Start(options, std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

// `after_each`, if given, runs after each piece read (a handler busy elsewhere).
Result<std::string> ReadAll(RequestBody* body, size_t piece = 64 << 10,
                            const std::function<void()>& after_each = nullptr) {
  std::string out;
  std::vector<char> buf(piece);
  for (;;) {
    auto n = body->Read(buf.data(), buf.size());
    if (!n.ok()) return n.status();
    if (*n == 0) return out;
    out.append(buf.data(), *n);
    if (after_each) after_each();
  }
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

uint64_t Fnv1a(std::string_view data) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Echo: "<METHOD> <target> <body bytes>" plus the body itself for POST/PUT.
void EchoHandler(HttpRequest& req, ResponseWriter& resp) {
  auto body = ReadAll(req.body);
  if (!body.ok()) {
    (void)resp.Send(400, "text/plain", body.status().ToString());
    return;
  }
  (void)resp.Send(
      200, "text/plain",
      req.head.method + " " + req.head.target + " " + std::to_string(body->size()) + "\n" + *body);
}

size_t StatusKb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::stoul(line.substr(std::strlen(key)));
  }
  return 0;
}

// Resets VmHWM to the current RSS (Linux >= 4.0), so VmHWM is the peak from now.
void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

// A cheap, position-dependent byte pattern for large streams.
char PatternAt(uint64_t pos) { return static_cast<char>((pos * 2654435761u) >> 11); }

const std::string& PatternBlock() {  // 1 MiB; the pattern's period (512 KiB) divides it
  static const std::string block = [] {
    std::string b(1 << 20, '\0');
    for (size_t i = 0; i < b.size(); ++i) b[i] = PatternAt(i);
    return b;
  }();
  return block;
}

constexpr uint64_t kBigSize = 256ull << 20;

// The server's log lines (options.log), from any thread.
class LogLines {
 public:
  std::function<void(std::string_view)> Sink() {
    return [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.emplace_back(line);
    };
  }
  std::vector<std::string> Get() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

// A cut or refusal line of a client on 127.0.0.1: the access log's columns
// from `columns` on (status, in=...), then `tail` (operation, reason, total).
void ExpectCutLine(const std::string& line, std::string_view columns, std::string_view tail) {
  EXPECT_EQ(line.rfind("127.0.0.1:", 0), 0u) << line;
  EXPECT_NE(line.find(columns), std::string::npos) << line;
  EXPECT_NE(line.find(tail), std::string::npos) << line;
}

// Sends `piece` every `every` until the server closes or `limit` passes;
// true if it closed. What the server answered meanwhile is in pending().
bool TrickleUntilClosed(RawClient& client, std::string_view piece, std::chrono::milliseconds every,
                        std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    (void)client.Send(piece);  // fails once the server is gone; WaitClosed says so
    if (client.WaitClosed(every)) return true;
  }
  return false;
}

// ================================================================ tests

TEST(HttpServerTest, KeepAliveReusesOneConnectionFor100Requests) {
  std::mutex mu;
  std::set<std::string> peers;
  auto server = StartServer([&](HttpRequest& req, ResponseWriter& resp) {
    {
      std::lock_guard<std::mutex> lock(mu);
      peers.insert(req.remote_addr);
    }
    (void)resp.Send(200, "text/plain", "hello " + req.head.target);
  });
  ASSERT_TRUE(server);
  Curl curl;
  long connects = 0;
  for (int i = 0; i < 100; ++i) {
    std::string path = "/k" + std::to_string(i);
    CurlReply r = curl.Do(Url(server->port(), path));
    ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello " + path);
    connects += r.connects;
  }
  EXPECT_EQ(connects, 1);
  EXPECT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers.begin()->rfind("127.0.0.1:", 0), 0u);
}

TEST(HttpServerTest, PipelinedRequestsAnsweredInOrder) {
  auto server = StartServer([](HttpRequest& req, ResponseWriter& resp) {
    if (req.head.target == "/chunky") {
      (void)resp.SendHeaders(std::nullopt);
      for (int i = 0; i < 3; ++i) (void)resp.Write("part" + std::to_string(i) + ";");
      (void)resp.Finish();
      return;
    }
    EchoHandler(req, resp);
  });
  ASSERT_TRUE(server);
  const std::string pipeline =
      "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
      "GET /chunky HTTP/1.1\r\nHost: x\r\n\r\n"
      "PUT /4 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
      "GET /5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::vector<std::string> expected = {"GET /1 0\n", "POST /2 5\nhello", "part0;part1;part2;",
                                             "PUT /4 3\nabc", "GET /5 0\n"};
  // All at once, then split at random points into many small sends.
  for (int round = 0; round < 2; ++round) {
    RawClient client(server->port());
    ASSERT_TRUE(client.connected());
    if (round == 0) {
      ASSERT_TRUE(client.Send(pipeline));
    } else {
      std::mt19937 rng(7);
      for (size_t pos = 0; pos < pipeline.size();) {
        size_t n = std::min<size_t>(1 + rng() % 9, pipeline.size() - pos);
        ASSERT_TRUE(client.Send(pipeline.substr(pos, n)));
        pos += n;
        if (rng() % 4 == 0) std::this_thread::sleep_for(1ms);
      }
    }
    for (size_t i = 0; i < expected.size(); ++i) {
      auto r = client.ReadResponse();
      ASSERT_TRUE(r) << "response " << i;
      EXPECT_EQ(r->status, 200);
      EXPECT_EQ(r->body, expected[i]) << "response " << i;
    }
    EXPECT_TRUE(client.WaitClosed(5s));
    EXPECT_EQ(client.pending(), "");
  }
}

TEST(HttpServerTest, ExpectContinueWithCurlGets100ThenResponse) {
  auto server = StartServer([](HttpRequest& req, ResponseWriter& resp) {
    auto body = ReadAll(req.body);
    ASSERT_TRUE(body.ok());
    (void)resp.Send(200, "text/plain",
                    std::to_string(body->size()) + " " + std::to_string(Fnv1a(*body)));
  });
  ASSERT_TRUE(server);
  const std::string data = RandomBytes(2 << 20, 1);
  Curl curl;
  curl_easy_setopt(curl.get(), CURLOPT_EXPECT_100_TIMEOUT_MS, 20000L);
  // Do() resets options, so build the request by hand here.
  CurlReply reply;
  UploadSource src{&data, 0};
  curl_slist* headers = curl_slist_append(nullptr, "Expect: 100-continue");
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, Url(server->port(), "/up").c_str());
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(h, CURLOPT_READDATA, &src);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(data.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, AppendHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &reply.header_lines);
  const auto start = Clock::now();
  CURLcode code = curl_easy_perform(h);
  const double elapsed = SecondsSince(start);
  curl_slist_free_all(headers);
  ASSERT_EQ(code, CURLE_OK) << curl_easy_strerror(code);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, std::to_string(data.size()) + " " + std::to_string(Fnv1a(data)));
  ASSERT_FALSE(reply.header_lines.empty());
  EXPECT_EQ(reply.header_lines.front().rfind("HTTP/1.1 100", 0), 0u) << reply.header_lines.front();
  EXPECT_LT(elapsed, 10.0);  // curl did not have to give up waiting for the 100
}

TEST(HttpServerTest, ExpectContinueRawFlowAndRejectionWithoutReading) {
  auto server = StartServer([](HttpRequest& req, ResponseWriter& resp) {
    if (req.head.target == "/reject") {
      (void)resp.Send(403, "text/plain", "no");
      return;
    }
    EchoHandler(req, resp);
  });
  ASSERT_TRUE(server);
  {
    RawClient client(server->port());
    ASSERT_TRUE(client.Send(
        "PUT /ok HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
    auto cont = client.ReadResponse();
    ASSERT_TRUE(cont);
    EXPECT_EQ(cont->status, 100);
    ASSERT_TRUE(client.Send("data"));
    auto r = client.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "PUT /ok 4\ndata");
    EXPECT_FALSE(r->Header("Connection"));  // kept alive
  }
  {
    RawClient client(server->port());
    ASSERT_TRUE(
        client.Send("PUT /reject HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: "
                    "2097152\r\n\r\n"));
    auto r = client.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403);  // and no 100 before it
    EXPECT_EQ(r->body, "no");
    EXPECT_EQ(r->Header("Connection"), "close");
    EXPECT_TRUE(client.WaitClosed(5s));
    EXPECT_EQ(client.pending(), "");
  }
  {
    // No body: the 100 still comes (as from S3), then the final response, and
    // the connection serves the next request (botocore relies on this).
    RawClient client(server->port());
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(client.Send(
          "PUT /empty HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n"));
      auto cont = client.ReadResponse();
      ASSERT_TRUE(cont);
      EXPECT_EQ(cont->status, 100);
      auto r = client.ReadResponse();
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 200);
      EXPECT_EQ(r->body, "PUT /empty 0\n");
      EXPECT_FALSE(r->Header("Connection"));
    }
  }
}

TEST(HttpServerTest, ChunkedRequestBodiesAreDechunkedByteExact) {
  std::atomic<bool> saw_length{false};
  auto server = StartServer([&](HttpRequest& req, ResponseWriter& resp) {
    if (req.body->ContentLength()) saw_length = true;
    // Odd read sizes, to cross chunk boundaries in every way.
    std::string out;
    std::mt19937 rng(static_cast<uint32_t>(req.head.target.size()));
    std::vector<char> buf(70000);
    for (;;) {
      auto n = req.body->Read(buf.data(), 1 + rng() % buf.size());
      ASSERT_TRUE(n.ok()) << n.status().ToString();
      if (*n == 0) break;
      out.append(buf.data(), *n);
    }
    (void)resp.Send(200, "application/octet-stream", out);
  });
  ASSERT_TRUE(server);
  RawClient client(server->port());
  std::mt19937 rng(42);
  const size_t sizes[] = {0, 1, 1000, 65536, 100001, (1 << 20) + 3};
  for (size_t size : sizes) {
    const std::string data = RandomBytes(size, static_cast<uint32_t>(size));
    std::string wire = "PUT /c" + std::to_string(size) +
                       " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (size_t pos = 0; pos < data.size();) {
      size_t n = std::min<size_t>(1 + rng() % 70000, data.size() - pos);
      char hex[32];
      std::snprintf(hex, sizeof(hex), "%zx", n);
      wire += hex;
      if (rng() % 3 == 0) wire += ";ext=1";  // chunk extensions are ignored
      wire += "\r\n" + data.substr(pos, n) + "\r\n";
      pos += n;
    }
    wire += size % 2 ? "0\r\nX-Trailer: t\r\n\r\n" : "0\r\n\r\n";
    ASSERT_TRUE(client.Send(wire));
    auto r = client.ReadResponse();
    ASSERT_TRUE(r) << size;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body.size(), data.size());
    EXPECT_TRUE(r->body == data) << "size " << size;
  }
  EXPECT_FALSE(saw_length.load());

  // And curl's own chunked upload.
  const std::string data = RandomBytes(3 << 20, 9);
  Curl curl;
  CurlReply reply = curl.Do(Url(server->port(), "/curl"), &data, /*chunked=*/true);
  ASSERT_EQ(reply.code, CURLE_OK) << curl_easy_strerror(reply.code);
  EXPECT_EQ(reply.status, 200);
  EXPECT_TRUE(reply.body == data);
}

TEST(HttpServerTest, StreamsA256MiBResponseInBoundedMemory) {
  auto server = StartServer([](HttpRequest& req, ResponseWriter& resp) {
    const bool chunked = req.head.target == "/chunked";
    ASSERT_TRUE(resp.SendHeaders(chunked ? std::nullopt : std::optional<uint64_t>(kBigSize)).ok());
    const std::string& block = PatternBlock();
    for (uint64_t sent = 0; sent < kBigSize; sent += 256 << 10) {
      // 256 KiB pieces at offsets that keep the pattern continuous.
      if (!resp.Write(std::string_view(block).substr(sent % block.size(), 256 << 10)).ok()) return;
    }
    (void)resp.Finish();
  });
  ASSERT_TRUE(server);
  for (const char* path : {"/length", "/chunked"}) {
    struct Sink {
      uint64_t count = 0;
      bool ok = true;
    } sink;
    Curl curl;
    CURL* h = curl.get();
    curl_easy_setopt(h, CURLOPT_URL, Url(server->port(), path).c_str());
    curl_easy_setopt(
        h, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t n, void* user) -> size_t {
          auto* s = static_cast<Sink*>(user);
          for (size_t i = 0; i < size * n; i += 4093) {
            if (data[i] != PatternAt(s->count + i)) s->ok = false;
          }
          s->count += size * n;
          return size * n;
        });
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    PatternBlock();
    const size_t before = StatusKb("VmRSS:");
    ResetPeakRss();
    ASSERT_EQ(curl_easy_perform(h), CURLE_OK);
    const size_t peak = StatusKb("VmHWM:");
    EXPECT_EQ(sink.count, kBigSize);
    EXPECT_TRUE(sink.ok);
    std::printf("[ %s ] RSS before %zu KiB, peak %zu KiB, growth %zd KiB\n", path, before, peak,
                static_cast<ssize_t>(peak) - static_cast<ssize_t>(before));
    EXPECT_LT(peak, before + (32 << 10)) << path;
  }
}

TEST(HttpServerTest, StreamsA256MiBUploadInBoundedMemory) {
  auto server = StartServer([](HttpRequest& req, ResponseWriter& resp) {
    std::vector<char> buf(256 << 10);
    uint64_t count = 0;
    bool ok = true;
    for (;;) {
      auto n = req.body->Read(buf.data(), buf.size());
      if (!n.ok()) {
        (void)resp.Send(400, "text/plain", n.status().ToString());
        return;
      }
      if (*n == 0) break;
      for (size_t i = 0; i < *n; i += 4093) {
        if (buf[i] != PatternAt(count + i)) ok = false;
      }
      count += *n;
    }
    (void)resp.Send(200, "text/plain", std::to_string(count) + (ok ? " ok" : " bad"));
  });
  ASSERT_TRUE(server);
  for (bool chunked : {false, true}) {
    uint64_t sent = 0;
    Curl curl;
    CURL* h = curl.get();
    std::string body;
    curl_slist* headers = chunked ? curl_slist_append(nullptr, "Transfer-Encoding: chunked")
                                  : curl_slist_append(nullptr, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, Url(server->port(), "/up").c_str());
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    if (!chunked) curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(kBigSize));
    curl_easy_setopt(
        h, CURLOPT_READFUNCTION, +[](char* buf, size_t size, size_t n, void* user) -> size_t {
          auto* pos = static_cast<uint64_t*>(user);
          size_t take = std::min<uint64_t>(size * n, kBigSize - *pos);
          const std::string& block = PatternBlock();
          for (size_t done = 0; done < take;) {
            size_t off = (*pos + done) % block.size();
            size_t piece = std::min(take - done, block.size() - off);
            std::memcpy(buf + done, block.data() + off, piece);
            done += piece;
          }
          *pos += take;
          return take;
        });
    curl_easy_setopt(h, CURLOPT_READDATA, &sent);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, AppendBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    PatternBlock();
    const size_t before = StatusKb("VmRSS:");
    ResetPeakRss();
    ASSERT_EQ(curl_easy_perform(h), CURLE_OK);
    const size_t peak = StatusKb("VmHWM:");
    curl_slist_free_all(headers);
    EXPECT_EQ(body, std::to_string(kBigSize) + " ok");
    std::printf("[ upload%s ] RSS before %zu KiB, peak %zu KiB, growth %zd KiB\n",
                chunked ? " chunked" : "", before, peak,
                static_cast<ssize_t>(peak) - static_cast<ssize_t>(before));
    EXPECT_LT(peak, before + (32 << 10));
  }
}

TEST(HttpServerTest, HeadKeepsContentLengthAndSendsNoBody) {
  auto server = StartServer([](HttpRequest& req, ResponseWriter& resp) {
    if (req.head.target == "/obj") {
      ASSERT_TRUE(resp.SendHeaders(11).ok());
      EXPECT_TRUE(resp.Write("hello world").ok());
      EXPECT_TRUE(resp.Finish().ok());
    } else if (req.head.target == "/stream") {
      ASSERT_TRUE(resp.SendHeaders(std::nullopt).ok());
      EXPECT_TRUE(resp.Write("streamed").ok());
      EXPECT_TRUE(resp.Finish().ok());
    } else {
      (void)resp.Send(200, "application/xml", "<x/>");
    }
  });
  ASSERT_TRUE(server);
  RawClient client(server->port());
  ASSERT_TRUE(
      client.Send("HEAD /obj HTTP/1.1\r\nHost: x\r\n\r\n"
                  "GET /obj HTTP/1.1\r\nHost: x\r\n\r\n"
                  "HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n"
                  "HEAD /send HTTP/1.1\r\nHost: x\r\n\r\n"
                  "GET /send HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  auto head = client.ReadResponse(/*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Content-Length"), "11");
  auto get = client.ReadResponse();
  ASSERT_TRUE(get);
  EXPECT_EQ(get->body, "hello world");
  auto head_stream = client.ReadResponse(true);
  ASSERT_TRUE(head_stream);
  EXPECT_FALSE(head_stream->Header("Content-Length"));
  EXPECT_FALSE(head_stream->Header("Transfer-Encoding"));
  auto head_send = client.ReadResponse(true);
  ASSERT_TRUE(head_send);
  EXPECT_EQ(head_send->Header("Content-Length"), "4");
  EXPECT_EQ(head_send->Header("Content-Type"), "application/xml");
  auto get_send = client.ReadResponse();
  ASSERT_TRUE(get_send);
  EXPECT_EQ(get_send->body, "<x/>");
  EXPECT_TRUE(client.WaitClosed(5s));
  EXPECT_EQ(client.pending(), "");  // no stray body bytes anywhere
}

TEST(HttpServerTest, StandardHeadersAndChunkedResponses) {
  auto server = StartServer([](HttpRequest& req, ResponseWriter& resp) {
    resp.SetStatus(201);
    resp.AddHeader("ETag", "\"abc\"");
    resp.AddHeader("Content-Length", "999");  // ignored: framing is the server's
    if (req.head.target == "/chunked") {
      (void)resp.Write("a");
      (void)resp.Write("");
      (void)resp.Write("bc");
      (void)resp.Finish();
    } else {
      (void)resp.Finish();  // empty body
    }
  });
  ASSERT_TRUE(server);
  RawClient client(server->port());
  ASSERT_TRUE(client.Send("GET /chunked HTTP/1.1\r\nHost: x\r\n\r\nGET /empty HTTP/1.1\r\n\r\n"));
  auto r = client.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->Header("Transfer-Encoding"), "chunked");
  EXPECT_FALSE(r->Header("Content-Length"));
  EXPECT_EQ(r->Header("ETag"), "\"abc\"");
  EXPECT_EQ(r->Header("Server"), "sos");
  ASSERT_TRUE(r->Header("Date"));
  EXPECT_EQ(r->Header("Date")->size(), 29u);  // "Sun, 06 Nov 1994 08:49:37 GMT"
  EXPECT_EQ(r->Header("Date")->substr(26), "GMT");
  EXPECT_EQ(r->body, "abc");
  auto e = client.ReadResponse();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 201);
  EXPECT_EQ(e->Header("Content-Length"), "0");
  EXPECT_EQ(e->body, "");
}

TEST(HttpServerTest, RequestHeadIsPassedAsReceived) {
  std::promise<HttpRequestHead> got;
  std::promise<std::string> remote;
  auto server = StartServer([&](HttpRequest& req, ResponseWriter& resp) {
    got.set_value(req.head);
    remote.set_value(req.remote_addr);
    (void)resp.Send(204, "", "");
  });
  ASSERT_TRUE(server);
  RawClient client(server->port());
  ASSERT_TRUE(
      client.Send("GET /b%20k/o+bj?uploads&x-id=1%2F2 HTTP/1.1\r\nHost: h\r\nX-Amz-Meta-A: 1\r\n"
                  "x-amz-meta-a: 2\r\nX-Amz-Date: 20240101T000000Z\r\n\r\n"));
  auto r = client.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_FALSE(r->Header("Content-Length"));
  HttpRequestHead head = got.get_future().get();
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.target, "/b%20k/o+bj?uploads&x-id=1%2F2");
  std::vector<std::pair<std::string, std::string>> want = {{"Host", "h"},
                                                           {"X-Amz-Meta-A", "1"},
                                                           {"x-amz-meta-a", "2"},
                                                           {"X-Amz-Date", "20240101T000000Z"}};
  EXPECT_EQ(head.headers, want);
  EXPECT_EQ(remote.get_future().get().rfind("127.0.0.1:", 0), 0u);
}

TEST(HttpServerTest, OversizedHeaderGets431) {
  HttpServerOptions options;
  options.max_header_bytes = 8 << 10;
  auto server = StartServer(EchoHandler, options);
  ASSERT_TRUE(server);
  {
    RawClient client(server->port());
    ASSERT_TRUE(client.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4 << 10, 'a') +
                            "\r\n\r\n"));
    auto r = client.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);  // under the limit
  }
  RawClient client(server->port());
  ASSERT_TRUE(client.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(16 << 10, 'a') +
                          "\r\n\r\n"));
  auto r = client.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(client.WaitClosed(5s));
}

TEST(HttpServerTest, RejectionRendererShapesTheRefusal) {
  HttpServerOptions options;
  options.max_header_bytes = 8 << 10;
  std::vector<int> seen;
  options.render_rejection = [&seen](int status, std::string_view reason) {
    seen.push_back(status);
    return HttpRejection{400, "application/xml",
                         "<Error><Code>X" + std::to_string(status) + "</Code><Message>" +
                             std::string(reason) + "</Message></Error>"};
  };
  auto server = StartServer(EchoHandler, options);
  ASSERT_TRUE(server);
  RawClient client(server->port());
  ASSERT_TRUE(client.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(16 << 10, 'a') +
                          "\r\n\r\n"));
  auto r = client.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->Header("Content-Type"), "application/xml");
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_EQ(r->body, "<Error><Code>X431</Code><Message>request header too large</Message></Error>");
  EXPECT_TRUE(client.WaitClosed(5s));

  RawClient bad(server->port());
  ASSERT_TRUE(bad.Send("THIS IS NOT HTTP\r\n\r\n"));
  auto b = bad.ReadResponse();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->status, 400);
  EXPECT_NE(b->body.find("<Code>X400</Code>"), std::string::npos) << b->body;
  EXPECT_EQ(seen, (std::vector<int>{431, 400}));
}

TEST(HttpServerTest, MalformedRequestsGet400AndClose) {
  auto server = StartServer(EchoHandler);
  ASSERT_TRUE(server);
  const char* bad[] = {
      "THIS IS NOT HTTP\r\n\r\n",
      "GET / HTTP/1.1\r\nBad Header Line\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n",
      "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n",  // a TLS hello
      // Ambiguous framing (request smuggling): refused, never guessed.
      "PUT / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
      "PUT / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "PUT / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nabc",
  };
  for (const char* request : bad) {
    RawClient client(server->port());
    ASSERT_TRUE(client.Send(request));
    auto r = client.ReadResponse();
    ASSERT_TRUE(r) << request;
    EXPECT_EQ(r->status, 400) << request;
    EXPECT_EQ(r->Header("Connection"), "close");
    EXPECT_TRUE(client.WaitClosed(5s));
  }
  {
    RawClient client(server->port());
    ASSERT_TRUE(client.Send("GET / HTTP/2.0\r\nHost: x\r\n\r\n"));  // well-formed, unsupported
    auto r = client.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 505);
  }
  {
    // Bad chunk framing: the handler's Read fails; it answers 400; the connection closes.
    RawClient client(server->port());
    ASSERT_TRUE(client.Send(
        "PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n"));
    auto r = client.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(r->Header("Connection"), "close");
    EXPECT_TRUE(client.WaitClosed(5s));
  }
}

TEST(HttpServerTest, Http10ClosesUnlessKeepAliveAsked) {
  auto server = StartServer([](HttpRequest& req, ResponseWriter& resp) {
    if (req.head.target == "/stream") {
      (void)resp.Write("until-close");
      (void)resp.Finish();
      return;
    }
    (void)resp.Send(200, "text/plain", "ok");
  });
  ASSERT_TRUE(server);
  {
    RawClient client(server->port());
    ASSERT_TRUE(client.Send("GET / HTTP/1.0\r\n\r\n"));
    auto r = client.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "ok");
    EXPECT_EQ(r->Header("Connection"), "close");
    EXPECT_TRUE(client.WaitClosed(5s));
  }
  {
    RawClient client(server->port());
    ASSERT_TRUE(client.Send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto r = client.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->Header("Connection"), "keep-alive");
    // No chunking in HTTP/1.0: an unsized body is ended by the close.
    ASSERT_TRUE(client.Send("GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto s = client.ReadResponse();
    ASSERT_TRUE(s);
    EXPECT_FALSE(s->Header("Transfer-Encoding"));
    EXPECT_EQ(s->Header("Connection"), "close");
    EXPECT_EQ(s->body, "until-close");
  }
}

TEST(HttpServerTest, UnreadBodyClosesTheConnectionAfterTheResponse) {
  auto server = StartServer([](HttpRequest& req, ResponseWriter& resp) {
    if (req.head.target == "/read") {
      EchoHandler(req, resp);
      return;
    }
    (void)resp.Send(200, "text/plain", "ignored your body");
  });
  ASSERT_TRUE(server);
  RawClient client(server->port());
  ASSERT_TRUE(client.Send("PUT /read HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"));
  auto r = client.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->Header("Connection"));
  const std::string big(100 << 10, 'b');
  ASSERT_TRUE(client.Send("PUT /skip HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                          std::to_string(big.size()) + "\r\n\r\n" + big));
  auto s = client.ReadResponse();
  ASSERT_TRUE(s);  // the response survives the close (lingering close, no RST)
  EXPECT_EQ(s->body, "ignored your body");
  EXPECT_EQ(s->Header("Connection"), "close");
  EXPECT_TRUE(client.WaitClosed(5s));
}

TEST(HttpServerTest, BodyCutShortIsCancelledNotAnIoError) {
  std::promise<Status> read_status;
  auto server = StartServer([&](HttpRequest& req, ResponseWriter& resp) {
    char buf[64];
    Result<size_t> n = size_t{0};
    while ((n = req.body->Read(buf, sizeof buf)).ok() && *n > 0) {
    }
    read_status.set_value(n.status());
    (void)resp.Send(400, "text/plain", "short body");
  });
  ASSERT_TRUE(server);
  RawClient client(server->port());
  ASSERT_TRUE(client.Send("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten.."));
  client.ShutdownWrite();
  auto future = read_status.get_future();
  ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
  // The client's fault: the S3 layer turns kCancelled into 400 IncompleteBody.
  EXPECT_EQ(future.get().code(), StatusCode::kCancelled);
  auto r = client.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

TEST(HttpServerTest, MisbehavingHandlersAreContained) {
  auto server = StartServer([](HttpRequest& req, ResponseWriter& resp) {
    const std::string& t = req.head.target;
    if (t == "/throw") throw std::runtime_error("boom");
    if (t == "/throw-late") {
      (void)resp.SendHeaders(std::nullopt);
      (void)resp.Write("partial");
      throw std::runtime_error("boom");
    }
    if (t == "/nothing") return;
    if (t == "/status-only") {
      resp.SetStatus(202);
      return;
    }
    if (t == "/short") {
      (void)resp.SendHeaders(10);
      (void)resp.Write("abc");
      EXPECT_FALSE(resp.Finish().ok());
      return;
    }
    if (t == "/long") {
      (void)resp.SendHeaders(2);
      EXPECT_FALSE(resp.Write("abc").ok());
      return;
    }
    if (t == "/no-finish") {
      (void)resp.SendHeaders(3);
      (void)resp.Write("abc");
      return;  // complete by length: the server finishes it
    }
    if (t == "/chunked-no-finish") {
      (void)resp.Write("abc");
      return;
    }
    if (t == "/bad-header") {
      resp.AddHeader("X-Evil", "a\r\nInjected: yes");
      EXPECT_FALSE(resp.SendHeaders(0).ok());
      return;
    }
    (void)resp.Send(200, "text/plain", "fine");
  });
  ASSERT_TRUE(server);
  Curl curl;
  auto expect = [&](const char* path, CURLcode code, long status, const std::string& body) {
    CurlReply r = curl.Do(Url(server->port(), path));
    EXPECT_EQ(r.code, code) << path << ": " << curl_easy_strerror(r.code);
    if (code == CURLE_OK) {
      EXPECT_EQ(r.status, status) << path;
      EXPECT_EQ(r.body, body) << path;
    }
    // The server is still fine afterwards.
    CurlReply ok = curl.Do(Url(server->port(), "/ok"));
    EXPECT_EQ(ok.code, CURLE_OK);
    EXPECT_EQ(ok.body, "fine");
  };
  expect("/throw", CURLE_OK, 500, "internal error\n");
  expect("/nothing", CURLE_OK, 500, "handler sent no response\n");
  expect("/status-only", CURLE_OK, 202, "");
  expect("/no-finish", CURLE_OK, 200, "abc");
  expect("/bad-header", CURLE_OK, 500, "handler sent no response\n");
  // Truncated responses must look truncated, never complete.
  expect("/throw-late", CURLE_PARTIAL_FILE, 0, "");
  expect("/short", CURLE_PARTIAL_FILE, 0, "");
  expect("/long", CURLE_PARTIAL_FILE, 0, "");
  expect("/chunked-no-finish", CURLE_PARTIAL_FILE, 0, "");
}

TEST(HttpServerTest, IdleTimeoutClosesIdleConnections) {
  HttpServerOptions options;
  options.idle_timeout = 1s;
  auto server = StartServer(EchoHandler, options);
  ASSERT_TRUE(server);
  RawClient never_spoke(server->port());
  RawClient spoke_once(server->port());
  ASSERT_TRUE(spoke_once.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(spoke_once.ReadResponse());
  const auto start = Clock::now();
  EXPECT_TRUE(spoke_once.WaitClosed(5s));
  EXPECT_TRUE(never_spoke.WaitClosed(5s));
  const double elapsed = SecondsSince(start);
  EXPECT_GT(elapsed, 0.8);
  EXPECT_LT(elapsed, 3.0);
  EXPECT_EQ(spoke_once.pending(), "");
}

TEST(HttpServerTest, StalledClientIsDroppedAfterIoTimeout) {
  HttpServerOptions options;
  options.io_timeout = 1s;
  std::promise<Status> read_status;
  auto server = StartServer(
      [&](HttpRequest& req, ResponseWriter& resp) {
        auto body = ReadAll(req.body);
        read_status.set_value(body.status());
        (void)resp.Send(408, "text/plain", "too slow");
      },
      options);
  ASSERT_TRUE(server);
  {
    RawClient client(server->port());
    ASSERT_TRUE(client.Send("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789"));
    const auto start = Clock::now();
    auto future = read_status.get_future();
    ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(future.get().code(), StatusCode::kTimeout);
    EXPECT_TRUE(client.WaitClosed(5s));
    EXPECT_LT(SecondsSince(start), 4.0);
  }
  {
    // Stalled mid-header (slowloris): dropped after io_timeout, not idle_timeout.
    RawClient client(server->port());
    ASSERT_TRUE(client.Send("GET / HTTP/1.1\r\nHost: x\r\n"));
    const auto start = Clock::now();
    EXPECT_TRUE(client.WaitClosed(5s));
    EXPECT_LT(SecondsSince(start), 3.0);
  }
  EXPECT_EQ(server->cuts().stalled, 2u);
  EXPECT_EQ(server->cuts().header_timeout, 0u);
}

TEST(HttpServerTest, HeadDeadlineCutsATricklingClientAndLogsIt) {
  LogLines log;
  HttpServerOptions options;
  options.header_timeout = 2s;
  options.log = log.Sink();
  auto server = StartServer(EchoHandler, options);
  ASSERT_TRUE(server);
  RawClient trickler(server->port());
  const auto start = Clock::now();
  ASSERT_TRUE(trickler.Send("GET /secret-path HTTP/1.1\r\nX-Long: "));
  // A header byte every 300 ms: every read makes progress; only the deadline stops it.
  EXPECT_TRUE(TrickleUntilClosed(trickler, "x", 300ms, 6s));
  const double elapsed = SecondsSince(start);
  EXPECT_GT(elapsed, 1.9);
  EXPECT_LT(elapsed, 2.8);
  EXPECT_EQ(trickler.pending(), "");  // cut, not answered
  const ConnectionCuts cuts = server->cuts();
  EXPECT_EQ(cuts.header_timeout, 1u);
  EXPECT_EQ(cuts.slow_body + cuts.stalled + cuts.per_client_limit, 0u);
  const auto lines = log.Get();
  ASSERT_EQ(lines.size(), 1u);
  ExpectCutLine(lines[0], " - - - in=", " CutConnection reason=header_timeout total=1");
  EXPECT_EQ(lines[0].find("secret"), std::string::npos) << "request content logged: " << lines[0];
}

TEST(HttpServerTest, HeadDeadlineRunsFromAcceptThenFromEachHeadsFirstByte) {
  HttpServerOptions options;
  options.header_timeout = 1s;
  options.idle_timeout = 10s;
  auto server = StartServer(EchoHandler, options);
  ASSERT_TRUE(server);
  const auto start = Clock::now();
  RawClient silent(server->port());  // connects, never sends
  RawClient kept(server->port());
  ASSERT_TRUE(kept.Send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(kept.ReadResponse());
  EXPECT_TRUE(silent.WaitClosed(3s));
  const double elapsed = SecondsSince(start);
  EXPECT_GT(elapsed, 0.9);
  EXPECT_LT(elapsed, 1.8);
  // `kept` has idled past header_timeout since its answer: idle time is not
  // the next head's, whose clock starts at its first byte.
  std::this_thread::sleep_until(start + 1500ms);
  ASSERT_TRUE(kept.Send("GET /2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = kept.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "GET /2 0\n");
  EXPECT_EQ(server->cuts().header_timeout, 1u);
}

TEST(HttpServerTest, SlowBodyIsCutAndTheHandlerReadGetsTimeout) {
  LogLines log;
  HttpServerOptions options;
  options.min_body_rate = 1000;
  options.body_rate_window = 1s;
  options.log = log.Sink();
  std::mutex mu;
  std::vector<Status> read_statuses;
  auto server = StartServer(
      [&](HttpRequest& req, ResponseWriter& resp) {
        auto body = ReadAll(req.body, 1024);
        {
          std::lock_guard<std::mutex> lock(mu);
          read_statuses.push_back(body.status());
        }
        (void)resp.Send(body.ok() ? 200 : 408, "text/plain", "read");
      },
      options);
  ASSERT_TRUE(server);
  // Content-Length (read straight from the socket) and chunked (through the parser).
  for (bool chunked : {false, true}) {
    SCOPED_TRACE(chunked ? "chunked" : "content-length");
    RawClient client(server->port());
    ASSERT_TRUE(client.Send(chunked
                                ? "PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                : "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"));
    const auto start = Clock::now();
    // 50 bytes/s where 1000 are due.
    EXPECT_TRUE(TrickleUntilClosed(client, chunked ? "5\r\nabcde\r\n" : "0123456789", 200ms, 6s));
    const double elapsed = SecondsSince(start);
    EXPECT_GT(elapsed, 0.9);
    EXPECT_LT(elapsed, 2.0);
    EXPECT_EQ(client.pending().rfind("HTTP/1.1 408", 0), 0u) << client.pending();
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(read_statuses.size(), 2u);
    for (const Status& s : read_statuses) {
      EXPECT_EQ(s.code(), StatusCode::kTimeout) << s.ToString();
      EXPECT_EQ(s.message(), "request body too slow");
    }
  }
  EXPECT_EQ(server->cuts().slow_body, 2u);
  const auto lines = log.Get();
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& line : lines)
    ExpectCutLine(line, " - - - in=", " CutConnection reason=slow_body");
}

TEST(HttpServerTest, BodyRateDoesNotCountTheHandlersOwnTime) {
  HttpServerOptions options;
  options.min_body_rate = 1 << 20;  // 1 MiB/s
  options.body_rate_window = 500ms;
  auto server = StartServer(
      [&](HttpRequest& req, ResponseWriter& resp) {
        // 128 KiB in 8 reads, 300 ms apart: 2.4 s of handler time, ~53 KB/s by the wall clock.
        auto body = ReadAll(req.body, 16 << 10, [] { std::this_thread::sleep_for(300ms); });
        (void)resp.Send(body.ok() ? 200 : 408, "text/plain",
                        body.ok() ? std::to_string(body->size()) : body.status().ToString());
      },
      options);
  ASSERT_TRUE(server);
  RawClient client(server->port());
  const std::string body(128 << 10, 'b');
  std::thread sender([&] {
    (void)client.Send("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body);
  });
  auto r = client.ReadResponse();
  sender.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, std::to_string(body.size()));
  EXPECT_EQ(server->cuts().slow_body, 0u);
}

TEST(HttpServerTest, PerClientCapRefusesTheNextConnectionAtOnce) {
  LogLines log;
  HttpServerOptions options;
  options.max_connections_per_client = 2;
  options.log = log.Sink();
  auto server = StartServer(EchoHandler, options);
  ASSERT_TRUE(server);
  const int port = server->port();
  auto a = std::make_unique<RawClient>(port);
  RawClient b(port);
  for (RawClient* c : {a.get(), &b}) {  // answered: both are registered
    ASSERT_TRUE(c->Send("GET /kept HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(c->ReadResponse());
  }
  const auto start = Clock::now();
  RawClient third(port);
  ASSERT_TRUE(third.connected());
  ASSERT_TRUE(third.Send("GET /third HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto refused = third.ReadResponse();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->Header("Connection"), "close");
  EXPECT_TRUE(third.WaitClosed(2s));
  EXPECT_LT(SecondsSince(start), 1.0);
  // Another address is not affected.
  RawClient other(port, 10s, "127.0.0.2");
  ASSERT_TRUE(other.connected()) << std::strerror(other.connect_errno());
  ASSERT_TRUE(other.Send("GET /other HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto served = other.ReadResponse();
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
  // Kept connections still work; a closed one frees its slot.
  ASSERT_TRUE(b.Send("GET /b HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(b.ReadResponse());
  a.reset();
  int status = 0;
  for (int attempt = 0; attempt < 20 && status != 200; ++attempt) {
    std::this_thread::sleep_for(50ms);
    RawClient again(port);
    auto r =
        again.Send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n") ? again.ReadResponse() : std::nullopt;
    status = r ? r->status : 0;
  }
  EXPECT_EQ(status, 200);
  const ConnectionCuts cuts = server->cuts();
  EXPECT_GE(cuts.per_client_limit, 1u);
  EXPECT_EQ(cuts.header_timeout + cuts.slow_body + cuts.stalled, 0u);
  const auto lines = log.Get();
  ASSERT_GE(lines.size(), 1u);
  ExpectCutLine(lines[0], " - - 503 in=0 ", " RefusedConnection reason=per_client_limit total=1");
}

TEST(HttpServerTest, ThreeHundredSlowConnectionsDoNotDelayOthers) {
  HttpServerOptions options;
  options.header_timeout = 3s;
  auto server = StartServer(EchoHandler, options);
  ASSERT_TRUE(server);
  const int port = server->port();
  // 30 each from 127.0.0.2 .. 127.0.0.11: under the per-client cap.
  constexpr int kSlow = 300;
  std::vector<std::unique_ptr<RawClient>> slow;
  const auto start = Clock::now();
  for (int i = 0; i < kSlow; ++i) {
    const std::string source = "127.0.0." + std::to_string(2 + i % 10);
    slow.push_back(std::make_unique<RawClient>(port, 10s, source.c_str()));
    ASSERT_TRUE(slow.back()->connected())
        << i << ": " << std::strerror(slow.back()->connect_errno());
    ASSERT_TRUE(slow.back()->Send("GET / HTTP/1.1\r\nHost: x\r\n"));
  }
  Curl curl;
  double worst = 0;
  for (int i = 0; i < 10; ++i) {
    const auto t0 = Clock::now();
    CurlReply r = curl.Do(Url(port, "/normal"));
    worst = std::max(worst, SecondsSince(t0));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "GET /normal 0\n");
  }
  EXPECT_LT(worst, 1.0);
  for (auto& c : slow) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(start + 6s - Clock::now());
    EXPECT_TRUE(c->WaitClosed(std::max(left, 1ms)));
  }
  EXPECT_EQ(server->cuts().header_timeout, static_cast<uint64_t>(kSlow));
}

TEST(HttpServerTest, MaxConnectionsIsEnforced) {
  HttpServerOptions options;
  options.max_connections = 2;
  std::mutex mu;
  std::condition_variable cv;
  bool open_gate = false;
  int inside = 0, max_inside = 0;
  auto server = StartServer(
      [&](HttpRequest& req, ResponseWriter& resp) {
        {
          std::unique_lock<std::mutex> lock(mu);
          max_inside = std::max(max_inside, ++inside);
          cv.notify_all();
          if (req.head.target == "/slow") cv.wait(lock, [&] { return open_gate; });
          --inside;
        }
        (void)resp.Send(200, "text/plain", req.head.target);
      },
      options);
  ASSERT_TRUE(server);
  RawClient a(server->port()), b(server->port());
  ASSERT_TRUE(a.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(b.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return inside == 2; }));
  }
  // The third connects (kernel backlog) but is not served while both slots are busy.
  RawClient c(server->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_FALSE(c.DataArrives(700ms));
  {
    std::lock_guard<std::mutex> lock(mu);
    open_gate = true;
    cv.notify_all();
  }
  for (RawClient* client : {&a, &b, &c}) {
    auto r = client->ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(max_inside, 2);
}

TEST(HttpServerTest, AtTheLimitTheLongestIdleConnectionMakesRoom) {
  HttpServerOptions options;
  options.max_connections = 2;
  auto server = StartServer(EchoHandler, options);
  ASSERT_TRUE(server);
  RawClient a(server->port());
  ASSERT_TRUE(a.Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(a.ReadResponse());
  std::this_thread::sleep_for(50ms);
  RawClient b(server->port());
  ASSERT_TRUE(b.Send("GET /b HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(b.ReadResponse());
  // Both idle on keep-alive; a third client is served by evicting `a`.
  RawClient c(server->port());
  ASSERT_TRUE(c.Send("GET /c HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "GET /c 0\n");
  EXPECT_TRUE(a.WaitClosed(2s));
  EXPECT_EQ(a.pending(), "");
  ASSERT_TRUE(b.Send("GET /b2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r2 = b.ReadResponse();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "GET /b2 0\n");
}

TEST(HttpServerTest, ShutdownLetsInFlightRequestFinishAndRefusesNewConnections) {
  std::promise<void> started;
  auto server = StartServer([&](HttpRequest& req, ResponseWriter& resp) {
    if (req.head.target == "/slow") {
      started.set_value();
      std::this_thread::sleep_for(1500ms);
    }
    (void)resp.Send(200, "text/plain", "done " + req.head.target);
  });
  ASSERT_TRUE(server);
  const int port = server->port();
  RawClient slow(port);
  ASSERT_TRUE(slow.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  started.get_future().wait();
  const auto start = Clock::now();
  std::thread stopper([&] { server->Shutdown(); });
  std::this_thread::sleep_for(300ms);
  RawClient late(port);
  EXPECT_FALSE(late.connected());
  EXPECT_EQ(late.connect_errno(), ECONNREFUSED);
  auto r = slow.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "done /slow");
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(slow.WaitClosed(5s));
  stopper.join();
  const double elapsed = SecondsSince(start);
  EXPECT_GT(elapsed, 1.0);
  EXPECT_LT(elapsed, 5.0);
  server->Shutdown();  // idempotent
}

TEST(HttpServerTest, ShutdownWithIdleKeepAliveConnectionsIsPrompt) {
  auto server = StartServer(EchoHandler);  // idle_timeout 60 s
  ASSERT_TRUE(server);
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 16; ++i) {
    clients.push_back(std::make_unique<RawClient>(server->port()));
    ASSERT_TRUE(clients.back()->Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(clients.back()->ReadResponse());
  }
  RawClient silent(server->port());  // connected, never sent anything
  std::this_thread::sleep_for(100ms);
  const auto start = Clock::now();
  // Two callers at once, as from a signal watcher and a destructor.
  std::thread other([&] { server->Shutdown(); });
  server->Shutdown();
  other.join();
  EXPECT_LT(SecondsSince(start), 1.0);
  for (auto& c : clients) EXPECT_TRUE(c->WaitClosed(1s));
  EXPECT_TRUE(silent.WaitClosed(1s));
}

TEST(HttpServerTest, ShutdownForceClosesAfterGrace) {
  HttpServerOptions options;
  options.shutdown_grace = 1s;
  std::promise<Status> read_status;
  auto server = StartServer(
      [&](HttpRequest& req, ResponseWriter& resp) {
        auto body = ReadAll(req.body);  // the body never comes
        read_status.set_value(body.status());
        (void)resp.Send(500, "text/plain", "x");
      },
      options);
  ASSERT_TRUE(server);
  RawClient client(server->port());
  ASSERT_TRUE(client.Send("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"));
  std::this_thread::sleep_for(200ms);
  const auto start = Clock::now();
  server->Shutdown();
  const double elapsed = SecondsSince(start);
  EXPECT_GT(elapsed, 0.9);
  EXPECT_LT(elapsed, 3.0);
  auto future = read_status.get_future();
  ASSERT_EQ(future.wait_for(0s), std::future_status::ready);
  EXPECT_FALSE(future.get().ok());
  EXPECT_TRUE(client.WaitClosed(1s));
}

TEST(HttpServerTest, SixtyFourConcurrentClientsTimesTwentyRequests) {
  auto server = StartServer(EchoHandler);
  ASSERT_TRUE(server);
  const int port = server->port();
  std::atomic<int> good{0}, bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 64; ++t) {
    threads.emplace_back([&, t] {
      Curl curl;
      std::mt19937 rng(static_cast<uint32_t>(t));
      for (int i = 0; i < 20; ++i) {
        const std::string path = "/t" + std::to_string(t) + "/" + std::to_string(i);
        CurlReply r;
        std::string expected;
        if (i % 2 == 0) {
          r = curl.Do(Url(port, path));
          expected = "GET " + path + " 0\n";
        } else {
          const std::string data = RandomBytes(rng() % (64 << 10), rng());
          r = curl.Do(Url(port, path), &data, /*chunked=*/i % 4 == 1);
          expected = "PUT " + path + " " + std::to_string(data.size()) + "\n" + data;
        }
        (r.code == CURLE_OK && r.status == 200 && r.body == expected ? good : bad)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 64 * 20);
  EXPECT_EQ(bad.load(), 0);
}

TEST(HttpServerTest, StartReportsBadAddresses) {
  auto first = StartServer(EchoHandler);
  ASSERT_TRUE(first);
  HttpServerOptions options;
  options.host = "127.0.0.1";
  options.port = first->port();
  auto busy = HttpServer::Start(options, EchoHandler);
  EXPECT_FALSE(busy.ok());
  options.host = "not-an-address.invalid";
  options.port = 0;
  EXPECT_FALSE(HttpServer::Start(options, EchoHandler).ok());
  options.host = "127.0.0.1";
  EXPECT_FALSE(HttpServer::Start(options, nullptr).ok());
}

}  // namespace
}  // namespace sos
