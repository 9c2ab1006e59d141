// The real awscli (/usr/bin/aws) against the real sosd: the high-level `s3`
// commands (multipart uploads kick in at 8 MiB) and the `s3api` calls.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "s3core/crypto.h"
#include "tests/e2e/sosd_environment.h"

namespace sos::testing {
namespace {

namespace fs = std::filesystem;
constexpr const char* kAws = "/usr/bin/aws";

class AwsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access(kAws, X_OK), 0)
        << kAws << " is not installed: scripts/install-deps.sh should have installed it";
    std::string tmpl = (fs::temp_directory_path() / "sosd-awscli-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  ProgramResult Aws(std::vector<std::string> args) { return AwsAt(Sosd(), std::move(args)); }
  ProgramResult AwsAt(const SosdProcess& sosd, std::vector<std::string> args) {
    std::vector<std::string> argv = {kAws, "--endpoint-url", sosd.endpoint()};
    argv.insert(argv.end(), args.begin(), args.end());
    // Only these credentials and settings: nothing from the developer's ~/.aws.
    std::vector<std::string> env = {
        "AWS_ACCESS_KEY_ID=" + sosd.access_key(),
        "AWS_SECRET_ACCESS_KEY=" + sosd.secret_key(),
        "AWS_CONFIG_FILE=" + dir_ + "/no-config",
        "AWS_SHARED_CREDENTIALS_FILE=" + dir_ + "/no-credentials",
        "AWS_DEFAULT_REGION=us-east-1",
        "AWS_EC2_METADATA_DISABLED=true",
        "AWS_PAGER=",
        "HOME=" + dir_,
        "PATH=/usr/bin:/bin",
    };
    return RunProgram(argv, env, std::chrono::seconds(300));
  }

  std::string dir_;
};

#define AWS_OK(...)                          \
  do {                                       \
    ProgramResult r_ = Aws(__VA_ARGS__);     \
    ASSERT_EQ(r_.exit_code, 0) << r_.output; \
  } while (0)

TEST_F(AwsCliTest, HighLevelS3Commands) {
  const std::string bucket = "s3://awscli-high-" + std::to_string(::getpid());
  AWS_OK({"s3", "mb", bucket});

  // 20 MiB: the awscli switches to a multipart upload at 8 MiB and to ranged
  // parallel GETs for the download.
  const std::string big = dir_ + "/big.bin";
  WriteRandomFile(big, 20 << 20, 20);
  AWS_OK({"s3", "cp", "--no-progress", big, bucket + "/big.bin"});
  AWS_OK({"s3", "cp", "--no-progress", bucket + "/big.bin", dir_ + "/big.back"});
  ASSERT_EQ(fs::file_size(dir_ + "/big.back"), fs::file_size(big));
  EXPECT_TRUE(ReadFile(big) == ReadFile(dir_ + "/big.back")) << "downloaded bytes differ";
  ProgramResult head =
      Aws({"s3api", "head-object", "--bucket", bucket.substr(5), "--key", "big.bin"});
  ASSERT_EQ(head.exit_code, 0) << head.output;
  EXPECT_NE(head.output.find("-3\\\""), std::string::npos)
      << "a 20 MiB upload in 8 MiB parts has a 3-part ETag: " << head.output;

  // A small tree, synced up and back down.
  const std::string tree = dir_ + "/tree";
  fs::create_directories(tree + "/sub/deeper");
  std::map<std::string, std::string> files = {{"a.txt", "alpha\n"},
                                              {"sub/b.txt", "bravo\n"},
                                              {"sub/deeper/c.txt", "charlie\n"},
                                              {"with space & plus+.txt", "delta\n"},
                                              {"empty", ""}};
  for (const auto& [name, text] : files) std::ofstream(tree + "/" + name) << text;
  AWS_OK({"s3", "sync", "--no-progress", tree, bucket + "/tree/"});
  ProgramResult ls = Aws({"s3", "ls", "--recursive", bucket + "/tree/"});
  ASSERT_EQ(ls.exit_code, 0) << ls.output;
  for (const auto& [name, text] : files) {
    EXPECT_NE(ls.output.find("tree/" + name), std::string::npos) << name << "\n" << ls.output;
  }
  // A second sync uploads nothing.
  ProgramResult again = Aws({"s3", "sync", "--no-progress", tree, bucket + "/tree/"});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(again.output.find("upload:"), std::string::npos) << again.output;
  AWS_OK({"s3", "sync", "--no-progress", bucket + "/tree/", dir_ + "/tree.back"});
  for (const auto& [name, text] : files) {
    EXPECT_EQ(ReadFile(dir_ + "/tree.back/" + name), text) << name;
  }

  ProgramResult buckets = Aws({"s3", "ls"});
  ASSERT_EQ(buckets.exit_code, 0) << buckets.output;
  EXPECT_NE(buckets.output.find(bucket.substr(5)), std::string::npos) << buckets.output;
  ProgramResult top = Aws({"s3", "ls", bucket + "/"});
  ASSERT_EQ(top.exit_code, 0) << top.output;
  EXPECT_NE(top.output.find("PRE tree/"), std::string::npos) << top.output;
  EXPECT_NE(top.output.find("20971520 big.bin"), std::string::npos) << top.output;

  AWS_OK({"s3", "rm", "--recursive", bucket + "/tree/"});
  ProgramResult gone = Aws({"s3", "ls", "--recursive", bucket + "/tree/"});
  EXPECT_EQ(gone.output.find("tree/"), std::string::npos) << gone.output;

  AWS_OK({"s3", "rb", "--force", bucket});
  ProgramResult missing = Aws({"s3api", "head-bucket", "--bucket", bucket.substr(5)});
  EXPECT_NE(missing.exit_code, 0) << missing.output;
  EXPECT_NE(missing.output.find("404"), std::string::npos) << missing.output;
}

TEST_F(AwsCliTest, S3ApiObjectCalls) {
  const std::string bucket = "awscli-api-" + std::to_string(::getpid());
  AWS_OK({"s3api", "create-bucket", "--bucket", bucket});
  const std::string body = dir_ + "/body.txt";
  std::ofstream(body) << "payload for s3api\n";

  ProgramResult put = Aws({"s3api", "put-object", "--bucket", bucket, "--key", "dir/obj.txt",
                           "--body", body, "--content-type", "text/x-sos", "--metadata",
                           "colour=blue,mode=0644", "--cache-control", "max-age=60"});
  ASSERT_EQ(put.exit_code, 0) << put.output;
  auto put_json = nlohmann::json::parse(put.output, nullptr, false);
  ASSERT_FALSE(put_json.is_discarded()) << put.output;
  const std::string etag = put_json.value("ETag", "");
  EXPECT_EQ(etag.size(), 34u) << put.output;

  ProgramResult head = Aws({"s3api", "head-object", "--bucket", bucket, "--key", "dir/obj.txt"});
  ASSERT_EQ(head.exit_code, 0) << head.output;
  auto head_json = nlohmann::json::parse(head.output, nullptr, false);
  ASSERT_FALSE(head_json.is_discarded()) << head.output;
  EXPECT_EQ(head_json.value("ContentType", ""), "text/x-sos");
  EXPECT_EQ(head_json.value("CacheControl", ""), "max-age=60");
  EXPECT_EQ(head_json.value("ContentLength", 0), 18);
  EXPECT_EQ(head_json.value("ETag", ""), etag);
  EXPECT_EQ(head_json["Metadata"].value("colour", ""), "blue");
  EXPECT_EQ(head_json["Metadata"].value("mode", ""), "0644");

  ProgramResult get =
      Aws({"s3api", "get-object", "--bucket", bucket, "--key", "dir/obj.txt", dir_ + "/got.txt"});
  ASSERT_EQ(get.exit_code, 0) << get.output;
  EXPECT_EQ(ReadFile(dir_ + "/got.txt"), "payload for s3api\n");

  ProgramResult range = Aws({"s3api", "get-object", "--bucket", bucket, "--key", "dir/obj.txt",
                             "--range", "bytes=0-6", dir_ + "/range.txt"});
  ASSERT_EQ(range.exit_code, 0) << range.output;
  EXPECT_EQ(ReadFile(dir_ + "/range.txt"), "payload");

  ProgramResult copy = Aws({"s3api", "copy-object", "--bucket", bucket, "--key", "copy.txt",
                            "--copy-source", bucket + "/dir/obj.txt"});
  ASSERT_EQ(copy.exit_code, 0) << copy.output;
  EXPECT_NE(copy.output.find(etag.substr(1, 32)), std::string::npos) << copy.output;
  ProgramResult copied = Aws({"s3api", "head-object", "--bucket", bucket, "--key", "copy.txt"});
  ASSERT_EQ(copied.exit_code, 0) << copied.output;
  auto copied_json = nlohmann::json::parse(copied.output, nullptr, false);
  EXPECT_EQ(copied_json["Metadata"].value("colour", ""), "blue") << copied.output;

  ProgramResult replace =
      Aws({"s3api", "copy-object", "--bucket", bucket, "--key", "copy.txt", "--copy-source",
           bucket + "/copy.txt", "--metadata-directive", "REPLACE", "--metadata", "colour=red"});
  ASSERT_EQ(replace.exit_code, 0) << replace.output;
  ProgramResult replaced = Aws({"s3api", "head-object", "--bucket", bucket, "--key", "copy.txt"});
  auto replaced_json = nlohmann::json::parse(replaced.output, nullptr, false);
  EXPECT_EQ(replaced_json["Metadata"].value("colour", ""), "red") << replaced.output;

  ProgramResult missing = Aws({"s3api", "head-object", "--bucket", bucket, "--key", "nope"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("404"), std::string::npos) << missing.output;

  ProgramResult list = Aws({"s3api", "list-objects-v2", "--bucket", bucket});
  ASSERT_EQ(list.exit_code, 0) << list.output;
  auto list_json = nlohmann::json::parse(list.output, nullptr, false);
  ASSERT_FALSE(list_json.is_discarded()) << list.output;
  EXPECT_EQ(list_json["Contents"].size(), 2u) << list.output;

  AWS_OK({"s3api", "delete-object", "--bucket", bucket, "--key", "copy.txt"});
  AWS_OK({"s3", "rb", "--force", "s3://" + bucket});
}

TEST_F(AwsCliTest, S3ApiMultipartAndCopy) {
  const std::string bucket = "awscli-mp-" + std::to_string(::getpid());
  AWS_OK({"s3api", "create-bucket", "--bucket", bucket});
  const std::string part1 = dir_ + "/part1", part2 = dir_ + "/part2";
  WriteRandomFile(part1, 5 << 20, 31);  // every part but the last is >= 5 MiB
  WriteRandomFile(part2, 1000, 32);

  ProgramResult create =
      Aws({"s3api", "create-multipart-upload", "--bucket", bucket, "--key", "mp.bin"});
  ASSERT_EQ(create.exit_code, 0) << create.output;
  const std::string upload_id =
      nlohmann::json::parse(create.output, nullptr, false).value("UploadId", "");
  ASSERT_FALSE(upload_id.empty()) << create.output;

  nlohmann::json parts = nlohmann::json::array();
  int number = 1;
  for (const std::string& part : {part1, part2}) {
    ProgramResult up =
        Aws({"s3api", "upload-part", "--bucket", bucket, "--key", "mp.bin", "--upload-id",
             upload_id, "--part-number", std::to_string(number), "--body", part});
    ASSERT_EQ(up.exit_code, 0) << up.output;
    const std::string etag = nlohmann::json::parse(up.output, nullptr, false).value("ETag", "");
    ASSERT_FALSE(etag.empty()) << up.output;
    parts.push_back({{"ETag", etag}, {"PartNumber", number++}});
  }
  ProgramResult listed =
      Aws({"s3api", "list-parts", "--bucket", bucket, "--key", "mp.bin", "--upload-id", upload_id});
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_EQ(nlohmann::json::parse(listed.output, nullptr, false)["Parts"].size(), 2u)
      << listed.output;
  ProgramResult uploads = Aws({"s3api", "list-multipart-uploads", "--bucket", bucket});
  ASSERT_EQ(uploads.exit_code, 0) << uploads.output;
  EXPECT_NE(uploads.output.find(upload_id), std::string::npos) << uploads.output;

  const std::string layout = nlohmann::json{{"Parts", parts}}.dump();
  ProgramResult complete = Aws({"s3api", "complete-multipart-upload", "--bucket", bucket, "--key",
                                "mp.bin", "--upload-id", upload_id, "--multipart-upload", layout});
  ASSERT_EQ(complete.exit_code, 0) << complete.output;
  EXPECT_NE(complete.output.find("-2\\\""), std::string::npos) << complete.output;

  ProgramResult get =
      Aws({"s3api", "get-object", "--bucket", bucket, "--key", "mp.bin", dir_ + "/mp.back"});
  ASSERT_EQ(get.exit_code, 0) << get.output;
  EXPECT_TRUE(ReadFile(dir_ + "/mp.back") == ReadFile(part1) + ReadFile(part2))
      << "the completed object is the parts in order";

  // upload-part-copy: a new object from a range of the first and all of a copy.
  ProgramResult copy = Aws({"s3api", "copy-object", "--bucket", bucket, "--key", "mp-copy.bin",
                            "--copy-source", bucket + "/mp.bin"});
  ASSERT_EQ(copy.exit_code, 0) << copy.output;
  ProgramResult got_copy =
      Aws({"s3api", "get-object", "--bucket", bucket, "--key", "mp-copy.bin", dir_ + "/copy.back"});
  ASSERT_EQ(got_copy.exit_code, 0) << got_copy.output;
  EXPECT_TRUE(ReadFile(dir_ + "/copy.back") == ReadFile(dir_ + "/mp.back"));

  ProgramResult create2 =
      Aws({"s3api", "create-multipart-upload", "--bucket", bucket, "--key", "assembled.bin"});
  const std::string id2 =
      nlohmann::json::parse(create2.output, nullptr, false).value("UploadId", "");
  ASSERT_FALSE(id2.empty()) << create2.output;
  ProgramResult pc = Aws({"s3api", "upload-part-copy", "--bucket", bucket, "--key", "assembled.bin",
                          "--upload-id", id2, "--part-number", "1", "--copy-source",
                          bucket + "/mp.bin", "--copy-source-range", "bytes=0-5242879"});
  ASSERT_EQ(pc.exit_code, 0) << pc.output;
  const std::string pc_etag =
      nlohmann::json::parse(pc.output, nullptr, false)["CopyPartResult"].value("ETag", "");
  ASSERT_FALSE(pc_etag.empty()) << pc.output;
  ProgramResult p2 = Aws({"s3api", "upload-part", "--bucket", bucket, "--key", "assembled.bin",
                          "--upload-id", id2, "--part-number", "2", "--body", part2});
  ASSERT_EQ(p2.exit_code, 0) << p2.output;
  const std::string p2_etag = nlohmann::json::parse(p2.output, nullptr, false).value("ETag", "");
  const std::string layout2 = nlohmann::json{{"Parts",
                                              {{{"ETag", pc_etag}, {"PartNumber", 1}},
                                               {{"ETag", p2_etag}, {"PartNumber", 2}}}}}
                                  .dump();
  AWS_OK({"s3api", "complete-multipart-upload", "--bucket", bucket, "--key", "assembled.bin",
          "--upload-id", id2, "--multipart-upload", layout2});
  AWS_OK({"s3api", "get-object", "--bucket", bucket, "--key", "assembled.bin",
          dir_ + "/assembled.back"});
  EXPECT_TRUE(ReadFile(dir_ + "/assembled.back") == ReadFile(part1) + ReadFile(part2));

  // An aborted upload leaves nothing behind.
  ProgramResult create3 =
      Aws({"s3api", "create-multipart-upload", "--bucket", bucket, "--key", "aborted.bin"});
  const std::string id3 =
      nlohmann::json::parse(create3.output, nullptr, false).value("UploadId", "");
  ASSERT_FALSE(id3.empty()) << create3.output;
  AWS_OK({"s3api", "upload-part", "--bucket", bucket, "--key", "aborted.bin", "--upload-id", id3,
          "--part-number", "1", "--body", part2});
  AWS_OK({"s3api", "abort-multipart-upload", "--bucket", bucket, "--key", "aborted.bin",
          "--upload-id", id3});
  ProgramResult none = Aws({"s3api", "list-multipart-uploads", "--bucket", bucket});
  ASSERT_EQ(none.exit_code, 0) << none.output;
  EXPECT_EQ(none.output.find(id3), std::string::npos) << none.output;
  ProgramResult absent = Aws({"s3api", "head-object", "--bucket", bucket, "--key", "aborted.bin"});
  EXPECT_NE(absent.exit_code, 0) << absent.output;

  AWS_OK({"s3", "rb", "--force", "s3://" + bucket});
}

// What AWS does and clients rely on: a completion retried after its answer
// was lost gets the same answer, and `rb --force` removes a bucket whose
// multipart uploads were abandoned (the uploads go with it).
TEST_F(AwsCliTest, RetriedCompletionAndAbandonedUploads) {
  const std::string bucket = "awscli-aws-" + std::to_string(::getpid());
  AWS_OK({"s3api", "create-bucket", "--bucket", bucket});
  const std::string part = dir_ + "/part";
  WriteRandomFile(part, 1000, 41);
  auto upload = [&](const std::string& key) {
    ProgramResult create =
        Aws({"s3api", "create-multipart-upload", "--bucket", bucket, "--key", key});
    EXPECT_EQ(create.exit_code, 0) << create.output;
    return nlohmann::json::parse(create.output, nullptr, false).value("UploadId", "");
  };
  const std::string id = upload("done.bin");
  ASSERT_FALSE(id.empty());
  ProgramResult up = Aws({"s3api", "upload-part", "--bucket", bucket, "--key", "done.bin",
                          "--upload-id", id, "--part-number", "1", "--body", part});
  ASSERT_EQ(up.exit_code, 0) << up.output;
  const std::string layout =
      nlohmann::json{{"Parts",
                      {{{"ETag", nlohmann::json::parse(up.output, nullptr, false).value("ETag", "")},
                        {"PartNumber", 1}}}}}
          .dump();
  std::vector<std::string> complete = {"s3api", "complete-multipart-upload", "--bucket", bucket,
                                       "--key", "done.bin", "--upload-id", id,
                                       "--multipart-upload", layout};
  ProgramResult first = Aws(complete);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  ProgramResult retried = Aws(complete);
  ASSERT_EQ(retried.exit_code, 0) << retried.output;
  const std::string etag = nlohmann::json::parse(first.output, nullptr, false).value("ETag", "");
  EXPECT_FALSE(etag.empty());
  EXPECT_EQ(nlohmann::json::parse(retried.output, nullptr, false).value("ETag", ""), etag);
  AWS_OK({"s3api", "abort-multipart-upload", "--bucket", bucket, "--key", "gone.bin",
          "--upload-id", upload("gone.bin")});
  ProgramResult stale = Aws(
      {"s3api", "complete-multipart-upload", "--bucket", bucket, "--key", "other.bin",
       "--upload-id", id, "--multipart-upload", layout});  // another key: no such upload
  EXPECT_NE(stale.exit_code, 0);
  EXPECT_NE(stale.output.find("NoSuchUpload"), std::string::npos) << stale.output;

  ASSERT_FALSE(upload("abandoned.bin").empty());
  AWS_OK({"s3", "rb", "--force", "s3://" + bucket});
  ProgramResult gone = Aws({"s3api", "head-bucket", "--bucket", bucket});
  EXPECT_NE(gone.exit_code, 0) << gone.output;
}

// Object lock through the awscli (a sosd of its own: what a COMPLIANCE-free
// test leaves locked goes with it): a bucket made with object lock and a
// default GOVERNANCE retention, uploads with --content-md5, the old version
// kept by an overwrite and refused to delete-object until the bypass.
TEST_F(AwsCliTest, ObjectLockKeepsVersionsFromTheCli) {
  auto sosd = SosdProcess::Start({});
  ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
  auto aws = [&](std::vector<std::string> args) { return AwsAt(**sosd, std::move(args)); };
  ProgramResult made = aws({"s3api", "create-bucket", "--bucket", "vault",
                            "--object-lock-enabled-for-bucket"});
  ASSERT_EQ(made.exit_code, 0) << made.output;
  ProgramResult config = aws({"s3api", "put-object-lock-configuration", "--bucket", "vault",
                              "--object-lock-configuration",
                              R"({"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention":
                                  {"Mode": "GOVERNANCE", "Days": 1}}})"});
  ASSERT_EQ(config.exit_code, 0) << config.output;
  const std::string file = dir_ + "/chunk";
  WriteRandomFile(file, 4096, 61);
  std::ifstream in(file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto put = [&] {
    ProgramResult r = aws({"s3api", "put-object", "--bucket", "vault", "--key", "chunk", "--body",
                           file, "--content-md5", Base64Encode(Md5(bytes))});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return nlohmann::json::parse(r.output, nullptr, false).value("VersionId", "");
  };
  const std::string first = put();
  const std::string second = put();
  ASSERT_EQ(first.size(), 32u);
  ASSERT_NE(first, second);
  ProgramResult head = aws({"s3api", "head-object", "--bucket", "vault", "--key", "chunk",
                            "--version-id", first});
  EXPECT_NE(head.output.find("\"ObjectLockMode\": \"GOVERNANCE\""), std::string::npos)
      << head.output;
  ProgramResult refused = aws({"s3api", "delete-object", "--bucket", "vault", "--key", "chunk",
                               "--version-id", first});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("AccessDenied"), std::string::npos) << refused.output;
  ProgramResult versions = aws({"s3api", "list-object-versions", "--bucket", "vault"});
  EXPECT_EQ(nlohmann::json::parse(versions.output, nullptr, false)["Versions"].size(), 2u)
      << versions.output;
  ProgramResult bypassed = aws({"s3api", "delete-object", "--bucket", "vault", "--key", "chunk",
                                "--version-id", first, "--bypass-governance-retention"});
  EXPECT_EQ(bypassed.exit_code, 0) << bypassed.output;
  versions = aws({"s3api", "list-object-versions", "--bucket", "vault"});
  EXPECT_EQ(nlohmann::json::parse(versions.output, nullptr, false)["Versions"].size(), 1u)
      << versions.output;
}

// Bucket lifecycle rules through the awscli, applied by a sosd of its own
// that runs them every second: a rule dated in the past expires what is
// under its prefix, and nothing else.
TEST_F(AwsCliTest, LifecycleRulesExpireObjects) {
  SosdProcess::Options options;
  options.extra_args = {"--lifecycle-interval", "1s"};
  auto sosd = SosdProcess::Start(options);
  ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
  auto aws = [&](std::vector<std::string> args) { return AwsAt(**sosd, std::move(args)); };
  ASSERT_EQ(aws({"s3api", "create-bucket", "--bucket", "rules"}).exit_code, 0);
  const std::string file = dir_ + "/f";
  WriteRandomFile(file, 100, 51);
  for (const char* key : {"old/1", "old/2", "new/1"}) {
    ASSERT_EQ(aws({"s3api", "put-object", "--bucket", "rules", "--key", key, "--body", file})
                  .exit_code,
              0);
  }
  ProgramResult none = aws({"s3api", "get-bucket-lifecycle-configuration", "--bucket", "rules"});
  EXPECT_NE(none.output.find("NoSuchLifecycleConfiguration"), std::string::npos) << none.output;
  const std::string rules = R"({"Rules": [
      {"ID": "old", "Filter": {"Prefix": "old/"}, "Status": "Enabled",
       "Expiration": {"Date": "2020-01-01T00:00:00Z"}},
      {"ID": "stale-uploads", "Filter": {"Prefix": ""}, "Status": "Enabled",
       "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}]})";
  ProgramResult put = aws({"s3api", "put-bucket-lifecycle-configuration", "--bucket", "rules",
                           "--lifecycle-configuration", rules});
  ASSERT_EQ(put.exit_code, 0) << put.output;
  ProgramResult got = aws({"s3api", "get-bucket-lifecycle-configuration", "--bucket", "rules"});
  ASSERT_EQ(got.exit_code, 0) << got.output;
  nlohmann::json doc = nlohmann::json::parse(got.output, nullptr, false);
  ASSERT_EQ(doc["Rules"].size(), 2u) << got.output;
  EXPECT_EQ(doc["Rules"][1]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"], 7);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string listed;
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    listed = aws({"s3api", "list-objects-v2", "--bucket", "rules"}).output;
  } while (listed.find("old/") != std::string::npos && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(listed.find("old/"), std::string::npos) << listed;
  EXPECT_NE(listed.find("new/1"), std::string::npos) << listed;
  ProgramResult metrics = RunProgram({"/usr/bin/curl", "-s", (*sosd)->endpoint() + "/-/metrics"},
                                     {}, std::chrono::seconds(30));
  EXPECT_NE(metrics.output.find("sosd_lifecycle_actions_total{action=\"expired\"} 2"),
            std::string::npos)
      << metrics.output.substr(0, 2000);

  // A transition has nothing to move to; removing the rules stops them.
  ProgramResult transition = aws(
      {"s3api", "put-bucket-lifecycle-configuration", "--bucket", "rules",
       "--lifecycle-configuration",
       R"({"Rules": [{"Filter": {"Prefix": ""}, "Status": "Enabled",
           "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]}]})"});
  EXPECT_NE(transition.output.find("NotImplemented"), std::string::npos) << transition.output;
  ASSERT_EQ(aws({"s3api", "delete-bucket-lifecycle", "--bucket", "rules"}).exit_code, 0);
  none = aws({"s3api", "get-bucket-lifecycle-configuration", "--bucket", "rules"});
  EXPECT_NE(none.output.find("NoSuchLifecycleConfiguration"), std::string::npos) << none.output;
}

}  // namespace
}  // namespace sos::testing
