#include "daemon/auth/authenticator.h"

#include "s3core/uri.h"

namespace sos {
namespace {

bool QueryHas(std::string_view raw_query, std::string_view name) {
  auto query = ParseQuery(raw_query);
  if (!query) return false;
  for (const auto& kv : *query) {
    if (kv.first == name) return true;
  }
  return false;
}

}  // namespace

Result<AuthScheme> DetectAuthScheme(const HttpRequestHead& request) {
  std::string_view raw_query = SplitTarget(request.target).second;
  bool v4_query = QueryHas(raw_query, "X-Amz-Algorithm");
  bool v2_query = QueryHas(raw_query, "AWSAccessKeyId") || QueryHas(raw_query, "Signature");
  auto authorization = FindHeader(request, "authorization");
  if ((v4_query || v2_query) && authorization) {
    return Status::InvalidArgument(
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature "
        "query string parameter or the Authorization header should be specified");
  }
  if (authorization) {
    std::string_view value = *authorization;
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (value.substr(0, kSigV4Algorithm.size()) == kSigV4Algorithm) return AuthScheme::kSigV4Header;
    if (value.substr(0, 4) == "AWS ") return AuthScheme::kSigV2Header;
    return Status::InvalidArgument("Unsupported Authorization Type");
  }
  if (v4_query) return AuthScheme::kSigV4Query;
  if (v2_query) return AuthScheme::kSigV2Query;
  return AuthScheme::kAnonymous;
}

Result<AuthResult> Authenticate(const HttpRequestHead& request, const CredentialLookup& lookup,
                                TimePoint now, const AuthOptions& options) {
  SOS_ASSIGN_OR_RETURN(AuthScheme scheme, DetectAuthScheme(request));
  AuthResult result;
  result.scheme = scheme;
  switch (scheme) {
    case AuthScheme::kAnonymous:
      return result;
    case AuthScheme::kSigV4Header:
    case AuthScheme::kSigV4Query: {
      SOS_ASSIGN_OR_RETURN(SigV4Auth auth, VerifySigV4(request, lookup, now, options.v4));
      result.access_key_id = auth.access_key_id;
      result.sigv4 = std::move(auth);
      return result;
    }
    case AuthScheme::kSigV2Header:
    case AuthScheme::kSigV2Query: {
      if (!options.allow_sigv2) {
        return Status::InvalidArgument(
            "The authorization mechanism you have provided is not supported. Please use "
            "AWS4-HMAC-SHA256.");
      }
      SOS_ASSIGN_OR_RETURN(SigV2Auth auth, VerifySigV2(request, lookup, now, options.v2));
      result.access_key_id = auth.access_key_id;
      return result;
    }
  }
  return Status::Internal("unreachable auth scheme");
}

}  // namespace sos
