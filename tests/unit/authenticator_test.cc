#include "daemon/auth/authenticator.h"

#include <gtest/gtest.h>

#include "s3core/crypto.h"
#include "s3core/time_format.h"

namespace sos {
namespace {

using namespace std::chrono_literals;

class AuthenticatorTest : public ::testing::Test {
 protected:
  const Credentials creds_{"AKIDAUTH", "auth-secret", ""};
  const TimePoint now_ = *ParseIso8601Basic("20240304T100000Z");
  CredentialLookup lookup_ = [this](std::string_view key) -> std::optional<std::string> {
    if (key == creds_.access_key_id) return creds_.secret_access_key;
    return std::nullopt;
  };
  SigningRequest req_{
      "GET", "/bucket/key", {}, {{"Host", "s3.local"}}, std::string(kEmptySha256Hex)};

  HttpRequestHead V4Header() {
    HttpRequestHead head{"GET", "/bucket/key", req_.headers};
    for (auto& h : SignV4(req_, creds_, "us-east-1", "s3", now_)) head.headers.push_back(h);
    return head;
  }
  HttpRequestHead V4Query() {
    req_.payload_hash = "UNSIGNED-PAYLOAD";
    return {"GET", "/bucket/key?" + *PresignV4(req_, creds_, "us-east-1", "s3", now_, 60),
            req_.headers};
  }
  HttpRequestHead V2Header() {
    SigningRequest req = req_;
    req.headers.emplace_back("Date", FormatHttpDate(now_));
    HttpRequestHead head{"GET", "/bucket/key", req.headers};
    head.headers.emplace_back("Authorization", SignV2(req, creds_));
    return head;
  }
  HttpRequestHead V2Query() {
    return {"GET", "/bucket/key?" + PresignV2(req_, creds_, now_ + 60s), req_.headers};
  }
};

TEST_F(AuthenticatorTest, DetectsEveryScheme) {
  struct Case {
    HttpRequestHead head;
    AuthScheme scheme;
  } cases[] = {
      {{"GET", "/bucket/key", {{"Host", "s3.local"}}}, AuthScheme::kAnonymous},
      {V4Header(), AuthScheme::kSigV4Header},
      {V4Query(), AuthScheme::kSigV4Query},
      {V2Header(), AuthScheme::kSigV2Header},
      {V2Query(), AuthScheme::kSigV2Query},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(*DetectAuthScheme(c.head), c.scheme) << c.head.target;
    auto result = Authenticate(c.head, lookup_, now_);
    ASSERT_TRUE(result.ok()) << c.head.target << ": " << result.status().ToString();
    EXPECT_EQ(result->scheme, c.scheme);
    bool anonymous = c.scheme == AuthScheme::kAnonymous;
    EXPECT_EQ(result->access_key_id, anonymous ? "" : "AKIDAUTH");
    bool v4 = c.scheme == AuthScheme::kSigV4Header || c.scheme == AuthScheme::kSigV4Query;
    EXPECT_EQ(result->sigv4.has_value(), v4);
  }
}

TEST_F(AuthenticatorTest, V4ResultCarriesWhatTheBodyNeeds) {
  auto result = Authenticate(V4Header(), lookup_, now_);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->sigv4->payload_mode, PayloadMode::kSha256);
  EXPECT_EQ(result->sigv4->scope, "20240304/us-east-1/s3/aws4_request");
}

TEST_F(AuthenticatorTest, VerificationErrorsPropagate) {
  auto head = V4Header();
  head.method = "DELETE";
  EXPECT_EQ(Authenticate(head, lookup_, now_).status().s3_code(), "SignatureDoesNotMatch");
  head = V2Header();
  head.target = "/bucket/other";
  EXPECT_EQ(Authenticate(head, lookup_, now_).status().s3_code(), "SignatureDoesNotMatch");
  EXPECT_EQ(Authenticate(V4Query(), lookup_, now_ + 2min).status().s3_code(), "AccessDenied");
  EXPECT_EQ(Authenticate(V2Query(), lookup_, now_ + 2min).status().s3_code(), "AccessDenied");
  CredentialLookup nobody = [](std::string_view) { return std::nullopt; };
  EXPECT_EQ(Authenticate(V4Header(), nobody, now_).status().s3_code(), "InvalidAccessKeyId");
  EXPECT_EQ(Authenticate(V2Header(), nobody, now_).status().s3_code(), "InvalidAccessKeyId");
}

TEST_F(AuthenticatorTest, RefusesMixedUnknownAndDisabledSchemes) {
  auto mixed = V4Header();
  mixed.target += "?X-Amz-Algorithm=AWS4-HMAC-SHA256";
  EXPECT_EQ(Authenticate(mixed, lookup_, now_).status().s3_code(), "InvalidArgument");
  auto mixed2 = V2Query();
  mixed2.headers.emplace_back("Authorization", "AWS AKIDAUTH:abc");
  EXPECT_EQ(Authenticate(mixed2, lookup_, now_).status().s3_code(), "InvalidArgument");

  HttpRequestHead bearer{"GET", "/", {{"Authorization", "Bearer token"}}};
  auto unknown = Authenticate(bearer, lookup_, now_);
  EXPECT_EQ(unknown.status().s3_code(), "InvalidArgument");
  EXPECT_EQ(unknown.status().message(), "Unsupported Authorization Type");

  AuthOptions v4_only;
  v4_only.allow_sigv2 = false;
  EXPECT_EQ(Authenticate(V2Header(), lookup_, now_, v4_only).status().s3_code(), "InvalidArgument");
  EXPECT_TRUE(Authenticate(V4Header(), lookup_, now_, v4_only).ok());
}

TEST_F(AuthenticatorTest, OptionsReachTheVerifiers) {
  AuthOptions options;
  options.v4.region = "eu-west-1";
  EXPECT_EQ(Authenticate(V4Header(), lookup_, now_, options).status().s3_code(),
            "AuthorizationHeaderMalformed");
  options = {};
  options.v2.virtual_host_bucket = "bucket";  // V2 then signs "/bucket/bucket/key"
  EXPECT_EQ(Authenticate(V2Header(), lookup_, now_, options).status().s3_code(),
            "SignatureDoesNotMatch");
}

}  // namespace
}  // namespace sos
