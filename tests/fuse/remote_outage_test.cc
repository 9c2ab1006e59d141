// The remote goes away under a mount: sosd is killed while a big upload is
// under way, files are written while it is down (they land in the cache), a
// read of data that is not cached fails with EIO in bounded time instead of
// hanging, and once sosd is back (same data, same port) every byte reaches
// the server, as a fresh mount with an empty cache reads back.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "s3core/client/curl_object_store.h"
#include "tests/e2e/sosd_process.h"
#include "tests/fuse/sosfs_harness.h"

namespace sos::testing {
namespace {

using namespace std::chrono_literals;

class RemoteOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sos-outage-e2e-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    work_ = tmpl;
    ASSERT_EQ(mkdir((work_ + "/mnt").c_str(), 0755), 0);
    port_ = FreePort();
    StartSosd();
    env_ = "AWS_ACCESS_KEY_ID=" + sosd_->access_key() +
           " AWS_SECRET_ACCESS_KEY=" + sosd_->secret_key() + " ";
    CurlObjectStore::Options o;
    o.endpoint = sosd_->endpoint();
    o.credentials.access_key_id = sosd_->access_key();
    o.credentials.secret_access_key = sosd_->secret_key();
    store_ = std::make_unique<CurlObjectStore>(o);
    ASSERT_TRUE(store_->CreateBucket("outage").ok());
  }
  void TearDown() override {
    mount_.reset();
    if (sosd_) sosd_->Stop();
    if (!IsMounted(work_ + "/mnt")) std::filesystem::remove_all(work_);
  }
  // sosd on the same port and data every time.
  void StartSosd() {
    SosdProcess::Options options;
    options.data_dir = work_ + "/data";
    options.listen = false;
    options.port = port_;
    options.extra_args = {"--listen", "127.0.0.1:" + std::to_string(port_)};
    auto sosd = SosdProcess::Start(options);
    ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
    sosd_ = std::move(*sosd);
  }
  void Mount(const std::string& cache) {
    mount_ = std::make_unique<SosfsMount>(work_ + "/mnt");
    RunResult r = mount_->Mount(env_ + SOSFS_BINARY + " outage " + work_ + "/mnt -o endpoint=" +
                                sosd_->endpoint() + ",cache_dir=" + work_ + "/" + cache);
    ASSERT_EQ(r.status, 0) << r.output;
  }
  std::string Sh(const std::string& command, std::chrono::seconds timeout = 300s) {
    RunResult r = RunCommand(command, timeout);
    EXPECT_EQ(r.status, 0) << command << "\n" << r.output;
    return r.output;
  }

  std::string work_;
  int port_ = 0;
  std::string env_;
  std::unique_ptr<SosdProcess> sosd_;
  std::unique_ptr<CurlObjectStore> store_;
  std::unique_ptr<SosfsMount> mount_;
};

TEST_F(RemoteOutageTest, SosdKilledMidUploadThenBackLosesNothing) {
  const std::string mnt = work_ + "/mnt";
  const std::string status = std::string(SOSCTL_PATH) + " mount status " + mnt + " --json";
  WriteRandomFile(work_ + "/big", 200 << 20, 11);
  WriteRandomFile(work_ + "/remote-only", 3 << 20, 12);
  Sh(env_ + "aws --endpoint-url " + sosd_->endpoint() + " s3 cp --quiet " + work_ +
     "/remote-only s3://outage/remote-only");
  ASSERT_NO_FATAL_FAILURE(Mount("cache"));
  Sh("ls -l " + mnt + " > /dev/null");  // the listing is cached: lookups need no request
  Sh("cp " + work_ + "/big " + mnt + "/big");
  // Killed once the upload is under way (its state read straight from the mount).
  bool uploading = false;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!uploading && std::chrono::steady_clock::now() < deadline) {
    char state[32] = {};
    ssize_t n = ::getxattr((mnt + "/big").c_str(), "user.sos.state", state, sizeof state - 1);
    uploading = n > 0 && std::string(state, static_cast<size_t>(n)) == "uploading";
  }
  EXPECT_TRUE(uploading) << "the upload was not seen under way: " << RunCommand(status, 10s).output;
  ::kill(sosd_->pid(), SIGKILL);
  sosd_->Stop();
  // Down: writes land in the cache; a read of uncached data fails in bounded time.
  // (Creating a directory needs the server: files go in an existing one.)
  Sh("mkdir -p " + work_ + "/during && for i in 1 2 3 4 5; do head -c 100000 /dev/urandom > " +
     work_ + "/during/f$i; done && cp " + work_ + "/during/* " + mnt + "/");
  const auto before = std::chrono::steady_clock::now();
  RunResult read = RunCommand("cat " + mnt + "/remote-only > /dev/null", 120s);
  const auto took = std::chrono::steady_clock::now() - before;
  EXPECT_NE(read.status, 0) << "read uncached data from a dead server?";
  EXPECT_NE(read.output.find("Input/output error"), std::string::npos) << read.output;
  EXPECT_LT(took, 60s);
  std::string down = RunCommand(status, 10s).output;
  EXPECT_EQ(down.find("\"dirty_files\": 0"), std::string::npos) << down;

  ASSERT_NO_FATAL_FAILURE(StartSosd());
  Sh(std::string(SOSCTL_PATH) + " mount wait " + mnt + " --timeout 180s");
  ASSERT_TRUE(mount_->Unmount());
  // What the server holds, read through a mount with an empty cache.
  ASSERT_NO_FATAL_FAILURE(Mount("fresh-cache"));
  Sh("cmp " + work_ + "/big " + mnt + "/big");
  Sh("cmp " + work_ + "/remote-only " + mnt + "/remote-only");
  for (int i = 1; i <= 5; ++i) {
    Sh("cmp " + work_ + "/during/f" + std::to_string(i) + " " + mnt + "/f" + std::to_string(i));
  }
  ASSERT_TRUE(mount_->Unmount());
}

}  // namespace
}  // namespace sos::testing
