// Range and precondition header parsing, and CORS rule matching.
#include <gtest/gtest.h>

#include <chrono>

#include "daemon/s3api/cors.h"
#include "daemon/s3api/http_conditions.h"
#include "s3core/time_format.h"
#include "s3core/xml_codec.h"

namespace sos {
namespace {

TEST(S3RangeTest, ParsesTheThreeForms) {
  auto closed = ParseRangeHeader("bytes=10-19");
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->first, 10u);
  EXPECT_EQ(closed->last, 19u);
  auto open = ParseRangeHeader("bytes=100-");
  ASSERT_TRUE(open);
  EXPECT_EQ(open->first, 100u);
  EXPECT_FALSE(open->last);
  auto suffix = ParseRangeHeader("bytes=-5");
  ASSERT_TRUE(suffix);
  EXPECT_EQ(suffix->suffix_length, 5u);
  EXPECT_TRUE(ParseRangeHeader(" Bytes=1-2 "));
}

TEST(S3RangeTest, IgnoresWhatItCannotServe) {
  for (const char* ignored :
       {"", "bytes", "bytes=", "bytes=-", "items=1-2", "bytes=a-b", "bytes=5-3", "bytes=0-1,5-6",
        "bytes=1-2-3", "bytes=99999999999999999999999-"}) {
    EXPECT_FALSE(ParseRangeHeader(ignored)) << ignored;
  }
}

TEST(S3RangeTest, ResolvesAgainstSize) {
  struct Case {
    const char* header;
    uint64_t size, first, length;
  };
  const Case ok[] = {
      {"bytes=0-0", 1000, 0, 1},  {"bytes=10-19", 1000, 10, 10},  {"bytes=990-", 1000, 990, 10},
      {"bytes=-5", 1000, 995, 5}, {"bytes=-5000", 1000, 0, 1000}, {"bytes=995-5000", 1000, 995, 5},
      {"bytes=0-", 1, 0, 1},
  };
  for (const auto& c : ok) {
    auto r = ResolveRange(*ParseRangeHeader(c.header), c.size);
    ASSERT_TRUE(r.ok()) << c.header;
    EXPECT_EQ(r->first, c.first) << c.header;
    EXPECT_EQ(r->length, c.length) << c.header;
  }
  const std::pair<const char*, uint64_t> unsatisfiable[] = {
      {"bytes=1000-", 1000}, {"bytes=9999999-", 1000}, {"bytes=-0", 1000},
      {"bytes=0-", 0},       {"bytes=-1", 0},
  };
  for (const auto& [header, size] : unsatisfiable) {
    auto r = ResolveRange(*ParseRangeHeader(header), size);
    ASSERT_FALSE(r.ok()) << header;
    EXPECT_EQ(r.status().code(), StatusCode::kRangeNotSatisfiable);
    EXPECT_EQ(r.status().s3_code(), "InvalidRange");
  }
  EXPECT_EQ(ContentRange({10, 10}, 1000), "bytes 10-19/1000");
}

TEST(S3RangeTest, CopySourceRangeMustBeClosedAndInside) {
  auto r = ParseCopySourceRange("bytes=0-99", 100);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->length, 100u);
  EXPECT_FALSE(ParseCopySourceRange("bytes=0-100", 100).ok());
  EXPECT_FALSE(ParseCopySourceRange("bytes=10-", 100).ok());
  EXPECT_FALSE(ParseCopySourceRange("bytes=-10", 100).ok());
  EXPECT_FALSE(ParseCopySourceRange("garbage", 100).ok());
}

class S3ConditionsTest : public ::testing::Test {
 protected:
  const std::string etag = "\"9b2cf535f27731c974343645a3985328\"";
  const TimePoint modified = *ParseHttpDate("Wed, 01 Jan 2025 12:00:00 GMT");
  const TimePoint now = *ParseHttpDate("Thu, 01 May 2025 00:00:00 GMT");
  const TimePoint before = *ParseHttpDate("Tue, 31 Dec 2024 00:00:00 GMT");
  const TimePoint after = *ParseHttpDate("Fri, 03 Jan 2025 00:00:00 GMT");
  const std::string stale = "\"00000000000000000000000000000000\"";

  StatusCode Eval(const Conditions& c, bool copy = false) {
    return EvaluateReadConditions(c, etag, modified, now, copy).code();
  }
};

TEST_F(S3ConditionsTest, SingleConditions) {
  EXPECT_EQ(Eval({}), StatusCode::kOk);
  EXPECT_EQ(Eval({.if_match = etag}), StatusCode::kOk);
  EXPECT_EQ(Eval({.if_match = "9b2cf535f27731c974343645a3985328"}), StatusCode::kOk);
  EXPECT_EQ(Eval({.if_match = "*"}), StatusCode::kOk);
  EXPECT_EQ(Eval({.if_match = stale + ", " + etag}), StatusCode::kOk);
  EXPECT_EQ(Eval({.if_match = stale}), StatusCode::kPreconditionFailed);
  EXPECT_EQ(Eval({.if_none_match = etag}), StatusCode::kNotModified);
  EXPECT_EQ(Eval({.if_none_match = "W/" + etag}), StatusCode::kNotModified);
  EXPECT_EQ(Eval({.if_none_match = "*"}), StatusCode::kNotModified);
  EXPECT_EQ(Eval({.if_none_match = stale}), StatusCode::kOk);
  EXPECT_EQ(Eval({.if_modified_since = after}), StatusCode::kNotModified);
  EXPECT_EQ(Eval({.if_modified_since = modified}), StatusCode::kNotModified);
  EXPECT_EQ(Eval({.if_modified_since = before}), StatusCode::kOk);
  EXPECT_EQ(Eval({.if_unmodified_since = before}), StatusCode::kPreconditionFailed);
  EXPECT_EQ(Eval({.if_unmodified_since = modified}), StatusCode::kOk);
  EXPECT_EQ(Eval({.if_unmodified_since = after}), StatusCode::kOk);
}

TEST_F(S3ConditionsTest, Rfc7232Precedence) {
  // If-Match true wins over a failing If-Unmodified-Since (S3 documents this).
  EXPECT_EQ(Eval({.if_match = etag, .if_unmodified_since = before}), StatusCode::kOk);
  // If-None-Match false wins over a true If-Modified-Since... which would be
  // 304: If-None-Match decides alone.
  EXPECT_EQ(Eval({.if_none_match = stale, .if_modified_since = after}), StatusCode::kOk);
  EXPECT_EQ(Eval({.if_none_match = etag, .if_modified_since = before}), StatusCode::kNotModified);
  // 412 is decided before 304.
  EXPECT_EQ(Eval({.if_match = stale, .if_none_match = etag}), StatusCode::kPreconditionFailed);
  // A future If-Modified-Since is ignored.
  EXPECT_EQ(Eval({.if_modified_since = now + std::chrono::hours(24)}), StatusCode::kOk);
}

TEST_F(S3ConditionsTest, CopySourceNeverAnswers304) {
  EXPECT_EQ(Eval({.if_none_match = etag}, true), StatusCode::kPreconditionFailed);
  EXPECT_EQ(Eval({.if_modified_since = after}, true), StatusCode::kPreconditionFailed);
  EXPECT_EQ(Eval({.if_match = etag}, true), StatusCode::kOk);
}

TEST_F(S3ConditionsTest, ParsesHeadersWithPrefix) {
  HttpRequestHead head;
  head.headers = {{"If-Match", etag},
                  {"x-amz-copy-source-if-none-match", stale},
                  {"X-Amz-Copy-Source-If-Modified-Since", "Wed, 01 Jan 2025 12:00:00 GMT"},
                  {"If-Unmodified-Since", "not a date"}};
  Conditions plain = ConditionsFromHeaders(head);
  EXPECT_EQ(plain.if_match, etag);
  EXPECT_FALSE(plain.if_none_match);
  EXPECT_FALSE(plain.if_unmodified_since) << "unparsable dates are ignored";
  Conditions copy = ConditionsFromHeaders(head, "x-amz-copy-source-");
  EXPECT_EQ(copy.if_none_match, stale);
  EXPECT_EQ(copy.if_modified_since, modified);
  EXPECT_FALSE(copy.if_match);
}

// Far or malformed If-(Un)Modified-Since dates: a malformed one is ignored, as
// HTTP requires; year 9999 and year 0 keep their order against the object's
// time (clamped by time_format.h); nothing overflows (UBSan runs these).
TEST_F(S3ConditionsTest, FarAndMalformedDates) {
  auto eval = [&](const std::string& name, const std::string& value) {
    HttpRequestHead head;
    head.headers = {{name, value}};
    return Eval(ConditionsFromHeaders(head, name.starts_with("x-amz-") ? "x-amz-copy-source-" : ""),
                name.starts_with("x-amz-"));
  };
  const std::string year_9999 = "Fri, 31 Dec 9999 23:59:59 GMT";
  const std::string year_0 = "Sat, 01 Jan 0000 00:00:00 GMT";
  EXPECT_EQ(eval("If-Unmodified-Since", year_9999), StatusCode::kOk);
  EXPECT_EQ(eval("If-Modified-Since", year_9999), StatusCode::kOk);  // future: ignored
  EXPECT_EQ(eval("If-Unmodified-Since", year_0), StatusCode::kPreconditionFailed);
  EXPECT_EQ(eval("If-Modified-Since", year_0), StatusCode::kOk);
  EXPECT_EQ(eval("x-amz-copy-source-if-unmodified-since", year_0), StatusCode::kPreconditionFailed);
  EXPECT_EQ(eval("x-amz-copy-source-if-modified-since", year_9999), StatusCode::kOk);
  for (const char* bad :
       {"Sat, 30 Feb 2025 00:00:00 GMT", "Wed, 01 Jan 2025 12:00:61 GMT",
        "Wed, 01 Jan 99999 12:00:00 GMT", "Wed, 01 Jan -2025 12:00:00 GMT",
        "Wed, 01 Jan 2025 24:00:00 GMT", "99999999999999999999", "-9223372036854775808", ""}) {
    HttpRequestHead head;
    head.headers = {{"If-Modified-Since", bad}, {"If-Unmodified-Since", bad}};
    Conditions c = ConditionsFromHeaders(head);
    EXPECT_FALSE(c.if_modified_since) << bad;
    EXPECT_FALSE(c.if_unmodified_since) << bad;
    EXPECT_EQ(Eval(c), StatusCode::kOk) << bad;
  }
  // A leap second: 11:59:60 is 12:00:00, the object's time.
  EXPECT_EQ(eval("If-Modified-Since", "Wed, 01 Jan 2025 11:59:60 GMT"), StatusCode::kNotModified);
  EXPECT_EQ(eval("If-Modified-Since", "Wed, 01 Jan 2025 11:59:59 GMT"), StatusCode::kOk);
}

TEST(S3EtagTest, QuoteAndMatch) {
  EXPECT_EQ(QuoteEtag("abc"), "\"abc\"");
  EXPECT_EQ(QuoteEtag("\"abc\""), "\"abc\"");
  EXPECT_EQ(QuoteEtag("W/\"abc\""), "\"abc\"");
  EXPECT_TRUE(EtagListMatches("\"a\", \"b\"", "\"b\""));
  EXPECT_FALSE(EtagListMatches("\"a\", \"b\"", "\"c\""));
}

TEST(S3CorsTest, Wildcards) {
  EXPECT_TRUE(WildcardMatch("*", "anything", false));
  EXPECT_TRUE(WildcardMatch("https://*.example.com", "https://app.example.com", false));
  EXPECT_FALSE(WildcardMatch("https://*.example.com", "https://example.com", false));
  EXPECT_FALSE(WildcardMatch("https://*.example.com", "http://app.example.com", false));
  EXPECT_TRUE(WildcardMatch("x-amz-*", "X-Amz-Date", true));
  EXPECT_FALSE(WildcardMatch("x-amz-*", "X-Amz-Date", false));
  EXPECT_TRUE(WildcardMatch("exact", "exact", false));
}

// A pattern with many stars took time exponential in their number (a search
// per character per star): PutBucketCors now refuses a second star, and
// matching is linear in the length of what the client sends.
TEST(S3CorsTest, HostilePatternsAreRefusedAndMatchInLinearTime) {
  for (const char* pattern : {"*a*", "https://**.example.com", "*a*a*a*a*a*a*a*a*a*a*a*a*b"}) {
    for (const char* element : {"AllowedOrigin", "AllowedHeader"}) {
      std::string xml = std::string("<CORSConfiguration><CORSRule><AllowedOrigin>") +
                        (std::string(element) == "AllowedOrigin" ? pattern : "*") +
                        "</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>" +
                        (std::string(element) == "AllowedHeader" ? pattern : "x") +
                        "</AllowedHeader></CORSRule></CORSConfiguration>";
      auto config = DecodeCorsConfiguration(xml);
      ASSERT_FALSE(config.ok()) << pattern << " in " << element;
      EXPECT_EQ(config.status().s3_code(), "MalformedXML");
    }
  }
  const std::string origin(4096, 'a');
  const std::string hostile = "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";
  CorsConfiguration config;
  config.rules.push_back({"one-star", {"*b"}, {"GET"}, {"x-*"}, {}, std::nullopt});
  config.rules.push_back({"stored-before", {hostile}, {"GET"}, {hostile}, {}, std::nullopt});
  const std::string headers = "x-" + std::string(4096, 'a') + ", " + std::string(4096, 'a');
  constexpr int kRounds = 100;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) {
    EXPECT_FALSE(WildcardMatch(hostile, origin, false));
    EXPECT_EQ(MatchCorsRule(config, origin, "GET", headers), nullptr);
  }
  auto per_round = (std::chrono::steady_clock::now() - start) / kRounds;
  EXPECT_LT(per_round, std::chrono::microseconds(500)) << "a 4 KiB Origin must match at once";
}

TEST(S3CorsTest, MatchesOriginMethodAndHeaders) {
  CorsConfiguration config;
  config.rules.push_back({"site",
                          {"https://*.example.com"},
                          {"GET", "PUT"},
                          {"content-type", "x-amz-*"},
                          {"ETag"},
                          3000});
  config.rules.push_back({"any", {"*"}, {"GET"}, {}, {}, std::nullopt});

  const CorsRule* r =
      MatchCorsRule(config, "https://app.example.com", "PUT", "Content-Type, X-Amz-Date");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->id, "site");
  auto headers = CorsResponseHeaders(*r, "https://app.example.com", "Content-Type, X-Amz-Date",
                                     /*preflight=*/true);
  std::map<std::string, std::string> h(headers.begin(), headers.end());
  EXPECT_EQ(h["Access-Control-Allow-Origin"], "https://app.example.com");
  EXPECT_EQ(h["Access-Control-Allow-Methods"], "GET, PUT");
  EXPECT_EQ(h["Access-Control-Allow-Headers"], "Content-Type, X-Amz-Date");
  EXPECT_EQ(h["Access-Control-Expose-Headers"], "ETag");
  EXPECT_EQ(h["Access-Control-Max-Age"], "3000");
  EXPECT_EQ(h["Access-Control-Allow-Credentials"], "true");

  // A header no rule allows: the first rule fails, the second allows no headers.
  EXPECT_EQ(MatchCorsRule(config, "https://app.example.com", "PUT", "authorization"), nullptr);
  // GET from anywhere falls through to the wildcard rule.
  const CorsRule* any = MatchCorsRule(config, "https://evil.test", "GET", "");
  ASSERT_NE(any, nullptr);
  EXPECT_EQ(any->id, "any");
  auto any_headers = CorsResponseHeaders(*any, "https://evil.test", "", false);
  EXPECT_EQ(any_headers[0].second, "*");
  EXPECT_EQ(MatchCorsRule(config, "https://evil.test", "DELETE", ""), nullptr);
}

}  // namespace
}  // namespace sos
