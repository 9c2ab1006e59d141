#include "daemon/auth/chunked_payload.h"

#include <gtest/gtest.h>

#include <random>

#include "s3core/time_format.h"

namespace sos {
namespace {

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

ChunkSigningContext ExampleContext(std::string seed) {
  return {SigningKey(kSecret, "20130524", "us-east-1", "s3"), "20130524T000000Z",
          "20130524/us-east-1/s3/aws4_request", std::move(seed)};
}

struct Decoded {
  Status status;
  std::string data;
};

// Feeds `body` in slices chosen by `next_size` (0 = all at once), then Finish.
Decoded Decode(const ChunkedPayloadDecoder::Options& options, std::string_view body,
               const std::function<size_t()>& next_size = nullptr) {
  ChunkedPayloadDecoder decoder(options);
  Decoded out;
  BodySink sink = AppendTo(&out.data);
  while (!body.empty()) {
    size_t n = next_size ? std::max<size_t>(1, std::min(next_size(), body.size())) : body.size();
    out.status = decoder.Feed(body.substr(0, n), sink);
    if (!out.status.ok()) return out;
    body.remove_prefix(n);
  }
  out.status = decoder.Finish();
  return out;
}

// The framing lines of an encoded body (data elided), for readable diffs.
std::string Framing(std::string_view body) {
  std::string out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t eol = body.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = body.size();
    std::string_view line = body.substr(pos, eol - pos);
    out += line.size() > 120 ? "<" + std::to_string(line.size()) + " bytes>" : std::string(line);
    out += "|";
    pos = eol + 2;
  }
  return out;
}

std::string Chunk(std::string_view size_hex, std::string_view signature, std::string_view data) {
  return std::string(size_hex) + ";chunk-signature=" + std::string(signature) + "\r\n" +
         std::string(data) + "\r\n";
}

// ---- AWS's documented examples ---------------------------------------------

// sigv4-streaming: PUT of 66560 'a' in chunks of 65536 and 1024.
TEST(ChunkedPayloadTest, AwsStreamingExample) {
  HttpRequestHead head{
      "PUT",
      "/examplebucket/chunkObject.txt",
      {{"Host", "s3.amazonaws.com"},
       {"x-amz-date", "20130524T000000Z"},
       {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
       {"Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
        "x-amz-decoded-content-length;x-amz-storage-class,"
        "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"},
       {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
       {"Content-Encoding", "aws-chunked"},
       {"x-amz-decoded-content-length", "66560"},
       {"Content-Length", "66824"}}};
  auto lookup = [](std::string_view key) -> std::optional<std::string> {
    if (key == "AKIAIOSFODNN7EXAMPLE") return kSecret;
    return std::nullopt;
  };
  auto auth = VerifySigV4(head, lookup, *ParseIso8601Basic("20130524T000000Z"));
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  EXPECT_EQ(auth->payload_mode, PayloadMode::kStreamingSigned);
  EXPECT_EQ(auth->decoded_content_length, 66560u);

  const std::string a64k(65536, 'a'), a1k(1024, 'a');
  const std::string body =
      Chunk("10000", "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648", a64k) +
      Chunk("400", "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497", a1k) +
      Chunk("0", "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9", "");
  EXPECT_EQ(body.size(), 66824u);

  ChunkedPayloadEncoder encoder(auth->payload_mode,
                                ChunkedPayloadDecoder::OptionsFor(*auth).signing);
  std::string encoded = encoder.EncodeChunk(a64k);
  encoded += encoder.EncodeChunk(a1k);
  encoded += encoder.Finish();
  EXPECT_EQ(Framing(encoded), Framing(body));
  EXPECT_TRUE(encoded == body);
  EXPECT_EQ(ChunkedPayloadEncoder::EncodedLength(PayloadMode::kStreamingSigned, 66560, 65536),
            66824u);

  Decoded d = Decode(ChunkedPayloadDecoder::OptionsFor(*auth), body);
  ASSERT_TRUE(d.status.ok()) << d.status.ToString();
  EXPECT_TRUE(d.data == a64k + a1k);
}

// sigv4-streaming-trailers: the same data, a CRC32C trailer, signed.
TEST(ChunkedPayloadTest, AwsStreamingTrailerExample) {
  const std::string a64k(65536, 'a'), a1k(1024, 'a');
  const std::string chunks =
      Chunk("10000", "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2", a64k) +
      Chunk("400", "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7", a1k) +
      "0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n";
  const std::string trailers =
      "x-amz-checksum-crc32c:sOO8/Q==\r\n"
      "x-amz-trailer-signature:"
      "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n";
  ChunkSigningContext context =
      ExampleContext("106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e");

  ChunkedPayloadEncoder encoder(PayloadMode::kStreamingSignedTrailer, context);
  std::string encoded = encoder.EncodeChunk(a64k);
  encoded += encoder.EncodeChunk(a1k);
  encoded += encoder.Finish({{"x-amz-checksum-crc32c", "sOO8/Q=="}});
  EXPECT_EQ(Framing(encoded), Framing(chunks + trailers + "\r\n"));
  EXPECT_TRUE(encoded == chunks + trailers + "\r\n");
  EXPECT_EQ(ChunkedPayloadEncoder::EncodedLength(PayloadMode::kStreamingSignedTrailer, 66560, 65536,
                                                 {{"x-amz-checksum-crc32c", 8}}),
            encoded.size());

  ChunkedPayloadDecoder::Options options;
  options.mode = PayloadMode::kStreamingSignedTrailer;
  options.signing = context;
  options.decoded_content_length = 66560;
  options.declared_trailers = {"x-amz-checksum-crc32c"};
  // As SDKs send it, as the AWS page prints it (an empty line after the final
  // chunk), and without the closing empty line.
  for (const std::string& body :
       {encoded, chunks + "\r\n" + trailers + "\r\n", chunks + trailers}) {
    ChunkedPayloadDecoder decoder(options);
    std::string data;
    Status s = decoder.Feed(body, AppendTo(&data));
    if (s.ok()) s = decoder.Finish();
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE(data == a64k + a1k);
    EXPECT_EQ(decoder.trailers(), (HeaderList{{"x-amz-checksum-crc32c", "sOO8/Q=="}}));
  }
}

// ---- Round trips -----------------------------------------------------------

class ChunkedRoundTripTest : public ::testing::TestWithParam<PayloadMode> {
 protected:
  ChunkedRoundTripTest() {
    std::mt19937 rng(1234);
    data_.resize(200000);
    for (char& c : data_) c = static_cast<char>(rng());
    context_ = ExampleContext(std::string(64, 'f'));
  }

  bool HasTrailers() const { return GetParam() != PayloadMode::kStreamingSigned; }

  std::string Encode(size_t chunk_size, ChecksumAlgorithm algorithm = ChecksumAlgorithm::kCrc32) {
    ChunkedPayloadEncoder encoder(GetParam(), context_);
    std::string out;
    for (size_t pos = 0; pos < data_.size(); pos += chunk_size) {
      out += encoder.EncodeChunk(std::string_view(data_).substr(pos, chunk_size));
    }
    HeaderList trailers;
    if (HasTrailers()) {
      trailers.emplace_back(std::string(ChecksumHeaderName(algorithm)),
                            ComputeChecksum(algorithm, data_));
    }
    out += encoder.Finish(trailers);
    return out;
  }

  ChunkedPayloadDecoder::Options Options(ChecksumAlgorithm algorithm = ChecksumAlgorithm::kCrc32) {
    ChunkedPayloadDecoder::Options o;
    o.mode = GetParam();
    o.signing = context_;
    o.decoded_content_length = data_.size();
    if (HasTrailers()) o.declared_trailers = {std::string(ChecksumHeaderName(algorithm))};
    return o;
  }

  std::string data_;
  ChunkSigningContext context_;
};

TEST_P(ChunkedRoundTripTest, WholeByteByByteAndRandomSlices) {
  std::string body = Encode(65536);
  uint64_t trailer_len = HasTrailers() ? Base64Encode(std::string(4, 'x')).size() : 0;
  std::vector<std::pair<std::string, size_t>> trailers;
  if (HasTrailers()) trailers.emplace_back("x-amz-checksum-crc32", trailer_len);
  EXPECT_EQ(ChunkedPayloadEncoder::EncodedLength(GetParam(), data_.size(), 65536, trailers),
            body.size());

  Decoded whole = Decode(Options(), body);
  ASSERT_TRUE(whole.status.ok()) << whole.status.ToString();
  EXPECT_TRUE(whole.data == data_);

  Decoded bytewise = Decode(Options(), body, [] { return 1; });
  ASSERT_TRUE(bytewise.status.ok()) << bytewise.status.ToString();
  EXPECT_TRUE(bytewise.data == data_);

  std::mt19937 rng(99);
  for (int round = 0; round < 5; ++round) {
    Decoded sliced = Decode(Options(), body, [&] { return rng() % 9000; });
    ASSERT_TRUE(sliced.status.ok()) << sliced.status.ToString();
    EXPECT_TRUE(sliced.data == data_);
  }
}

TEST_P(ChunkedRoundTripTest, SmallAndOddChunkSizes) {
  for (size_t chunk : {1u, 7u, 8192u, 100000u, 300000u}) {
    Decoded d = Decode(Options(), Encode(chunk));
    ASSERT_TRUE(d.status.ok()) << chunk << ": " << d.status.ToString();
    EXPECT_TRUE(d.data == data_);
  }
}

TEST_P(ChunkedRoundTripTest, EmptyBody) {
  ChunkedPayloadEncoder encoder(GetParam(), context_);
  HeaderList trailers;
  if (HasTrailers())
    trailers = {{"x-amz-checksum-crc32", ComputeChecksum(ChecksumAlgorithm::kCrc32, "")}};
  auto options = Options();
  options.decoded_content_length = 0;
  Decoded d = Decode(options, encoder.Finish(trailers));
  EXPECT_TRUE(d.status.ok()) << d.status.ToString();
  EXPECT_EQ(d.data, "");
}

TEST_P(ChunkedRoundTripTest, FlippedDataByteIsDetected) {
  std::string body = Encode(65536);
  size_t pos = body.find("\r\n") + 2 + 1000;  // inside the first chunk's data
  body[pos] ^= 0x01;
  Decoded d = Decode(Options(), body);
  if (GetParam() == PayloadMode::kStreamingUnsignedTrailer) {
    EXPECT_EQ(d.status.s3_code(), "BadDigest");  // only the checksum can tell
    EXPECT_EQ(d.status.code(), StatusCode::kCorruption);
  } else {
    EXPECT_EQ(d.status.s3_code(), "SignatureDoesNotMatch");
  }
}

TEST_P(ChunkedRoundTripTest, TruncationAtAnyPointFails) {
  data_.resize(300);
  std::string body = Encode(100);
  for (size_t cut = 0; cut < body.size(); ++cut) {
    Decoded d = Decode(Options(), std::string_view(body).substr(0, cut));
    // Only the closing empty line of the trailers may be missing.
    size_t tolerated = HasTrailers() ? body.size() - 2 : body.size();
    if (cut < tolerated) {
      EXPECT_FALSE(d.status.ok()) << "cut at " << cut;
    }
  }
  Decoded cut = Decode(Options(), std::string_view(body).substr(0, 150));
  EXPECT_EQ(cut.status.s3_code(), "IncompleteBody");
}

TEST_P(ChunkedRoundTripTest, ExtraBytesAfterTheEnd) {
  Decoded d = Decode(Options(), Encode(65536) + "x");
  EXPECT_EQ(d.status.s3_code(), "InvalidRequest");
  d = Decode(Options(), Encode(65536) + Encode(65536));
  EXPECT_FALSE(d.status.ok());
}

TEST_P(ChunkedRoundTripTest, DecodedLengthMustMatch) {
  auto options = Options();
  options.decoded_content_length = data_.size() + 1;
  EXPECT_EQ(Decode(options, Encode(65536)).status.s3_code(), "IncompleteBody");
  options.decoded_content_length = data_.size() - 1;
  EXPECT_EQ(Decode(options, Encode(65536)).status.s3_code(), "IncompleteBody");
  options.decoded_content_length.reset();  // not declared: anything goes
  EXPECT_TRUE(Decode(options, Encode(65536)).status.ok());
}

TEST_P(ChunkedRoundTripTest, SinkErrorsStopTheDecoderAndStick) {
  ChunkedPayloadDecoder decoder(Options());
  int calls = 0;
  BodySink failing = [&](std::string_view) {
    ++calls;
    return Status::IOError("disk full");
  };
  std::string body = Encode(65536);
  EXPECT_EQ(decoder.Feed(body, failing).code(), StatusCode::kIOError);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(decoder.Feed("more", failing).code(), StatusCode::kIOError);
  EXPECT_EQ(decoder.Finish().code(), StatusCode::kIOError);
}

TEST_P(ChunkedRoundTripTest, OverlongLinesAreRefused) {
  auto options = Options();
  options.max_line_length = 200;
  Decoded d = Decode(options, std::string(10000, 'f'), [] { return 7; });
  EXPECT_EQ(d.status.s3_code(), "InvalidRequest");
  d = Decode(options, std::string(300, '0') + "1\r\n");
  EXPECT_EQ(d.status.s3_code(), "InvalidRequest");
}

INSTANTIATE_TEST_SUITE_P(Modes, ChunkedRoundTripTest,
                         ::testing::Values(PayloadMode::kStreamingSigned,
                                           PayloadMode::kStreamingUnsignedTrailer,
                                           PayloadMode::kStreamingSignedTrailer),
                         [](const auto& info) {
                           switch (info.param) {
                             case PayloadMode::kStreamingSigned:
                               return std::string("Signed");
                             case PayloadMode::kStreamingUnsignedTrailer:
                               return std::string("UnsignedTrailer");
                             default:
                               return std::string("SignedTrailer");
                           }
                         });

// ---- Signed-mode tampering -------------------------------------------------

class ChunkedTamperTest : public ::testing::Test {
 protected:
  ChunkedPayloadDecoder::Options Options(PayloadMode mode) {
    ChunkedPayloadDecoder::Options o;
    o.mode = mode;
    o.signing = context_;
    if (mode != PayloadMode::kStreamingSigned) o.declared_trailers = {"x-amz-checksum-sha256"};
    return o;
  }
  std::string Encode(PayloadMode mode, const std::vector<std::string>& chunks,
                     const HeaderList& trailers = {}) {
    ChunkedPayloadEncoder encoder(mode, context_);
    std::string out;
    for (const auto& c : chunks) out += encoder.EncodeChunk(c);
    return out + encoder.Finish(trailers);
  }
  ChunkSigningContext context_ = ExampleContext(std::string(64, '0'));
};

TEST_F(ChunkedTamperTest, SignatureCharacterChanged) {
  std::string body = Encode(PayloadMode::kStreamingSigned, {"hello ", "world"});
  size_t sig = body.find("chunk-signature=") + 16 + 10;
  body[sig] = body[sig] == 'a' ? 'b' : 'a';
  EXPECT_EQ(Decode(Options(PayloadMode::kStreamingSigned), body).status.s3_code(),
            "SignatureDoesNotMatch");
}

TEST_F(ChunkedTamperTest, FinalChunkSignatureChanged) {
  std::string body = Encode(PayloadMode::kStreamingSigned, {"hello"});
  size_t sig = body.rfind("chunk-signature=") + 16;
  body[sig] = body[sig] == 'a' ? 'b' : 'a';
  EXPECT_EQ(Decode(Options(PayloadMode::kStreamingSigned), body).status.s3_code(),
            "SignatureDoesNotMatch");
}

TEST_F(ChunkedTamperTest, ChunksSwappedOrDropped) {
  ChunkedPayloadEncoder encoder(PayloadMode::kStreamingSigned, context_);
  std::string c1 = encoder.EncodeChunk("first"), c2 = encoder.EncodeChunk("second");
  std::string end = encoder.Finish();
  EXPECT_TRUE(Decode(Options(PayloadMode::kStreamingSigned), c1 + c2 + end).status.ok());
  EXPECT_EQ(Decode(Options(PayloadMode::kStreamingSigned), c2 + c1 + end).status.s3_code(),
            "SignatureDoesNotMatch");
  EXPECT_EQ(Decode(Options(PayloadMode::kStreamingSigned), c1 + end).status.s3_code(),
            "SignatureDoesNotMatch");
}

TEST_F(ChunkedTamperTest, WrongSeedOrKey) {
  std::string body = Encode(PayloadMode::kStreamingSigned, {"data"});
  auto options = Options(PayloadMode::kStreamingSigned);
  options.signing.seed_signature = std::string(64, '1');
  EXPECT_EQ(Decode(options, body).status.s3_code(), "SignatureDoesNotMatch");
  options = Options(PayloadMode::kStreamingSigned);
  options.signing.signing_key = SigningKey("other", "20130524", "us-east-1", "s3");
  EXPECT_EQ(Decode(options, body).status.s3_code(), "SignatureDoesNotMatch");
}

TEST_F(ChunkedTamperTest, TrailerValueOrSignatureChanged) {
  const auto mode = PayloadMode::kStreamingSignedTrailer;
  std::string good_sum = ComputeChecksum(ChecksumAlgorithm::kSha256, "data");
  std::string body = Encode(mode, {"data"}, {{"x-amz-checksum-sha256", good_sum}});
  ASSERT_TRUE(Decode(Options(mode), body).status.ok());

  // A different (valid-looking) checksum: the trailer signature no longer matches.
  std::string other_sum = ComputeChecksum(ChecksumAlgorithm::kSha256, "datb");
  std::string swapped = body;
  swapped.replace(swapped.find(good_sum), good_sum.size(), other_sum);
  EXPECT_EQ(Decode(Options(mode), swapped).status.s3_code(), "SignatureDoesNotMatch");

  std::string bad_sig = body;
  size_t sig = bad_sig.find("x-amz-trailer-signature:") + 24;
  bad_sig[sig] = bad_sig[sig] == 'a' ? 'b' : 'a';
  EXPECT_EQ(Decode(Options(mode), bad_sig).status.s3_code(), "SignatureDoesNotMatch");

  std::string no_sig = body.substr(0, body.find("x-amz-trailer-signature:")) + "\r\n";
  EXPECT_EQ(Decode(Options(mode), no_sig).status.s3_code(), "MalformedTrailerError");
}

TEST_F(ChunkedTamperTest, WrongChecksumCorrectlySigned) {
  // The client signed a wrong checksum: the signature holds, the data does not.
  for (auto mode : {PayloadMode::kStreamingSignedTrailer, PayloadMode::kStreamingUnsignedTrailer}) {
    std::string body =
        Encode(mode, {"data"},
               {{"x-amz-checksum-sha256", ComputeChecksum(ChecksumAlgorithm::kSha256, "x")}});
    Decoded d = Decode(Options(mode), body);
    EXPECT_EQ(d.status.s3_code(), "BadDigest");
    EXPECT_EQ(d.status.code(), StatusCode::kCorruption);
  }
}

TEST_F(ChunkedTamperTest, EveryChecksumAlgorithmAsTrailer) {
  for (auto mode : {PayloadMode::kStreamingSignedTrailer, PayloadMode::kStreamingUnsignedTrailer}) {
    for (ChecksumAlgorithm a :
         {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
          ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256}) {
      std::string name(ChecksumHeaderName(a));
      auto options = Options(mode);
      options.declared_trailers = {name};
      Decoded d = Decode(
          options, Encode(mode, {"some ", "data"}, {{name, ComputeChecksum(a, "some data")}}));
      EXPECT_TRUE(d.status.ok()) << name << ": " << d.status.ToString();
      d = Decode(options,
                 Encode(mode, {"some ", "data"}, {{name, ComputeChecksum(a, "some date")}}));
      EXPECT_EQ(d.status.s3_code(), "BadDigest") << name;
    }
  }
}

TEST_F(ChunkedTamperTest, TrailerProblems) {
  const auto mode = PayloadMode::kStreamingUnsignedTrailer;
  auto decode = [&](const std::string& trailers) {
    return Decode(Options(mode), "4\r\ndata\r\n0\r\n" + trailers).status.s3_code();
  };
  std::string sum = ComputeChecksum(ChecksumAlgorithm::kSha256, "data");
  EXPECT_EQ(decode("x-amz-checksum-sha256:" + sum + "\r\n\r\n"), "");
  EXPECT_EQ(decode("x-amz-checksum-sha256:not base64!\r\n\r\n"), "InvalidDigest");
  EXPECT_EQ(decode("x-amz-checksum-sha256:AAAAAA==\r\n\r\n"), "InvalidDigest");  // wrong size
  EXPECT_EQ(decode("x-amz-checksum-crc32:AAAAAA==\r\n\r\n"), "MalformedTrailerError");
  EXPECT_EQ(decode("x-amz-checksum-sha256\r\n\r\n"), "MalformedTrailerError");
  EXPECT_EQ(decode("\r\n"), "IncompleteBody");  // the declared trailer never came
  EXPECT_EQ(
      decode("x-amz-checksum-sha256:" + sum + "\r\nx-amz-checksum-sha256:" + sum + "\r\n\r\n"),
      "MalformedTrailerError");
  EXPECT_EQ(decode("x-amz-checksum-sha256:" + sum +
                   "\r\nx-amz-trailer-signature:" + std::string(64, 'a') + "\r\n\r\n"),
            "MalformedTrailerError");
  // Names are case-insensitive and values trimmed.
  EXPECT_EQ(decode("X-Amz-Checksum-SHA256: " + sum + " \r\n\r\n"), "");
}

TEST_F(ChunkedTamperTest, MalformedFraming) {
  auto signed_options = Options(PayloadMode::kStreamingSigned);
  auto unsigned_options = Options(PayloadMode::kStreamingUnsignedTrailer);
  unsigned_options.declared_trailers.clear();
  std::string sig(64, 'a');
  EXPECT_EQ(Decode(signed_options, "zz;chunk-signature=" + sig + "\r\n").status.s3_code(),
            "InvalidRequest");
  EXPECT_EQ(Decode(signed_options, "4\r\ndata\r\n").status.s3_code(), "InvalidRequest");
  EXPECT_EQ(Decode(signed_options, "4;chunk-signature=abc\r\ndata\r\n").status.s3_code(),
            "InvalidRequest");
  EXPECT_EQ(Decode(unsigned_options, "4\ndata\r\n0\r\n\r\n").status.s3_code(), "InvalidRequest");
  EXPECT_EQ(Decode(unsigned_options, "4\r\ndataX\r\n0\r\n\r\n").status.s3_code(), "InvalidRequest");
  EXPECT_EQ(Decode(unsigned_options, "11111111111111111\r\n").status.s3_code(), "InvalidRequest");
  EXPECT_EQ(Decode(unsigned_options, "").status.s3_code(), "IncompleteBody");
  EXPECT_TRUE(Decode(unsigned_options, "4;ext=1\r\ndata\r\n0\r\n\r\n").status.ok());
  // A plain payload mode is not aws-chunked at all.
  auto plain = signed_options;
  plain.mode = PayloadMode::kUnsigned;
  EXPECT_EQ(Decode(plain, "4\r\ndata\r\n0\r\n\r\n").status.s3_code(), "InvalidRequest");
}

}  // namespace
}  // namespace sos
