// The AWS SDK for JavaScript v3 (@aws-sdk/client-s3 from npm, installed by
// scripts/install-deps.sh with `npm ci` in tests/e2e/clients/js) against the
// shared sosd, with its default flexible checksums and aws-chunked trailers.
#include <filesystem>

#include "tests/e2e/client_test.h"

#ifndef SOS_E2E_CLIENTS_DIR
#error "SOS_E2E_CLIENTS_DIR must name tests/e2e/clients"
#endif

namespace sos::testing {
namespace {

constexpr const char* kNode = "/usr/bin/node";

class AwsSdkJsTest : public ClientTest {};

TEST_F(AwsSdkJsTest, DefaultChecksumsAndTrailers) {
  ASSERT_TRUE(Installed(kNode));
  const std::string js = std::string(SOS_E2E_CLIENTS_DIR) + "/js";
  ASSERT_TRUE(std::filesystem::exists(js + "/node_modules/@aws-sdk/client-s3/package.json"))
      << "@aws-sdk/client-s3 is not installed in " << js
      << ": scripts/install-deps.sh should have run `npm ci` there";

  const std::string bucket = TrackBucket("aws-sdk-js");
  WriteRandomFile(dir_ + "/small.bin", 70000, 7);
  WriteRandomFile(dir_ + "/stream.bin", (1 << 20) + 17, 8);
  WriteRandomFile(dir_ + "/big.bin", (11 << 20) + 5, 9);  // 3 parts of 5 MiB
  std::vector<std::string> env = AwsSdkEnv();
  ProgramResult r = RunProgram({kNode, js + "/s3_client.mjs", Sosd().endpoint(), bucket, dir_}, env,
                               std::chrono::seconds(300));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("DONE"), std::string::npos) << r.output;

  for (const char* name : {"small.bin", "stream.bin", "big.bin"}) {
    EXPECT_TRUE(ObjectEqualsFile(bucket, name, dir_ + "/" + name)) << name;
  }
  auto head = store_->Head(bucket, "big.bin");
  ASSERT_TRUE(head.ok());
  EXPECT_NE(head->etag.find("-3\""), std::string::npos) << head->etag;
}

}  // namespace
}  // namespace sos::testing
