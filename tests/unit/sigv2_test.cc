#include "daemon/auth/sigv2_verify.h"
#include "s3core/sigv2.h"

#include <gtest/gtest.h>

#include "s3core/time_format.h"
#include "s3core/uri.h"

namespace sos {
namespace {

using namespace std::chrono_literals;

const Credentials kCreds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};

std::optional<std::string> Lookup(std::string_view key) {
  if (key == kCreds.access_key_id) return kCreds.secret_access_key;
  return std::nullopt;
}

// The examples write "+0000" where ParseHttpDate wants "GMT".
TimePoint At(std::string http_date) {
  if (http_date.ends_with("+0000")) http_date.replace(http_date.size() - 5, 5, "GMT");
  auto t = ParseHttpDate(http_date);
  EXPECT_TRUE(t) << http_date;
  return t.value_or(TimePoint());
}

// Verifies `head` at `now` for the virtual-hosted bucket `bucket`.
Result<SigV2Auth> Verify(const HttpRequestHead& head, TimePoint now, std::string bucket = "") {
  SigV2VerifyOptions options;
  options.virtual_host_bucket = std::move(bucket);
  return VerifySigV2(head, Lookup, now, options);
}

// ---- The "johnsmith" examples of the S3 REST authentication documentation ---

TEST(SigV2Test, ObjectGet) {
  const char* date = "Tue, 27 Mar 2007 19:36:42 +0000";
  EXPECT_EQ(SigV2CanonicalResource("/photos/puppy.jpg", {}, "johnsmith"),
            "/johnsmith/photos/puppy.jpg");
  std::string sts = SigV2StringToSign("GET", "", "", date, "", "/johnsmith/photos/puppy.jpg");
  EXPECT_EQ(sts, "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg");
  EXPECT_EQ(SigV2Signature(kCreds.secret_access_key, sts), "bWq2s1WEIj+Ydj0vQ697zp+IXMU=");

  HttpRequestHead head{
      "GET",
      "/photos/puppy.jpg",
      {{"Host", "johnsmith.s3.amazonaws.com"},
       {"Date", date},
       {"Authorization", "AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU="}}};
  auto auth = Verify(head, At(date) + 1min, "johnsmith");
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  EXPECT_EQ(auth->access_key_id, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_FALSE(auth->presigned);
  // Path-style the same request names the bucket in the path.
  head.target = "/johnsmith/photos/puppy.jpg";
  EXPECT_TRUE(Verify(head, At(date)).ok());
}

TEST(SigV2Test, ObjectPut) {
  SigningRequest req{"PUT",
                     "/photos/puppy.jpg",
                     {},
                     {{"Content-Type", "image/jpeg"},
                      {"Content-Length", "94328"},
                      {"Host", "johnsmith.s3.amazonaws.com"},
                      {"Date", "Tue, 27 Mar 2007 21:15:45 +0000"}},
                     ""};
  EXPECT_EQ(SignV2(req, kCreds, "johnsmith"),
            "AWS AKIAIOSFODNN7EXAMPLE:MyyxeRY7whkBe+bq8fHCL/2kKUg=");
}

TEST(SigV2Test, ListIgnoresOrdinaryQueryParameters) {
  auto query = *ParseQuery("prefix=photos&max-keys=50&marker=puppy");
  EXPECT_EQ(SigV2CanonicalResource("/", query, "johnsmith"), "/johnsmith/");
  SigningRequest req{"GET",
                     "/",
                     query,
                     {{"User-Agent", "Mozilla/5.0"},
                      {"Host", "johnsmith.s3.amazonaws.com"},
                      {"Date", "Tue, 27 Mar 2007 19:42:41 +0000"}},
                     ""};
  EXPECT_EQ(SignV2(req, kCreds, "johnsmith"),
            "AWS AKIAIOSFODNN7EXAMPLE:htDYFYduRNen8P9ZfE/s9SuKy0U=");
}

TEST(SigV2Test, FetchAclSubResource) {
  SigningRequest req{
      "GET",
      "/",
      {{"acl", ""}},
      {{"Host", "johnsmith.s3.amazonaws.com"}, {"Date", "Tue, 27 Mar 2007 19:44:46 +0000"}},
      ""};
  EXPECT_EQ(SignV2(req, kCreds, "johnsmith"),
            "AWS AKIAIOSFODNN7EXAMPLE:c2WLPFtWHVgbEmeEG93a4cG37dM=");
}

TEST(SigV2Test, DeleteWithXAmzDate) {
  HttpRequestHead head{"DELETE",
                       "/johnsmith/photos/puppy.jpg",
                       {{"User-Agent", "dotnet"},
                        {"Host", "s3.amazonaws.com"},
                        {"Date", "Tue, 27 Mar 2007 21:20:27 +0000"},
                        {"x-amz-date", "Tue, 27 Mar 2007 21:20:26 +0000"}}};
  // How tools sign it: empty Date line, x-amz-date among the amz headers.
  SigningRequest req{head.method, head.target, {}, head.headers, ""};
  EXPECT_EQ(SignV2(req, kCreds), "AWS AKIAIOSFODNN7EXAMPLE:R4dJ53KECjStyBO5iTBJZ4XVOaI=");
  head.headers.emplace_back("Authorization", SignV2(req, kCreds));
  EXPECT_TRUE(Verify(head, At("Tue, 27 Mar 2007 21:20:26 +0000")).ok());
  // How the AWS page signs it: the x-amz-date value on the Date line.
  head.headers.back().second = "AWS AKIAIOSFODNN7EXAMPLE:lx3byBScXR6KzyMaifNkardMwNk=";
  EXPECT_TRUE(Verify(head, At("Tue, 27 Mar 2007 21:20:26 +0000")).ok());
}

TEST(SigV2Test, UploadWithAmzHeadersAndCname) {
  HeaderList headers = {{"User-Agent", "curl/7.15.5"},
                        {"Host", "static.johnsmith.net:8080"},
                        {"Date", "Tue, 27 Mar 2007 21:06:08 +0000"},
                        {"x-amz-acl", "public-read"},
                        {"content-type", "application/x-download"},
                        {"Content-MD5", "4gJE4saaMU4BqNR0kLY+lw=="},
                        {"X-Amz-Meta-ReviewedBy", "joe@johnsmith.net"},
                        {"X-Amz-Meta-ReviewedBy", "jane@johnsmith.net"},
                        {"X-Amz-Meta-FileChecksum", "0x02661779"},
                        {"X-Amz-Meta-ChecksumAlgorithm", "crc32"},
                        {"Content-Disposition", "attachment; filename=database.dat"},
                        {"Content-Encoding", "gzip"},
                        {"Content-Length", "5913339"}};
  EXPECT_EQ(SigV2CanonicalAmzHeaders(headers),
            "x-amz-acl:public-read\nx-amz-meta-checksumalgorithm:crc32\n"
            "x-amz-meta-filechecksum:0x02661779\n"
            "x-amz-meta-reviewedby:joe@johnsmith.net,jane@johnsmith.net\n");
  SigningRequest req{"PUT", "/db-backup.dat.gz", {}, headers, ""};
  EXPECT_EQ(SignV2(req, kCreds, "static.johnsmith.net"),
            "AWS AKIAIOSFODNN7EXAMPLE:ilyl83RwaSoYIEdixDQcA4OnAnc=");
}

TEST(SigV2Test, ListAllMyBuckets) {
  SigningRequest req{"GET",
                     "/",
                     {},
                     {{"Host", "s3.amazonaws.com"}, {"Date", "Wed, 28 Mar 2007 01:29:59 +0000"}},
                     ""};
  EXPECT_EQ(SignV2(req, kCreds), "AWS AKIAIOSFODNN7EXAMPLE:qGdzdERIC03wnaRNKh6OqZehG9s=");
}

TEST(SigV2Test, UnicodeKeysSignTheWirePath) {
  SigningRequest req{"GET",
                     "/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",
                     {},
                     {{"Host", "s3.amazonaws.com"}, {"Date", "Wed, 28 Mar 2007 01:49:49 +0000"}},
                     ""};
  EXPECT_EQ(SignV2(req, kCreds), "AWS AKIAIOSFODNN7EXAMPLE:DNEZGsoieTZ92F3bUfSPQcbGmlM=");
}

TEST(SigV2Test, QueryStringAuthExample) {
  SigningRequest req{"GET", "/photos/puppy.jpg", {}, {{"Host", "johnsmith.s3.amazonaws.com"}}, ""};
  TimePoint expires = TimePoint(std::chrono::seconds(1175139620));
  std::string query = PresignV2(req, kCreds, expires, "johnsmith");
  EXPECT_EQ(query,
            "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature="
            "NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D");
  HttpRequestHead head{"GET", "/photos/puppy.jpg?" + query, req.headers};
  auto auth = Verify(head, expires - 1h, "johnsmith");
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  EXPECT_TRUE(auth->presigned);
  auto late = Verify(head, expires + 1s, "johnsmith");
  EXPECT_EQ(late.status().s3_code(), "AccessDenied");
  EXPECT_EQ(late.status().message(), "Request has expired");
  // A client that left '+' unencoded still verifies.
  head.target =
      "/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&"
      "Signature=NpgCjnDzrM+WFzoENXmpNDUsSn8%3D";
  EXPECT_TRUE(Verify(head, expires - 1h, "johnsmith").ok());
}

// ---- Canonical resource details ---------------------------------------------

TEST(SigV2Test, SubResourcesAreSortedAndKeepDecodedValues) {
  auto query = *ParseQuery(
      "uploadId=abc%2Fdef&partNumber=2&max-parts=5&response-content-type=text%2Fplain&versions");
  EXPECT_EQ(SigV2CanonicalResource("/b/k", query),
            "/b/k?partNumber=2&response-content-type=text/plain&uploadId=abc/def&versions");
  EXPECT_TRUE(IsSigV2SubResource("acl"));
  EXPECT_TRUE(IsSigV2SubResource("uploads"));
  EXPECT_TRUE(IsSigV2SubResource("versionId"));
  EXPECT_TRUE(IsSigV2SubResource("response-expires"));
  EXPECT_FALSE(IsSigV2SubResource("prefix"));
  EXPECT_FALSE(IsSigV2SubResource("ACL"));
  EXPECT_FALSE(IsSigV2SubResource("Signature"));
}

// ---- Round trips and tampering -----------------------------------------------

class SigV2RoundTripTest : public ::testing::Test {
 protected:
  TimePoint now_ = At("Mon, 04 Mar 2024 10:00:00 GMT");

  HttpRequestHead SignedPut(const std::string& key) {
    SigningRequest req{"PUT",
                       "/bucket/" + UriEncode(key, false),
                       {{"uploadId", "u 1"}, {"partNumber", "7"}},
                       {{"Host", "s3.local"},
                        {"Date", FormatHttpDate(now_)},
                        {"Content-Type", "text/plain"},
                        {"Content-MD5", "XUFAKrxLKna5cZ2REBfFkg=="},
                        {"x-amz-meta-a", " one "}},
                       ""};
    HttpRequestHead head{req.method, req.canonical_uri + "?uploadId=u%201&partNumber=7",
                         req.headers};
    head.headers.emplace_back("Authorization", SignV2(req, kCreds));
    return head;
  }

  static std::string& Header(HttpRequestHead& head, std::string_view name) {
    for (auto& [k, v] : head.headers) {
      if (EqualsIgnoreCase(k, name)) return v;
    }
    static std::string none;
    ADD_FAILURE() << name;
    return none;
  }
};

TEST_F(SigV2RoundTripTest, SignThenVerifyAwkwardKeys) {
  for (std::string key : {"plain", "a b", "a+b", "a~b", "caf\xC3\xA9", "../up", "x//y"}) {
    auto auth = Verify(SignedPut(key), now_);
    EXPECT_TRUE(auth.ok()) << key << ": " << auth.status().ToString();
  }
}

TEST_F(SigV2RoundTripTest, Tampering) {
  auto expect_mismatch = [&](HttpRequestHead h, const char* what) {
    EXPECT_EQ(Verify(h, now_).status().s3_code(), "SignatureDoesNotMatch") << what;
  };
  auto head = SignedPut("file");
  ASSERT_TRUE(Verify(head, now_).ok());
  auto h = head;
  h.method = "POST";
  expect_mismatch(h, "method");
  h = head;
  h.target.replace(h.target.find("file"), 4, "filf");
  expect_mismatch(h, "path");
  h = head;
  h.target.replace(h.target.find("partNumber=7"), 12, "partNumber=8");
  expect_mismatch(h, "sub-resource value");
  h = head;
  Header(h, "content-type") = "text/html";
  expect_mismatch(h, "content-type");
  h = head;
  Header(h, "content-md5") = "AAAAAAAAAAAAAAAAAAAAAA==";
  expect_mismatch(h, "content-md5");
  h = head;
  Header(h, "x-amz-meta-a") = "two";
  expect_mismatch(h, "amz header");
  h = head;
  h.headers.emplace_back("x-amz-acl", "public-read");
  expect_mismatch(h, "added amz header");
  h = head;
  Header(h, "date") = FormatHttpDate(now_ + 1s);
  expect_mismatch(h, "date");
  // Ordinary query parameters are not signed in V2.
  h = head;
  h.target += "&foo=bar";
  EXPECT_TRUE(Verify(h, now_).ok());
}

TEST_F(SigV2RoundTripTest, NumericZoneDates) {
  SigningRequest req{
      "GET", "/b/k", {}, {{"Host", "h"}, {"Date", "Mon, 04 Mar 2024 12:00:00 +0200"}}, ""};
  HttpRequestHead head{"GET", "/b/k", req.headers};
  head.headers.emplace_back("Authorization", SignV2(req, kCreds));
  EXPECT_TRUE(Verify(head, now_).ok());  // 12:00 +0200 is 10:00 GMT
  EXPECT_EQ(Verify(head, now_ + 2h).status().s3_code(), "RequestTimeTooSkewed");
}

TEST_F(SigV2RoundTripTest, Errors) {
  auto head = SignedPut("file");
  EXPECT_EQ(Verify(head, now_ + 16min).status().s3_code(), "RequestTimeTooSkewed");
  EXPECT_TRUE(Verify(head, now_ - 14min).ok());
  auto h = head;
  Header(h, "authorization") = "AWS NOPE:" + Header(h, "authorization").substr(25);
  EXPECT_EQ(Verify(h, now_).status().s3_code(), "InvalidAccessKeyId");
  h = head;
  Header(h, "authorization") = "AWS missing-colon";
  EXPECT_EQ(Verify(h, now_).status().s3_code(), "InvalidArgument");
  h = head;
  std::erase_if(h.headers, [](auto& kv) { return kv.first == "Date"; });
  EXPECT_EQ(Verify(h, now_).status().s3_code(), "AccessDenied");
  h = head;
  h.target += "&Signature=x";
  EXPECT_EQ(Verify(h, now_).status().s3_code(), "InvalidArgument");  // two mechanisms
  HttpRequestHead partial{"GET", "/b/k?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=x", {}};
  EXPECT_EQ(Verify(partial, now_).status().s3_code(), "AccessDenied");
}

TEST_F(SigV2RoundTripTest, PresignThenVerify) {
  SigningRequest req{"GET",
                     "/bucket/" + UriEncode("dir/a b.txt", false),
                     {{"response-content-disposition", "attachment; filename=\"a b.txt\""}},
                     {{"Host", "s3.local"}},
                     ""};
  std::string query = PresignV2(req, kCreds, now_ + 10min);
  HttpRequestHead head{"GET", req.canonical_uri + "?" + query, req.headers};
  EXPECT_TRUE(Verify(head, now_).ok());
  EXPECT_EQ(Verify(head, now_ + 11min).status().message(), "Request has expired");
  auto h = head;
  h.target.replace(h.target.find("attachment"), 10, "inline____");
  EXPECT_EQ(Verify(h, now_).status().s3_code(), "SignatureDoesNotMatch");
  h = head;
  std::string later = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>((now_ + 1h).time_since_epoch()).count());
  std::string expires = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>((now_ + 10min).time_since_epoch()).count());
  h.target.replace(h.target.find(expires), expires.size(), later);
  EXPECT_EQ(Verify(h, now_).status().s3_code(), "SignatureDoesNotMatch");
}

// Expires, Date and x-amz-date values a client writes, however far or odd, get
// a 403 and never reach arithmetic that overflows (time_format.h clamps them;
// these tests run under UBSan).
TEST_F(SigV2RoundTripTest, FarAndMalformedDatesAreRefusedWithoutOverflow) {
  auto presigned = [&](const std::string& expires) {
    return Verify({"GET",
                   "/b/k?AWSAccessKeyId=" + kCreds.access_key_id + "&Expires=" + expires +
                       "&Signature=c2lnbmF0dXJl",
                   {{"Host", "h"}}},
                  now_);
  };
  for (const char* past : {"-1", "-9223372036854775808", "0", "1709546399"}) {
    EXPECT_EQ(presigned(past).status().message(), "Request has expired") << past;
  }
  // Seconds past 2262 do not fit a TimePoint: clamped, the URL is simply not
  // expired, and the signature decides.
  for (const char* far : {"9223372036854775807", "253402300799", "1709546401"}) {
    EXPECT_EQ(presigned(far).status().s3_code(), "SignatureDoesNotMatch") << far;
  }
  for (const char* bad : {"99999999999999999999", "-99999999999999999999", "1e9", "", " 1"}) {
    auto auth = presigned(bad);
    EXPECT_EQ(auth.status().s3_code(), "AccessDenied") << bad;
    EXPECT_EQ(auth.status().message().rfind("Invalid date", 0), 0u) << bad;
  }

  auto head = SignedPut("file");
  for (const char* far : {"Fri, 31 Dec 9999 23:59:59 GMT", "Sat, 01 Jan 0000 00:00:00 GMT",
                          "Fri, 31 Dec 9999 23:59:59 -9959", "Sat, 01 Jan 0000 00:00:00 +9959",
                          "99991231T235959Z", "00000101T000000Z"}) {
    Header(head, "date") = far;
    EXPECT_EQ(Verify(head, now_).status().s3_code(), "RequestTimeTooSkewed") << far;
  }
  for (const char* bad : {"Fri, 30 Feb 2024 10:00:00 GMT", "Mon, 04 Mar 2024 10:00:61 GMT",
                          "Mon, 04 Mar 99999 10:00:00 GMT", "Mon, 04 Mar 2024 10:00:00 +99999",
                          "20240230T100000Z", "1709546400"}) {
    Header(head, "date") = bad;
    EXPECT_EQ(Verify(head, now_).status().s3_code(), "AccessDenied") << bad;
  }
  head.headers.emplace_back("x-amz-date", "Fri, 31 Dec 9999 23:59:59 GMT");
  EXPECT_EQ(Verify(head, now_).status().s3_code(), "RequestTimeTooSkewed");

  // A leap second is a valid date, signed as sent.
  SigningRequest req{
      "GET", "/b/k", {}, {{"Host", "h"}, {"Date", "Mon, 04 Mar 2024 09:59:60 GMT"}}, ""};
  HttpRequestHead leap{"GET", "/b/k", req.headers};
  leap.headers.emplace_back("Authorization", SignV2(req, kCreds));
  EXPECT_TRUE(Verify(leap, now_).ok());
}

}  // namespace
}  // namespace sos
