// Pre-signed URLs made by the real tools -- aws s3 presign (SigV2 by default,
// SigV4 with signature_version = s3v4), boto3's generate_presigned_url (GET
// and PUT), s3cmd signurl (SigV2) -- and by s3core (HEAD, DELETE, X-Sos-Once),
// fetched with curl: valid, expired, every query parameter tampered, the
// wrong method; single-use URLs under 20 concurrent fetches; public objects
// as a CDN origin for anonymous clients.
#include <gtest/gtest.h>
#include <unistd.h>

#include <barrier>
#include <filesystem>
#include <fstream>
#include <thread>

#include "s3core/sigv4.h"
#include "s3core/time_format.h"
#include "s3core/uri.h"
#include "s3core/xml_codec.h"
#include "tests/e2e/acl_e2e_util.h"

namespace sos::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kAws = "/usr/bin/aws";
constexpr const char* kS3cmd = "/usr/bin/s3cmd";
constexpr const char* kPython = "/usr/bin/python3";
const std::string kContent = "pre-signed content\n";

constexpr const char* kBoto3Script = R"(
import sys, boto3
from botocore.config import Config
bucket, key, op, expires = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
s3 = boto3.client('s3', endpoint_url=sys.argv[5], region_name='us-east-1',
                  config=Config(signature_version='s3v4', s3={'addressing_style': 'path'}))
print(s3.generate_presigned_url(op, Params={'Bucket': bucket, 'Key': key}, ExpiresIn=expires))
)";

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  size_t nl = s.rfind('\n');  // tools may warn on earlier lines
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

// The URL with the value of query parameter `name` altered: its first
// letter or digit replaced by another one of the same kind (hex stays hex).
std::string Tamper(const std::string& url, const std::string& name) {
  size_t start = url.find("?" + name + "=");
  if (start == std::string::npos) start = url.find("&" + name + "=");
  if (start == std::string::npos) return url;
  size_t i = start + name.size() + 2;
  for (; i < url.size() && url[i] != '&'; ++i) {
    std::string out = url;
    const char o = url[i];
    if (o >= '0' && o <= '9') {
      out[i] = o == '9' ? '1' : static_cast<char>(o + 1);
    } else if (o >= 'a' && o <= 'f') {  // a hex digit stays one (signatures are hex)
      out[i] = o == 'f' ? 'a' : static_cast<char>(o + 1);
    } else if (o >= 'g' && o <= 'z') {
      out[i] = o == 'z' ? 'g' : static_cast<char>(o + 1);
    } else if (o >= 'A' && o <= 'Z') {
      out[i] = o == 'Z' ? 'B' : static_cast<char>(o + 1);
    } else {
      continue;
    }
    return out;
  }
  return url;
}

// Query parameter names of a URL, in order.
std::vector<std::string> QueryNames(const std::string& url) {
  std::vector<std::string> names;
  auto query = ParseQuery(url.substr(url.find('?') + 1));
  if (query) {
    for (const auto& [name, value] : *query) names.push_back(name);
  }
  return names;
}

class PresignTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    org_ = new Principal(CreateOrg(Unique("presigner")));
    bucket_ = new std::string(Unique("presign"));
    std::string tmpl = (fs::temp_directory_path() / "sosd-acl-presign-XXXXXX").string();
    dir_ = new std::string(::mkdtemp(tmpl.data()) ? tmpl : "");
    Send(*org_, "PUT", *bucket_, "");
    // Configuration files of the tools: only these, nothing from ~.
    std::ofstream(*dir_ + "/aws-config") << "[default]\nregion = us-east-1\n";
    std::ofstream(*dir_ + "/aws-config-v4")
        << "[default]\nregion = us-east-1\ns3 =\n  signature_version = s3v4\n";
    const std::string host = "127.0.0.1:" + std::to_string(Sosd().port());
    std::ofstream(*dir_ + "/s3cfg")
        << "[default]\naccess_key = " << org_->access_key << "\nsecret_key = " << org_->secret_key
        << "\nhost_base = " << host << "\nhost_bucket = " << host
        << "\nuse_https = False\nbucket_location = us-east-1\n";
  }
  static void TearDownTestSuite() {
    if (!dir_->empty()) fs::remove_all(*dir_);
    delete org_;
    delete bucket_;
    delete dir_;
  }
  void SetUp() override {
    for (const char* tool : {kAws, kS3cmd, kPython, "/usr/bin/curl"}) {
      ASSERT_EQ(::access(tool, X_OK), 0) << tool << " is not installed";
    }
    ASSERT_TRUE(org_->client);
    ASSERT_EQ(
        Send(*org_, "PUT", *bucket_, "doc.txt", {}, {{"content-type", "text/plain"}}, kContent)
            .status,
        200);
  }

  std::vector<std::string> ToolEnv(const std::string& config) {
    return {"AWS_ACCESS_KEY_ID=" + org_->access_key,
            "AWS_SECRET_ACCESS_KEY=" + org_->secret_key,
            "AWS_CONFIG_FILE=" + *dir_ + "/" + config,
            "AWS_SHARED_CREDENTIALS_FILE=" + *dir_ + "/no-credentials",
            "AWS_EC2_METADATA_DISABLED=true",
            "HOME=" + *dir_,
            "PATH=/usr/bin:/bin"};
  }
  std::string AwsPresign(const std::string& key, int expires, bool v4) {
    ProgramResult r =
        RunProgram({kAws, "--endpoint-url", Sosd().endpoint(), "s3", "presign",
                    "s3://" + *bucket_ + "/" + key, "--expires-in", std::to_string(expires)},
                   ToolEnv(v4 ? "aws-config-v4" : "aws-config"));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return Trim(r.output);
  }
  std::string Boto3Presign(const std::string& op, const std::string& key, int expires) {
    ProgramResult r = RunProgram({kPython, "-c", kBoto3Script, *bucket_, key, op,
                                  std::to_string(expires), Sosd().endpoint()},
                                 ToolEnv("aws-config"));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return Trim(r.output);
  }
  std::string S3cmdSignurl(const std::string& key, const std::string& expiry) {
    ProgramResult r = RunProgram(
        {kS3cmd, "-c", *dir_ + "/s3cfg", "signurl", "s3://" + *bucket_ + "/" + key, expiry},
        {"HOME=" + *dir_, "PATH=/usr/bin:/bin"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return Trim(r.output);
  }
  std::string ObjectBytes(const std::string& key) {
    Reply r = Send(*org_, "GET", *bucket_, key);
    return r.status == 200 ? r.body : "<status " + std::to_string(r.status) + ">";
  }

  static Principal* org_;
  static std::string* bucket_;
  static std::string* dir_;
};

Principal* PresignTest::org_ = nullptr;
std::string* PresignTest::bucket_ = nullptr;
std::string* PresignTest::dir_ = nullptr;

TEST_F(PresignTest, UrlsFromAwsBoto3AndS3cmd) {
  struct Url {
    std::string tool;
    std::string url;
  };
  const std::vector<Url> urls = {{"aws (SigV2)", AwsPresign("doc.txt", 600, false)},
                                 {"aws (SigV4)", AwsPresign("doc.txt", 600, true)},
                                 {"boto3", Boto3Presign("get_object", "doc.txt", 600)},
                                 {"s3cmd", S3cmdSignurl("doc.txt", "+600")}};
  EXPECT_NE(urls[0].url.find("Signature="), std::string::npos) << urls[0].url;
  EXPECT_NE(urls[1].url.find("X-Amz-Signature="), std::string::npos) << urls[1].url;
  EXPECT_NE(urls[2].url.find("X-Amz-Signature="), std::string::npos) << urls[2].url;
  EXPECT_NE(urls[3].url.find("AWSAccessKeyId="), std::string::npos) << urls[3].url;
  for (const Url& u : urls) {
    SCOPED_TRACE(u.tool + ": " + u.url);
    Reply get = CurlCli("GET", u.url);
    EXPECT_EQ(get.status, 200) << get.body;
    EXPECT_EQ(get.body, kContent);
    EXPECT_EQ(get.Header("content-type"), "text/plain");
    // The anonymous URL without the signature is refused (the object is private).
    Reply bare = CurlCli("GET", u.url.substr(0, u.url.find('?')));
    EXPECT_EQ(bare.status, 403);
    EXPECT_EQ(bare.Code(), "AccessDenied");

    // Wrong method: the method is signed.
    Reply put = CurlCli("PUT", u.url, {"--data-binary", "overwritten"});
    EXPECT_EQ(put.status, 403) << put.body;
    EXPECT_EQ(put.Code(), "SignatureDoesNotMatch") << put.body;
    Reply del = CurlCli("DELETE", u.url);
    EXPECT_EQ(del.status, 403);
    EXPECT_EQ(del.Code(), "SignatureDoesNotMatch");
    EXPECT_EQ(CurlCli("HEAD", u.url).status, 403);
    EXPECT_EQ(ObjectBytes("doc.txt"), kContent);

    // Every query parameter tampered with, and the path.
    for (const std::string& name : QueryNames(u.url)) {
      std::string bad = Tamper(u.url, name);
      ASSERT_NE(bad, u.url) << name;
      Reply r = CurlCli("GET", bad);
      EXPECT_TRUE(r.status == 403 || r.status == 400) << name << ": " << r.status << " " << r.body;
      EXPECT_EQ(r.body.find(kContent), std::string::npos) << name;
      if (name == "Signature" || name == "X-Amz-Signature" || name == "X-Amz-Expires") {
        EXPECT_EQ(r.status, 403) << name;
        EXPECT_EQ(r.Code(), "SignatureDoesNotMatch") << name << ": " << r.body;
      } else if (name == "AWSAccessKeyId" || name == "X-Amz-Credential") {
        EXPECT_EQ(r.status, 403) << name;
        EXPECT_EQ(r.Code(), "InvalidAccessKeyId") << name << ": " << r.body;
      } else if (name == "Expires") {  // SigV2: a later expiry is not what was signed
        EXPECT_EQ(r.Code(), "SignatureDoesNotMatch") << name << ": " << r.body;
      } else {
        EXPECT_FALSE(r.Code().empty()) << name << ": " << r.body;
      }
    }
    std::string other_key = u.url;
    other_key.replace(other_key.find("doc.txt"), 7, "doc.txu");
    Reply moved = CurlCli("GET", other_key);
    EXPECT_EQ(moved.status, 403);
    EXPECT_EQ(moved.Code(), "SignatureDoesNotMatch");
  }

  // boto3 PUT URL: upload with curl; the GET URL does not allow it.
  const std::string put_url = Boto3Presign("put_object", "uploaded.txt", 600);
  const std::string file = *dir_ + "/upload.txt";
  std::ofstream(file) << "uploaded through a pre-signed PUT\n";
  Reply put = CurlCli("PUT", put_url, {"--upload-file", file});
  EXPECT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(ObjectBytes("uploaded.txt"), "uploaded through a pre-signed PUT\n");
  Reply get_with_put_url = CurlCli("GET", put_url);
  EXPECT_EQ(get_with_put_url.status, 403);
  EXPECT_EQ(get_with_put_url.Code(), "SignatureDoesNotMatch");
  Reply tampered_put = CurlCli("PUT", Tamper(put_url, "X-Amz-Signature"), {"--data-binary", "x"});
  EXPECT_EQ(tampered_put.status, 403);
  EXPECT_EQ(ObjectBytes("uploaded.txt"), "uploaded through a pre-signed PUT\n");

  // HEAD and DELETE URLs (s3core's presigner).
  auto head_url = org_->client->Presign("HEAD", *bucket_, "uploaded.txt", 600);
  ASSERT_TRUE(head_url.ok());
  Reply head = CurlCli("HEAD", *head_url);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("content-length"), "34");
  auto delete_url = org_->client->Presign("DELETE", *bucket_, "uploaded.txt", 600);
  ASSERT_TRUE(delete_url.ok());
  EXPECT_EQ(CurlCli("GET", *delete_url).status, 403);
  EXPECT_EQ(ObjectBytes("uploaded.txt"), "uploaded through a pre-signed PUT\n");
  EXPECT_EQ(CurlCli("DELETE", *delete_url).status, 204);
  EXPECT_EQ(Send(*org_, "HEAD", *bucket_, "uploaded.txt").status, 404);
}

// The README's canned-ACL commands: awscli makes an object public-read, s3cmd
// makes it private again; anonymous readers see each change.
TEST_F(PresignTest, CannedAclsFromAwscliAndS3cmd) {
  const std::string url = Sosd().endpoint() + "/" + *bucket_ + "/doc.txt";
  EXPECT_EQ(Fetch("GET", url).status, 403);
  ProgramResult r =
      RunProgram({kAws, "--endpoint-url", Sosd().endpoint(), "s3api", "put-object-acl", "--bucket",
                  *bucket_, "--key", "doc.txt", "--acl", "public-read"},
                 ToolEnv("aws-config"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Reply got = Fetch("GET", url);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, kContent);
  r = RunProgram(
      {kS3cmd, "-c", *dir_ + "/s3cfg", "setacl", "--acl-private", "s3://" + *bucket_ + "/doc.txt"},
      {"HOME=" + *dir_, "PATH=/usr/bin:/bin"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Fetch("GET", url).status, 403);
}

TEST_F(PresignTest, ExpiredUrls) {
  // Made with a tiny expiry, used after it.
  const std::string aws_v4 = AwsPresign("doc.txt", 1, true);
  const std::string boto3 = Boto3Presign("get_object", "doc.txt", 1);
  const std::string aws_v2 = AwsPresign("doc.txt", 1, false);
  // s3cmd takes an absolute expiry: one in the past.
  const auto now = std::chrono::system_clock::now();
  const std::string s3cmd = S3cmdSignurl(
      "doc.txt", std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                    (now - std::chrono::seconds(10)).time_since_epoch())
                                    .count()));
  // A SigV4 URL dated an hour ago, valid for a minute.
  SigningRequest req;
  req.method = "GET";
  req.canonical_uri = "/" + *bucket_ + "/doc.txt";
  req.headers = {{"host", "127.0.0.1:" + std::to_string(Sosd().port())}};
  req.payload_hash = "UNSIGNED-PAYLOAD";
  auto query = PresignV4(req, {org_->access_key, org_->secret_key, ""}, "us-east-1", "s3",
                         now - std::chrono::hours(1), 60);
  ASSERT_TRUE(query.ok());
  const std::string old = Sosd().endpoint() + req.canonical_uri + "?" + *query;
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  for (const std::string& url : {aws_v4, boto3, aws_v2, s3cmd, old}) {
    Reply r = CurlCli("GET", url);
    EXPECT_EQ(r.status, 403) << url << ": " << r.body;
    EXPECT_EQ(r.Code(), "AccessDenied") << url << ": " << r.body;
    EXPECT_NE(r.body.find("expired"), std::string::npos) << r.body;
  }
  // More than 7 days is refused even when the signature is right: 403
  // AccessDenied, as AWS answers; exactly 7 days is served.
  const std::string week_and_a_day = Boto3Presign("get_object", "doc.txt", 8 * 24 * 3600);
  Reply too_long = CurlCli("GET", week_and_a_day);
  EXPECT_EQ(too_long.status, 403) << too_long.body;
  EXPECT_EQ(too_long.Code(), "AccessDenied") << too_long.body;
  EXPECT_NE(too_long.body.find("604800"), std::string::npos) << too_long.body;
  EXPECT_EQ(CurlCli("GET", Boto3Presign("get_object", "doc.txt", 7 * 24 * 3600)).status, 200);
}

TEST_F(PresignTest, SingleUseUrlUnderConcurrentFetches) {
  const std::string nonce = "once-" + std::to_string(::getpid()) + "-abcdefghijklmnop";
  auto url = org_->client->Presign("GET", *bucket_, "doc.txt", 600, {{"X-Sos-Once", nonce}});
  ASSERT_TRUE(url.ok());
  ASSERT_NE(url->find("X-Sos-Once=" + nonce), std::string::npos);
  constexpr int kFetches = 20;
  std::vector<Reply> replies(kFetches);
  std::barrier start(kFetches);
  std::vector<std::thread> threads;
  for (int i = 0; i < kFetches; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      replies[i] = Fetch("GET", *url);
    });
  }
  for (auto& t : threads) t.join();
  int ok = 0;
  for (const Reply& r : replies) {
    if (r.status == 200) {
      ++ok;
      EXPECT_EQ(r.body, kContent);
    } else {
      EXPECT_EQ(r.status, 403) << r.body;
      EXPECT_EQ(r.Code(), "AccessDenied") << r.body;
      EXPECT_NE(r.body.find("This single-use URL has already been used."), std::string::npos);
    }
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(CurlCli("GET", *url).status, 403);

  // A single-use PUT: the second upload does not replace the first.
  auto put_url =
      org_->client->Presign("PUT", *bucket_, "once.txt", 600, {{"X-Sos-Once", nonce + "-put"}});
  ASSERT_TRUE(put_url.ok());
  EXPECT_EQ(Fetch("PUT", *put_url, {}, "first").status, 200);
  Reply second = Fetch("PUT", *put_url, {}, "second");
  EXPECT_EQ(second.status, 403);
  EXPECT_EQ(ObjectBytes("once.txt"), "first");

  // The nonce is signed: removing it breaks the signature.
  std::string stripped = *url;
  size_t at = stripped.find("X-Sos-Once=");
  size_t amp = stripped.find('&', at);
  if (amp == std::string::npos) {
    stripped.erase(at - 1);
  } else {
    stripped.erase(at, amp + 1 - at);
  }
  ASSERT_EQ(stripped.find(nonce), std::string::npos);
  Reply r = Fetch("GET", stripped);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.Code(), "SignatureDoesNotMatch");
  // Only SigV4 pre-signed URLs may carry it; nonces are 16+ of [A-Za-z0-9_-].
  Reply header_signed = Send(*org_, "GET", *bucket_, "doc.txt", {{"X-Sos-Once", nonce + "-h"}});
  EXPECT_EQ(header_signed.status, 400);
  EXPECT_EQ(header_signed.Code(), "InvalidArgument");
  Reply v2 = CurlCli("GET", S3cmdSignurl("doc.txt", "+600") + "&X-Sos-Once=" + nonce + "-v2");
  EXPECT_EQ(v2.status, 400) << v2.body;
  EXPECT_EQ(v2.Code(), "InvalidArgument");
  auto short_nonce =
      org_->client->Presign("GET", *bucket_, "doc.txt", 600, {{"X-Sos-Once", "short"}});
  ASSERT_TRUE(short_nonce.ok());
  EXPECT_EQ(Fetch("GET", *short_nonce).Code(), "InvalidArgument");
  Send(*org_, "DELETE", *bucket_, "once.txt");
}

TEST(PublicOriginTest, AnonymousGetAsCdnOrigin) {
  Principal org = CreateOrg(Unique("site"));
  ASSERT_TRUE(org.client);
  const std::string bucket = Unique("www");
  ASSERT_EQ(Send(org, "PUT", bucket, "").status, 200);
  const std::string cors =
      "<CORSConfiguration><CORSRule><AllowedOrigin>https://www.example.com</AllowedOrigin>"
      "<AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>"
      "<AllowedHeader>*</AllowedHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule>"
      "</CORSConfiguration>";
  ASSERT_EQ(Send(org, "PUT", bucket, "", {{"cors", ""}}, {}, cors).status, 200);
  const std::string css = "body { color: #333; }\n";
  ASSERT_EQ(Send(org, "PUT", bucket, "site.css", {},
                 {{"x-amz-acl", "public-read"},
                  {"content-type", "text/css"},
                  {"cache-control", "public, max-age=3600"}},
                 css)
                .status,
            200);
  ASSERT_EQ(Send(org, "PUT", bucket, "secret.txt", {}, {}, "secret").status, 200);
  const std::string url = Sosd().endpoint() + "/" + bucket + "/site.css";
  const HeaderList origin = {{"Origin", "https://www.example.com"}};

  Reply get = Fetch("GET", url, origin);
  ASSERT_EQ(get.status, 200) << get.body;
  EXPECT_EQ(get.body, css);
  EXPECT_EQ(get.Header("content-type"), "text/css");
  EXPECT_EQ(get.Header("cache-control"), "public, max-age=3600");
  EXPECT_EQ(get.Header("content-length"), std::to_string(css.size()));
  EXPECT_EQ(get.Header("access-control-allow-origin"), "https://www.example.com");
  const std::string etag = get.Header("etag");
  const std::string last_modified = get.Header("last-modified");
  EXPECT_EQ(etag.size(), 34u) << etag;
  EXPECT_TRUE(ParseHttpDate(last_modified).has_value()) << last_modified;

  Reply head = Fetch("HEAD", url, origin);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("etag"), etag);
  EXPECT_EQ(head.Header("content-length"), std::to_string(css.size()));

  Reply range = Fetch("GET", url, {{"Range", "bytes=0-3"}});
  EXPECT_EQ(range.status, 206);
  EXPECT_EQ(range.body, "body");
  EXPECT_EQ(range.Header("content-range"), "bytes 0-3/" + std::to_string(css.size()));

  Reply not_modified = Fetch("GET", url, {{"If-None-Match", etag}, origin[0]});
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_TRUE(not_modified.body.empty());
  EXPECT_EQ(not_modified.Header("etag"), etag);
  EXPECT_EQ(Fetch("GET", url, {{"If-Modified-Since", last_modified}}).status, 304);
  EXPECT_EQ(Fetch("GET", url, {{"If-None-Match", "\"other\""}}).status, 200);

  // No CORS headers for an origin the rules do not name; preflight works.
  EXPECT_EQ(
      Fetch("GET", url, {{"Origin", "https://evil.example"}}).Header("access-control-allow-origin"),
      "");
  Reply preflight = Fetch("OPTIONS", url, {origin[0], {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(preflight.status, 200);
  EXPECT_EQ(preflight.Header("access-control-allow-origin"), "https://www.example.com");

  // The private neighbour, a listing and writes stay closed to anonymous.
  EXPECT_EQ(Fetch("GET", Sosd().endpoint() + "/" + bucket + "/secret.txt").status, 403);
  EXPECT_EQ(Fetch("GET", Sosd().endpoint() + "/" + bucket + "?list-type=2").status, 403);
  EXPECT_EQ(Fetch("PUT", url, {}, "defaced").status, 403);
  EXPECT_EQ(Fetch("DELETE", url).status, 403);
  EXPECT_EQ(Send(org, "GET", bucket, "site.css").body, css);

  for (const char* k : {"site.css", "secret.txt"}) Send(org, "DELETE", bucket, k);
  Send(org, "DELETE", bucket, "");
}

}  // namespace
}  // namespace sos::testing
