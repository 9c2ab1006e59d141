#include "daemon/auth/payload_verifier.h"

#include <gtest/gtest.h>

#include "s3core/time_format.h"

namespace sos {
namespace {

struct Outcome {
  Status create;
  Status feed;
  Status finish;
  std::string data;
  std::optional<std::pair<ChecksumAlgorithm, std::string>> checksum;
  // The first failure, or OK.
  const Status& first() const { return !create.ok() ? create : !feed.ok() ? feed : finish; }
};

// Runs `body` through a verifier in slices of `slice` bytes.
Outcome Verify(const HttpRequestHead& head, const SigV4Auth* auth, std::string_view body,
               size_t slice = 3) {
  Outcome o;
  auto verifier = PayloadVerifier::Create(head, auth);
  o.create = verifier.status();
  if (!verifier.ok()) return o;
  BodySink sink = AppendTo(&o.data);
  for (size_t pos = 0; pos < body.size() && o.feed.ok(); pos += slice) {
    o.feed = verifier->Feed(body.substr(pos, slice), sink);
  }
  if (o.feed.ok()) o.finish = verifier->Finish();
  o.checksum = verifier->checksum();
  return o;
}

SigV4Auth PlainAuth(std::string payload_hash) {
  SigV4Auth auth;
  auth.payload_hash = std::move(payload_hash);
  auth.payload_mode = *ParsePayloadMode(auth.payload_hash);
  return auth;
}

TEST(PayloadVerifierTest, DeclaredSha256) {
  HttpRequestHead head{"PUT", "/b/k", {}};
  SigV4Auth good = PlainAuth(Sha256Hex("hello world"));
  Outcome ok = Verify(head, &good, "hello world");
  EXPECT_TRUE(ok.first().ok()) << ok.first().ToString();
  EXPECT_EQ(ok.data, "hello world");

  Outcome bad = Verify(head, &good, "hello worle");
  EXPECT_EQ(bad.first().s3_code(), "XAmzContentSHA256Mismatch");
  EXPECT_EQ(bad.first().code(), StatusCode::kCorruption);
  EXPECT_EQ(Verify(head, &good, "hello worl").first().s3_code(), "XAmzContentSHA256Mismatch");

  SigV4Auth unsigned_payload = PlainAuth("UNSIGNED-PAYLOAD");
  EXPECT_TRUE(Verify(head, &unsigned_payload, "anything").first().ok());
  EXPECT_TRUE(Verify(head, nullptr, "anything").first().ok());  // SigV2 / anonymous
}

TEST(PayloadVerifierTest, ContentMd5) {
  HttpRequestHead head{"PUT", "/b/k", {{"Content-MD5", Base64Encode(Md5("hello world"))}}};
  EXPECT_TRUE(Verify(head, nullptr, "hello world").first().ok());
  Outcome bad = Verify(head, nullptr, "hello there");
  EXPECT_EQ(bad.first().s3_code(), "BadDigest");
  EXPECT_EQ(bad.data, "hello there");  // streamed on; the caller discards it

  HttpRequestHead malformed{"PUT", "/b/k", {{"Content-MD5", "not-base64"}}};
  EXPECT_EQ(Verify(malformed, nullptr, "x").create.s3_code(), "InvalidDigest");
  HttpRequestHead short_md5{"PUT", "/b/k", {{"Content-MD5", Base64Encode("short")}}};
  EXPECT_EQ(Verify(short_md5, nullptr, "x").create.s3_code(), "InvalidDigest");
}

TEST(PayloadVerifierTest, ChecksumHeaders) {
  for (ChecksumAlgorithm a :
       {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
        ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256}) {
    std::string name(ChecksumHeaderName(a));
    HttpRequestHead head{"PUT", "/b/k", {{name, ComputeChecksum(a, "payload")}}};
    Outcome ok = Verify(head, nullptr, "payload");
    EXPECT_TRUE(ok.first().ok()) << name;
    ASSERT_TRUE(ok.checksum) << name;
    EXPECT_EQ(ok.checksum->first, a);
    EXPECT_EQ(Verify(head, nullptr, "paylOad").first().s3_code(), "BadDigest") << name;
  }
  HttpRequestHead malformed{"PUT", "/b/k", {{"x-amz-checksum-crc32", "AAAA"}}};
  EXPECT_EQ(Verify(malformed, nullptr, "x").create.s3_code(), "InvalidDigest");
  HttpRequestHead two{"PUT",
                      "/b/k",
                      {{"x-amz-checksum-crc32", ComputeChecksum(ChecksumAlgorithm::kCrc32, "x")},
                       {"x-amz-checksum-sha1", ComputeChecksum(ChecksumAlgorithm::kSha1, "x")}}};
  EXPECT_EQ(Verify(two, nullptr, "x").create.s3_code(), "InvalidRequest");
}

// A whole aws-chunked upload: signed request, verified head, framed body.
class ChunkedUploadTest : public ::testing::Test {
 protected:
  const Credentials creds_{"AKIDCHUNK", "chunk-secret", ""};
  const TimePoint now_ = *ParseIso8601Basic("20240304T100000Z");
  std::string data_ = std::string(100000, 'z') + "tail";

  // Signs a streaming PUT and returns the verified head and SigV4 result.
  std::pair<HttpRequestHead, SigV4Auth> Signed(PayloadMode mode, HeaderList extra = {}) {
    static const char* kModes[] = {"", "", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                                   "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                                   "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"};
    SigningRequest req{"PUT",
                       "/b/k",
                       {},
                       {{"Host", "s3.local"},
                        {"Content-Encoding", "aws-chunked"},
                        {"x-amz-decoded-content-length", std::to_string(data_.size())}},
                       kModes[static_cast<int>(mode)]};
    if (mode != PayloadMode::kStreamingSigned)
      req.headers.emplace_back("x-amz-trailer", "x-amz-checksum-crc64nvme");
    req.headers.insert(req.headers.end(), extra.begin(), extra.end());
    HttpRequestHead head{"PUT", "/b/k", req.headers};
    for (auto& h : SignV4(req, creds_, "us-east-1", "s3", now_)) head.headers.push_back(h);
    auto lookup = [this](std::string_view) {
      return std::optional<std::string>(creds_.secret_access_key);
    };
    auto auth = VerifySigV4(head, lookup, now_);
    EXPECT_TRUE(auth.ok()) << auth.status().ToString();
    return {head, auth.ok() ? *auth : SigV4Auth{}};
  }

  std::string Encode(const SigV4Auth& auth, const std::string& checksum) {
    ChunkedPayloadEncoder encoder(auth.payload_mode,
                                  ChunkedPayloadDecoder::OptionsFor(auth).signing);
    std::string out = encoder.EncodeChunk(std::string_view(data_).substr(0, 65536));
    out += encoder.EncodeChunk(std::string_view(data_).substr(65536));
    HeaderList trailers;
    if (auth.payload_mode != PayloadMode::kStreamingSigned) {
      trailers.emplace_back("x-amz-checksum-crc64nvme", checksum);
    }
    return out + encoder.Finish(trailers);
  }
};

TEST_F(ChunkedUploadTest, AllStreamingModes) {
  std::string crc = ComputeChecksum(ChecksumAlgorithm::kCrc64Nvme, data_);
  for (PayloadMode mode : {PayloadMode::kStreamingSigned, PayloadMode::kStreamingUnsignedTrailer,
                           PayloadMode::kStreamingSignedTrailer}) {
    auto [head, auth] = Signed(mode);
    Outcome ok = Verify(head, &auth, Encode(auth, crc), 1000);
    ASSERT_TRUE(ok.first().ok()) << ok.first().ToString();
    EXPECT_TRUE(ok.data == data_);
    if (mode != PayloadMode::kStreamingSigned) {
      ASSERT_TRUE(ok.checksum);
      EXPECT_EQ(ok.checksum->first, ChecksumAlgorithm::kCrc64Nvme);
      EXPECT_EQ(ok.checksum->second, crc);
      std::string wrong = ComputeChecksum(ChecksumAlgorithm::kCrc64Nvme, "other");
      EXPECT_EQ(Verify(head, &auth, Encode(auth, wrong), 1000).first().s3_code(), "BadDigest");
    }
  }
}

TEST_F(ChunkedUploadTest, ContentMd5CoversTheDecodedBytes) {
  auto [head, auth] =
      Signed(PayloadMode::kStreamingSigned, {{"Content-MD5", Base64Encode(Md5(data_))}});
  EXPECT_TRUE(Verify(head, &auth, Encode(auth, ""), 777).first().ok());
  auto [head2, auth2] =
      Signed(PayloadMode::kStreamingSigned, {{"Content-MD5", Base64Encode(Md5("not the data"))}});
  EXPECT_EQ(Verify(head2, &auth2, Encode(auth2, ""), 777).first().s3_code(), "BadDigest");
}

TEST_F(ChunkedUploadTest, TamperedChunkAndTruncation) {
  auto [head, auth] = Signed(PayloadMode::kStreamingSignedTrailer);
  std::string body = Encode(auth, ComputeChecksum(ChecksumAlgorithm::kCrc64Nvme, data_));
  std::string tampered = body;
  tampered[tampered.find("zzzz") + 2] = 'y';
  EXPECT_EQ(Verify(head, &auth, tampered, 4096).first().s3_code(), "SignatureDoesNotMatch");
  EXPECT_EQ(Verify(head, &auth, body.substr(0, body.size() / 2), 4096).first().s3_code(),
            "IncompleteBody");
}

}  // namespace
}  // namespace sos
