// s3cmd (Debian's) against the shared sosd, path-style, with a config file of
// its own: mb, put (single and multipart), get, ls, sync both ways, cp, del,
// rb; once signed with SigV4 and once with SigV2.
#include <filesystem>
#include <fstream>

#include "tests/e2e/client_test.h"

namespace sos::testing {
namespace {

namespace fs = std::filesystem;
constexpr const char* kS3cmd = "/usr/bin/s3cmd";

class S3cmdTest : public ClientTest, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    ClientTest::SetUp();
    ASSERT_TRUE(Installed(kS3cmd));
    const std::string host = "127.0.0.1:" + std::to_string(Sosd().port());
    config_ = dir_ + "/s3cfg";
    std::ofstream(config_) << "[default]\n"
                           << "access_key = " << Sosd().access_key() << "\n"
                           << "secret_key = " << Sosd().secret_key() << "\n"
                           << "host_base = " << host << "\n"
                           << "host_bucket = " << host << "\n"
                           << "use_https = False\n"
                           << "bucket_location = us-east-1\n"
                           << "signature_v2 = " << (GetParam() ? "True" : "False") << "\n"
                           << "multipart_chunk_size_mb = 5\n"
                           << "check_ssl_certificate = False\n";
  }

  ProgramResult S3cmd(std::vector<std::string> args) {
    std::vector<std::string> argv = {kS3cmd, "--config", config_, "--no-progress"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProgram(argv, BaseEnv(), std::chrono::seconds(300));
  }

  std::string config_;
};

#define S3CMD_OK(...)                        \
  do {                                       \
    ProgramResult r_ = S3cmd(__VA_ARGS__);   \
    ASSERT_EQ(r_.exit_code, 0) << r_.output; \
  } while (0)

TEST_P(S3cmdTest, BucketsObjectsSyncAndMultipart) {
  const std::string bucket = TrackBucket(GetParam() ? "s3cmd-v2" : "s3cmd-v4");
  const std::string s3 = "s3://" + bucket;
  S3CMD_OK({"mb", s3});
  ASSERT_TRUE(store_->HeadBucket(bucket).ok());

  // 12 MiB in 5 MiB parts: a multipart upload of 3 parts.
  const std::string big = dir_ + "/big.bin";
  WriteRandomFile(big, 12 << 20, 1);
  S3CMD_OK({"put", big, s3 + "/dir/big.bin"});
  EXPECT_TRUE(ObjectEqualsFile(bucket, "dir/big.bin", big));
  auto head = store_->Head(bucket, "dir/big.bin");
  ASSERT_TRUE(head.ok());
  EXPECT_NE(head->etag.find("-3"), std::string::npos) << head->etag;
  S3CMD_OK({"get", s3 + "/dir/big.bin", dir_ + "/big.back"});
  EXPECT_TRUE(SameFile(big, dir_ + "/big.back"));

  const std::string small = dir_ + "/small.txt";
  std::ofstream(small) << "small object via s3cmd\n";
  S3CMD_OK({"put", "--mime-type=text/x-sos", small, s3 + "/small.txt"});
  auto small_head = store_->Head(bucket, "small.txt");
  ASSERT_TRUE(small_head.ok());
  EXPECT_EQ(small_head->content_type, "text/x-sos");
  EXPECT_TRUE(ObjectEqualsFile(bucket, "small.txt", small));

  ProgramResult ls = S3cmd({"ls", s3 + "/"});
  ASSERT_EQ(ls.exit_code, 0) << ls.output;
  EXPECT_NE(ls.output.find("DIR  " + s3 + "/dir/"), std::string::npos) << ls.output;
  EXPECT_NE(ls.output.find(s3 + "/small.txt"), std::string::npos) << ls.output;

  // sync up, change nothing, sync again (nothing uploaded), sync down.
  const std::string tree = dir_ + "/tree";
  WriteRandomTree(tree, 3 << 20, 2);
  S3CMD_OK({"sync", tree + "/", s3 + "/tree/"});
  for (const auto& [rel, size] : ListTree(tree)) {
    EXPECT_TRUE(ObjectEqualsFile(bucket, "tree/" + rel, tree + "/" + rel)) << rel;
  }
  ProgramResult again = S3cmd({"sync", tree + "/", s3 + "/tree/"});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(again.output.find("upload:"), std::string::npos) << again.output;
  S3CMD_OK({"sync", s3 + "/tree/", dir_ + "/tree.back/"});
  EXPECT_TRUE(SameTree(tree, dir_ + "/tree.back"));

  ProgramResult la = S3cmd({"la"});
  ASSERT_EQ(la.exit_code, 0) << la.output;
  EXPECT_NE(la.output.find(s3 + "/small.txt"), std::string::npos) << la.output;

  S3CMD_OK({"cp", s3 + "/small.txt", s3 + "/copy.txt"});
  EXPECT_TRUE(ObjectEqualsFile(bucket, "copy.txt", small));
  S3CMD_OK({"del", s3 + "/copy.txt"});
  EXPECT_EQ(store_->Head(bucket, "copy.txt").status().code(), StatusCode::kNotFound);

  S3CMD_OK({"del", "--recursive", "--force", s3 + "/"});
  auto list = store_->List(ListRequest{.bucket = bucket});
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->objects.empty());
  S3CMD_OK({"rb", s3});
  EXPECT_EQ(store_->HeadBucket(bucket).code(), StatusCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Signature, S3cmdTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "SigV2" : "SigV4"; });

}  // namespace
}  // namespace sos::testing
