// The real sosctl binary against the real sosd (the shared daemon of
// sosd_environment.h): buckets, objects (bytes compared, multipart at 20 MiB),
// ACLs, pre-signed and public URLs fetched with curl, headers, organisations
// and keys, and the exit codes scripts rely on.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "tests/e2e/sosd_environment.h"

namespace sos::testing {
namespace {

namespace fs = std::filesystem;
constexpr const char* kCurl = "/usr/bin/curl";

struct Key {
  std::string access;
  std::string secret;
};

class SosctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "sosctl-e2e-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    root_ = {Sosd().access_key(), Sosd().secret_key()};
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // sosctl with exactly these settings: nothing from the developer's ~/.aws.
  ProgramResult Ctl(std::vector<std::string> args, const Key& key) {
    std::vector<std::string> argv = {SOSCTL_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> env = {
        "SOS_ENDPOINT=" + Sosd().endpoint(),
        "AWS_SHARED_CREDENTIALS_FILE=" + dir_ + "/no-credentials",
        "HOME=" + dir_,
        "PATH=/usr/bin:/bin",
    };
    if (!key.access.empty()) {
      env.push_back("AWS_ACCESS_KEY_ID=" + key.access);
      env.push_back("AWS_SECRET_ACCESS_KEY=" + key.secret);
    }
    return RunProgram(argv, env, std::chrono::seconds(120));
  }
  ProgramResult Ctl(std::vector<std::string> args) { return Ctl(std::move(args), root_); }

  // Another client (boto3) acting on `bucket`: `code` runs with `s3` a client
  // of root on sosd and `bucket` the bucket's name.
  ProgramResult Boto3(const std::string& bucket, const std::string& code) {
    return RunProgram(
        {"/usr/bin/python3", "-c",
         "import sys, boto3\n"
         "s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1',\n"
         "                  aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])\n"
         "bucket = sys.argv[4]\n" +
             code,
         Sosd().endpoint(), root_.access, root_.secret, bucket},
        {"PATH=/usr/bin:/bin", "HOME=" + dir_}, std::chrono::seconds(60));
  }

  // The JSON document of a --json run (stderr, if any, comes before it).
  static nlohmann::json Json(const ProgramResult& r) {
    size_t start = r.output.find('{');
    if (start == std::string::npos) return nullptr;
    return nlohmann::json::parse(r.output.substr(start), nullptr, false);
  }

  // curl: returns "<http code>", the body saved to `out` if given.
  ProgramResult Curl(std::vector<std::string> args) {
    std::vector<std::string> argv = {kCurl, "-sS", "-w", "%{http_code}"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProgram(argv, {"PATH=/usr/bin:/bin", "HOME=" + dir_}, std::chrono::seconds(60));
  }

  std::string RandomFile(const std::string& name, size_t size, uint64_t seed) {
    std::string path = dir_ + "/" + name;
    WriteRandomFile(path, size, seed);
    return path;
  }

  std::string WriteText(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  std::string NewBucket(const std::string& what) {
    std::string name = "ctl-" + what + "-" + std::to_string(::getpid());
    ProgramResult r = Ctl({"mb", name});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return name;
  }

  std::string dir_;
  Key root_;
};

#define CTL_OK(...)                          \
  do {                                       \
    ProgramResult r_ = Ctl(__VA_ARGS__);     \
    ASSERT_EQ(r_.exit_code, 0) << r_.output; \
  } while (0)

TEST_F(SosctlTest, BucketsObjectsAndBytes) {
  const std::string bucket = NewBucket("objects");
  ProgramResult ls = Ctl({"ls", "--json"});
  ASSERT_EQ(ls.exit_code, 0) << ls.output;
  bool listed = false;
  for (const auto& b : Json(ls).value("buckets", nlohmann::json::array()))
    listed |= b["name"] == bucket;
  EXPECT_TRUE(listed) << ls.output;

  const std::string small = WriteText("hello.txt", "hello, sos\n");
  const std::string big = RandomFile("big.bin", 20 << 20, 20);
  ProgramResult put_small = Ctl({"put", small, bucket + "/dir/"});
  ASSERT_EQ(put_small.exit_code, 0) << put_small.output;
  EXPECT_NE(put_small.output.find("uploaded"), std::string::npos) << put_small.output;
  EXPECT_EQ(put_small.output.find('\r'), std::string::npos) << "no progress bar off a terminal";
  ProgramResult put_big = Ctl({"put", big, "s3://" + bucket + "/dir/big.bin", "--json"});
  ASSERT_EQ(put_big.exit_code, 0) << put_big.output;
  EXPECT_EQ(Json(put_big)["parts"], 3) << "20 MiB goes as three 8 MiB parts";
  EXPECT_EQ(Json(put_big)["size"], 20 << 20);

  CTL_OK({"get", bucket + "/dir/big.bin", dir_ + "/big.back"});
  EXPECT_TRUE(ReadFile(dir_ + "/big.back") == ReadFile(big)) << "20 MiB differs after get";
  EXPECT_FALSE(fs::exists(dir_ + "/big.back.sosctl-part"));
  fs::create_directory(dir_ + "/down");
  CTL_OK({"get", bucket + "/dir/hello.txt", dir_ + "/down"});
  EXPECT_EQ(ReadFile(dir_ + "/down/hello.txt"), "hello, sos\n");
  ProgramResult to_stdout = Ctl({"get", bucket + "/dir/hello.txt", "-"});
  ASSERT_EQ(to_stdout.exit_code, 0);
  EXPECT_EQ(to_stdout.output, "hello, sos\n");

  ProgramResult top = Ctl({"ls", bucket, "--json"});
  ASSERT_EQ(top.exit_code, 0) << top.output;
  EXPECT_EQ(Json(top)["prefixes"], nlohmann::json::array({"dir/"})) << top.output;
  EXPECT_TRUE(Json(top)["objects"].empty());
  ProgramResult all = Ctl({"ls", "-r", bucket, "--json"});
  ASSERT_EQ(all.exit_code, 0) << all.output;
  auto objects = Json(all)["objects"];
  ASSERT_EQ(objects.size(), 2u) << all.output;
  EXPECT_EQ(objects[0]["key"], "dir/big.bin");
  EXPECT_EQ(objects[0]["size"], 20 << 20);
  EXPECT_EQ(objects[1]["key"], "dir/hello.txt");
  ProgramResult human = Ctl({"ls", bucket + "/dir/"});
  EXPECT_NE(human.output.find("20.0 MiB  dir/big.bin"), std::string::npos) << human.output;

  ProgramResult not_empty = Ctl({"rb", bucket});
  EXPECT_EQ(not_empty.exit_code, 1) << not_empty.output;
  EXPECT_NE(not_empty.output.find("BucketNotEmpty"), std::string::npos) << not_empty.output;
  CTL_OK({"rm", bucket + "/dir/hello.txt"});
  EXPECT_EQ(Ctl({"get", bucket + "/dir/hello.txt", dir_ + "/gone"}).exit_code, 3);
  EXPECT_FALSE(fs::exists(dir_ + "/gone")) << "a failed get leaves no file";
  CTL_OK({"rm", "-r", bucket + "/dir/"});
  CTL_OK({"rb", bucket});
  EXPECT_EQ(Ctl({"ls", bucket}).exit_code, 3);
}

TEST_F(SosctlTest, RemoveBucketForce) {
  const std::string bucket = NewBucket("force");
  const std::string f = WriteText("f", "x");
  for (const char* key : {"a", "b/c", "d/e/f"}) CTL_OK({"put", f, bucket + "/" + key});
  // An abandoned multipart upload, made by another client (boto3): it goes
  // with the bucket, as on S3 (--force also aborts uploads, for other servers).
  ProgramResult upload =
      Boto3(bucket, "s3.create_multipart_upload(Bucket=bucket, Key='abandoned')");
  ASSERT_EQ(upload.exit_code, 0) << upload.output;
  EXPECT_NE(Ctl({"rb", bucket}).exit_code, 0);  // not empty
  ProgramResult rb = Ctl({"rb", "--force", bucket, "--json"});
  ASSERT_EQ(rb.exit_code, 0) << rb.output;
  EXPECT_EQ(Json(rb)["objects_deleted"], 3);
  EXPECT_EQ(Ctl({"ls", bucket}).exit_code, 3);
}

TEST_F(SosctlTest, RemoveBucketForceRemovesOldVersionsAndDeleteMarkers) {
  const std::string bucket = NewBucket("versioned");
  ProgramResult versioning = Boto3(bucket,
                                   "s3.put_bucket_versioning(Bucket=bucket, "
                                   "VersioningConfiguration={'Status': 'Enabled'})");
  ASSERT_EQ(versioning.exit_code, 0) << versioning.output;
  const std::string f = WriteText("f", "x");
  // k: two versions; gone: one version and the delete marker that hides it.
  for (const char* key : {"k", "k", "gone"}) CTL_OK({"put", f, bucket + "/" + key});
  CTL_OK({"rm", bucket + "/gone"});
  EXPECT_NE(Ctl({"rb", bucket}).exit_code, 0);  // not empty
  ProgramResult rb = Ctl({"rb", "--force", bucket, "--json"});
  ASSERT_EQ(rb.exit_code, 0) << rb.output;
  EXPECT_EQ(Json(rb)["objects_deleted"], 1);   // k; deleting it leaves a marker too
  EXPECT_EQ(Json(rb)["versions_deleted"], 5);  // k's 2 versions and marker, gone's 1 and marker
  EXPECT_EQ(Ctl({"ls", bucket}).exit_code, 3);
}

TEST_F(SosctlTest, RemoveBucketForceStopsAtALockedVersion) {
  const std::string bucket = "ctl-locked-" + std::to_string(::getpid());
  ProgramResult made =
      Boto3(bucket,
            "s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)\n"
            "s3.put_object(Bucket=bucket, Key='held', Body=b'x')\n"
            "s3.put_object_legal_hold(Bucket=bucket, Key='held', LegalHold={'Status': 'ON'})");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  ProgramResult refused = Ctl({"rb", "--force", bucket});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("cannot delete held"), std::string::npos) << refused.output;
  EXPECT_EQ(Ctl({"ls", bucket}).exit_code, 0);  // the bucket is still there
  ProgramResult released = Boto3(
      bucket, "s3.put_object_legal_hold(Bucket=bucket, Key='held', LegalHold={'Status': 'OFF'})");
  ASSERT_EQ(released.exit_code, 0) << released.output;
  CTL_OK({"rb", "--force", bucket});
  EXPECT_EQ(Ctl({"ls", bucket}).exit_code, 3);
}

TEST_F(SosctlTest, ExitCodes) {
  ProgramResult missing = Ctl({"ls", "no-such-bucket-" + std::to_string(::getpid()), "--json"});
  EXPECT_EQ(missing.exit_code, 3) << missing.output;
  EXPECT_EQ(Json(missing)["error"]["code"], "NoSuchBucket") << missing.output;
  EXPECT_NE(missing.output.find("sosctl: error: NoSuchBucket"), std::string::npos);

  const std::string bucket = NewBucket("exit");
  EXPECT_EQ(Ctl({"get", bucket + "/nope", dir_ + "/x"}).exit_code, 3);
  EXPECT_EQ(Ctl({"rm", bucket + "/nope"}).exit_code, 3);

  ProgramResult denied = Ctl({"ls", bucket}, Key{root_.access, "wrong-secret"});
  EXPECT_EQ(denied.exit_code, 4) << denied.output;
  EXPECT_NE(denied.output.find("SignatureDoesNotMatch"), std::string::npos) << denied.output;
  EXPECT_EQ(Ctl({"ls"}, Key{"SOSUNKNOWNKEY0000000", "x"}).exit_code, 4);

  EXPECT_EQ(Ctl({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(Ctl({"ls", "--no-such-flag"}).exit_code, 2);
  EXPECT_EQ(Ctl({"get"}).exit_code, 2);
  EXPECT_EQ(Ctl({"presign", bucket + "/k", "--expires", "8d"}).exit_code, 2);
  EXPECT_EQ(Ctl({"presign", bucket + "/k", "--expires", "soon"}).exit_code, 2);
  EXPECT_EQ(Ctl({"presign", bucket + "/k", "--method", "post"}).exit_code, 2);
  EXPECT_EQ(Ctl({"acl", "set", bucket, "public"}).exit_code, 2);
  EXPECT_EQ(Ctl({"acl", "set", bucket, "private", "--read", "all-users"}).exit_code, 2);
  EXPECT_EQ(Ctl({"get", "http://x/y"}).exit_code, 2);
  ProgramResult no_creds = Ctl({"ls"}, Key{});
  EXPECT_EQ(no_creds.exit_code, 2) << no_creds.output;
  EXPECT_NE(no_creds.output.find("AWS_ACCESS_KEY_ID"), std::string::npos) << no_creds.output;
  ProgramResult help = Ctl({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("EXIT CODES"), std::string::npos) << help.output;
  CTL_OK({"rb", bucket});
}

TEST_F(SosctlTest, CredentialsFromProfileFile) {
  WriteText("credentials", "[other]\naws_access_key_id = " + root_.access +
                               "\naws_secret_access_key = " + root_.secret + "\n");
  std::vector<std::string> env = {"SOS_ENDPOINT=" + Sosd().endpoint(),
                                  "AWS_SHARED_CREDENTIALS_FILE=" + dir_ + "/credentials",
                                  "HOME=" + dir_, "PATH=/usr/bin:/bin"};
  ProgramResult r = RunProgram({SOSCTL_PATH, "--profile", "other", "ls", "--json"}, env);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(Json(r).contains("buckets")) << r.output;
  env.push_back("AWS_PROFILE=other");
  r = RunProgram({SOSCTL_PATH, "ls"}, env);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = RunProgram({SOSCTL_PATH, "--profile", "missing", "ls"}, env);
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST_F(SosctlTest, AclCannedAndPublicUrl) {
  const std::string bucket = NewBucket("acl");
  const std::string f = WriteText("page.html", "<p>public</p>");
  CTL_OK({"put", f, bucket + "/page.html"});

  ProgramResult url = Ctl({"public-url", bucket + "/page.html"});
  ASSERT_EQ(url.exit_code, 0) << url.output;
  std::string public_url = url.output.substr(0, url.output.find('\n'));
  EXPECT_EQ(public_url, Sosd().endpoint() + "/" + bucket + "/page.html");
  EXPECT_EQ(Curl({"-o", dir_ + "/anon", public_url}).output, "403") << "private by default";

  CTL_OK({"acl", "set", bucket + "/page.html", "public-read"});
  ProgramResult acl = Ctl({"acl", "get", bucket + "/page.html", "--json"});
  ASSERT_EQ(acl.exit_code, 0) << acl.output;
  bool all_read = false;
  for (const auto& g : Json(acl).value("grants", nlohmann::json::array())) {
    all_read |= g["grantee"] == "all-users" && g["permission"] == "READ";
  }
  EXPECT_TRUE(all_read) << acl.output;
  ProgramResult fetched = Curl({"-o", dir_ + "/anon", public_url});
  EXPECT_EQ(fetched.output, "200");
  EXPECT_EQ(ReadFile(dir_ + "/anon"), "<p>public</p>");

  ProgramResult human = Ctl({"acl", "get", bucket + "/page.html"});
  EXPECT_NE(human.output.find("all-users"), std::string::npos) << human.output;
  EXPECT_NE(human.output.find("FULL_CONTROL"), std::string::npos) << human.output;

  ProgramResult prw = Ctl({"acl", "set", bucket, "public-read-write"});
  EXPECT_EQ(prw.exit_code, 0) << prw.output;
  EXPECT_NE(prw.output.find("not recommended: anyone can overwrite and delete"), std::string::npos)
      << prw.output;
  CTL_OK({"acl", "set", bucket, "private"});

  CTL_OK({"acl", "set", bucket + "/page.html", "private"});
  EXPECT_EQ(Curl({"-o", dir_ + "/anon", public_url}).output, "403");

  // -r: every object under the prefix.
  for (const char* key : {"site/a", "site/b/c"}) CTL_OK({"put", f, bucket + "/" + key});
  ProgramResult rec = Ctl({"acl", "set", "-r", bucket + "/site/", "public-read", "--json"});
  ASSERT_EQ(rec.exit_code, 0) << rec.output;
  EXPECT_EQ(Json(rec)["keys"].size(), 2u) << rec.output;
  EXPECT_EQ(Curl({"-o", dir_ + "/anon", Sosd().endpoint() + "/" + bucket + "/site/b/c"}).output,
            "200");
  EXPECT_EQ(Curl({"-o", dir_ + "/anon", public_url}).output, "403") << "outside the prefix";
  CTL_OK({"rb", "--force", bucket});
}

TEST_F(SosctlTest, AclGrants) {
  const std::string bucket = NewBucket("grants");
  const std::string f = WriteText("g.txt", "granted");
  CTL_OK({"put", f, bucket + "/g.txt"});
  ProgramResult set = Ctl({"acl", "set", bucket + "/g.txt", "--read", "all-users", "--read-acp",
                           "authenticated-users"});
  ASSERT_EQ(set.exit_code, 0) << set.output;
  ProgramResult acl = Ctl({"acl", "get", bucket + "/g.txt", "--json"});
  ASSERT_EQ(acl.exit_code, 0) << acl.output;
  std::set<std::string> grants;
  for (const auto& g : Json(acl).value("grants", nlohmann::json::array())) {
    grants.insert(g["grantee"].get<std::string>() + ":" + g["permission"].get<std::string>());
  }
  EXPECT_TRUE(grants.count("all-users:READ")) << acl.output;
  EXPECT_TRUE(grants.count("authenticated-users:READ_ACP")) << acl.output;
  EXPECT_EQ(grants.size(), 3u) << "owner FULL_CONTROL plus the two grants: " << acl.output;
  ProgramResult fetched = Curl({"-o", dir_ + "/anon", Sosd().endpoint() + "/" + bucket + "/g.txt"});
  EXPECT_EQ(fetched.output, "200");
  EXPECT_EQ(ReadFile(dir_ + "/anon"), "granted");
  CTL_OK({"rb", "--force", bucket});
}

TEST_F(SosctlTest, PresignGetAndPut) {
  const std::string bucket = NewBucket("presign");
  const std::string f = RandomFile("obj.bin", 100000, 7);
  CTL_OK({"put", f, bucket + "/obj.bin"});

  ProgramResult get = Ctl({"presign", bucket + "/obj.bin", "--expires", "15m", "--json"});
  ASSERT_EQ(get.exit_code, 0) << get.output;
  EXPECT_EQ(Json(get)["expires_seconds"], 900);
  std::string url = Json(get)["url"];
  ProgramResult fetched = Curl({"-o", dir_ + "/fetched", url});
  EXPECT_EQ(fetched.output, "200");
  EXPECT_TRUE(ReadFile(dir_ + "/fetched") == ReadFile(f)) << "presigned GET bytes differ";

  const std::string upload = RandomFile("up.bin", 300000, 8);
  ProgramResult put = Ctl({"presign", bucket + "/up.bin", "--method", "put", "--expires", "2h"});
  ASSERT_EQ(put.exit_code, 0) << put.output;
  std::string put_url = put.output.substr(0, put.output.find('\n'));
  EXPECT_EQ(Curl({"-o", dir_ + "/put-answer", "-T", upload, put_url}).output, "200");
  CTL_OK({"get", bucket + "/up.bin", dir_ + "/up.back"});
  EXPECT_TRUE(ReadFile(dir_ + "/up.back") == ReadFile(upload)) << "presigned PUT bytes differ";
  // A GET URL does not allow a PUT.
  EXPECT_EQ(Curl({"-o", dir_ + "/x", "-T", upload, url}).output, "403");
  CTL_OK({"rb", "--force", bucket});
}

TEST_F(SosctlTest, PresignOnceWorksOnce) {
  const std::string bucket = NewBucket("once");
  const std::string f = WriteText("once.txt", "only once");
  CTL_OK({"put", f, bucket + "/once.txt"});
  ProgramResult once = Ctl({"presign", bucket + "/once.txt", "--once", "--json"});
  ASSERT_EQ(once.exit_code, 0) << once.output;
  std::string url = Json(once)["url"];
  EXPECT_NE(url.find("X-Sos-Once="), std::string::npos) << url;
  EXPECT_EQ(Curl({"-o", dir_ + "/first", url}).output, "200");
  EXPECT_EQ(ReadFile(dir_ + "/first"), "only once");
  EXPECT_EQ(Curl({"-o", dir_ + "/second", url}).output, "403") << "a single-use URL was reused";
  CTL_OK({"rb", "--force", bucket});
}

TEST_F(SosctlTest, HeadersChangeByCopyKeepingBytesMetadataAndAcl) {
  const std::string bucket = NewBucket("headers");
  const std::string f = RandomFile("data.bin", 50000, 9);
  CTL_OK({"put", f, bucket + "/data.bin", "--meta", "color=blue", "--content-type",
          "application/octet-stream"});
  CTL_OK({"acl", "set", bucket + "/data.bin", "public-read"});
  ProgramResult changed =
      Ctl({"headers", bucket + "/data.bin", "--content-type", "application/x-sos-test",
           "--cache-control", "max-age=60", "--json"});
  ASSERT_EQ(changed.exit_code, 0) << changed.output;
  auto doc = Json(changed);
  EXPECT_EQ(doc["content_type"], "application/x-sos-test") << changed.output;
  EXPECT_EQ(doc["cache_control"], "max-age=60");
  EXPECT_EQ(doc["metadata"]["color"], "blue") << "user metadata kept";
  EXPECT_EQ(doc["size"], 50000);

  ProgramResult shown = Ctl({"headers", bucket + "/data.bin"});
  EXPECT_NE(shown.output.find("application/x-sos-test"), std::string::npos) << shown.output;
  CTL_OK({"get", bucket + "/data.bin", dir_ + "/data.back"});
  EXPECT_TRUE(ReadFile(dir_ + "/data.back") == ReadFile(f)) << "bytes changed by headers";
  // The headers reach HTTP clients, and the public ACL survived the copy.
  ProgramResult head = Curl(
      {"-o", "/dev/null", "-D", dir_ + "/headers", Sosd().endpoint() + "/" + bucket + "/data.bin"});
  EXPECT_EQ(head.output, "200");
  std::string headers = ReadFile(dir_ + "/headers");
  EXPECT_NE(headers.find("application/x-sos-test"), std::string::npos) << headers;
  EXPECT_NE(headers.find("max-age=60"), std::string::npos) << headers;
  EXPECT_NE(headers.find("blue"), std::string::npos) << headers;
  CTL_OK({"rb", "--force", bucket});
}

TEST_F(SosctlTest, OrganisationsAndKeys) {
  const std::string org = "acme" + std::to_string(::getpid());
  ProgramResult created = Ctl({"org", "create", org, "--json"});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  auto doc = Json(created);
  ASSERT_TRUE(doc.is_object()) << created.output;
  const std::string id = doc.value("id", "");
  EXPECT_EQ(id.size(), 64u) << created.output;
  Key acme{doc.value("access_key_id", ""), doc.value("secret_access_key", "")};
  ASSERT_FALSE(acme.access.empty()) << created.output;
  ASSERT_FALSE(acme.secret.empty()) << created.output;
  EXPECT_EQ(Ctl({"org", "create", org}).exit_code, 1) << "the name is taken";

  ProgramResult list = Ctl({"org", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.output;
  bool listed = false;
  for (const auto& o : Json(list).value("orgs", nlohmann::json::array()))
    listed |= o["name"] == org && o["id"] == id;
  EXPECT_TRUE(listed) << list.output;

  // The new organisation works with its key, and only the root may administer.
  ProgramResult own = Ctl({"ls", "--json"}, acme);
  ASSERT_EQ(own.exit_code, 0) << own.output;
  EXPECT_TRUE(Json(own)["buckets"].empty()) << own.output;
  EXPECT_EQ(Ctl({"org", "list"}, acme).exit_code, 4);

  // Root's private object: denied to acme until granted by name.
  const std::string bucket = NewBucket("orgs");
  const std::string f = WriteText("shared.txt", "for acme");
  CTL_OK({"put", f, bucket + "/shared.txt"});
  EXPECT_EQ(Ctl({"get", bucket + "/shared.txt", dir_ + "/denied"}, acme).exit_code, 4);
  CTL_OK({"acl", "set", bucket + "/shared.txt", "--read", org});
  ProgramResult acl = Ctl({"acl", "get", bucket + "/shared.txt", "--json"});
  bool granted = false;
  for (const auto& g : Json(acl).value("grants", nlohmann::json::array()))
    granted |= g["grantee"] == id && g["permission"] == "READ";
  EXPECT_TRUE(granted) << acl.output;
  ProgramResult got = Ctl({"get", bucket + "/shared.txt", dir_ + "/shared"}, acme);
  ASSERT_EQ(got.exit_code, 0) << got.output;
  EXPECT_EQ(ReadFile(dir_ + "/shared"), "for acme");
  EXPECT_EQ(Ctl({"acl", "set", bucket + "/shared.txt", "--read", "no-such-org-x"}).exit_code, 3);

  // A second key, listed without its secret, then revoked.
  ProgramResult key = Ctl({"key", "create", org, "--json"});
  ASSERT_EQ(key.exit_code, 0) << key.output;
  Key second{Json(key).value("access_key_id", ""), Json(key).value("secret_access_key", "")};
  EXPECT_EQ(Json(key).value("org_id", ""), id);
  CTL_OK({"ls"}, second);
  ProgramResult keys = Ctl({"key", "list", org, "--json"});
  ASSERT_EQ(keys.exit_code, 0) << keys.output;
  std::set<std::string> ids;
  for (const auto& k : Json(keys).value("keys", nlohmann::json::array()))
    ids.insert(k.value("access_key_id", ""));
  EXPECT_TRUE(ids.count(acme.access) && ids.count(second.access)) << keys.output;
  EXPECT_EQ(keys.output.find(second.secret), std::string::npos) << "secrets are never listed";
  CTL_OK({"key", "revoke", second.access});
  EXPECT_EQ(Ctl({"ls"}, second).exit_code, 4) << "a revoked key still works";
  EXPECT_EQ(Ctl({"key", "revoke", second.access}).exit_code, 3);

  // An organisation that owns a bucket cannot be removed.
  CTL_OK({"mb", "acme-bucket-" + std::to_string(::getpid())}, acme);
  EXPECT_EQ(Ctl({"org", "rm", org}).exit_code, 1);
  CTL_OK({"rb", "acme-bucket-" + std::to_string(::getpid())}, acme);
  CTL_OK({"org", "rm", org});
  EXPECT_EQ(Ctl({"org", "rm", org}).exit_code, 3);
  EXPECT_EQ(Ctl({"ls"}, acme).exit_code, 4) << "keys of a removed organisation still work";
  CTL_OK({"rb", "--force", bucket});
}

}  // namespace
}  // namespace sos::testing
