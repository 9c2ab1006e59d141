// VerifySigV2: the server side of s3core/sigv2.h (s3cmd and older tools).
// Header form "Authorization: AWS AKID:SIG", or the query form with
// AWSAccessKeyId, Expires and Signature. SigV2 signs every x-amz-* header a
// request carries, so an added one fails the signature.
// Pure function; thread-safe if the credential lookup is.
#pragma once

#include <chrono>
#include <string>

#include "s3core/http_request_head.h"
#include "s3core/sigv2.h"
#include "s3core/sigv4.h"
#include "s3core/status.h"

namespace sos {

struct SigV2VerifyOptions {
  std::string virtual_host_bucket;  // bucket named by the Host header, if any
  std::chrono::seconds max_skew{std::chrono::minutes(15)};  // header form only
};

struct SigV2Auth {
  bool presigned = false;
  std::string access_key_id;
};

// Errors: SignatureDoesNotMatch, InvalidAccessKeyId, AccessDenied (expired,
// missing date or parameters), RequestTimeTooSkewed, InvalidArgument.
Result<SigV2Auth> VerifySigV2(const HttpRequestHead& request, const CredentialLookup& lookup,
                              TimePoint now, const SigV2VerifyOptions& options = {});

}  // namespace sos
