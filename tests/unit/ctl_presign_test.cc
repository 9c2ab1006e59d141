// sosctl's pre-signed and public URLs, checked with sos's own SigV4 verifier.
#include <gtest/gtest.h>

#include "ctl/exit_code.h"
#include "ctl/presign.h"
#include "daemon/auth/sigv4_verify.h"
#include "s3core/admin_api.h"
#include "s3core/sigv4.h"

namespace sos::ctl {
namespace {

const Credentials kCreds{"AKIDSOSCTLTEST000001", "sosctl-test-secret", ""};
const TimePoint kNow = std::chrono::system_clock::from_time_t(1440938160);

HttpRequestHead HeadFor(const std::string& method, const std::string& url) {
  // url = http://127.0.0.1:8000/<target>
  size_t path = url.find('/', url.find("://") + 3);
  HttpRequestHead head;
  head.method = method;
  head.target = url.substr(path);
  head.headers = {{"Host", "127.0.0.1:8000"}};
  return head;
}

Result<SigV4Auth> Verify(const std::string& method, const std::string& url) {
  CredentialLookup lookup = [](std::string_view key) -> std::optional<std::string> {
    if (key == kCreds.access_key_id) return kCreds.secret_access_key;
    return std::nullopt;
  };
  return VerifySigV4(HeadFor(method, url), lookup, kNow + std::chrono::seconds(5));
}

TEST(CtlPresign, GetUrlVerifies) {
  PresignOptions o;
  auto url = PresignObjectUrl("http://127.0.0.1:8000", "us-east-1", kCreds,
                              S3Path{"photos", "2024/a b.jpg"}, o, kNow);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_TRUE(url->starts_with("http://127.0.0.1:8000/photos/2024/a%20b.jpg?")) << *url;
  EXPECT_NE(url->find("X-Amz-Expires=900"), std::string::npos) << *url;
  auto auth = Verify("GET", *url);
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  EXPECT_TRUE(auth->presigned);
  EXPECT_FALSE(Verify("PUT", *url).ok()) << "a GET URL must not allow PUT";
}

TEST(CtlPresign, OnceNonceIsSignedAndCannotBeStripped) {
  PresignOptions o;
  o.method = "PUT";
  o.expires = std::chrono::hours(2);
  o.once_nonce = NewOnceNonce();
  ASSERT_EQ(o.once_nonce.size(), 32u);
  EXPECT_GE(o.once_nonce.size(), admin::kMinOnceNonceLength);
  EXPECT_NE(o.once_nonce, NewOnceNonce());
  auto url =
      PresignObjectUrl("http://127.0.0.1:8000", "us-east-1", kCreds, S3Path{"b", "k"}, o, kNow);
  ASSERT_TRUE(url.ok());
  const std::string param = std::string(admin::kOnceQueryParam) + "=" + o.once_nonce;
  size_t at = url->find(param);
  ASSERT_NE(at, std::string::npos) << *url;
  EXPECT_NE(url->find("X-Amz-Expires=7200"), std::string::npos);
  ASSERT_TRUE(Verify("PUT", *url).ok());

  std::string stripped = *url;
  stripped.erase(at, param.size() + 1);  // with its '&'
  EXPECT_FALSE(Verify("PUT", stripped).ok()) << stripped;
  std::string changed = *url;
  changed[at + param.size() - 1] = changed[at + param.size() - 1] == '0' ? '1' : '0';
  EXPECT_FALSE(Verify("PUT", changed).ok()) << changed;
}

TEST(CtlPresign, RejectsBadRequestsAsUsageErrors) {
  PresignOptions o;
  auto no_key = PresignObjectUrl("http://h", "r", kCreds, S3Path{"b", ""}, o, kNow);
  EXPECT_EQ(ExitCodeFor(no_key.status()), kExitUsage);
  o.method = "POST";
  EXPECT_EQ(
      ExitCodeFor(PresignObjectUrl("http://h", "r", kCreds, S3Path{"b", "k"}, o, kNow).status()),
      kExitUsage);
  o.method = "GET";
  o.expires = std::chrono::hours(24 * 8);
  EXPECT_EQ(
      ExitCodeFor(PresignObjectUrl("http://h", "r", kCreds, S3Path{"b", "k"}, o, kNow).status()),
      kExitUsage);
  o.expires = std::chrono::seconds(0);
  EXPECT_EQ(
      ExitCodeFor(PresignObjectUrl("http://h", "r", kCreds, S3Path{"b", "k"}, o, kNow).status()),
      kExitUsage);
}

TEST(CtlPresign, DeleteAndHeadUrlsVerifyForTheirMethodOnly) {
  for (const char* method : {"DELETE", "HEAD"}) {
    PresignOptions o;
    o.method = method;
    auto url =
        PresignObjectUrl("http://127.0.0.1:8000", "us-east-1", kCreds, S3Path{"b", "k"}, o, kNow);
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    EXPECT_TRUE(Verify(method, *url).ok()) << method;
    EXPECT_FALSE(Verify("GET", *url).ok()) << method;
  }
}

// Headers signed on purpose must then be sent as signed; without them, or
// with another value, the URL does not verify.
TEST(CtlPresign, SignedHeadersMustBeSentAsSigned) {
  PresignOptions o;
  o.method = "PUT";
  auto acl = ParseHeaderSpec("X-Amz-Acl: public-read");
  ASSERT_TRUE(acl.ok());
  EXPECT_EQ(acl->first, "x-amz-acl");
  EXPECT_EQ(acl->second, "public-read");
  o.headers = {*acl, {"x-amz-meta-note", "from a URL"}};
  auto url =
      PresignObjectUrl("http://127.0.0.1:8000", "us-east-1", kCreds, S3Path{"b", "k"}, o, kNow);
  ASSERT_TRUE(url.ok());
  EXPECT_NE(url->find("X-Amz-SignedHeaders=host%3Bx-amz-acl%3Bx-amz-meta-note"),
            std::string::npos)
      << *url;
  CredentialLookup lookup = [](std::string_view key) -> std::optional<std::string> {
    if (key == kCreds.access_key_id) return kCreds.secret_access_key;
    return std::nullopt;
  };
  auto verify = [&](HeaderList extra) {
    HttpRequestHead head = HeadFor("PUT", *url);
    head.headers.insert(head.headers.end(), extra.begin(), extra.end());
    return VerifySigV4(head, lookup, kNow + std::chrono::seconds(5));
  };
  EXPECT_TRUE(verify({{"x-amz-acl", "public-read"}, {"x-amz-meta-note", "from a URL"}}).ok());
  EXPECT_FALSE(verify({}).ok());
  EXPECT_FALSE(verify({{"x-amz-acl", "public-read-write"}, {"x-amz-meta-note", "from a URL"}}).ok());
  auto extra = verify({{"x-amz-acl", "public-read"},
                       {"x-amz-meta-note", "from a URL"},
                       {"x-amz-copy-source", "/other/secret"}});
  EXPECT_EQ(extra.status().s3_code(), "AccessDenied");

  for (const char* bad : {"no-colon", ": value", "bad name: v", "Host: evil"}) {
    EXPECT_EQ(ExitCodeFor(ParseHeaderSpec(bad).status()), kExitUsage) << bad;
  }
}

TEST(CtlPresign, PublicUrlEncodesKeyKeepsSlashes) {
  EXPECT_EQ(PublicObjectUrl("http://127.0.0.1:8000", S3Path{"site", "css/a b+c.css"}),
            "http://127.0.0.1:8000/site/css/a%20b%2Bc.css");
  EXPECT_EQ(PublicObjectUrl("https://sos.example.com", S3Path{"b", "k"}),
            "https://sos.example.com/b/k");
}

}  // namespace
}  // namespace sos::ctl
