#include "s3core/sigv4.h"

#include <algorithm>
#include <charconv>

#include "s3core/crypto.h"
#include "s3core/time_format.h"
#include "s3core/uri.h"

namespace sos {
namespace {

// Trims and folds every inner whitespace run (including obs-fold line
// breaks) to one space, as the canonical header value requires.
std::string FoldValue(std::string_view v) {
  v = TrimSignatureSpace(v);
  std::string out;
  out.reserve(v.size());
  bool in_space = false;
  for (char c : v) {
    if (IsSignatureSpace(c)) {
      in_space = true;
      continue;
    }
    if (in_space) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  return out;
}

// Lower-cased names with folded values, stably sorted by name, duplicates
// merged in arrival order with ','.
std::vector<std::pair<std::string, std::string>> Canonicalize(const HeaderList& headers) {
  std::vector<std::pair<std::string, std::string>> items;
  items.reserve(headers.size());
  for (const auto& [name, value] : headers) items.emplace_back(AsciiLower(name), FoldValue(value));
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<std::string, std::string>> merged;
  for (auto& item : items) {
    if (!merged.empty() && merged.back().first == item.first) {
      merged.back().second += ',';
      merged.back().second += item.second;
    } else {
      merged.push_back(std::move(item));
    }
  }
  return merged;
}

HeaderList WithoutNames(const HeaderList& headers, std::initializer_list<std::string_view> names) {
  HeaderList out;
  for (const auto& h : headers) {
    bool drop = std::any_of(names.begin(), names.end(),
                            [&](std::string_view n) { return EqualsIgnoreCase(h.first, n); });
    if (!drop) out.push_back(h);
  }
  return out;
}

std::string CanonicalUriOrRaw(std::string_view wire_path) {
  auto uri = CanonicalUri(wire_path);
  return uri ? *uri : std::string(wire_path);
}

Status QueryMalformed(std::string msg) {
  return Status::InvalidArgument(std::move(msg), "AuthorizationQueryParametersError");
}

}  // namespace

std::optional<PayloadMode> ParsePayloadMode(std::string_view v) {
  if (v == kUnsignedPayload) return PayloadMode::kUnsigned;
  if (v == kStreamingSignedPayload) return PayloadMode::kStreamingSigned;
  if (v == kStreamingUnsignedPayloadTrailer) return PayloadMode::kStreamingUnsignedTrailer;
  if (v == kStreamingSignedPayloadTrailer) return PayloadMode::kStreamingSignedTrailer;
  if (v.size() == 64 && IsHexDigits(v)) return PayloadMode::kSha256;
  return std::nullopt;
}

bool IsStreaming(PayloadMode mode) {
  return mode == PayloadMode::kStreamingSigned || mode == PayloadMode::kStreamingUnsignedTrailer ||
         mode == PayloadMode::kStreamingSignedTrailer;
}

std::optional<std::string> CanonicalUri(std::string_view wire_path) {
  if (wire_path.empty()) return std::string("/");
  std::string out;
  out.reserve(wire_path.size() + 8);
  while (true) {
    size_t slash = wire_path.find('/');
    auto segment = UriDecode(wire_path.substr(0, slash));
    if (!segment) return std::nullopt;
    out += UriEncode(*segment, /*encode_slash=*/true);
    if (slash == std::string_view::npos) break;
    out.push_back('/');
    wire_path.remove_prefix(slash + 1);
  }
  return out;
}

std::string CanonicalHeaders(const HeaderList& headers) {
  std::string out;
  for (const auto& [name, value] : Canonicalize(headers)) {
    out += name;
    out.push_back(':');
    out += value;
    out.push_back('\n');
  }
  return out;
}

std::string SignedHeaders(const HeaderList& headers) {
  std::string out;
  for (const auto& item : Canonicalize(headers)) {
    if (!out.empty()) out.push_back(';');
    out += item.first;
  }
  return out;
}

std::string CanonicalRequest(std::string_view method, std::string_view canonical_uri,
                             const QueryList& query, const HeaderList& headers,
                             std::string_view payload_hash) {
  std::string out;
  out.append(method).push_back('\n');
  out.append(canonical_uri).push_back('\n');
  out.append(CanonicalQueryString(query)).push_back('\n');
  out.append(CanonicalHeaders(headers)).push_back('\n');
  out.append(SignedHeaders(headers)).push_back('\n');
  out.append(payload_hash);
  return out;
}

std::string CredentialScope(std::string_view yyyymmdd, std::string_view region,
                            std::string_view service) {
  std::string out;
  out.append(yyyymmdd).push_back('/');
  out.append(region).push_back('/');
  out.append(service).push_back('/');
  out.append(kSigV4Terminator);
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out(kSigV4Algorithm);
  out.push_back('\n');
  out.append(amz_date).push_back('\n');
  out.append(scope).push_back('\n');
  out += Sha256Hex(canonical_request);
  return out;
}

std::string SigningKey(std::string_view secret, std::string_view yyyymmdd, std::string_view region,
                       std::string_view service) {
  std::string k_date = HmacSha256("AWS4" + std::string(secret), yyyymmdd);
  std::string k_region = HmacSha256(k_date, region);
  std::string k_service = HmacSha256(k_region, service);
  return HmacSha256(k_service, kSigV4Terminator);
}

std::string Signature(std::string_view signing_key, std::string_view string_to_sign) {
  return HexEncode(HmacSha256(signing_key, string_to_sign));
}

HeaderList SignV4(const SigningRequest& request, const Credentials& credentials,
                  std::string_view region, std::string_view service, TimePoint now) {
  const std::string amz_date = FormatIso8601Basic(now);
  const std::string day = amz_date.substr(0, 8);
  const std::string payload_hash =
      request.payload_hash.empty() ? std::string(kUnsignedPayload) : request.payload_hash;

  HeaderList added = {{"x-amz-date", amz_date}, {"x-amz-content-sha256", payload_hash}};
  if (!credentials.session_token.empty()) {
    added.emplace_back("x-amz-security-token", credentials.session_token);
  }
  // Headers we add replace any the caller set under the same name.
  HeaderList to_sign =
      WithoutNames(request.headers,
                   {"authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"});
  to_sign.insert(to_sign.end(), added.begin(), added.end());

  const std::string scope = CredentialScope(day, region, service);
  const std::string canonical =
      CanonicalRequest(request.method, CanonicalUriOrRaw(request.canonical_uri), request.query,
                       to_sign, payload_hash);
  const std::string signature =
      Signature(SigningKey(credentials.secret_access_key, day, region, service),
                StringToSign(amz_date, scope, canonical));

  std::string authorization =
      std::string(kSigV4Algorithm) + " Credential=" + credentials.access_key_id + "/" + scope +
      ", SignedHeaders=" + SignedHeaders(to_sign) + ", Signature=" + signature;
  added.insert(added.begin(), {"authorization", std::move(authorization)});
  return added;
}

Result<std::string> PresignV4(const SigningRequest& request, const Credentials& credentials,
                              std::string_view region, std::string_view service, TimePoint now,
                              int expires_seconds) {
  if (expires_seconds < 1 || expires_seconds > kMaxPresignExpiresSeconds) {
    return QueryMalformed("X-Amz-Expires must be between 1 and 604800 seconds");
  }
  const std::string amz_date = FormatIso8601Basic(now);
  const std::string day = amz_date.substr(0, 8);
  const std::string scope = CredentialScope(day, region, service);
  const std::string payload_hash =
      request.payload_hash.empty() ? std::string(kUnsignedPayload) : request.payload_hash;

  QueryList auth = {
      {"X-Amz-Algorithm", std::string(kSigV4Algorithm)},
      {"X-Amz-Credential", credentials.access_key_id + "/" + scope},
      {"X-Amz-Date", amz_date},
      {"X-Amz-Expires", std::to_string(expires_seconds)},
      {"X-Amz-SignedHeaders", SignedHeaders(request.headers)},
  };
  if (!credentials.session_token.empty()) {
    auth.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  QueryList query = request.query;
  query.insert(query.end(), auth.begin(), auth.end());

  const std::string canonical =
      CanonicalRequest(request.method, CanonicalUriOrRaw(request.canonical_uri), query,
                       request.headers, payload_hash);
  const std::string signature =
      Signature(SigningKey(credentials.secret_access_key, day, region, service),
                StringToSign(amz_date, scope, canonical));
  query.emplace_back("X-Amz-Signature", signature);

  std::string out;
  for (const auto& [name, value] : query) {
    if (!out.empty()) out.push_back('&');
    out += UriEncode(name, true);
    out.push_back('=');
    out += UriEncode(value, true);
  }
  return out;
}

}  // namespace sos
