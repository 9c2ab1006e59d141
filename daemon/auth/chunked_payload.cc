#include "daemon/auth/chunked_payload.h"

#include <algorithm>

#include "s3core/http_request_head.h"

namespace sos {
namespace {

constexpr std::string_view kChunkSignaturePrefix = ";chunk-signature=";
constexpr std::string_view kTrailerSignatureName = "x-amz-trailer-signature";
constexpr size_t kMaxTrailers = 16;
constexpr uint64_t kMaxChunkSize = uint64_t{1} << 62;

Status IncompleteBody(std::string msg) {
  return Status::InvalidArgument(std::move(msg), "IncompleteBody");
}
Status InvalidRequest(std::string msg) {
  return Status::InvalidArgument(std::move(msg), "InvalidRequest");
}
Status MalformedTrailer(std::string msg) {
  return Status::InvalidArgument(std::move(msg), "MalformedTrailerError");
}
Status SignatureMismatch(std::string msg) {
  return Status::Unauthenticated(std::move(msg), "SignatureDoesNotMatch");
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::optional<uint64_t> ParseHexSize(std::string_view s) {
  if (s.empty() || s.size() > 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (!IsHexDigit(c)) return std::nullopt;
    int d = c <= '9' ? c - '0' : (AsciiLower(c) - 'a' + 10);
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  if (v > kMaxChunkSize) return std::nullopt;
  return v;
}

std::string Hex(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[v & 0xF]);
    v >>= 4;
  } while (v != 0);
  return out;
}

bool IsSigned(PayloadMode mode) {
  return mode == PayloadMode::kStreamingSigned || mode == PayloadMode::kStreamingSignedTrailer;
}

}  // namespace

std::string ChunkStringToSign(const ChunkSigningContext& context,
                              std::string_view previous_signature,
                              std::string_view data_sha256_hex) {
  std::string out = "AWS4-HMAC-SHA256-PAYLOAD\n";
  out.append(context.amz_date).push_back('\n');
  out.append(context.scope).push_back('\n');
  out.append(previous_signature).push_back('\n');
  out.append(kEmptySha256Hex).push_back('\n');
  out.append(data_sha256_hex);
  return out;
}

std::string TrailerStringToSign(const ChunkSigningContext& context,
                                std::string_view previous_signature,
                                std::string_view canonical_trailers) {
  std::string out = "AWS4-HMAC-SHA256-TRAILER\n";
  out.append(context.amz_date).push_back('\n');
  out.append(context.scope).push_back('\n');
  out.append(previous_signature).push_back('\n');
  out += Sha256Hex(canonical_trailers);
  return out;
}

// ---- Decoder ---------------------------------------------------------------

ChunkedPayloadDecoder::Options ChunkedPayloadDecoder::OptionsFor(const SigV4Auth& auth) {
  Options o;
  o.mode = auth.payload_mode;
  o.signing = {auth.signing_key, auth.amz_date, auth.scope, auth.seed_signature};
  o.decoded_content_length = auth.decoded_content_length;
  o.declared_trailers = auth.trailer_names;
  return o;
}

ChunkedPayloadDecoder::ChunkedPayloadDecoder(Options options) : options_(std::move(options)) {
  previous_signature_ = options_.signing.seed_signature;
  for (auto& name : options_.declared_trailers) {
    name = AsciiLower(name);
    if (auto algorithm = ChecksumAlgorithmFromHeader(name)) checksums_.emplace_back(*algorithm);
  }
  if (!IsStreaming(options_.mode)) {
    error_ = InvalidRequest("the payload is not aws-chunked");
  } else if (!HasTrailers() && !options_.declared_trailers.empty()) {
    error_ = InvalidRequest("x-amz-trailer needs a STREAMING-*-TRAILER payload");
  }
}

ChunkedPayloadDecoder::~ChunkedPayloadDecoder() = default;
ChunkedPayloadDecoder::ChunkedPayloadDecoder(ChunkedPayloadDecoder&&) noexcept = default;
ChunkedPayloadDecoder& ChunkedPayloadDecoder::operator=(ChunkedPayloadDecoder&&) noexcept = default;

bool ChunkedPayloadDecoder::Signed() const { return IsSigned(options_.mode); }

bool ChunkedPayloadDecoder::HasTrailers() const {
  return options_.mode == PayloadMode::kStreamingUnsignedTrailer ||
         options_.mode == PayloadMode::kStreamingSignedTrailer;
}

Status ChunkedPayloadDecoder::Fail(Status status) {
  if (error_.ok()) error_ = std::move(status);
  return error_;
}

Status ChunkedPayloadDecoder::Feed(std::string_view data, const BodySink& out) {
  if (!error_.ok()) return error_;
  while (!data.empty()) {
    switch (state_) {
      case State::kChunkHeader:
      case State::kTrailer: {
        size_t nl = data.find('\n');
        size_t take = nl == std::string_view::npos ? data.size() : nl + 1;
        if (line_.size() + take > options_.max_line_length + 2) {
          return Fail(InvalidRequest(state_ == State::kTrailer ? "trailer line too long"
                                                               : "chunk header line too long"));
        }
        line_.append(data.substr(0, take));
        data.remove_prefix(take);
        if (nl == std::string_view::npos) break;
        if (line_.size() < 2 || line_[line_.size() - 2] != '\r') {
          return Fail(InvalidRequest("aws-chunked line not terminated by CRLF"));
        }
        std::string line = std::move(line_);
        line_.clear();
        line.resize(line.size() - 2);
        Status s = state_ == State::kChunkHeader ? OnChunkHeader(line) : OnTrailerLine(line);
        if (!s.ok()) return Fail(std::move(s));
        break;
      }
      case State::kData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(chunk_left_, data.size()));
        std::string_view piece = data.substr(0, n);
        if (chunk_hash_) chunk_hash_->Update(piece);
        for (auto& c : checksums_) c.Update(piece);
        decoded_bytes_ += n;
        chunk_left_ -= n;
        data.remove_prefix(n);
        Status s = out(piece);
        if (!s.ok()) return Fail(std::move(s));
        if (chunk_left_ == 0) {
          state_ = State::kDataCrlf;
          crlf_seen_ = 0;
        }
        break;
      }
      case State::kDataCrlf: {
        if (data.front() != (crlf_seen_ == 0 ? '\r' : '\n')) {
          return Fail(InvalidRequest("chunk data not followed by CRLF"));
        }
        data.remove_prefix(1);
        if (++crlf_seen_ == 2) {
          Status s = OnChunkEnd();
          if (!s.ok()) return Fail(std::move(s));
        }
        break;
      }
      case State::kDone:
        return Fail(InvalidRequest("data after the end of the aws-chunked body"));
    }
  }
  return Status::Ok();
}

Status ChunkedPayloadDecoder::OnChunkHeader(std::string_view line) {
  size_t semi = line.find(';');
  std::string_view size_text = line.substr(0, semi);
  std::string_view extension = semi == std::string_view::npos ? "" : line.substr(semi);
  auto size = ParseHexSize(size_text);
  if (!size) return InvalidRequest("malformed chunk size '" + std::string(size_text) + "'");
  if (Signed()) {
    if (extension.substr(0, kChunkSignaturePrefix.size()) != kChunkSignaturePrefix ||
        extension.size() != kChunkSignaturePrefix.size() + 64 ||
        !std::all_of(extension.begin() + kChunkSignaturePrefix.size(), extension.end(),
                     IsHexDigit)) {
      return InvalidRequest("chunk header lacks a valid chunk-signature");
    }
    chunk_signature_ = AsciiLower(extension.substr(kChunkSignaturePrefix.size()));
  }
  // Unsigned chunks may carry extensions; they are ignored.
  if (options_.decoded_content_length &&
      decoded_bytes_ + *size > *options_.decoded_content_length) {
    return IncompleteBody("chunks exceed x-amz-decoded-content-length");
  }
  if (*size > 0) {
    chunk_left_ = *size;
    if (Signed()) chunk_hash_ = std::make_unique<Digest>(DigestAlgorithm::kSha256);
    state_ = State::kData;
    return Status::Ok();
  }
  // The final, empty chunk: its signature closes the data.
  last_chunk_ = true;
  if (Signed()) {
    std::string expected =
        Signature(options_.signing.signing_key,
                  ChunkStringToSign(options_.signing, previous_signature_, kEmptySha256Hex));
    if (!ConstantTimeEquals(expected, chunk_signature_)) {
      return SignatureMismatch("final chunk signature does not match");
    }
    previous_signature_ = std::move(expected);
  }
  if (HasTrailers()) {
    state_ = State::kTrailer;
  } else {
    state_ = State::kDataCrlf;
    crlf_seen_ = 0;
  }
  return Status::Ok();
}

Status ChunkedPayloadDecoder::OnChunkEnd() {
  if (last_chunk_) {  // STREAMING-AWS4-HMAC-SHA256-PAYLOAD: "0;...\r\n\r\n" seen
    if (options_.decoded_content_length && decoded_bytes_ != *options_.decoded_content_length) {
      return IncompleteBody("body shorter than x-amz-decoded-content-length");
    }
    state_ = State::kDone;
    return Status::Ok();
  }
  if (Signed()) {
    std::string expected = Signature(
        options_.signing.signing_key,
        ChunkStringToSign(options_.signing, previous_signature_, HexEncode(chunk_hash_->Finish())));
    chunk_hash_.reset();
    if (!ConstantTimeEquals(expected, chunk_signature_)) {
      return SignatureMismatch("chunk signature does not match");
    }
    previous_signature_ = std::move(expected);
  }
  state_ = State::kChunkHeader;
  return Status::Ok();
}

Status ChunkedPayloadDecoder::OnTrailerLine(std::string_view line) {
  if (line.empty()) {
    bool complete = Signed() ? trailer_signature_.has_value()
                             : !trailers_.empty() || options_.declared_trailers.empty();
    if (complete) return OnTrailersEnd();
    // An empty line before any trailer separates it from the final chunk
    // (as in AWS's documented example); SDKs omit it.
    if (trailers_.empty() && !trailer_signature_) return Status::Ok();
    return MalformedTrailer("trailers end without x-amz-trailer-signature");
  }
  if (trailer_signature_) return MalformedTrailer("trailer after x-amz-trailer-signature");
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return MalformedTrailer("malformed trailer line");
  }
  std::string name = AsciiLower(TrimOws(line.substr(0, colon)));
  std::string value(TrimOws(line.substr(colon + 1)));
  if (name == kTrailerSignatureName) {
    if (!Signed()) return MalformedTrailer("unsigned trailers carry no signature");
    if (value.size() != 64 || !std::all_of(value.begin(), value.end(), IsHexDigit)) {
      return MalformedTrailer("malformed x-amz-trailer-signature");
    }
    trailer_signature_ = AsciiLower(value);
    return Status::Ok();
  }
  const auto& declared = options_.declared_trailers;
  if (std::find(declared.begin(), declared.end(), name) == declared.end()) {
    return MalformedTrailer("trailer '" + name + "' was not declared in x-amz-trailer");
  }
  bool duplicate = std::any_of(trailers_.begin(), trailers_.end(),
                               [&](const auto& t) { return t.first == name; });
  if (duplicate || trailers_.size() >= kMaxTrailers) {
    return MalformedTrailer("trailer '" + name + "' repeated");
  }
  trailers_.emplace_back(std::move(name), std::move(value));
  return Status::Ok();
}

Status ChunkedPayloadDecoder::OnTrailersEnd() {
  if (Signed()) {
    std::string expected = Signature(
        options_.signing.signing_key,
        TrailerStringToSign(options_.signing, previous_signature_, CanonicalHeaders(trailers_)));
    if (!ConstantTimeEquals(expected, *trailer_signature_)) {
      return SignatureMismatch("trailer signature does not match");
    }
  }
  for (const auto& name : options_.declared_trailers) {
    bool present = std::any_of(trailers_.begin(), trailers_.end(),
                               [&](const auto& t) { return t.first == name; });
    if (!present) return MalformedTrailer("declared trailer '" + name + "' is missing");
  }
  if (options_.decoded_content_length && decoded_bytes_ != *options_.decoded_content_length) {
    return IncompleteBody("body shorter than x-amz-decoded-content-length");
  }
  for (auto& checksum : checksums_) {
    std::string_view header = ChecksumHeaderName(checksum.algorithm());
    auto it = std::find_if(trailers_.begin(), trailers_.end(),
                           [&](const auto& t) { return t.first == header; });
    auto raw = Base64Decode(it->second);
    if (!raw || raw->size() != ChecksumDigestSize(checksum.algorithm())) {
      return Status::InvalidArgument("Value for " + std::string(header) + " is invalid.",
                                     "InvalidDigest");
    }
    if (checksum.FinishRaw() != *raw) {
      return Status::Corruption("The " + std::string(ChecksumAlgorithmName(checksum.algorithm())) +
                                    " you specified did not match the calculated checksum.",
                                "BadDigest");
    }
  }
  state_ = State::kDone;
  return Status::Ok();
}

Status ChunkedPayloadDecoder::Finish() {
  if (!error_.ok()) return error_;
  // Tolerate a body whose last trailer line is complete but which lacks the
  // closing empty line; a partial line is still a truncated body.
  if (state_ == State::kTrailer && line_.empty() && (!trailers_.empty() || trailer_signature_)) {
    Status s = OnTrailerLine("");
    if (!s.ok()) return Fail(std::move(s));
  }
  if (state_ != State::kDone) {
    return Fail(IncompleteBody("The request body terminated unexpectedly"));
  }
  return Status::Ok();
}

// ---- Encoder ---------------------------------------------------------------

ChunkedPayloadEncoder::ChunkedPayloadEncoder(PayloadMode mode, ChunkSigningContext signing)
    : mode_(mode), signing_(std::move(signing)), previous_signature_(signing_.seed_signature) {}

std::string ChunkedPayloadEncoder::Sign(std::string_view data) {
  previous_signature_ = Signature(
      signing_.signing_key, ChunkStringToSign(signing_, previous_signature_, Sha256Hex(data)));
  return previous_signature_;
}

std::string ChunkedPayloadEncoder::EncodeChunk(std::string_view data) {
  std::string out = Hex(data.size());
  if (IsSigned(mode_)) out.append(kChunkSignaturePrefix).append(Sign(data));
  out.append("\r\n").append(data).append("\r\n");
  return out;
}

std::string ChunkedPayloadEncoder::Finish(const HeaderList& trailers) {
  std::string out = "0";
  if (IsSigned(mode_)) out.append(kChunkSignaturePrefix).append(Sign(""));
  out.append("\r\n");
  if (mode_ == PayloadMode::kStreamingSigned) return out.append("\r\n");
  HeaderList lower;
  for (const auto& [name, value] : trailers) {
    lower.emplace_back(AsciiLower(name), value);
    out.append(lower.back().first).append(":").append(value).append("\r\n");
  }
  if (mode_ == PayloadMode::kStreamingSignedTrailer) {
    std::string signature =
        Signature(signing_.signing_key,
                  TrailerStringToSign(signing_, previous_signature_, CanonicalHeaders(lower)));
    out.append(kTrailerSignatureName).append(":").append(signature).append("\r\n");
  }
  return out.append("\r\n");
}

uint64_t ChunkedPayloadEncoder::EncodedLength(
    PayloadMode mode, uint64_t decoded_length, uint64_t chunk_size,
    const std::vector<std::pair<std::string, size_t>>& trailers) {
  const uint64_t signature = IsSigned(mode) ? kChunkSignaturePrefix.size() + 64 : 0;
  auto framed = [&](uint64_t size) { return Hex(size).size() + signature + 2 + size + 2; };
  uint64_t total = 0;
  if (chunk_size > 0) {
    total += (decoded_length / chunk_size) * framed(chunk_size);
    if (decoded_length % chunk_size) total += framed(decoded_length % chunk_size);
  }
  total += 1 + signature + 2;  // final chunk header
  if (mode == PayloadMode::kStreamingSigned) return total + 2;
  for (const auto& [name, length] : trailers) total += name.size() + 1 + length + 2;
  if (mode == PayloadMode::kStreamingSignedTrailer)
    total += kTrailerSignatureName.size() + 1 + 64 + 2;
  return total + 2;
}

}  // namespace sos
