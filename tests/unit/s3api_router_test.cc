// RequestRouter: every operation, addressing styles, and hostile keys.
#include <gtest/gtest.h>

#include "daemon/s3api/request_router.h"

namespace sos {
namespace {

HttpRequestHead Head(std::string method, std::string target,
                     std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpRequestHead h;
  h.method = std::move(method);
  h.target = std::move(target);
  h.headers = std::move(headers);
  if (!FindHeader(h, "host")) h.headers.emplace_back("Host", "127.0.0.1:8000");
  return h;
}

RoutedRequest RouteOk(const HttpRequestHead& head, RouterOptions options = {}) {
  auto r = Route(head, options);
  EXPECT_TRUE(r.ok()) << head.method << " " << head.target << ": " << r.status().ToString();
  return r.ok() ? *r : RoutedRequest{};
}

S3Op OpOf(std::string method, std::string target,
          std::vector<std::pair<std::string, std::string>> headers = {}) {
  return RouteOk(Head(std::move(method), std::move(target), std::move(headers))).op;
}

TEST(S3RouterTest, EveryOperation) {
  const std::vector<std::pair<std::string, std::string>> copy = {{"x-amz-copy-source", "/b/k"}};
  struct Case {
    std::string method, target;
    S3Op op;
    std::vector<std::pair<std::string, std::string>> headers;
  };
  const std::vector<Case> cases = {
      {"GET", "/-/health", S3Op::kHealth, {}},
      {"HEAD", "/-/health", S3Op::kHealth, {}},
      {"GET", "/-/console", S3Op::kConsole, {}},
      {"GET", "/-/console/js/app.js", S3Op::kConsole, {}},
      {"HEAD", "/-/console/", S3Op::kConsole, {}},
      {"POST", "/-/console/", S3Op::kMethodNotAllowed, {}},
      {"GET", "/", S3Op::kListBuckets, {}},
      {"PUT", "/", S3Op::kMethodNotAllowed, {}},
      {"PUT", "/bucket", S3Op::kCreateBucket, {}},
      {"PUT", "/bucket/", S3Op::kCreateBucket, {}},
      {"HEAD", "/bucket", S3Op::kHeadBucket, {}},
      {"DELETE", "/bucket", S3Op::kDeleteBucket, {}},
      {"GET", "/bucket?location", S3Op::kGetBucketLocation, {}},
      {"GET", "/bucket?versioning", S3Op::kGetBucketVersioning, {}},
      {"PUT", "/bucket?versioning", S3Op::kPutBucketVersioning, {}},
      {"GET", "/bucket?versions", S3Op::kListObjectVersions, {}},
      {"GET", "/bucket?cors", S3Op::kGetBucketCors, {}},
      {"PUT", "/bucket?cors", S3Op::kPutBucketCors, {}},
      {"DELETE", "/bucket?cors", S3Op::kDeleteBucketCors, {}},
      {"GET", "/bucket?acl", S3Op::kGetBucketAcl, {}},
      {"PUT", "/bucket?acl", S3Op::kPutBucketAcl, {}},
      {"GET", "/bucket?policy", S3Op::kGetBucketEmptyConfig, {}},
      {"GET", "/bucket?tagging", S3Op::kGetBucketEmptyConfig, {}},
      {"PUT", "/bucket?tagging", S3Op::kNotImplemented, {}},
      {"PUT", "/bucket?lifecycle", S3Op::kPutBucketLifecycle, {}},
      {"GET", "/bucket?lifecycle", S3Op::kGetBucketLifecycle, {}},
      {"DELETE", "/bucket?lifecycle", S3Op::kDeleteBucketLifecycle, {}},
      {"PUT", "/bucket?website", S3Op::kNotImplemented, {}},
      {"GET", "/bucket?logging", S3Op::kNotImplemented, {}},
      {"GET", "/bucket", S3Op::kListObjects, {}},
      {"GET", "/bucket?prefix=a&marker=b", S3Op::kListObjects, {}},
      {"GET", "/bucket?list-type=2&prefix=a", S3Op::kListObjectsV2, {}},
      {"GET", "/bucket?uploads", S3Op::kListMultipartUploads, {}},
      {"POST", "/bucket?delete", S3Op::kDeleteObjects, {}},
      {"POST", "/bucket", S3Op::kNotImplemented, {}},
      {"OPTIONS", "/bucket", S3Op::kPreflight, {}},
      {"OPTIONS", "/bucket/key", S3Op::kPreflight, {}},
      {"GET", "/bucket/key", S3Op::kGetObject, {}},
      {"GET", "/bucket/key?x-id=GetObject", S3Op::kGetObject, {}},
      {"GET", "/bucket/key?response-content-type=a%2Fb", S3Op::kGetObject, {}},
      {"HEAD", "/bucket/key", S3Op::kHeadObject, {}},
      {"PUT", "/bucket/key", S3Op::kPutObject, {}},
      {"PUT", "/bucket/key", S3Op::kCopyObject, copy},
      {"DELETE", "/bucket/key", S3Op::kDeleteObject, {}},
      {"GET", "/bucket/key?acl", S3Op::kGetObjectAcl, {}},
      {"PUT", "/bucket/key?acl", S3Op::kPutObjectAcl, {}},
      {"POST", "/bucket/key?uploads", S3Op::kCreateMultipartUpload, {}},
      {"PUT", "/bucket/key?partNumber=1&uploadId=abc", S3Op::kUploadPart, {}},
      {"PUT", "/bucket/key?partNumber=1&uploadId=abc", S3Op::kUploadPartCopy, copy},
      {"POST", "/bucket/key?uploadId=abc", S3Op::kCompleteMultipartUpload, {}},
      {"DELETE", "/bucket/key?uploadId=abc", S3Op::kAbortMultipartUpload, {}},
      {"GET", "/bucket/key?uploadId=abc", S3Op::kListParts, {}},
      {"GET", "/bucket/key?tagging", S3Op::kGetObjectTagging, {}},
      {"PUT", "/bucket/key?tagging", S3Op::kPutObjectTagging, {}},
      {"DELETE", "/bucket/key?tagging", S3Op::kDeleteObjectTagging, {}},
      {"GET", "/bucket/key?attributes", S3Op::kGetObjectAttributes, {}},
      {"GET", "/bucket/key?torrent", S3Op::kNotImplemented, {}},
      {"PUT", "/bucket/key?retention", S3Op::kPutObjectRetention, {}},
      {"GET", "/bucket/key?legal-hold", S3Op::kGetObjectLegalHold, {}},
      {"PUT", "/bucket?object-lock", S3Op::kPutObjectLockConfiguration, {}},
      {"GET", "/bucket/key?torrent", S3Op::kNotImplemented, {}},
      {"POST", "/bucket/key?restore", S3Op::kNotImplemented, {}},
      {"POST", "/bucket/key?select&select-type=2", S3Op::kNotImplemented, {}},
      {"POST", "/bucket/key", S3Op::kNotImplemented, {}},
      {"PATCH", "/bucket/key", S3Op::kMethodNotAllowed, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.method + " " + c.target);
    EXPECT_EQ(S3OpName(OpOf(c.method, c.target, c.headers)), S3OpName(c.op));
  }
}

TEST(S3RouterTest, NotImplementedSaysWhat) {
  RoutedRequest r = RouteOk(Head("GET", "/bucket/key?torrent"));
  EXPECT_EQ(r.op, S3Op::kNotImplemented);
  EXPECT_NE(r.detail.find("torrent"), std::string::npos) << r.detail;
  RoutedRequest cfg = RouteOk(Head("GET", "/bucket?policy"));
  EXPECT_EQ(cfg.detail, "NoSuchBucketPolicy");
}

TEST(S3RouterTest, PathStyleSplitsBucketAndKey) {
  RoutedRequest r = RouteOk(Head("GET", "/photos/2024/01/cat.jpg?x=1"));
  EXPECT_EQ(r.bucket, "photos");
  EXPECT_EQ(r.key, "2024/01/cat.jpg");
  EXPECT_FALSE(r.virtual_hosted);
  EXPECT_EQ(r.wire_path, "/photos/2024/01/cat.jpg");
  ASSERT_NE(r.Query("x"), nullptr);
  EXPECT_EQ(*r.Query("x"), "1");
}

TEST(S3RouterTest, VirtualHostedBucketFromHost) {
  RouterOptions options{.domain = "s3.example.com"};
  RoutedRequest r =
      RouteOk(Head("GET", "/dir/file.txt", {{"Host", "photos.s3.example.com:8000"}}), options);
  EXPECT_TRUE(r.virtual_hosted);
  EXPECT_EQ(r.bucket, "photos");
  EXPECT_EQ(r.key, "dir/file.txt");
  EXPECT_EQ(r.op, S3Op::kGetObject);

  RoutedRequest dotted =
      RouteOk(Head("GET", "/", {{"Host", "my.dotted.bucket.S3.Example.com"}}), options);
  EXPECT_EQ(dotted.bucket, "my.dotted.bucket");
  EXPECT_EQ(dotted.op, S3Op::kListObjects);

  // The bare domain is path-style.
  RoutedRequest bare = RouteOk(Head("GET", "/b/k", {{"Host", "s3.example.com"}}), options);
  EXPECT_FALSE(bare.virtual_hosted);
  EXPECT_EQ(bare.bucket, "b");
  EXPECT_EQ(bare.key, "k");

  // Without a configured domain, Host never names a bucket.
  RoutedRequest none = RouteOk(Head("GET", "/b/k", {{"Host", "photos.s3.example.com"}}));
  EXPECT_FALSE(none.virtual_hosted);
  EXPECT_EQ(none.bucket, "b");
  // A host that merely ends like the domain is not under it.
  RoutedRequest lookalike = RouteOk(Head("GET", "/b/k", {{"Host", "evils3.example.com"}}), options);
  EXPECT_FALSE(lookalike.virtual_hosted);
}

TEST(S3RouterTest, KeysAreDecodedOnceAndNeverNormalised) {
  struct Case {
    std::string target, key;
  };
  const std::vector<Case> cases = {
      {"/b/a/../b", "a/../b"},
      {"/b/../etc/passwd", "../etc/passwd"},
      {"/b/./x", "./x"},
      {"/b//double", "/double"},
      {"/b/trailing/", "trailing/"},
      {"/b/a%2Fb", "a/b"},
      {"/b/%2525", "%25"},  // double-encoded: decoded once only
      {"/b/100%25", "100%"},
      {"/b/plus+stays", "plus+stays"},
      {"/b/with%20space", "with space"},
      {"/b/%C3%BC", "\xc3\xbc"},
      {"/b/%F0%9F%98%80", "\xf0\x9f\x98\x80"},
      {"/b/%0Anewline", "\nnewline"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.target);
    RoutedRequest r = RouteOk(Head("GET", c.target));
    EXPECT_EQ(r.bucket, "b");
    EXPECT_EQ(r.key, c.key);
    EXPECT_EQ(r.op, S3Op::kGetObject);
  }
}

TEST(S3RouterTest, RejectsHostileKeys) {
  struct Case {
    std::string target, s3_code;
  };
  const std::vector<Case> cases = {
      {"/b/a%00b", "InvalidArgument"},         // NUL
      {"/b/%FF", "InvalidArgument"},           // not UTF-8
      {"/b/%C0%AF", "InvalidArgument"},        // overlong '/'
      {"/b/%ED%A0%80", "InvalidArgument"},     // UTF-16 surrogate
      {"/b/%F4%90%80%80", "InvalidArgument"},  // past U+10FFFF
      {"/b/%C3", "InvalidArgument"},           // truncated sequence
      {"/b/bad%zzescape", "InvalidURI"},       // malformed escape
      {"/b/bad%2", "InvalidURI"},              // truncated escape
      {"/b/k?a=%zz", "InvalidURI"},            // malformed query
      {"/" + std::string("b/") + std::string(1025, 'k'), "KeyTooLongError"},
      {"/b/" + std::string(342, 'x') + std::string(342 * 2, 'y'), "KeyTooLongError"},
      {"no-leading-slash", "InvalidURI"},
      {"//key-without-bucket", "InvalidURI"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.target.substr(0, 60));
    auto r = Route(Head("GET", c.target), {});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().s3_code(), c.s3_code) << r.status().ToString();
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(S3RouterTest, KeyLengthLimitIsInDecodedBytes) {
  // 1024 decoded bytes are fine even when the wire form is three times longer.
  std::string encoded;
  for (int i = 0; i < 512; ++i) encoded += "%C3%BC";  // 512 x 2 bytes
  RoutedRequest r = RouteOk(Head("PUT", "/b/" + encoded));
  EXPECT_EQ(r.key.size(), 1024u);
  auto too_long = Route(Head("PUT", "/b/" + encoded + "x"), {});
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().s3_code(), "KeyTooLongError");
}

TEST(S3RouterTest, AbsoluteFormTarget) {
  RoutedRequest r = RouteOk(Head("GET", "http://127.0.0.1:8000/b/k?acl"));
  EXPECT_EQ(r.bucket, "b");
  EXPECT_EQ(r.key, "k");
  EXPECT_EQ(r.op, S3Op::kGetObjectAcl);
}

TEST(S3RouterTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80"));
  EXPECT_TRUE(IsValidUtf8("\xef\xbf\xbf"));  // U+FFFF is a valid scalar
  EXPECT_FALSE(IsValidUtf8("\x80"));
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));  // overlong
  EXPECT_FALSE(IsValidUtf8("\xf8\x88\x80\x80\x80"));
}

TEST(S3RouterTest, BucketNameRules) {
  for (const char* ok : {"abc", "my-bucket", "my.bucket.name", "a1b2c3", "123",
                         "a-very-long-name-that-is-still-under-sixty-three-characters-ok"}) {
    EXPECT_TRUE(ValidateBucketName(ok).ok()) << ok;
  }
  for (std::string bad :
       {std::string("ab"), std::string(64, 'a'), std::string("UpperCase"),
        std::string("under_score"), std::string("-leading"), std::string("trailing-"),
        std::string(".dot"), std::string("two..dots"), std::string("dash.-dot"),
        std::string("dot-.dash"), std::string("192.168.1.1"), std::string("xn--punycode"),
        std::string("name-s3alias"), std::string("name--ol-s3"), std::string("sp ace"),
        std::string("slash/name")}) {
    Status s = ValidateBucketName(bad);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.s3_code(), "InvalidBucketName") << bad;
  }
}

}  // namespace
}  // namespace sos
