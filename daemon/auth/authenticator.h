// Authenticate: the server's one entry point for "who sent this request".
//
// Detects the scheme from the request head and verifies it: SigV4
// Authorization header, SigV4 pre-signed query (X-Amz-Algorithm), SigV2
// Authorization header ("AWS AKID:SIG"), SigV2 query (AWSAccessKeyId /
// Signature), or anonymous when none is present. Mixing a header and a query
// scheme is InvalidArgument. Browser POST-policy uploads are not covered.
// Pure function; thread-safe if the lookup is.
#pragma once

#include <optional>
#include <string>

#include "daemon/auth/sigv2_verify.h"
#include "daemon/auth/sigv4_verify.h"
#include "s3core/http_request_head.h"
#include "s3core/status.h"

namespace sos {

enum class AuthScheme { kAnonymous, kSigV4Header, kSigV4Query, kSigV2Header, kSigV2Query };

struct AuthOptions {
  SigV4VerifyOptions v4;
  SigV2VerifyOptions v2;
  bool allow_sigv2 = true;
};

struct AuthResult {
  AuthScheme scheme = AuthScheme::kAnonymous;
  std::string access_key_id;       // empty when anonymous
  std::optional<SigV4Auth> sigv4;  // SigV4 only: what the body decoder needs
};

// Which scheme the request claims, without verifying anything.
Result<AuthScheme> DetectAuthScheme(const HttpRequestHead& request);

Result<AuthResult> Authenticate(const HttpRequestHead& request, const CredentialLookup& lookup,
                                TimePoint now, const AuthOptions& options = {});

}  // namespace sos
