// VerifySigV4: the server side of s3core/sigv4.h -- checks an incoming
// request's Authorization header or pre-signed query and returns everything
// the body decoder needs. A pre-signed URL grants exactly what was signed:
// x-amz-* headers it does not sign are refused in both forms.
// Pure function; thread-safe if the credential lookup is.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "s3core/http_request_head.h"
#include "s3core/sigv4.h"
#include "s3core/status.h"

namespace sos {


struct SigV4VerifyOptions {
  std::string region;                                       // empty: accept the scope's region
  std::string service = "s3";                               // the scope's service must equal this
  std::chrono::seconds max_skew{std::chrono::minutes(15)};  // header form only
};

// Everything a verified SigV4 request tells the body decoder.
struct SigV4Auth {
  bool presigned = false;
  std::string access_key_id;
  std::string session_token;   // x-amz-security-token, if sent (not validated here)
  std::string signing_key;     // raw key for `scope`, chains chunk signatures
  std::string scope;           // yyyymmdd/region/service/aws4_request
  std::string amz_date;        // 20150830T123600Z
  std::string seed_signature;  // lower hex, the request's own signature
  PayloadMode payload_mode = PayloadMode::kUnsigned;
  std::string payload_hash;                        // declared x-amz-content-sha256 value
  std::optional<uint64_t> decoded_content_length;  // x-amz-decoded-content-length
  std::vector<std::string> trailer_names;          // x-amz-trailer, lower-cased
};

// Verifies the Authorization header form or the pre-signed query form
// (X-Amz-Algorithm in the query). Header form: x-amz-content-sha256 is
// required, the clock may be off by max_skew, and every x-amz-* header sent
// must be signed. Query form: X-Amz-Expires <= 604800, the payload hash is
// X-Amz-Content-Sha256 from the URL or else UNSIGNED-PAYLOAD. Errors carry the precise S3 code:
// SignatureDoesNotMatch, InvalidAccessKeyId, AccessDenied,
// AuthorizationHeaderMalformed, AuthorizationQueryParametersError,
// RequestTimeTooSkewed, InvalidArgument.
Result<SigV4Auth> VerifySigV4(const HttpRequestHead& request, const CredentialLookup& lookup,
                              TimePoint now, const SigV4VerifyOptions& options = {});

}  // namespace sos
