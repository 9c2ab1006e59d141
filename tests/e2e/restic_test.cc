// restic (Debian's) backing up to sosd's S3 API (repository
// s3:http://127.0.0.1:PORT/BUCKET): init, backup of a tree of random files,
// a second backup after changes, check --read-data, restore of both
// snapshots compared byte by byte with what was backed up.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/e2e/client_test.h"

namespace sos::testing {
namespace {

namespace fs = std::filesystem;
constexpr const char* kRestic = "/usr/bin/restic";

class ResticTest : public ClientTest {
 protected:
  void SetUp() override {
    ClientTest::SetUp();
    ASSERT_TRUE(Installed(kRestic));
  }

  ProgramResult Restic(const std::string& bucket, std::vector<std::string> args) {
    std::vector<std::string> argv = {kRestic, "--no-cache", "-r",
                                     "s3:" + Sosd().endpoint() + "/" + bucket};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> env = BaseEnv();
    env.insert(
        env.end(),
        {"RESTIC_PASSWORD=sos-e2e-restic-password", "AWS_ACCESS_KEY_ID=" + Sosd().access_key(),
         "AWS_SECRET_ACCESS_KEY=" + Sosd().secret_key(), "AWS_DEFAULT_REGION=us-east-1"});
    return RunProgram(argv, env, std::chrono::seconds(300));
  }
};

TEST_F(ResticTest, BackupAndRestoreByteIdentical) {
  const std::string bucket = CreateBucket("restic");
  const std::string source = dir_ + "/source";
  WriteRandomTree(source, 9 << 20, 11);
  const std::string first_copy = dir_ + "/first";
  fs::copy(source, first_copy, fs::copy_options::recursive);

  ProgramResult init = Restic(bucket, {"init"});
  ASSERT_EQ(init.exit_code, 0) << init.output;
  auto config = store_->Head(bucket, "config");
  ASSERT_TRUE(config.ok()) << "restic writes its config object: " << config.status().ToString();

  ProgramResult backup = Restic(bucket, {"backup", "--json", "--host", "e2e", source});
  ASSERT_EQ(backup.exit_code, 0) << backup.output;

  // Change the tree: a new file, a rewritten one, a removed one.
  WriteRandomFile(source + "/added.bin", 300000, 12);
  WriteRandomFile(source + "/a/b/c/deep.bin", 100001, 13);
  fs::remove(source + "/z/last.bin");
  ProgramResult second = Restic(bucket, {"backup", "--host", "e2e", source});
  ASSERT_EQ(second.exit_code, 0) << second.output;

  ProgramResult check = Restic(bucket, {"check", "--read-data"});
  ASSERT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("no errors were found"), std::string::npos) << check.output;

  ProgramResult snapshots = Restic(bucket, {"snapshots", "--json"});
  ASSERT_EQ(snapshots.exit_code, 0) << snapshots.output;
  auto list = nlohmann::json::parse(snapshots.output, nullptr, false);
  ASSERT_TRUE(list.is_array()) << snapshots.output;
  ASSERT_EQ(list.size(), 2u) << snapshots.output;
  // Snapshots are listed oldest first.
  const std::string first_id = list[0].value("short_id", "");
  const std::string second_id = list[1].value("short_id", "");

  ProgramResult latest = Restic(bucket, {"restore", second_id, "--target", dir_ + "/r2"});
  ASSERT_EQ(latest.exit_code, 0) << latest.output;
  EXPECT_TRUE(SameTree(source, dir_ + "/r2" + source));
  ProgramResult older = Restic(bucket, {"restore", first_id, "--target", dir_ + "/r1"});
  ASSERT_EQ(older.exit_code, 0) << older.output;
  EXPECT_TRUE(SameTree(first_copy, dir_ + "/r1" + source));
}

// A versioned bucket (what backup admins enable so that a deleted or
// overwritten pack can be recovered): restic works unchanged, and what its
// prune removed is still there as noncurrent versions behind delete markers.
TEST_F(ResticTest, BackupPruneAndRestoreOnAVersionedBucket) {
  const std::string bucket = CreateBucket("restic-versions");
  auto aws = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/aws", "--region", "us-east-1", "--endpoint-url",
                                     Sosd().endpoint()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProgram(argv, AwsSdkEnv(), std::chrono::seconds(120));
  };
  ProgramResult enable = aws({"s3api", "put-bucket-versioning", "--bucket", bucket,
                              "--versioning-configuration", "Status=Enabled"});
  ASSERT_EQ(enable.exit_code, 0) << enable.output;
  const std::string source = dir_ + "/source";
  WriteRandomTree(source, 4 << 20, 21);
  ASSERT_EQ(Restic(bucket, {"init"}).exit_code, 0);
  ProgramResult first = Restic(bucket, {"backup", "--host", "e2e", source});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  WriteRandomFile(source + "/added.bin", 500000, 22);
  fs::remove(source + "/z/last.bin");
  ProgramResult second = Restic(bucket, {"backup", "--host", "e2e", source});
  ASSERT_EQ(second.exit_code, 0) << second.output;
  ProgramResult prune = Restic(bucket, {"forget", "--keep-last", "1", "--prune"});
  ASSERT_EQ(prune.exit_code, 0) << prune.output;
  ProgramResult check = Restic(bucket, {"check", "--read-data"});
  ASSERT_EQ(check.exit_code, 0) << check.output;
  ProgramResult restore = Restic(bucket, {"restore", "latest", "--target", dir_ + "/r"});
  ASSERT_EQ(restore.exit_code, 0) << restore.output;
  EXPECT_TRUE(SameTree(source, dir_ + "/r" + source));

  // What forget and prune deleted became delete markers over kept versions.
  ProgramResult versions = aws({"s3api", "list-object-versions", "--bucket", bucket});
  ASSERT_EQ(versions.exit_code, 0) << versions.output;
  auto doc = nlohmann::json::parse(versions.output, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << versions.output;
  ASSERT_TRUE(doc.contains("DeleteMarkers")) << versions.output;
  size_t markers = doc["DeleteMarkers"].size(), noncurrent = 0;
  for (const auto& v : doc["Versions"]) noncurrent += v.value("IsLatest", true) ? 0 : 1;
  EXPECT_GE(markers, 2u) << "the forgotten snapshot and its index at least";
  EXPECT_GE(noncurrent, markers) << "each marker hides a kept version";

  // Emptied through its versions, as a versioned bucket must be, for TearDown.
  nlohmann::json objects = nlohmann::json::array();
  for (const char* kind : {"Versions", "DeleteMarkers"}) {
    for (const auto& v : doc[kind]) objects.push_back({{"Key", v["Key"]}, {"VersionId", v["VersionId"]}});
  }
  ProgramResult emptied = aws({"s3api", "delete-objects", "--bucket", bucket, "--delete",
                               nlohmann::json{{"Objects", objects}}.dump()});
  ASSERT_EQ(emptied.exit_code, 0) << emptied.output;
}

}  // namespace
}  // namespace sos::testing
