// HttpServer with TLS over real sockets on 127.0.0.1: libcurl verifying the
// server against a CA made by the test, and OpenSSL clients for what curl
// will not do (an old protocol, a handshake that never starts).
#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "daemon/http/http_server.h"
#include "daemon/http/tls_context.h"
#include "tests/support/storage_test_util.h"
#include "tests/support/test_pki.h"

namespace sos {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Reply {
  CURLcode code = CURLE_OK;
  long status = 0;
  long connects = 0;
  std::string body;
};

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

struct Upload {
  const std::string* data;
  size_t pos = 0;
};

size_t Feed(char* buf, size_t size, size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  const size_t take = std::min(size * n, up->data->size() - up->pos);
  std::memcpy(buf, up->data->data() + up->pos, take);
  up->pos += take;
  return take;
}

// One curl handle (so one kept-alive connection) that trusts only `ca_file`.
class HttpsClient {
 public:
  explicit HttpsClient(std::string ca_file) : ca_file_(std::move(ca_file)) {
    h_ = curl_easy_init();
  }
  ~HttpsClient() { curl_easy_cleanup(h_); }

  Reply Do(const std::string& url, const std::string* upload = nullptr) {
    Reply r;
    curl_easy_reset(h_);
    curl_easy_setopt(h_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h_, CURLOPT_CAINFO, ca_file_.c_str());
    curl_easy_setopt(h_, CURLOPT_CAPATH, nullptr);  // the test CA only
    curl_easy_setopt(h_, CURLOPT_WRITEFUNCTION, Append);
    curl_easy_setopt(h_, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(h_, CURLOPT_TIMEOUT, 60L);
    Upload up{upload};
    if (upload != nullptr) {
      curl_easy_setopt(h_, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(h_, CURLOPT_READFUNCTION, Feed);
      curl_easy_setopt(h_, CURLOPT_READDATA, &up);
      curl_easy_setopt(h_, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(upload->size()));
    }
    r.code = curl_easy_perform(h_);
    curl_easy_getinfo(h_, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(h_, CURLINFO_NUM_CONNECTS, &r.connects);
    return r;
  }

 private:
  std::string ca_file_;
  CURL* h_;
};

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

int ConnectTo(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

class HttpTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    auto pki = testing::MakeTestPki(dir_.path());
    ASSERT_TRUE(pki.ok()) << pki.status().ToString();
    pki_ = *pki;
    auto tls = TlsContext::Load(pki_.cert_file, pki_.key_file);
    ASSERT_TRUE(tls.ok()) << tls.status().ToString();
    tls_ = *tls;
  }

  void Start(HttpHandler handler, HttpServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    options.tls = tls_;
    options.log = [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(mu_);
      log_.emplace_back(line);
    };
    auto server = HttpServer::Start(options, std::move(handler));
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  std::string Url(std::string_view path) const {
    return "https://127.0.0.1:" + std::to_string(server_->port()) + std::string(path);
  }

  bool Logged(std::string_view what) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& line : log_) {
      if (line.find(what) != std::string::npos) return true;
    }
    return false;
  }

  testing::TempDir dir_;
  testing::TestPki pki_;
  std::shared_ptr<TlsContext> tls_;
  std::unique_ptr<HttpServer> server_;
  std::mutex mu_;
  std::vector<std::string> log_;
};

// An echo server: a PUT's body comes back; a GET /big gets 32 MiB.
void Echo(const std::string& big, HttpRequest& req, ResponseWriter& resp) {
  if (req.head.method == "PUT") {
    std::string body;
    std::vector<char> buf(1 << 16);
    for (;;) {
      auto n = req.body->Read(buf.data(), buf.size());
      if (!n.ok() || *n == 0) break;
      body.append(buf.data(), *n);
    }
    (void)resp.Send(200, "application/octet-stream", body);
    return;
  }
  if (req.head.target == "/big") {
    resp.SetStatus(200);
    if (!resp.SendHeaders(big.size()).ok()) return;
    for (size_t at = 0; at < big.size(); at += 1 << 20) {
      if (!resp.Write(std::string_view(big).substr(at, 1 << 20)).ok()) return;
    }
    (void)resp.Finish();
    return;
  }
  (void)resp.Send(200, "text/plain", "hello " + req.head.target);
}

TEST_F(HttpTlsTest, AVerifyingClientGetsEveryByteBothWaysOnOneConnection) {
  const std::string big = RandomBytes(32 << 20, 1);
  Start([&](HttpRequest& req, ResponseWriter& resp) { Echo(big, req, resp); });
  HttpsClient client(pki_.ca_file);
  long connects = 0;
  for (int i = 0; i < 50; ++i) {
    Reply r = client.Do(Url("/k" + std::to_string(i)));
    ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello /k" + std::to_string(i));
    connects += r.connects;
  }
  const std::string upload = RandomBytes(8 << 20, 2);
  Reply put = client.Do(Url("/up"), &upload);
  ASSERT_EQ(put.code, CURLE_OK) << curl_easy_strerror(put.code);
  EXPECT_TRUE(put.body == upload) << "echoed " << put.body.size() << " bytes";
  connects += put.connects;
  Reply get = client.Do(Url("/big"));
  ASSERT_EQ(get.code, CURLE_OK) << curl_easy_strerror(get.code);
  EXPECT_TRUE(get.body == big) << "got " << get.body.size() << " bytes";
  connects += get.connects;
  EXPECT_EQ(connects, 1);  // keep-alive holds across TLS
}

TEST_F(HttpTlsTest, PlainHttpOnTheTlsPortIsRefusedAndLogged) {
  Start([&](HttpRequest&, ResponseWriter& resp) { (void)resp.Send(200, "text/plain", "no"); });
  int fd = ConnectTo(server_->port());
  ASSERT_GE(fd, 0);
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  char buf[256];
  std::string got;
  for (ssize_t n; (n = ::recv(fd, buf, sizeof(buf), 0)) > 0;) got.append(buf, n);
  ::close(fd);
  EXPECT_EQ(got.find("HTTP/1.1 200"), std::string::npos) << got;  // no plain answer
  for (int i = 0; i < 100 && !Logged("refused"); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(Logged("refused: TLS handshake"));
}

TEST_F(HttpTlsTest, Tls11IsRefused) {
  Start([&](HttpRequest&, ResponseWriter& resp) { (void)resp.Send(200, "text/plain", "no"); });
  // A client that offers TLS 1.1 and nothing newer (allowed to, at security level 0).
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  ASSERT_NE(ctx, nullptr);
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_min_proto_version(ctx, TLS1_1_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);
  SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
  int fd = ConnectTo(server_->port());
  ASSERT_GE(fd, 0);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  EXPECT_NE(SSL_connect(ssl), 1);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  for (int i = 0; i < 100 && !Logged("refused"); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(Logged("unsupported protocol"));
}

TEST_F(HttpTlsTest, AHandshakeThatNeverStartsIsCutAtTheHeaderDeadline) {
  HttpServerOptions options;
  options.header_timeout = 300ms;
  Start([&](HttpRequest&, ResponseWriter& resp) { (void)resp.Send(200, "text/plain", "no"); },
        options);
  int fd = ConnectTo(server_->port());
  ASSERT_GE(fd, 0);
  const auto start = Clock::now();
  char c;
  EXPECT_LE(::recv(fd, &c, 1, 0), 0);  // closed by the server, not by the 10 s receive timeout
  EXPECT_LT(Clock::now() - start, 5s);
  ::close(fd);
  for (int i = 0; i < 100 && server_->cuts().header_timeout == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(server_->cuts().header_timeout, 1u);
}

// Slowloris over TLS: after the handshake, one record of request head
// trickles in a byte every 40 ms. Bytes keep arriving, but the head is not
// whole within header_timeout, so the connection is cut on time.
TEST_F(HttpTlsTest, ARecordTricklingInIsCutAtTheHeaderDeadline) {
  HttpServerOptions options;
  options.header_timeout = 600ms;
  Start([&](HttpRequest&, ResponseWriter& resp) { (void)resp.Send(200, "text/plain", "no"); },
        options);
  int fd = ConnectTo(server_->port());
  ASSERT_GE(fd, 0);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  ASSERT_EQ(SSL_connect(ssl), 1);
  // The record is made in memory, then sent a byte at a time.
  BIO* mem = BIO_new(BIO_s_mem());
  SSL_set0_wbio(ssl, mem);
  const std::string head =
      "GET /slow HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(200, 'p') + "\r\n\r\n";
  ASSERT_EQ(SSL_write(ssl, head.data(), static_cast<int>(head.size())),
            static_cast<int>(head.size()));
  char* bytes = nullptr;
  const long n = BIO_get_mem_data(mem, &bytes);
  ASSERT_GT(n, 200);
  const auto start = Clock::now();
  long sent = 0;
  for (; sent < n - 1; ++sent) {  // never the last byte: the record stays incomplete
    if (::send(fd, bytes + sent, 1, MSG_NOSIGNAL) != 1) break;
    if (server_->cuts().header_timeout > 0) break;
    std::this_thread::sleep_for(40ms);
  }
  EXPECT_EQ(server_->cuts().header_timeout, 1u) << "sent " << sent << " of " << n << " bytes";
  EXPECT_LT(Clock::now() - start, 3s);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
}

TEST(TlsContextTest, RefusesMissingFilesAndAKeyOfAnotherCertificate) {
  testing::TempDir a, b;
  auto one = testing::MakeTestPki(a.path());
  auto two = testing::MakeTestPki(b.path());
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_TRUE(TlsContext::Load(one->cert_file, one->key_file).ok());
  auto mismatched = TlsContext::Load(one->cert_file, two->key_file);
  ASSERT_FALSE(mismatched.ok());
  EXPECT_NE(mismatched.status().message().find("mismatch"), std::string::npos);
  auto missing = TlsContext::Load(a / "none.pem", one->key_file);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("none.pem"), std::string::npos);
  EXPECT_FALSE(TlsContext::Load(one->cert_file, a / "none.key").ok());
}

}  // namespace
}  // namespace sos
