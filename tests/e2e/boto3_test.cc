// boto3 (Debian's python3-boto3 under /usr/bin/python3, default checksum
// behaviour) against the shared sosd: clients/boto3_client.py does
// put/get/ranges/upload_file multipart/download_file/copy/list/delete; this
// test then reads what it left through its own client and compares bytes.
#include <filesystem>

#include "tests/e2e/client_test.h"

#ifndef SOS_E2E_CLIENTS_DIR
#error "SOS_E2E_CLIENTS_DIR must name tests/e2e/clients"
#endif

namespace sos::testing {
namespace {

constexpr const char* kPython = "/usr/bin/python3";

class Boto3Test : public ClientTest {};

TEST_F(Boto3Test, PutGetMultipartListDelete) {
  ASSERT_TRUE(Installed(kPython));
  ProgramResult import = RunProgram({kPython, "-c", "import boto3"}, BaseEnv());
  ASSERT_EQ(import.exit_code, 0)
      << "python3-boto3 is not installed: scripts/install-deps.sh should have installed it\n"
      << import.output;

  const std::string bucket = TrackBucket("boto3");
  WriteRandomFile(dir_ + "/small.bin", 100000, 5);
  WriteRandomFile(dir_ + "/big.bin", (17 << 20) + 3, 6);  // 4 parts of 5 MiB
  std::vector<std::string> env = AwsSdkEnv();
  ProgramResult r = RunProgram({kPython, std::string(SOS_E2E_CLIENTS_DIR) + "/boto3_client.py",
                                Sosd().endpoint(), bucket, dir_},
                               env, std::chrono::seconds(300));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("DONE"), std::string::npos) << r.output;

  EXPECT_TRUE(SameFile(dir_ + "/big.bin", dir_ + "/big.back"));
  EXPECT_TRUE(SameFile(dir_ + "/small.bin", dir_ + "/small.back"));
  EXPECT_TRUE(ObjectEqualsFile(bucket, "big.bin", dir_ + "/big.bin"));
  EXPECT_TRUE(ObjectEqualsFile(bucket, "small.bin", dir_ + "/small.bin"));
  EXPECT_TRUE(ObjectEqualsFile(bucket, "copy.bin", dir_ + "/small.bin"));
  auto head = store_->Head(bucket, "big.bin");
  ASSERT_TRUE(head.ok());
  EXPECT_NE(head->etag.find("-4\""), std::string::npos) << head->etag;
}

TEST_F(Boto3Test, ObjectTaggingAndAttributes) {
  ASSERT_TRUE(Installed(kPython));
  std::vector<std::string> env = AwsSdkEnv();
  ProgramResult r = RunProgram({kPython, std::string(SOS_E2E_CLIENTS_DIR) + "/boto3_tags_attributes.py",
                                Sosd().endpoint(), TrackBucket("boto3-tags")},
                               env, std::chrono::seconds(300));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("DONE"), std::string::npos) << r.output;
}

TEST_F(Boto3Test, Versioning) {
  ASSERT_TRUE(Installed(kPython));
  ProgramResult r = RunProgram({kPython, std::string(SOS_E2E_CLIENTS_DIR) + "/boto3_versioning.py",
                                Sosd().endpoint(), TrackBucket("boto3-versions")},
                               AwsSdkEnv(), std::chrono::seconds(300));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("DONE"), std::string::npos) << r.output;
}

TEST_F(Boto3Test, ObjectLock) {
  ASSERT_TRUE(Installed(kPython));
  ProgramResult r = RunProgram({kPython, std::string(SOS_E2E_CLIENTS_DIR) + "/boto3_object_lock.py",
                                Sosd().endpoint(), TrackBucket("boto3-lock")},
                               AwsSdkEnv(), std::chrono::seconds(300));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("DONE"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace sos::testing
