// aws-chunked request bodies (Content-Encoding: aws-chunked), both ways.
//
// Wire format, per mode (x-amz-content-sha256):
//   STREAMING-AWS4-HMAC-SHA256-PAYLOAD
//     hex(size);chunk-signature=SIG\r\n DATA \r\n ... 0;chunk-signature=SIG\r\n \r\n
//   STREAMING-UNSIGNED-PAYLOAD-TRAILER
//     hex(size)\r\n DATA \r\n ... 0\r\n name:value\r\n ... \r\n
//   STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
//     signed chunks ... 0;chunk-signature=SIG\r\n name:value\r\n ...
//     x-amz-trailer-signature:SIG\r\n \r\n
// Chunk signatures chain from the request's seed signature:
//   "AWS4-HMAC-SHA256-PAYLOAD\n" date "\n" scope "\n" prev "\n" sha256("") "\n" sha256(data)
// and the trailer signature is over the canonical trailers ("name:value\n"):
//   "AWS4-HMAC-SHA256-TRAILER\n" date "\n" scope "\n" prev "\n" sha256(trailers)
//
// ChunkedPayloadDecoder is push-model and bounded in memory: bytes are passed
// to the sink as they arrive, *before* their chunk signature can be checked,
// so a caller must discard everything written if Feed or Finish fails. Errors
// are sticky. ChunkedPayloadEncoder frames chunks for a client. Neither class
// is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "s3core/body.h"
#include "s3core/checksum.h"
#include "s3core/crypto.h"
#include "daemon/auth/sigv4_verify.h"
#include "s3core/status.h"

namespace sos {

// What chains the chunk signatures of one request.
struct ChunkSigningContext {
  std::string signing_key;     // raw SigningKey() of the request's scope
  std::string amz_date;        // 20130524T000000Z
  std::string scope;           // 20130524/us-east-1/s3/aws4_request
  std::string seed_signature;  // the request's own signature, lower hex
};

std::string ChunkStringToSign(const ChunkSigningContext& context,
                              std::string_view previous_signature,
                              std::string_view data_sha256_hex);
std::string TrailerStringToSign(const ChunkSigningContext& context,
                                std::string_view previous_signature,
                                std::string_view canonical_trailers);

class ChunkedPayloadDecoder {
 public:
  struct Options {
    PayloadMode mode = PayloadMode::kStreamingSigned;  // one of the three streaming modes
    ChunkSigningContext signing;                       // unused when unsigned
    std::optional<uint64_t> decoded_content_length;    // x-amz-decoded-content-length
    std::vector<std::string> declared_trailers;        // x-amz-trailer, lower-cased
    size_t max_line_length = 4096;                     // chunk header or trailer line
  };
  // The options a verified request implies.
  static Options OptionsFor(const SigV4Auth& auth);

  explicit ChunkedPayloadDecoder(Options options);
  ~ChunkedPayloadDecoder();
  ChunkedPayloadDecoder(ChunkedPayloadDecoder&&) noexcept;
  ChunkedPayloadDecoder& operator=(ChunkedPayloadDecoder&&) noexcept;

  // Consumes any slice of the encoded body; decoded data goes to `out`.
  Status Feed(std::string_view data, const BodySink& out);
  // The body has ended: OK only if it was complete and everything verified.
  Status Finish();

  uint64_t decoded_bytes() const { return decoded_bytes_; }
  // Trailers received (lower-case names, trimmed values), without the signature.
  const HeaderList& trailers() const { return trailers_; }

 private:
  enum class State { kChunkHeader, kData, kDataCrlf, kTrailer, kDone };

  Status Fail(Status status);
  Status OnChunkHeader(std::string_view line);
  Status OnChunkEnd();
  Status OnTrailerLine(std::string_view line);
  Status OnTrailersEnd();
  bool Signed() const;
  bool HasTrailers() const;

  Options options_;
  State state_ = State::kChunkHeader;
  Status error_;
  std::string line_;  // partial header/trailer line, bounded by max_line_length
  uint64_t chunk_left_ = 0;
  bool last_chunk_ = false;
  size_t crlf_seen_ = 0;
  std::string chunk_signature_;  // the signature the current chunk claims
  std::string previous_signature_;
  std::unique_ptr<Digest> chunk_hash_;
  std::vector<Checksummer> checksums_;  // one per declared x-amz-checksum-* trailer
  uint64_t decoded_bytes_ = 0;
  HeaderList trailers_;
  std::optional<std::string> trailer_signature_;
};

class ChunkedPayloadEncoder {
 public:
  // `signing` is unused for STREAMING-UNSIGNED-PAYLOAD-TRAILER.
  ChunkedPayloadEncoder(PayloadMode mode, ChunkSigningContext signing);

  // Frames one non-empty chunk of data.
  std::string EncodeChunk(std::string_view data);
  // The final zero-length chunk, then (trailer modes) the trailers, their
  // signature (signed mode) and the closing empty line.
  std::string Finish(const HeaderList& trailers = {});

  // Content-Length of an encoding of `decoded_length` bytes cut into chunks of
  // `chunk_size`, with trailers of the given names and value lengths.
  static uint64_t EncodedLength(PayloadMode mode, uint64_t decoded_length, uint64_t chunk_size,
                                const std::vector<std::pair<std::string, size_t>>& trailers = {});

 private:
  std::string Sign(std::string_view data);

  PayloadMode mode_;
  ChunkSigningContext signing_;
  std::string previous_signature_;
};

}  // namespace sos
