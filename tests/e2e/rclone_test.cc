// rclone (Debian's) against the shared sosd: an S3 remote of provider "Other"
// configured only through RCLONE_CONFIG_SOSD_* variables; copy (with
// multipart uploads of 5 MiB chunks), check, sync with changes and deletions,
// check --download, and a copy back compared byte by byte.
#include <filesystem>
#include <fstream>

#include "tests/e2e/client_test.h"

namespace sos::testing {
namespace {

namespace fs = std::filesystem;
constexpr const char* kRclone = "/usr/bin/rclone";

class RcloneTest : public ClientTest {
 protected:
  void SetUp() override {
    ClientTest::SetUp();
    ASSERT_TRUE(Installed(kRclone));
  }

  ProgramResult Rclone(std::vector<std::string> args) {
    std::vector<std::string> argv = {kRclone,
                                     "--config",
                                     dir_ + "/rclone.conf",
                                     "--s3-upload-cutoff",
                                     "5M",
                                     "--s3-chunk-size",
                                     "5M",
                                     "--low-level-retries",
                                     "1",
                                     "--retries",
                                     "1"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> env = BaseEnv();
    env.insert(env.end(),
               {"RCLONE_CONFIG_SOSD_TYPE=s3", "RCLONE_CONFIG_SOSD_PROVIDER=Other",
                "RCLONE_CONFIG_SOSD_ENDPOINT=" + Sosd().endpoint(),
                "RCLONE_CONFIG_SOSD_ACCESS_KEY_ID=" + Sosd().access_key(),
                "RCLONE_CONFIG_SOSD_SECRET_ACCESS_KEY=" + Sosd().secret_key(),
                "RCLONE_CONFIG_SOSD_REGION=us-east-1", "RCLONE_CONFIG_SOSD_FORCE_PATH_STYLE=true"});
    return RunProgram(argv, env, std::chrono::seconds(300));
  }
};

#define RCLONE_OK(...)                       \
  do {                                       \
    ProgramResult r_ = Rclone(__VA_ARGS__);  \
    ASSERT_EQ(r_.exit_code, 0) << r_.output; \
  } while (0)

TEST_F(RcloneTest, CopySyncCheck) {
  const std::string bucket = TrackBucket("rclone");
  const std::string remote = "sosd:" + bucket;
  RCLONE_OK({"mkdir", remote});
  ASSERT_TRUE(store_->HeadBucket(bucket).ok());

  // 12 MiB over a 5 MiB cutoff: rclone uploads it in parts.
  const std::string tree = dir_ + "/tree";
  WriteRandomTree(tree, 12 << 20, 3);
  RCLONE_OK({"copy", tree, remote + "/tree"});
  for (const auto& [rel, size] : ListTree(tree)) {
    EXPECT_TRUE(ObjectEqualsFile(bucket, "tree/" + rel, tree + "/" + rel)) << rel;
  }
  auto big = store_->Head(bucket, "tree/big.bin");
  ASSERT_TRUE(big.ok());
  EXPECT_NE(big->etag.find("-3"), std::string::npos) << "a 3-part upload: " << big->etag;
  RCLONE_OK({"check", tree, remote + "/tree"});
  RCLONE_OK({"check", "--download", tree, remote + "/tree"});

  // check must notice a difference (so a passing check means something).
  std::ofstream(tree + "/a/one.txt", std::ios::trunc) << "changed";
  ProgramResult differs = Rclone({"check", tree, remote + "/tree"});
  EXPECT_NE(differs.exit_code, 0) << differs.output;

  // sync: one changed, one new, one removed.
  WriteRandomFile(tree + "/new.bin", 777777, 4);
  fs::remove(tree + "/z/last.bin");
  RCLONE_OK({"sync", tree, remote + "/tree"});
  EXPECT_TRUE(ObjectEqualsFile(bucket, "tree/a/one.txt", tree + "/a/one.txt"));
  EXPECT_TRUE(ObjectEqualsFile(bucket, "tree/new.bin", tree + "/new.bin"));
  EXPECT_EQ(store_->Head(bucket, "tree/z/last.bin").status().code(), StatusCode::kNotFound);
  RCLONE_OK({"check", "--download", tree, remote + "/tree"});

  ProgramResult ls = Rclone({"lsf", "-R", remote + "/tree"});
  ASSERT_EQ(ls.exit_code, 0) << ls.output;
  EXPECT_NE(ls.output.find("a/with space & plus+.dat"), std::string::npos) << ls.output;

  RCLONE_OK({"copy", remote + "/tree", dir_ + "/back"});
  EXPECT_TRUE(SameTree(tree, dir_ + "/back"));

  RCLONE_OK({"purge", remote});
  EXPECT_EQ(store_->HeadBucket(bucket).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace sos::testing
