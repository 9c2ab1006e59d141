// CurlObjectStore against a real Ceph RGW: the ObjectStore contract suite,
// plus a smoke test of the harness itself with the real awscli.
//
// One cluster serves the whole binary (started in a ::testing::Environment),
// so ctest runs this binary as a single test; each contract test still gets
// its own bucket.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include "s3core/client/curl_object_store.h"
#include "tests/component/rgw_environment.h"
#include "tests/support/object_store_contract.h"

namespace sos::testing {
namespace {

class RgwTarget : public ObjectStoreContractTarget {
 public:
  std::string Name() const override { return "CurlOverCephRgw"; }
  ObjectStore& Store() override {
    // Made on first use: the cluster (and its port) exists only after the
    // environment's SetUp.
    if (!store_) {
      store_ = std::make_unique<CurlObjectStore>(
          CurlObjectStore::Options{.endpoint = Rgw().endpoint(),
                                   .region = "us-east-1",
                                   .path_style = true,
                                   .credentials = {.access_key_id = Rgw().access_key(),
                                                   .secret_access_key = Rgw().secret_key()}});
    }
    return *store_;
  }
  ContractCapabilities Capabilities() const override {
    ContractCapabilities caps;
    // Ceph 16 compares a PUT's If-Match with the stored ETag without its
    // quotes, so the correct (quoted) ETag gets 412. Stale ETags and
    // If-None-Match: * behave as in S3.
    caps.no_conditional_put_if_match =
        "Ceph 16 RGW rejects PUT If-Match with the current quoted ETag (412)";
    // Ceph 16 answers ListParts of an unknown upload with NoSuchKey (UploadPart
    // and AbortMultipartUpload do say NoSuchUpload).
    caps.list_parts_unknown_upload_code = "NoSuchKey";
    return caps;
  }

 private:
  std::unique_ptr<CurlObjectStore> store_;
};

SOS_INSTANTIATE_OBJECT_STORE_CONTRACT(Rgw, std::make_shared<RgwTarget>());

// The harness works for a third-party client too: awscli v2 mb, cp, ls.
TEST(RgwClusterTest, ServesTheAwsCli) {
  const char* aws = "/usr/bin/aws";
  if (::access(aws, X_OK) != 0) GTEST_SKIP() << aws << " not installed";
  std::string dir = ::testing::TempDir() + "/rgw-awscli-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::string file = dir + "/hello.txt";
  { std::ofstream(file) << "hello from the awscli\n"; }

  auto run = [&](std::vector<std::string> args, std::string* out) {
    std::vector<std::string> argv = {aws, "--endpoint-url", Rgw().endpoint()};
    argv.insert(argv.end(), args.begin(), args.end());
    int pipefd[2];
    if (::pipe(pipefd) != 0) return -1;
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    std::string env_key = "AWS_ACCESS_KEY_ID=" + Rgw().access_key();
    std::string env_secret = "AWS_SECRET_ACCESS_KEY=" + Rgw().secret_key();
    std::string env_config = "AWS_CONFIG_FILE=" + dir + "/none";
    std::string env_creds = "AWS_SHARED_CREDENTIALS_FILE=" + dir + "/none";
    std::string env_home = "HOME=" + dir;
    std::vector<char*> env = {env_key.data(),
                              env_secret.data(),
                              env_config.data(),
                              env_creds.data(),
                              env_home.data(),
                              const_cast<char*>("AWS_DEFAULT_REGION=us-east-1"),
                              const_cast<char*>("AWS_PAGER="),
                              const_cast<char*>("PATH=/usr/bin:/bin"),
                              nullptr};
    pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(pipefd[1], 1);
      ::dup2(pipefd[1], 2);
      ::close(pipefd[0]);
      ::close(pipefd[1]);
      ::execve(aws, cargv.data(), env.data());
      ::_exit(127);
    }
    ::close(pipefd[1]);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(pipefd[0], buf, sizeof(buf))) > 0) out->append(buf, n);
    ::close(pipefd[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };

  std::string out;
  ASSERT_EQ(run({"s3", "mb", "s3://awscli-smoke"}, &out), 0) << out;
  out.clear();
  ASSERT_EQ(run({"s3", "cp", "--no-progress", file, "s3://awscli-smoke/dir/hello.txt"}, &out), 0)
      << out;
  out.clear();
  ASSERT_EQ(run({"s3", "ls", "--recursive", "s3://awscli-smoke"}, &out), 0) << out;
  EXPECT_NE(out.find("22 dir/hello.txt"), std::string::npos) << out;
  out.clear();
  ASSERT_EQ(run({"s3", "cp", "--no-progress", "s3://awscli-smoke/dir/hello.txt", dir + "/back.txt"},
                &out),
            0)
      << out;
  std::ifstream back(dir + "/back.txt");
  std::string line;
  std::getline(back, line);
  EXPECT_EQ(line, "hello from the awscli");
  out.clear();
  EXPECT_EQ(run({"s3", "rb", "--force", "s3://awscli-smoke"}, &out), 0) << out;
  std::filesystem::remove_all(dir);
}

// A second user exists for ACL tests and authenticates on its own.
TEST(RgwClusterTest, CreatesSecondUser) {
  RgwCluster::User other{"sos-other", "other user", "SOSOTHERACCESSKEY001", "other-secret-1"};
  ASSERT_TRUE(Rgw().CreateUser(other).ok());
  CurlObjectStore store(CurlObjectStore::Options{
      .endpoint = Rgw().endpoint(),
      .region = "us-east-1",
      .path_style = true,
      .credentials = {.access_key_id = other.access_key, .secret_access_key = other.secret_key}});
  ASSERT_TRUE(store.CreateBucket("sos-other-bucket").ok());
  auto acl = store.GetAcl("sos-other-bucket", "");
  ASSERT_TRUE(acl.ok()) << acl.status().ToString();
  EXPECT_EQ(acl->owner.id, "sos-other");
  EXPECT_TRUE(store.DeleteBucket("sos-other-bucket").ok());

  CurlObjectStore wrong(CurlObjectStore::Options{
      .endpoint = Rgw().endpoint(),
      .region = "us-east-1",
      .path_style = true,
      .credentials = {.access_key_id = other.access_key, .secret_access_key = "wrong"},
      .max_retries = 0});
  auto denied = wrong.ListBuckets();
  EXPECT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), StatusCode::kUnauthenticated) << denied.status().ToString();
}

// A start that cannot succeed fails fast, says why, and leaves nothing behind.
TEST(RgwClusterTest, StartFailsClearlyWhenMonPortIsTaken) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);

  std::string parent = ::testing::TempDir() + "rgw-fail-" + std::to_string(::getpid());
  std::filesystem::create_directories(parent);
  RgwCluster::Options options;
  options.mon_port = ntohs(addr.sin_port);
  options.parent_dir = parent;
  auto start = std::chrono::steady_clock::now();
  auto cluster = RgwCluster::Start(options);
  auto took = std::chrono::steady_clock::now() - start;
  ::close(fd);
  ASSERT_FALSE(cluster.ok());
  EXPECT_NE(cluster.status().message().find("unable to bind"), std::string::npos)
      << cluster.status().ToString();
  EXPECT_LT(took, std::chrono::seconds(20));
  EXPECT_TRUE(std::filesystem::is_empty(parent)) << "cluster directory left behind";
  std::filesystem::remove_all(parent);
}

}  // namespace
}  // namespace sos::testing
