// PayloadVerifier: checks a request body against everything its head and
// signature declare, while streaming it on to the store.
//
// It removes aws-chunked framing (via ChunkedPayloadDecoder) for the
// STREAMING-* payload modes, and checks, over the decoded bytes:
//   x-amz-content-sha256 (a hex hash)  -> XAmzContentSHA256Mismatch
//   Content-MD5                        -> InvalidDigest (malformed) / BadDigest
//   one x-amz-checksum-* header        -> InvalidDigest (malformed) / BadDigest
// plus, for aws-chunked bodies, chunk and trailer signatures, trailer
// checksums and x-amz-decoded-content-length. Bytes reach the sink before the
// body is known good: discard them if Feed or Finish fails. Errors are
// sticky. Not thread-safe; one per request.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "s3core/body.h"
#include "s3core/checksum.h"
#include "daemon/auth/chunked_payload.h"
#include "s3core/crypto.h"
#include "s3core/http_request_head.h"
#include "daemon/auth/sigv4_verify.h"
#include "s3core/status.h"

namespace sos {

class PayloadVerifier {
 public:
  // `sigv4` is the verified signature, or null for SigV2/anonymous requests.
  // Fails early (InvalidDigest, InvalidRequest) on malformed declarations.
  static Result<PayloadVerifier> Create(const HttpRequestHead& head, const SigV4Auth* sigv4);

  PayloadVerifier(PayloadVerifier&&) noexcept;
  PayloadVerifier& operator=(PayloadVerifier&&) noexcept;
  ~PayloadVerifier();

  // Consumes the next slice of the body as received; decoded bytes go to `out`.
  Status Feed(std::string_view data, const BodySink& out);
  // The body has ended: OK only if it is complete and every check passed.
  Status Finish();

  uint64_t decoded_bytes() const { return decoded_bytes_; }
  // The verified x-amz-checksum-* the client sent (header or trailer), if any;
  // valid after Finish returned OK.
  const std::optional<std::pair<ChecksumAlgorithm, std::string>>& checksum() const {
    return checksum_;
  }

 private:
  PayloadVerifier() = default;
  Status Consume(std::string_view data, const BodySink& out);
  Status Fail(Status status);

  Status error_;
  bool finished_ = false;
  std::optional<ChunkedPayloadDecoder> chunked_;
  std::optional<Digest> sha256_;
  std::string expected_sha256_;  // raw
  std::optional<Digest> md5_;
  std::string expected_md5_;  // raw
  std::optional<Checksummer> header_checksum_;
  std::string expected_checksum_;  // raw
  std::optional<std::pair<ChecksumAlgorithm, std::string>> checksum_;
  uint64_t decoded_bytes_ = 0;
};

}  // namespace sos
