// A pre-signed URL grants exactly what was signed. The attack this guards
// against: the holder of `sosctl presign B/K --method put` adds
// x-amz-copy-source (a private object its signer can read) and x-amz-acl:
// public-read, and sosd copied and published the object. Every x-amz-* header
// the URL does not sign is now refused -- URLs made by sosctl and by boto3
// (SigV4) and by s3cmd (SigV2), fetched with the curl command line -- and a
// header signed on purpose (`sosctl presign --acl`, `--header`) is honoured.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/e2e/sosd_environment.h"

namespace sos::testing {
namespace {

namespace fs = std::filesystem;
constexpr const char* kCurl = "/usr/bin/curl";
constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kS3cmd = "/usr/bin/s3cmd";
const std::string kSecret = "the signer's private data\n";
const std::string kPublic = "what the URL is for\n";

constexpr const char* kBoto3Presign = R"(
import sys, boto3
from botocore.config import Config
op, bucket, key, endpoint = sys.argv[1:5]
s3 = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1',
                  config=Config(signature_version='s3v4', s3={'addressing_style': 'path'}))
print(s3.generate_presigned_url(op, Params={'Bucket': bucket, 'Key': key}, ExpiresIn=600))
)";

// Headers that could change what a request does, each with a value that
// would do harm if honoured.
struct Injection {
  std::string name;
  std::string value;
};

class PresignHeadersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {kCurl, kPython, kS3cmd}) {
      ASSERT_EQ(::access(tool, X_OK), 0) << tool << " is not installed";
    }
    std::string tmpl = (fs::temp_directory_path() / "sos-presign-headers-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    const std::string suffix = std::to_string(::getpid());
    private_bucket_ = "ph-private-" + suffix;
    drop_bucket_ = "ph-drop-" + suffix;
    ASSERT_EQ(Ctl({"mb", private_bucket_}).exit_code, 0);
    ASSERT_EQ(Ctl({"mb", drop_bucket_}).exit_code, 0);
    std::ofstream(dir_ + "/secret.txt") << kSecret;
    std::ofstream(dir_ + "/public.txt") << kPublic;
    ASSERT_EQ(Ctl({"put", dir_ + "/secret.txt", private_bucket_ + "/secret.txt"}).exit_code, 0);
    ASSERT_EQ(Ctl({"put", dir_ + "/public.txt", drop_bucket_ + "/shared.txt"}).exit_code, 0);
    injections_ = {{"x-amz-copy-source", "/" + private_bucket_ + "/secret.txt"},
                   {"x-amz-acl", "public-read"},
                   {"x-amz-grant-read", "uri=\"http://acs.amazonaws.com/groups/global/AllUsers\""},
                   {"x-amz-grant-full-control",
                    "uri=\"http://acs.amazonaws.com/groups/global/AllUsers\""},
                   {"x-amz-metadata-directive", "REPLACE"},
                   {"x-amz-meta-planted", "by the URL holder"}};
  }
  void TearDown() override {
    Ctl({"rb", "--force", private_bucket_});
    Ctl({"rb", "--force", drop_bucket_});
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::vector<std::string> Env() const {
    return {"SOS_ENDPOINT=" + Sosd().endpoint(),
            "AWS_ACCESS_KEY_ID=" + Sosd().access_key(),
            "AWS_SECRET_ACCESS_KEY=" + Sosd().secret_key(),
            "AWS_SHARED_CREDENTIALS_FILE=" + dir_ + "/no-credentials",
            "AWS_CONFIG_FILE=" + dir_ + "/no-config",
            "AWS_DEFAULT_REGION=us-east-1",
            "AWS_EC2_METADATA_DISABLED=true",
            "HOME=" + dir_,
            "PATH=/usr/bin:/bin"};
  }
  ProgramResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), SOSCTL_PATH);
    return RunProgram(args, Env(), std::chrono::seconds(60));
  }
  std::string CtlPresign(const std::string& path, const std::string& method,
                         std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"presign", path, "--method", method, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    ProgramResult r = Ctl(args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    auto doc = nlohmann::json::parse(r.output.substr(std::min(r.output.find('{'), r.output.size())),
                                     nullptr, false);
    return doc.is_object() ? doc.value("url", "") : "";
  }
  std::string Boto3Presign(const std::string& op, const std::string& bucket,
                           const std::string& key) {
    ProgramResult r =
        RunProgram({kPython, "-c", kBoto3Presign, op, bucket, key, Sosd().endpoint()}, Env());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::string out = r.output;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
  }

  // curl -X METHOD URL with extra -H headers: {status, body}.
  std::pair<std::string, std::string> Curl(const std::string& method, const std::string& url,
                                           const std::vector<Injection>& headers,
                                           const std::string& upload = "") {
    std::vector<std::string> argv = {kCurl, "-sS", "-o", dir_ + "/body", "-w", "%{http_code}",
                                     "-X", method};
    if (method == "HEAD") argv = {kCurl, "-sS", "-I", "-o", dir_ + "/body", "-w", "%{http_code}"};
    for (const auto& h : headers) argv.insert(argv.end(), {"-H", h.name + ": " + h.value});
    if (!upload.empty()) argv.insert(argv.end(), {"--data-binary", "@" + upload});
    argv.push_back(url);
    fs::remove(dir_ + "/body");
    ProgramResult r = RunProgram(argv, {"PATH=/usr/bin:/bin", "HOME=" + dir_});
    return {r.output, ReadFile(dir_ + "/body")};
  }
  std::string Anonymous(const std::string& bucket, const std::string& key) {
    return Curl("GET", Sosd().endpoint() + "/" + bucket + "/" + key, {}).first;
  }
  // The owner's view of an object: bytes, or "<absent>".
  std::string Stored(const std::string& bucket, const std::string& key) {
    ProgramResult r = Ctl({"get", bucket + "/" + key, dir_ + "/stored"});
    if (r.exit_code != 0) return "<absent>";
    return ReadFile(dir_ + "/stored");
  }

  // Each injected header, alone, is refused with AccessDenied naming it, and
  // changes nothing: no copy, no publication, the object as it was.
  void ExpectEveryInjectionRefused(const std::string& tool, const std::string& method,
                                   const std::string& url, const std::string& key) {
    const std::string before = Stored(drop_bucket_, key);
    for (const Injection& injection : injections_) {
      SCOPED_TRACE(tool + " " + method + " + " + injection.name);
      auto [status, body] = Curl(method, url, {injection}, method == "PUT" ? dir_ + "/public.txt" : "");
      EXPECT_EQ(status, "403") << body;
      if (method != "HEAD") {
        EXPECT_NE(body.find("<Code>AccessDenied</Code>"), std::string::npos) << body;
        EXPECT_NE(body.find(injection.name), std::string::npos) << "names the header: " << body;
      }
      EXPECT_EQ(Stored(drop_bucket_, key), before);
      EXPECT_NE(Anonymous(drop_bucket_, key), "200") << "the object became public";
    }
    // Without injections the same URL still does its job.
    auto [status, body] = Curl(method, url, {}, method == "PUT" ? dir_ + "/public.txt" : "");
    EXPECT_EQ(status, method == "DELETE" ? "204" : "200") << body;
  }

  std::string dir_;
  std::string private_bucket_;
  std::string drop_bucket_;
  std::vector<Injection> injections_;
};

TEST_F(PresignHeadersTest, PresignedPutCannotCopyAndPublishAPrivateObject) {
  const std::string url = CtlPresign(drop_bucket_ + "/upload.txt", "put");
  ASSERT_FALSE(url.empty());
  auto [status, body] = Curl("PUT", url,
                             {{"x-amz-copy-source", "/" + private_bucket_ + "/secret.txt"},
                              {"x-amz-acl", "public-read"}});
  EXPECT_EQ(status, "403") << body;
  EXPECT_NE(body.find("x-amz-copy-source, x-amz-acl"), std::string::npos) << body;
  EXPECT_EQ(body.find("CopyObjectResult"), std::string::npos) << body;
  EXPECT_EQ(Stored(drop_bucket_, "upload.txt"), "<absent>");
  EXPECT_NE(Anonymous(drop_bucket_, "upload.txt"), "200");
  EXPECT_EQ(Stored(private_bucket_, "secret.txt"), kSecret);
}

TEST_F(PresignHeadersTest, SosctlUrlsRefuseEveryUnsignedHeader) {
  ExpectEveryInjectionRefused("sosctl", "PUT", CtlPresign(drop_bucket_ + "/shared.txt", "put"),
                              "shared.txt");
  ExpectEveryInjectionRefused("sosctl", "GET", CtlPresign(drop_bucket_ + "/shared.txt", "get"),
                              "shared.txt");
  ExpectEveryInjectionRefused("sosctl", "HEAD", CtlPresign(drop_bucket_ + "/shared.txt", "head"),
                              "shared.txt");
  ExpectEveryInjectionRefused("sosctl", "DELETE",
                              CtlPresign(drop_bucket_ + "/shared.txt", "delete"), "shared.txt");
  EXPECT_EQ(Stored(drop_bucket_, "shared.txt"), "<absent>") << "the clean DELETE went through";
}

TEST_F(PresignHeadersTest, Boto3UrlsRefuseEveryUnsignedHeader) {
  ExpectEveryInjectionRefused("boto3", "PUT",
                              Boto3Presign("put_object", drop_bucket_, "shared.txt"), "shared.txt");
  ExpectEveryInjectionRefused("boto3", "GET",
                              Boto3Presign("get_object", drop_bucket_, "shared.txt"), "shared.txt");
  ExpectEveryInjectionRefused("boto3", "DELETE",
                              Boto3Presign("delete_object", drop_bucket_, "shared.txt"),
                              "shared.txt");
}

// SigV2 signs every x-amz-* header the request carries, so an added one
// breaks the signature.
TEST_F(PresignHeadersTest, SigV2UrlsRefuseAddedHeaders) {
  const std::string host = "127.0.0.1:" + std::to_string(Sosd().port());
  std::ofstream(dir_ + "/s3cfg") << "[default]\naccess_key = " << Sosd().access_key()
                                 << "\nsecret_key = " << Sosd().secret_key()
                                 << "\nhost_base = " << host << "\nhost_bucket = " << host
                                 << "\nuse_https = False\nbucket_location = us-east-1\n";
  ProgramResult r = RunProgram({kS3cmd, "-c", dir_ + "/s3cfg", "signurl",
                                "s3://" + drop_bucket_ + "/shared.txt", "+600"},
                               {"HOME=" + dir_, "PATH=/usr/bin:/bin"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string url = r.output.substr(0, r.output.find('\n'));
  ASSERT_NE(url.find("AWSAccessKeyId="), std::string::npos) << url;
  EXPECT_EQ(Curl("GET", url, {}).first, "200");
  for (const Injection& injection : injections_) {
    auto [status, body] = Curl("GET", url, {injection});
    EXPECT_EQ(status, "403") << injection.name << ": " << body;
    EXPECT_EQ(body.find(kPublic), std::string::npos) << injection.name;
  }
}

// Signing a header on purpose still works: the URL then needs it, exactly.
TEST_F(PresignHeadersTest, HeadersSignedOnPurposeAreHonoured) {
  const std::string url = CtlPresign(drop_bucket_ + "/published.txt", "put",
                                     {"--acl", "public-read", "--header", "x-amz-meta-origin:url"});
  ASSERT_FALSE(url.empty());
  const std::string upload = dir_ + "/public.txt";
  EXPECT_EQ(Curl("PUT", url, {}, upload).first, "403") << "the signed headers are required";
  EXPECT_EQ(Curl("PUT", url, {{"x-amz-acl", "public-read-write"}, {"x-amz-meta-origin", "url"}},
                 upload)
                .first,
            "403")
      << "a signed header's value cannot change";
  auto [status, body] =
      Curl("PUT", url, {{"x-amz-acl", "public-read"}, {"x-amz-meta-origin", "url"}}, upload);
  ASSERT_EQ(status, "200") << body;
  EXPECT_EQ(Anonymous(drop_bucket_, "published.txt"), "200");
  EXPECT_EQ(ReadFile(dir_ + "/body"), kPublic);

  // Text mode prints the URL alone on stdout and names the headers on stderr.
  ProgramResult text = Ctl({"presign", drop_bucket_ + "/x", "--method", "put", "--acl",
                            "public-read"});
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("x-amz-acl: public-read"), std::string::npos) << text.output;
  EXPECT_EQ(Ctl({"presign", drop_bucket_ + "/x", "--header", "no colon"}).exit_code, 2);
  EXPECT_EQ(Ctl({"presign", drop_bucket_ + "/x", "--acl", "world-writable"}).exit_code, 2);
}

}  // namespace
}  // namespace sos::testing
