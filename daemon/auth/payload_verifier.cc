#include "daemon/auth/payload_verifier.h"

#include <algorithm>

namespace sos {
namespace {

Status InvalidDigest(std::string msg) {
  return Status::InvalidArgument(std::move(msg), "InvalidDigest");
}

}  // namespace

PayloadVerifier::PayloadVerifier(PayloadVerifier&&) noexcept = default;
PayloadVerifier& PayloadVerifier::operator=(PayloadVerifier&&) noexcept = default;
PayloadVerifier::~PayloadVerifier() = default;

Result<PayloadVerifier> PayloadVerifier::Create(const HttpRequestHead& head,
                                                const SigV4Auth* sigv4) {
  PayloadVerifier v;
  bool streaming = sigv4 && IsStreaming(sigv4->payload_mode);
  if (streaming) v.chunked_.emplace(ChunkedPayloadDecoder::OptionsFor(*sigv4));
  if (sigv4 && sigv4->payload_mode == PayloadMode::kSha256) {
    v.sha256_.emplace(DigestAlgorithm::kSha256);
    v.expected_sha256_ = HexDecode(sigv4->payload_hash).value_or("");
  }
  if (auto md5 = FindHeader(head, "content-md5")) {
    auto raw = Base64Decode(*md5);
    if (!raw || raw->size() != 16)
      return InvalidDigest("The Content-MD5 you specified was invalid.");
    v.md5_.emplace(DigestAlgorithm::kMd5);
    v.expected_md5_ = std::move(*raw);
  }
  for (const auto& [name, value] : head.headers) {
    auto algorithm = ChecksumAlgorithmFromHeader(name);
    if (!algorithm) continue;
    if (v.header_checksum_) {
      return Status::InvalidArgument(
          "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
          "InvalidRequest");
    }
    auto raw = Base64Decode(value);
    if (!raw || raw->size() != ChecksumDigestSize(*algorithm)) {
      return InvalidDigest("Value for " + AsciiLower(name) + " header is invalid.");
    }
    v.header_checksum_.emplace(*algorithm);
    v.expected_checksum_ = std::move(*raw);
    v.checksum_.emplace(*algorithm, value);
  }
  if (v.header_checksum_ && streaming && !sigv4->trailer_names.empty()) {
    return Status::InvalidArgument("a checksum may come as a header or a trailer, not both",
                                   "InvalidRequest");
  }
  return v;
}

Status PayloadVerifier::Fail(Status status) {
  if (error_.ok()) error_ = std::move(status);
  return error_;
}

Status PayloadVerifier::Consume(std::string_view data, const BodySink& out) {
  if (sha256_) sha256_->Update(data);
  if (md5_) md5_->Update(data);
  if (header_checksum_) header_checksum_->Update(data);
  decoded_bytes_ += data.size();
  return out(data);
}

Status PayloadVerifier::Feed(std::string_view data, const BodySink& out) {
  if (!error_.ok()) return error_;
  if (finished_) return Fail(Status::Internal("PayloadVerifier fed after Finish"));
  Status s = chunked_ ? chunked_->Feed(data, [&](std::string_view d) { return Consume(d, out); })
                      : Consume(data, out);
  return s.ok() ? s : Fail(std::move(s));
}

Status PayloadVerifier::Finish() {
  if (!error_.ok() || finished_) return error_;
  finished_ = true;
  if (chunked_) {
    Status s = chunked_->Finish();
    if (!s.ok()) return Fail(std::move(s));
    for (const auto& [name, value] : chunked_->trailers()) {
      auto algorithm = ChecksumAlgorithmFromHeader(name);
      if (algorithm && !checksum_) checksum_.emplace(*algorithm, value);
    }
  }
  if (sha256_ && sha256_->Finish() != expected_sha256_) {
    return Fail(Status::Corruption(
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        "XAmzContentSHA256Mismatch"));
  }
  if (md5_ && md5_->Finish() != expected_md5_) {
    return Fail(Status::Corruption("The Content-MD5 you specified did not match what we received.",
                                   "BadDigest"));
  }
  if (header_checksum_) {
    ChecksumAlgorithm algorithm = header_checksum_->algorithm();
    if (header_checksum_->FinishRaw() != expected_checksum_) {
      return Fail(Status::Corruption("The " + std::string(ChecksumAlgorithmName(algorithm)) +
                                         " you specified did not match the calculated checksum.",
                                     "BadDigest"));
    }
  }
  return Status::Ok();
}

}  // namespace sos
