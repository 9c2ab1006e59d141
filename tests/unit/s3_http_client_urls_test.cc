// S3HttpClient's URL helpers: plain object URLs in both addressing styles and
// pre-signed URLs that the server-side SigV4 verifier accepts (and rejects
// once a signed parameter is changed).
#include <gtest/gtest.h>

#include "daemon/auth/sigv4_verify.h"
#include "s3core/client/s3_http_client.h"
#include "s3core/sigv4.h"

namespace sos {
namespace {

S3ClientOptions Options(bool path_style) {
  S3ClientOptions o;
  o.endpoint = "http://127.0.0.1:8000/";
  o.path_style = path_style;
  o.credentials.access_key_id = "AKIDURLTEST";
  o.credentials.secret_access_key = "url-test-secret";
  return o;
}

Result<SigV4Auth> Verify(const std::string& method, const std::string& url) {
  HttpRequestHead head;
  head.method = method;
  std::string rest = url.substr(url.find("://") + 3);
  head.headers.emplace_back("Host", rest.substr(0, rest.find('/')));
  head.target = rest.substr(rest.find('/'));
  CredentialLookup lookup = [](std::string_view key) -> std::optional<std::string> {
    if (key == "AKIDURLTEST") return std::string("url-test-secret");
    return std::nullopt;
  };
  return VerifySigV4(head, lookup, std::chrono::system_clock::now());
}

TEST(S3HttpClientUrls, PlainUrlsEncodeKeysButNotSlashes) {
  S3HttpClient path_style(Options(true));
  EXPECT_EQ(path_style.UrlFor("b", "dir/a b+c.txt"), "http://127.0.0.1:8000/b/dir/a%20b%2Bc.txt");
  S3HttpClient virtual_host(Options(false));
  EXPECT_EQ(virtual_host.UrlFor("b", "k"), "http://b.127.0.0.1:8000/k");
}

TEST(S3HttpClientUrls, PresignedUrlVerifiesAndCarriesExtraSignedQuery) {
  S3HttpClient client(Options(true));
  auto url = client.Presign("GET", "b", "dir/file name", 600, {{"X-Sos-Once", "abcdefghijklmnop"}});
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->rfind("http://127.0.0.1:8000/b/dir/file%20name?", 0), 0u) << *url;
  EXPECT_NE(url->find("X-Sos-Once=abcdefghijklmnop"), std::string::npos) << *url;
  auto auth = Verify("GET", *url);
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  EXPECT_TRUE(auth->presigned);
  EXPECT_EQ(auth->access_key_id, "AKIDURLTEST");

  // The extra parameter is signed: changing it breaks the signature.
  std::string tampered = *url;
  tampered.replace(tampered.find("abcdefghijklmnop"), 16, "abcdefghijklmnoX");
  EXPECT_FALSE(Verify("GET", tampered).ok());
  EXPECT_FALSE(Verify("PUT", *url).ok());  // the method is signed too
}

TEST(S3HttpClientUrls, PresignRejectsExpiryBeyondOneWeek) {
  S3HttpClient client(Options(true));
  EXPECT_FALSE(client.Presign("GET", "b", "k", 604801).ok());
  EXPECT_FALSE(client.Presign("GET", "b", "k", 0).ok());
}

}  // namespace
}  // namespace sos
