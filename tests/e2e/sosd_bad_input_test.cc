// Bad input against the real sosd, over raw HTTP: the curl command line for
// unsigned and pre-signed requests (so status, headers and XML body are seen
// exactly as sent), and s3core's signing client for signed requests with
// hostile content.
#include <gtest/gtest.h>
#include <unistd.h>

#include "s3core/crypto.h"
#include "s3core/curl_object_store.h"
#include "s3core/s3_http_client.h"
#include "s3core/sigv4.h"
#include "s3core/uri.h"
#include "s3core/xml_codec.h"
#include "tests/e2e/sosd_environment.h"

namespace sos::testing {
namespace {

constexpr const char* kCurl = "/usr/bin/curl";

struct HttpReply {
  int status = 0;
  std::string headers;  // raw header block
  std::string body;
  std::string Code() const {
    auto e = DecodeError(body);
    return e.ok() ? e->code : "";
  }
};

// curl -i: splits the status line, headers and body.
HttpReply CurlRaw(std::vector<std::string> args) {
  std::vector<std::string> argv = {kCurl, "-s", "-i", "--max-time", "30"};
  argv.insert(argv.end(), args.begin(), args.end());
  ProgramResult r = RunProgram(argv, {"PATH=/usr/bin:/bin"}, std::chrono::seconds(60));
  HttpReply reply;
  size_t end = r.output.find("\r\n\r\n");
  if (r.exit_code != 0 || end == std::string::npos) {
    reply.body = r.output;
    return reply;
  }
  reply.headers = r.output.substr(0, end);
  reply.body = r.output.substr(end + 4);
  if (reply.headers.size() > 12) reply.status = std::atoi(reply.headers.c_str() + 9);
  return reply;
}

class SosdBadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kCurl, X_OK) != 0) GTEST_SKIP() << kCurl << " not installed";
    options_.endpoint = Sosd().endpoint();
    options_.credentials = {Sosd().access_key(), Sosd().secret_key(), ""};
    options_.max_retries = 0;
    client_ = std::make_unique<S3HttpClient>(options_);
    store_ = std::make_unique<CurlObjectStore>(options_);
    bucket_ = "bad-input-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++);
    ASSERT_TRUE(store_->CreateBucket(bucket_).ok());
  }
  void TearDown() override {
    if (!store_) return;
    auto list = store_->List(ListRequest{.bucket = bucket_});
    if (list.ok()) {
      for (const auto& o : list->objects) (void)store_->Delete(bucket_, o.key);
    }
    auto uploads = store_->ListMultipartUploads(bucket_);
    if (uploads.ok()) {
      for (const auto& u : uploads->uploads) {
        (void)store_->AbortMultipartUpload(bucket_, u.key, u.upload_id);
      }
    }
    (void)store_->DeleteBucket(bucket_);
  }

  Status PutString(const std::string& key, const std::string& data) {
    StringViewSource source(data);
    return store_->Put(bucket_, key, source).status();
  }
  Result<std::string> GetString(const std::string& key) {
    std::string out;
    auto got = store_->Get(GetRequest{bucket_, key}, AppendTo(&out));
    if (!got.ok()) return got.status();
    return out;
  }
  // A pre-signed GET URL for bucket/key, valid for 5 minutes.
  std::string Presign(const std::string& key) {
    std::string path = "/" + bucket_ + "/" + UriEncode(key, false);
    SigningRequest req{"GET",
                       path,
                       {},
                       {{"host", "127.0.0.1:" + std::to_string(Sosd().port())}},
                       std::string(kUnsignedPayload)};
    auto query = PresignV4(req, options_.credentials, "us-east-1", "s3",
                           std::chrono::system_clock::now(), 300);
    EXPECT_TRUE(query.ok());
    return Sosd().endpoint() + path + "?" + query.value();
  }

  static inline int counter_ = 0;
  S3ClientOptions options_;
  std::unique_ptr<S3HttpClient> client_;
  std::unique_ptr<CurlObjectStore> store_;
  std::string bucket_;
};

TEST_F(SosdBadInputTest, UnsignedRequestToPrivateBucketIsAccessDenied) {
  ASSERT_TRUE(PutString("private.txt", "not for you").ok());
  for (const std::string& path :
       {"/" + bucket_ + "/private.txt", "/" + bucket_, std::string("/")}) {
    SCOPED_TRACE(path);
    HttpReply r = CurlRaw({Sosd().endpoint() + path});
    EXPECT_EQ(r.status, 403) << r.headers << "\n" << r.body;
    EXPECT_EQ(r.Code(), "AccessDenied") << r.body;
    EXPECT_NE(r.headers.find("x-amz-request-id: "), std::string::npos) << r.headers;
    EXPECT_NE(r.headers.find("Content-Type: application/xml"), std::string::npos) << r.headers;
  }
  // PUT too, and nothing is written.
  HttpReply put = CurlRaw({"-X", "PUT", "--data-binary", "overwritten",
                           Sosd().endpoint() + "/" + bucket_ + "/private.txt"});
  EXPECT_EQ(put.status, 403);
  EXPECT_EQ(put.Code(), "AccessDenied");
  EXPECT_EQ(GetString("private.txt").value(), "not for you");
}

TEST_F(SosdBadInputTest, WrongSignatureIsSignatureDoesNotMatch) {
  S3ClientOptions wrong = options_;
  wrong.credentials.secret_access_key = "definitely-not-the-secret";
  S3HttpClient client(wrong);
  auto r = client.Execute(S3Request{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().s3_code(), "SignatureDoesNotMatch") << r.status().ToString();
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);

  S3ClientOptions unknown = options_;
  unknown.credentials.access_key_id = "NOSUCHACCESSKEY00000";
  auto u = S3HttpClient(unknown).Execute(S3Request{});
  EXPECT_EQ(u.status().s3_code(), "InvalidAccessKeyId") << u.status().ToString();

  // A pre-signed URL with one signature digit changed, over raw HTTP.
  ASSERT_TRUE(PutString("signed.txt", "x").ok());
  std::string url = Presign("signed.txt");
  HttpReply good = CurlRaw({url});
  EXPECT_EQ(good.status, 200) << good.body;
  EXPECT_EQ(good.body, "x");
  char& last = url.back();
  last = last == '0' ? '1' : '0';
  HttpReply tampered = CurlRaw({url});
  EXPECT_EQ(tampered.status, 403);
  EXPECT_EQ(tampered.Code(), "SignatureDoesNotMatch") << tampered.body;
}

TEST_F(SosdBadInputTest, MalformedXmlBodies) {
  const std::string garbage = "<Delete><Object><Key>a</Key></Object>";  // not closed
  StringViewSource source(garbage);
  S3Request del;
  del.method = "POST";
  del.bucket = bucket_;
  del.query = {{"delete", ""}};
  del.headers = {{"content-md5", Base64Encode(Md5(garbage))}};
  del.body = &source;
  auto r = client_->Execute(del);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().s3_code(), "MalformedXML") << r.status().ToString();

  auto upload = store_->CreateMultipartUpload(bucket_, "mp");
  ASSERT_TRUE(upload.ok());
  for (const std::string bad : {"<CompleteMultipartUpload><Part><PartNumber>one</PartNumber></Part>"
                                "</CompleteMultipartUpload>",
                                "<CompleteMultipartUpload>", "not xml at all",
                                "<!DOCTYPE x [<!ENTITY a \"b\">]><CompleteMultipartUpload/>"}) {
    SCOPED_TRACE(bad);
    StringViewSource body(bad);
    S3Request complete;
    complete.method = "POST";
    complete.bucket = bucket_;
    complete.key = "mp";
    complete.query = {{"uploadId", *upload}};
    complete.body = &body;
    auto c = client_->Execute(complete);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.status().s3_code(), "MalformedXML") << c.status().ToString();
  }
  EXPECT_TRUE(store_->AbortMultipartUpload(bucket_, "mp", *upload).ok());
}

TEST_F(SosdBadInputTest, WrongContentMd5IsBadDigestAndChangesNothing) {
  ASSERT_TRUE(PutString("guarded", "original").ok());
  const std::string replacement = "replacement";
  StringViewSource body(replacement);
  S3Request put;
  put.method = "PUT";
  put.bucket = bucket_;
  put.key = "guarded";
  put.headers = {{"content-md5", Base64Encode(Md5("something else"))}};
  put.body = &body;
  auto r = client_->Execute(put);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().s3_code(), "BadDigest") << r.status().ToString();
  EXPECT_EQ(GetString("guarded").value(), "original");

  // The same for a new key: nothing appears.
  put.key = "never-created";
  (void)body.Rewind();
  auto fresh = client_->Execute(put);
  EXPECT_EQ(fresh.status().s3_code(), "BadDigest");
  EXPECT_EQ(GetString("never-created").status().code(), StatusCode::kNotFound);
}

TEST_F(SosdBadInputTest, KeyOf1025BytesIsKeyTooLong) {
  const std::string too_long(1025, 'k');
  StringViewSource body("x");
  S3Request put;
  put.method = "PUT";
  put.bucket = bucket_;
  put.key = too_long;
  put.body = &body;
  auto r = client_->Execute(put);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().s3_code(), "KeyTooLongError") << r.status().ToString();
  // 1024 bytes is the limit, not past it.
  EXPECT_TRUE(PutString(std::string(1024, 'k'), "x").ok());
}

TEST_F(SosdBadInputTest, RangePastTheEndIs416) {
  ASSERT_TRUE(PutString("short", "0123456789").ok());
  HttpReply r = CurlRaw({"-H", "Range: bytes=9999999-", Presign("short")});
  EXPECT_EQ(r.status, 416) << r.headers;
  EXPECT_EQ(r.Code(), "InvalidRange") << r.body;
  EXPECT_NE(r.headers.find("Content-Range: bytes */10"), std::string::npos) << r.headers;
  HttpReply ok = CurlRaw({"-H", "Range: bytes=-3", Presign("short")});
  EXPECT_EQ(ok.status, 206);
  EXPECT_EQ(ok.body, "789");
  EXPECT_NE(ok.headers.find("Content-Range: bytes 7-9/10"), std::string::npos) << ok.headers;
}

TEST_F(SosdBadInputTest, HostileKeysOverTheWire) {
  // NUL and invalid UTF-8 in a (pre-signed, so well-formed) path.
  for (const std::string path : {"/a%00b", "/%FF%FE", "/%C0%AF"}) {
    SCOPED_TRACE(path);
    HttpReply r =
        CurlRaw({"-X", "PUT", "--data-binary", "x", Sosd().endpoint() + "/" + bucket_ + path});
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.Code(), "InvalidArgument") << r.body;
  }
  // Dot segments are keys of their own (curl would squash them without --path-as-is).
  ASSERT_TRUE(PutString("a/../b", "dots").ok());
  EXPECT_EQ(GetString("a/../b").value(), "dots");
  EXPECT_EQ(GetString("b").status().code(), StatusCode::kNotFound);
  HttpReply r = CurlRaw({"--path-as-is", Presign("a/../b")});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "dots");
}

TEST_F(SosdBadInputTest, HealthAndUnimplemented) {
  HttpReply health = CurlRaw({Sosd().endpoint() + "/-/health"});
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  S3Request tagging;
  tagging.bucket = bucket_;
  tagging.key = "k";
  tagging.query = {{"tagging", ""}};
  auto r = client_->Execute(tagging);
  EXPECT_EQ(r.status().s3_code(), "NotImplemented") << r.status().ToString();
}

}  // namespace
}  // namespace sos::testing
