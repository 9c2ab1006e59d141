// Fuzzes the aws-chunked body decoder (s3core/chunked_payload.h), with
// chunk signatures, trailers, trailer signatures and trailer checksums.
//
// Input: an options byte (bits 0-1 the payload mode: signed, unsigned with
// trailers, signed with trailers; bit 2 an x-amz-decoded-content-length;
// bits 3-4 the declared trailers), a byte that sets the slice size and the
// declared length, then the body. Two decoders take the body, one in a single
// Feed and one in slices: they must agree, and an accepted body must have
// the declared length and trailers. Then the round trip: the body is taken
// as data, framed by ChunkedPayloadEncoder in chunks (of the slice size, or
// 1/16 of the data if larger) with correct checksum trailers, and must decode
// to exactly that data; its size must be what EncodedLength predicted.
// Signatures chain from AWS's example request (2013-05-24, us-east-1, the
// example secret key).
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "daemon/auth/chunked_payload.h"
#include "s3core/checksum.h"
#include "tests/fuzz/fuzz_util.h"

namespace sos::fuzz {
namespace {

constexpr PayloadMode kModes[] = {PayloadMode::kStreamingSigned,
                                  PayloadMode::kStreamingUnsignedTrailer,
                                  PayloadMode::kStreamingSignedTrailer};

const std::vector<std::string> kTrailerSets[] = {
    {},
    {"x-amz-checksum-crc32"},
    {"x-amz-checksum-crc32c", "x-amz-checksum-sha256"},
    {"X-Amz-Checksum-CRC64NVME", "x-amz-meta-note"},
};

ChunkSigningContext Signing() {
  return {SigningKey(kSecretKey, "20130524", "us-east-1", "s3"), "20130524T000000Z",
          "20130524/us-east-1/s3/aws4_request",
          "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"};
}

struct Decoded {
  Status status;
  std::string data;
  HeaderList trailers;
  uint64_t decoded_bytes = 0;
};

// Feeds `body` in slices of `slice` bytes (all at once when 0).
Decoded Decode(const ChunkedPayloadDecoder::Options& options, std::string_view body, size_t slice) {
  ChunkedPayloadDecoder decoder(options);
  Decoded out;
  auto sink = [&](std::string_view piece) {
    out.data.append(piece);
    return Status::Ok();
  };
  if (slice == 0) slice = body.size() + 1;
  for (size_t at = 0; at < body.size() && out.status.ok(); at += slice) {
    out.status = decoder.Feed(body.substr(at, slice), sink);
  }
  if (out.status.ok()) out.status = decoder.Finish();
  out.trailers = decoder.trailers();
  out.decoded_bytes = decoder.decoded_bytes();
  return out;
}

void CheckAccepted(const ChunkedPayloadDecoder::Options& options, const Decoded& d) {
  FUZZ_CHECK(d.decoded_bytes == d.data.size());
  if (options.decoded_content_length) FUZZ_CHECK(d.data.size() == *options.decoded_content_length);
  FUZZ_CHECK(d.trailers.size() == options.declared_trailers.size());
  for (const auto& [name, value] : d.trailers) {
    bool declared = false;
    for (const auto& n : options.declared_trailers)
      declared = declared || EqualsIgnoreCase(n, name);
    FUZZ_CHECK(declared);
  }
}

void RoundTrip(ChunkedPayloadDecoder::Options options, std::string_view data, size_t chunk) {
  if (options.mode == PayloadMode::kStreamingSigned) options.declared_trailers.clear();
  HeaderList trailers;
  std::vector<std::pair<std::string, size_t>> trailer_sizes;
  for (const std::string& name : options.declared_trailers) {
    auto algorithm = ChecksumAlgorithmFromHeader(AsciiLower(name));
    std::string value = algorithm ? ComputeChecksum(*algorithm, data) : "a note";
    trailer_sizes.emplace_back(name, value.size());
    trailers.emplace_back(name, std::move(value));
  }
  ChunkedPayloadEncoder encoder(options.mode, options.signing);
  std::string body;
  for (size_t at = 0; at < data.size(); at += chunk)
    body += encoder.EncodeChunk(data.substr(at, chunk));
  body += encoder.Finish(trailers);
  FUZZ_CHECK(body.size() ==
             ChunkedPayloadEncoder::EncodedLength(options.mode, data.size(), chunk, trailer_sizes));
  options.decoded_content_length = data.size();
  Decoded d = Decode(options, body, chunk / 3 + 1);
  FUZZ_CHECK_OK(d.status);
  FUZZ_CHECK(d.data == data);
  CheckAccepted(options, d);
  for (size_t i = 0; i < trailers.size(); ++i) {
    FUZZ_CHECK(d.trailers[i].first == AsciiLower(trailers[i].first));
    FUZZ_CHECK(d.trailers[i].second == trailers[i].second);
  }
}

}  // namespace
}  // namespace sos::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sos;
  using namespace sos::fuzz;
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  const uint8_t slice = data[1];
  std::string_view body = FuzzInput(data + 2, size - 2);

  ChunkedPayloadDecoder::Options options;
  options.mode = kModes[(flags & 3) % std::size(kModes)];
  options.signing = Signing();
  if (flags & 4) options.decoded_content_length = slice;
  options.declared_trailers = kTrailerSets[(flags >> 3) & 3];

  Decoded whole = Decode(options, body, 0);
  Decoded sliced = Decode(options, body, slice % 17 + 1);
  FUZZ_CHECK(whole.status.ok() == sliced.status.ok());
  FUZZ_CHECK(whole.status.s3_code() == sliced.status.s3_code());
  if (whole.status.ok()) {
    FUZZ_CHECK(whole.data == sliced.data && whole.trailers == sliced.trailers);
    CheckAccepted(options, whole);
  }
  // At most 16 chunks: each one costs a few hashes, and more add no coverage.
  RoundTrip(options, body, std::max<size_t>(slice % 64 + 1, (body.size() + 15) / 16));
  return 0;
}
