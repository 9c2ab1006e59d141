#include "daemon/auth/sigv4_verify.h"

#include <algorithm>
#include <charconv>

#include "s3core/crypto.h"
#include "s3core/time_format.h"
#include "s3core/uri.h"

namespace sos {
namespace {

// Everything both auth forms yield before the signature is checked.
struct ParsedAuth {
  std::string access_key_id;
  std::string scope_date;
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;
  std::string signature;
  std::string amz_date;
  TimePoint time{};
};

// Splits "AKID/20130524/us-east-1/s3/aws4_request" (the key may contain '/').
bool ParseCredential(std::string_view credential, ParsedAuth* out) {
  std::string_view parts[4];
  for (int i = 3; i >= 0; --i) {
    size_t slash = credential.rfind('/');
    if (slash == std::string_view::npos) return false;
    parts[i] = credential.substr(slash + 1);
    credential = credential.substr(0, slash);
  }
  if (credential.empty() || parts[0].size() != 8 || parts[3] != kSigV4Terminator) return false;
  if (!std::all_of(parts[0].begin(), parts[0].end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  out->access_key_id = std::string(credential);
  out->scope_date = std::string(parts[0]);
  out->region = std::string(parts[1]);
  out->service = std::string(parts[2]);
  return !out->region.empty() && !out->service.empty();
}

bool ParseSignedHeaders(std::string_view list, std::vector<std::string>* out) {
  out->clear();
  while (!list.empty()) {
    size_t semi = list.find(';');
    std::string_view name = list.substr(0, semi);
    if (name.empty()) return false;
    out->push_back(AsciiLower(name));
    list = semi == std::string_view::npos ? std::string_view() : list.substr(semi + 1);
    if (semi != std::string_view::npos && list.empty()) return false;
  }
  return !out->empty();
}

Status HeaderMalformed(std::string msg) {
  return Status::InvalidArgument("The authorization header is malformed; " + std::move(msg),
                                 "AuthorizationHeaderMalformed");
}
Status QueryMalformed(std::string msg) {
  return Status::InvalidArgument(std::move(msg), "AuthorizationQueryParametersError");
}

// Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...
Status ParseAuthorizationHeader(std::string_view value, ParsedAuth* out) {
  value = TrimSignatureSpace(value);
  if (value.substr(0, kSigV4Algorithm.size()) != kSigV4Algorithm ||
      value.size() == kSigV4Algorithm.size() || !IsSignatureSpace(value[kSigV4Algorithm.size()])) {
    return HeaderMalformed("the authorization mechanism is not AWS4-HMAC-SHA256");
  }
  value.remove_prefix(kSigV4Algorithm.size());
  std::optional<std::string_view> credential, signed_headers, signature;
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = TrimSignatureSpace(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos)
      return HeaderMalformed("expected key=value in '" + std::string(item) + "'");
    std::string_view key = item.substr(0, eq), val = item.substr(eq + 1);
    if (key == "Credential")
      credential = val;
    else if (key == "SignedHeaders")
      signed_headers = val;
    else if (key == "Signature")
      signature = val;
    else
      return HeaderMalformed("unknown component '" + std::string(key) + "'");
  }
  if (!credential || !signed_headers || !signature) {
    return HeaderMalformed("Credential, SignedHeaders and Signature are all required");
  }
  if (!ParseCredential(*credential, out)) {
    return HeaderMalformed("the Credential is not AKID/yyyymmdd/region/service/aws4_request");
  }
  if (!ParseSignedHeaders(*signed_headers, &out->signed_headers)) {
    return HeaderMalformed("SignedHeaders is empty or malformed");
  }
  if (signature->size() != 64 || !IsHexDigits(*signature)) {
    return HeaderMalformed("the Signature is not 64 hex digits");
  }
  out->signature = AsciiLower(*signature);
  return Status::Ok();
}

Status ParsePresignedQuery(const QueryList& query, ParsedAuth* out, std::chrono::seconds* expires) {
  auto algorithm = FindQueryValue(query, "X-Amz-Algorithm");
  auto credential = FindQueryValue(query, "X-Amz-Credential");
  auto date = FindQueryValue(query, "X-Amz-Date");
  auto expires_text = FindQueryValue(query, "X-Amz-Expires");
  auto signed_headers = FindQueryValue(query, "X-Amz-SignedHeaders");
  auto signature = FindQueryValue(query, "X-Amz-Signature");
  if (!algorithm || !credential || !date || !expires_text || !signed_headers || !signature) {
    return QueryMalformed(
        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
        "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
  }
  if (*algorithm != kSigV4Algorithm) {
    return QueryMalformed("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  if (!ParseCredential(*credential, out)) {
    return QueryMalformed("X-Amz-Credential is not AKID/yyyymmdd/region/service/aws4_request");
  }
  auto time = ParseIso8601Basic(*date);
  if (!time)
    return QueryMalformed("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  out->time = *time;
  out->amz_date = std::string(*date);
  int64_t seconds = -1;
  auto [end, ec] =
      std::from_chars(expires_text->data(), expires_text->data() + expires_text->size(), seconds);
  const bool whole = end == expires_text->data() + expires_text->size();
  // A number out of range is refused as AWS does, 403 (Ceph's s3-tests check
  // it); what is not a number at all is a malformed query.
  if ((ec == std::errc::result_out_of_range && whole) ||
      (ec == std::errc() && whole && (seconds < 1 || seconds > kMaxPresignExpiresSeconds))) {
    return Status::PermissionDenied(
        "X-Amz-Expires must be between 1 and 604800 seconds (a week).", "AccessDenied");
  }
  if (ec != std::errc() || !whole) return QueryMalformed("X-Amz-Expires should be a number");
  *expires = std::chrono::seconds(seconds);
  if (!ParseSignedHeaders(*signed_headers, &out->signed_headers)) {
    return QueryMalformed("X-Amz-SignedHeaders is empty or malformed");
  }
  if (signature->size() != 64 || !IsHexDigits(*signature)) {
    return QueryMalformed("X-Amz-Signature is not 64 hex digits");
  }
  out->signature = AsciiLower(*signature);
  return Status::Ok();
}

// The request's date for header auth: x-amz-date, else Date.
Status ParseHeaderDate(const HttpRequestHead& request, ParsedAuth* out) {
  if (auto amz_date = FindHeader(request, "x-amz-date")) {
    auto time = ParseIso8601Basic(TrimSignatureSpace(*amz_date));
    if (!time) return Status::PermissionDenied("x-amz-date is not in the ISO 8601 basic format");
    out->time = *time;
    out->amz_date = std::string(TrimSignatureSpace(*amz_date));  // as signed (a leap second stays :60)
  } else if (auto date = FindHeader(request, "date")) {
    auto time = ParseHttpDate(TrimSignatureSpace(*date));
    if (!time) return Status::PermissionDenied("the Date header is not a valid HTTP date");
    out->time = *time;
    out->amz_date = FormatIso8601Basic(out->time);
  } else {
    return Status::PermissionDenied(
        "AWS authentication requires a valid Date or x-amz-date header");
  }
  return Status::Ok();
}

std::optional<std::string_view> TrimmedHeader(const HttpRequestHead& request,
                                              std::string_view name) {
  auto v = FindHeader(request, name);
  if (v) return TrimSignatureSpace(*v);
  return v;
}

// AccessDenied naming every x-amz-* header that `signed_headers` leaves out.
Status RejectUnsignedAmzHeaders(const HttpRequestHead& request,
                                const std::vector<std::string>& signed_headers) {
  std::vector<std::string> unsigned_names;
  for (const auto& [name, value] : request.headers) {
    std::string lower = AsciiLower(name);
    auto listed = [&](const std::vector<std::string>& names) {
      return std::find(names.begin(), names.end(), lower) != names.end();
    };
    if (lower.rfind("x-amz-", 0) == 0 && !listed(signed_headers) && !listed(unsigned_names)) {
      unsigned_names.push_back(std::move(lower));
    }
  }
  if (unsigned_names.empty()) return Status::Ok();
  std::string message = "There were headers present in the request which were not signed: ";
  for (size_t i = 0; i < unsigned_names.size(); ++i) {
    message += (i > 0 ? ", " : "") + unsigned_names[i];
  }
  return Status::PermissionDenied(std::move(message));
}

}  // namespace

Result<SigV4Auth> VerifySigV4(const HttpRequestHead& request, const CredentialLookup& lookup,
                              TimePoint now, const SigV4VerifyOptions& options) {
  auto [path, raw_query] = SplitTarget(request.target);
  auto parsed_query = ParseQuery(raw_query);
  auto canonical_uri = CanonicalUri(path);
  if (!parsed_query || !canonical_uri) {
    return Status::InvalidArgument("Couldn't parse the specified URI.", "InvalidURI");
  }
  QueryList& query = *parsed_query;

  SigV4Auth result;
  ParsedAuth auth;
  result.presigned = FindQueryValue(query, "X-Amz-Algorithm").has_value();
  auto authorization = FindHeader(request, "authorization");
  if (result.presigned && authorization) {
    return Status::InvalidArgument(
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the "
        "Authorization header should be specified");
  }
  auto malformed = [&](std::string msg) {
    return result.presigned ? QueryMalformed(std::move(msg)) : HeaderMalformed(std::move(msg));
  };

  std::string payload_hash;
  if (result.presigned) {
    std::chrono::seconds expires{};
    SOS_RETURN_IF_ERROR(ParsePresignedQuery(query, &auth, &expires));
    // Differences of two times only: both are in range (time_format.h), while
    // auth.time minus any max_skew might not be.
    if (auth.time > now && auth.time - now > options.max_skew) {
      return Status::PermissionDenied("Request is not valid yet");
    }
    if (now > auth.time && now - auth.time > expires) {
      return Status::PermissionDenied("Request has expired");
    }
    // Pre-signed URLs sign UNSIGNED-PAYLOAD unless the URL itself says otherwise.
    auto declared = FindQueryValue(query, "X-Amz-Content-Sha256");
    payload_hash = declared ? std::string(*declared) : std::string(kUnsignedPayload);
    if (auto token = FindQueryValue(query, "X-Amz-Security-Token")) result.session_token = *token;
    // The signature covers every parameter but itself.
    std::erase_if(query, [](const auto& kv) { return kv.first == "X-Amz-Signature"; });
  } else {
    if (!authorization) return Status::PermissionDenied("the request is not signed");
    SOS_RETURN_IF_ERROR(ParseAuthorizationHeader(*authorization, &auth));
    SOS_RETURN_IF_ERROR(ParseHeaderDate(request, &auth));
    auto skew = now > auth.time ? now - auth.time : auth.time - now;
    if (skew > options.max_skew) {
      return Status::Unauthenticated(
          "The difference between the request time and the current time is too large.",
          "RequestTimeTooSkewed");
    }
    auto declared = TrimmedHeader(request, "x-amz-content-sha256");
    if (!declared) {
      return Status::InvalidArgument(
          "Missing required header for this request: x-amz-content-sha256", "InvalidRequest");
    }
    payload_hash = std::string(*declared);
    if (auto token = TrimmedHeader(request, "x-amz-security-token")) result.session_token = *token;
  }
  // S3 refuses x-amz-* headers that the signature does not cover, in both
  // forms: an unsigned x-amz-copy-source or x-amz-acl on a pre-signed PUT would
  // otherwise turn the URL into a copy, or a publication, of anything its
  // signer may read.
  SOS_RETURN_IF_ERROR(RejectUnsignedAmzHeaders(request, auth.signed_headers));

  auto mode = ParsePayloadMode(payload_hash);
  if (!mode) {
    return Status::InvalidArgument(
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a "
        "valid sha256 value.");
  }
  if (auth.scope_date != auth.amz_date.substr(0, 8)) {
    return malformed("Invalid credential date. Date is not the same as X-Amz-Date.");
  }
  if (!options.region.empty() && auth.region != options.region) {
    return malformed("the region '" + auth.region + "' is wrong; expecting '" + options.region +
                     "'");
  }
  if (auth.service != options.service) {
    return malformed("the service '" + auth.service + "' is wrong; expecting '" + options.service +
                     "'");
  }
  if (std::find(auth.signed_headers.begin(), auth.signed_headers.end(), "host") ==
      auth.signed_headers.end()) {
    return malformed("the host header must be signed");
  }

  HeaderList signed_headers;
  for (const std::string& name : auth.signed_headers) {
    size_t before = signed_headers.size();
    for (const auto& [key, value] : request.headers) {
      if (EqualsIgnoreCase(key, name)) signed_headers.emplace_back(name, value);
    }
    if (signed_headers.size() == before) {
      return Status::Unauthenticated("signed header '" + name + "' is missing from the request");
    }
  }

  auto secret = lookup ? lookup(auth.access_key_id) : std::nullopt;
  if (!secret) {
    return Status::Unauthenticated(
        "The AWS Access Key Id you provided does not exist in our records.", "InvalidAccessKeyId");
  }

  const std::string scope = CredentialScope(auth.scope_date, auth.region, auth.service);
  const std::string canonical =
      CanonicalRequest(request.method, *canonical_uri, query, signed_headers, payload_hash);
  std::string signing_key = SigningKey(*secret, auth.scope_date, auth.region, auth.service);
  const std::string expected =
      Signature(signing_key, StringToSign(auth.amz_date, scope, canonical));
  if (!ConstantTimeEquals(expected, auth.signature)) {
    return Status::Unauthenticated(
        "The request signature we calculated does not match the signature you provided. Check "
        "your key and signing method.",
        "SignatureDoesNotMatch");
  }

  result.access_key_id = auth.access_key_id;
  result.signing_key = std::move(signing_key);
  result.scope = scope;
  result.amz_date = auth.amz_date;
  result.seed_signature = auth.signature;
  result.payload_mode = *mode;
  result.payload_hash = AsciiLower(payload_hash);
  if (auto length = TrimmedHeader(request, "x-amz-decoded-content-length")) {
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(length->data(), length->data() + length->size(), n);
    if (ec != std::errc() || end != length->data() + length->size() || length->empty()) {
      return Status::InvalidArgument("x-amz-decoded-content-length is not a number");
    }
    result.decoded_content_length = n;
  }
  if (auto trailer = FindHeader(request, "x-amz-trailer")) {
    std::string_view list = *trailer;
    while (!list.empty()) {
      size_t comma = list.find(',');
      std::string_view name = TrimSignatureSpace(list.substr(0, comma));
      if (!name.empty()) result.trailer_names.push_back(AsciiLower(name));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
  }
  return result;
}

}  // namespace sos
