// CurlObjectStore against a real Ceph RGW behind a fault-injecting proxy:
// throttling, dropped connections and downloads cut mid-body are retried (or
// resumed) and the bytes still arrive intact; errors that retrying cannot fix
// surface at once.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "s3core/client/curl_object_store.h"
#include "tests/component/rgw_environment.h"

namespace sos {
namespace {

// Runs tests/support/fault_proxy.py in front of the RGW; stops it on destruction.
class FaultProxy {
 public:
  explicit FaultProxy(std::vector<std::string> fault_args) {
    log_ = (std::filesystem::temp_directory_path() /
            ("sos-proxy-" + std::to_string(getpid()) + "-" + std::to_string(++counter_) + ".log"))
               .string();
    std::filesystem::remove(log_);
    std::string port_file = log_ + ".port";
    std::filesystem::remove(port_file);
    std::vector<std::string> args = {"/usr/bin/python3",
                                     SOS_FAULT_PROXY,
                                     "--upstream",
                                     std::to_string(testing::Rgw().rgw_port()),
                                     "--log",
                                     log_,
                                     "--port-file",
                                     port_file};
    args.insert(args.end(), fault_args.begin(), fault_args.end());
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    // The proxy writes its port to a file (atomically) once it listens; wait, bounded.
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      std::ifstream in(port_file);
      if (!(in >> port_)) port_ = 0;
      if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::filesystem::remove(port_file);
  }
  ~FaultProxy() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::filesystem::remove(log_);
  }
  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The outcome of each request, in order ("200", "503", "dropped", "cut", ...).
  std::vector<std::string> Outcomes() const {
    std::vector<std::string> out;
    std::ifstream in(log_);
    for (std::string line; std::getline(in, line);) out.push_back(line.substr(line.rfind(' ') + 1));
    return out;
  }
  std::vector<std::string> Lines() const {
    std::vector<std::string> out;
    std::ifstream in(log_);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

 private:
  static inline int counter_ = 0;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_;
};

CurlObjectStore::Options OptionsFor(const std::string& endpoint, int max_retries = 4) {
  CurlObjectStore::Options o;
  o.endpoint = endpoint;
  o.credentials = {testing::Rgw().access_key(), testing::Rgw().secret_key(), ""};
  o.max_retries = max_retries;
  o.retry_base_delay = std::chrono::milliseconds(10);
  o.retry_max_delay = std::chrono::milliseconds(100);
  o.connect_timeout = std::chrono::milliseconds(2000);
  o.stall_timeout = std::chrono::milliseconds(5000);
  return o;
}

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

class CurlFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    direct_ = std::make_unique<CurlObjectStore>(OptionsFor(testing::Rgw().endpoint()));
    bucket_ = "faults-" + std::to_string(getpid()) + "-" + std::to_string(++n_);
    ASSERT_TRUE(direct_->CreateBucket(bucket_).ok());
  }
  std::unique_ptr<CurlObjectStore> direct_;
  std::string bucket_;
  static inline int n_ = 0;
};

TEST_F(CurlFaultsTest, SlowDownIsRetriedWithBackoff) {
  FaultProxy proxy({"--slowdown", "2"});
  ASSERT_GT(proxy.port(), 0);
  CurlObjectStore store(OptionsFor(proxy.endpoint()));
  std::string data = RandomBytes(100 << 10, 1);
  StringViewSource src(data);
  auto put = store.Put(bucket_, "k", src);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(proxy.Outcomes(), (std::vector<std::string>{"503", "503", "200"}));
  std::string back;
  ASSERT_TRUE(direct_->Get({bucket_, "k"}, AppendTo(&back)).ok());
  EXPECT_EQ(back, data);
}

TEST_F(CurlFaultsTest, DroppedConnectionsAreRetried) {
  FaultProxy proxy({"--drop", "2"});
  ASSERT_GT(proxy.port(), 0);
  CurlObjectStore store(OptionsFor(proxy.endpoint()));
  auto buckets = store.ListBuckets();
  ASSERT_TRUE(buckets.ok()) << buckets.status().ToString();
  EXPECT_EQ(proxy.Outcomes(), (std::vector<std::string>{"dropped", "dropped", "200"}));
}

TEST_F(CurlFaultsTest, DownloadCutMidBodyResumesWithRange) {
  std::string data = RandomBytes(3 << 20, 2);
  StringViewSource src(data);
  ASSERT_TRUE(direct_->Put(bucket_, "big", src).ok());
  FaultProxy proxy({"--cut-get", std::to_string(1 << 20)});
  ASSERT_GT(proxy.port(), 0);
  CurlObjectStore store(OptionsFor(proxy.endpoint()));
  std::string back;
  auto got = store.Get({bucket_, "big"}, AppendTo(&back));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(back.size(), data.size());
  EXPECT_TRUE(back == data) << "resumed download differs from the object";
  EXPECT_EQ(got->length, data.size());
  auto outcomes = proxy.Outcomes();
  ASSERT_GE(outcomes.size(), 2u);
  EXPECT_EQ(outcomes.front(), "cut");
  EXPECT_EQ(outcomes.back(), "206");  // the resumed part came as a range
}

TEST_F(CurlFaultsTest, RangedDownloadCutMidBodyResumesInsideTheRange) {
  std::string data = RandomBytes(4 << 20, 3);
  StringViewSource src(data);
  ASSERT_TRUE(direct_->Put(bucket_, "big", src).ok());
  FaultProxy proxy({"--cut-get", std::to_string(512 << 10)});
  CurlObjectStore store(OptionsFor(proxy.endpoint()));
  std::string back;
  GetRequest req{bucket_, "big"};
  req.range = ByteRange::Closed(1000, (3 << 20) + 999);
  auto got = store.Get(req, AppendTo(&back));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->first_byte, 1000u);
  EXPECT_TRUE(back == data.substr(1000, 3 << 20));
}

TEST_F(CurlFaultsTest, RetriesAreBoundedAndTheErrorIsClear) {
  FaultProxy proxy({"--slowdown", "100"});
  CurlObjectStore store(OptionsFor(proxy.endpoint(), /*max_retries=*/2));
  auto head = store.Head(bucket_, "x");
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(head.status().retryable());
  EXPECT_EQ(proxy.Outcomes().size(), 3u);  // first try + 2 retries
}

TEST_F(CurlFaultsTest, UnreachableEndpointFailsFast) {
  // A port nobody listens on: bind one, note it, close it.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  CurlObjectStore store(OptionsFor("http://127.0.0.1:" + std::to_string(port), 1));
  auto start = std::chrono::steady_clock::now();
  Status s = store.HeadBucket(bucket_);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("127.0.0.1"), std::string::npos) << s.message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(CurlFaultsTest, WrongSecretIsNotRetried) {
  FaultProxy proxy({});
  auto options = OptionsFor(proxy.endpoint());
  options.credentials.secret_access_key = "wrong";
  CurlObjectStore store(options);
  auto list = store.List({.bucket = bucket_});
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().code(), StatusCode::kUnauthenticated) << list.status().ToString();
  EXPECT_EQ(list.status().s3_code(), "SignatureDoesNotMatch");
  EXPECT_EQ(proxy.Outcomes().size(), 1u);
}

}  // namespace
}  // namespace sos

namespace sos {
namespace {

// Virtual-hosted addressing (bucket.localhost:PORT), which RGW serves because
// its DNS name is "localhost"; curl resolves *.localhost to the loopback.
TEST(CurlAddressingTest, VirtualHostedStyleRoundTrip) {
  auto options = OptionsFor("http://localhost:" + std::to_string(testing::Rgw().rgw_port()));
  options.path_style = false;
  CurlObjectStore store(options);
  std::string bucket = "vhost-" + std::to_string(getpid());
  ASSERT_TRUE(store.CreateBucket(bucket).ok());
  std::string data = RandomBytes(70000, 9);
  StringViewSource src(data);
  ASSERT_TRUE(store.Put(bucket, "dir/a b+c", src).ok());
  std::string back;
  ASSERT_TRUE(store.Get({bucket, "dir/a b+c"}, AppendTo(&back)).ok());
  EXPECT_TRUE(back == data);
  auto list = store.List({.bucket = bucket, .prefix = "dir/"});
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->objects.size(), 1u);
  EXPECT_EQ(list->objects[0].key, "dir/a b+c");
  // The same object is visible path-style: both addressings name one bucket.
  CurlObjectStore path_style(OptionsFor(testing::Rgw().endpoint()));
  auto head = path_style.Head(bucket, "dir/a b+c");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->size, data.size());
  ASSERT_TRUE(store.Delete(bucket, "dir/a b+c").ok());
  EXPECT_TRUE(store.DeleteBucket(bucket).ok());
}

}  // namespace
}  // namespace sos
