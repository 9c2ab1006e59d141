// s3fs (Debian's fuse.s3fs) mounting a sosd bucket, path-style, with a 0600
// passwd file: a tree (one file > 20 MiB, so s3fs uploads in parts) is copied
// in with cp -r and compared through the mount and through the S3 API; then
// rename, overwrite and delete through the mount are seen through the API.
// The mount is always unmounted in TearDown; every wait is bounded.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/e2e/client_test.h"

namespace sos::testing {
namespace {

namespace fs = std::filesystem;
constexpr const char* kS3fs = "/usr/bin/s3fs";

bool IsMounted(const std::string& path) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(" " + path + " ") != std::string::npos) return true;
  }
  return false;
}

class S3fsTest : public ClientTest {
 protected:
  void SetUp() override {
    ClientTest::SetUp();
    ASSERT_TRUE(Installed(kS3fs));
    ASSERT_EQ(::access("/dev/fuse", R_OK | W_OK), 0) << "/dev/fuse is needed (run as root)";
    mount_ = dir_ + "/mnt";
    fs::create_directories(mount_);
  }
  void TearDown() override {
    Unmount();
    ClientTest::TearDown();
  }

  void Mount(const std::string& bucket) {
    const std::string passwd = dir_ + "/passwd";
    std::ofstream(passwd) << Sosd().access_key() << ":" << Sosd().secret_key() << "\n";
    ::chmod(passwd.c_str(), 0600);
    log_ = dir_ + "/s3fs.log";
    ProgramResult r = RunProgram(
        {kS3fs, bucket, mount_, "-o",
         "url=" + Sosd().endpoint() + ",use_path_request_style,passwd_file=" + passwd +
             ",endpoint=us-east-1,multipart_size=8,retries=2,dbglevel=warn,logfile=" + log_},
        BaseEnv(), std::chrono::seconds(60));
    ASSERT_EQ(r.exit_code, 0) << r.output << ReadFile(log_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!IsMounted(mount_)) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "s3fs did not mount " << mount_ << "\n"
          << r.output << ReadFile(log_);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    mounted_ = true;
  }

  void Unmount() {
    if (!mounted_ && !IsMounted(mount_)) return;
    ProgramResult r =
        RunProgram({"/usr/bin/fusermount", "-u", mount_}, BaseEnv(), std::chrono::seconds(60));
    if (r.exit_code != 0) {
      ADD_FAILURE() << "fusermount -u " << mount_ << ": " << r.output;
      RunProgram({"/usr/bin/umount", "-l", mount_}, BaseEnv(), std::chrono::seconds(30));
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (IsMounted(mount_) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_FALSE(IsMounted(mount_));
    mounted_ = false;
  }

  ProgramResult Shell(const std::string& command) {
    return RunProgram({"/bin/sh", "-c", command}, BaseEnv(), std::chrono::seconds(300));
  }

  std::string mount_, log_;
  bool mounted_ = false;
};

TEST_F(S3fsTest, CopyIntoMountAndReadBackBothWays) {
  const std::string bucket = CreateBucket("s3fs");
  ASSERT_NO_FATAL_FAILURE(Mount(bucket));

  const std::string tree = dir_ + "/tree";
  auto files = WriteRandomTree(tree, (21 << 20) + 123, 10);  // > 20 MiB: multipart
  ProgramResult cp = Shell("cp -r '" + tree + "' '" + mount_ + "/tree'");
  ASSERT_EQ(cp.exit_code, 0) << cp.output << ReadFile(log_);

  // Through the mount (after dropping s3fs's view by remounting) and through the API.
  Unmount();
  ASSERT_NO_FATAL_FAILURE(Mount(bucket));
  EXPECT_TRUE(SameTree(tree, mount_ + "/tree"));
  for (const auto& [rel, size] : files) {
    EXPECT_TRUE(ObjectEqualsFile(bucket, "tree/" + rel, tree + "/" + rel)) << rel;
  }
  auto big = store_->Head(bucket, "tree/big.bin");
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  EXPECT_EQ(big->size, (21u << 20) + 123);
  EXPECT_NE(big->etag.find("-"), std::string::npos) << "a multipart ETag: " << big->etag;
  EXPECT_TRUE(big->user_meta.count("mode")) << "s3fs stores the mode as x-amz-meta-mode";

  // An object put through the API appears in the mount.
  const std::string api_text = "written through the S3 API\n";
  StringViewSource source(api_text);
  ASSERT_TRUE(store_->Put(bucket, "tree/from-api.txt", source).ok());
  EXPECT_EQ(ReadFile(mount_ + "/tree/from-api.txt"), api_text);

  // rename (copy + delete), overwrite, delete: each seen through the API.
  ASSERT_EQ(
      ::rename((mount_ + "/tree/a/one.txt").c_str(), (mount_ + "/tree/a/renamed.txt").c_str()), 0)
      << std::strerror(errno);
  EXPECT_EQ(store_->Head(bucket, "tree/a/one.txt").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(ObjectEqualsFile(bucket, "tree/a/renamed.txt", tree + "/a/one.txt"));
  ProgramResult over = Shell("cp '" + tree + "/z/last.bin' '" + mount_ + "/tree/empty'");
  ASSERT_EQ(over.exit_code, 0) << over.output;
  EXPECT_TRUE(ObjectEqualsFile(bucket, "tree/empty", tree + "/z/last.bin"));
  ASSERT_TRUE(fs::remove(mount_ + "/tree/many/f0"));
  EXPECT_EQ(store_->Head(bucket, "tree/many/f0").status().code(), StatusCode::kNotFound);

  ProgramResult rm = Shell("rm -rf '" + mount_ + "/tree'");
  ASSERT_EQ(rm.exit_code, 0) << rm.output;
  auto left = store_->List(ListRequest{.bucket = bucket, .prefix = "tree/"});
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->objects.empty()) << left->objects.front().key;
}

}  // namespace
}  // namespace sos::testing
