#include "s3core/sigv2.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "s3core/crypto.h"
#include "s3core/time_format.h"
#include "s3core/uri.h"

namespace sos {
namespace {

// The union of what S3, botocore and s3cmd sign (sorted at first use).
constexpr std::array<std::string_view, 38> kSubResources = {
    "accelerate",
    "acl",
    "analytics",
    "cors",
    "delete",
    "encryption",
    "inventory",
    "legal-hold",
    "lifecycle",
    "location",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "partNumber",
    "policy",
    "replication",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "retention",
    "select",
    "select-type",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
    "ownershipControls",
    "publicAccessBlock",
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string Fold(std::string_view v) {
  while (!v.empty() && IsSpace(v.front())) v.remove_prefix(1);
  while (!v.empty() && IsSpace(v.back())) v.remove_suffix(1);
  std::string out;
  bool space = false;
  for (char c : v) {
    if (IsSpace(c)) {
      space = true;
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string HeaderValue(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return Fold(v);
  }
  return {};
}

bool HasHeader(const HeaderList& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return EqualsIgnoreCase(h.first, name); });
}

std::string StringToSignFor(std::string_view method, std::string_view wire_path,
                            const QueryList& query, const HeaderList& headers,
                            std::string_view date_line, std::string_view bucket) {
  return SigV2StringToSign(
      method, HeaderValue(headers, "content-md5"), HeaderValue(headers, "content-type"), date_line,
      SigV2CanonicalAmzHeaders(headers), SigV2CanonicalResource(wire_path, query, bucket));
}

std::optional<std::string_view> FindQuery(const QueryList& query, std::string_view name) {
  for (const auto& [k, v] : query) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

// HTTP dates as V2 clients send them: RFC 1123 with "GMT" or a numeric zone
// ("+0000", as in AWS's examples), or ISO 8601 basic.
std::optional<TimePoint> ParseV2Date(std::string_view s) {
  if (auto t = ParseHttpDate(s)) return t;
  if (s.size() > 6 && s[s.size() - 6] == ' ' &&
      (s[s.size() - 5] == '+' || s[s.size() - 5] == '-')) {
    std::string_view zone = s.substr(s.size() - 4);
    if (std::all_of(zone.begin(), zone.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      auto t = ParseHttpDate(std::string(s.substr(0, s.size() - 5)) + "GMT");
      if (!t) return std::nullopt;
      int64_t offset = ((zone[0] - '0') * 10 + (zone[1] - '0')) * 3600 +
                       ((zone[2] - '0') * 10 + (zone[3] - '0')) * 60;
      if (s[s.size() - 5] == '+') offset = -offset;
      // Back into the range a parsed time keeps (time_format.h).
      return TimeFromUnixSeconds(
          std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count() + offset);
    }
  }
  return ParseIso8601Basic(s);
}

Status Mismatch() {
  return Status::Unauthenticated(
      "The request signature we calculated does not match the signature you provided. Check "
      "your key and signing method.",
      "SignatureDoesNotMatch");
}

}  // namespace

bool IsSigV2SubResource(std::string_view name) {
  static const auto sorted = [] {
    auto s = kSubResources;
    std::sort(s.begin(), s.end());
    return s;
  }();
  return std::binary_search(sorted.begin(), sorted.end(), name);
}

std::string SigV2CanonicalResource(std::string_view wire_path, const QueryList& query,
                                   std::string_view virtual_host_bucket) {
  std::string out;
  if (!virtual_host_bucket.empty()) out.append("/").append(virtual_host_bucket);
  out.append(wire_path.empty() ? "/" : wire_path);
  std::vector<std::pair<std::string, std::string>> subs;
  for (const auto& kv : query) {
    if (IsSigV2SubResource(kv.first)) subs.push_back(kv);
  }
  std::stable_sort(subs.begin(), subs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < subs.size(); ++i) {
    out.push_back(i == 0 ? '?' : '&');
    out += subs[i].first;
    if (!subs[i].second.empty()) out.append("=").append(subs[i].second);
  }
  return out;
}

std::string SigV2CanonicalAmzHeaders(const HeaderList& headers) {
  std::vector<std::pair<std::string, std::string>> amz;
  for (const auto& [name, value] : headers) {
    std::string lower = AsciiLower(name);
    if (lower.rfind("x-amz-", 0) == 0) amz.emplace_back(std::move(lower), Fold(value));
  }
  std::stable_sort(amz.begin(), amz.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (size_t i = 0; i < amz.size(); ++i) {
    if (i > 0 && amz[i].first == amz[i - 1].first) {
      out.pop_back();  // the '\n' of the previous line: append to it
      out.append(",").append(amz[i].second).push_back('\n');
    } else {
      out.append(amz[i].first).append(":").append(amz[i].second).push_back('\n');
    }
  }
  return out;
}

std::string SigV2StringToSign(std::string_view method, std::string_view content_md5,
                              std::string_view content_type, std::string_view date,
                              std::string_view canonical_amz_headers,
                              std::string_view canonical_resource) {
  std::string out;
  out.append(method).push_back('\n');
  out.append(content_md5).push_back('\n');
  out.append(content_type).push_back('\n');
  out.append(date).push_back('\n');
  out.append(canonical_amz_headers);
  out.append(canonical_resource);
  return out;
}

std::string SigV2Signature(std::string_view secret, std::string_view string_to_sign) {
  return Base64Encode(HmacSha1(secret, string_to_sign));
}

std::string SignV2(const SigningRequest& request, const Credentials& credentials,
                   std::string_view virtual_host_bucket) {
  std::string date =
      HasHeader(request.headers, "x-amz-date") ? "" : HeaderValue(request.headers, "date");
  std::string sts = StringToSignFor(request.method, request.canonical_uri, request.query,
                                    request.headers, date, virtual_host_bucket);
  return "AWS " + credentials.access_key_id + ":" +
         SigV2Signature(credentials.secret_access_key, sts);
}

std::string PresignV2(const SigningRequest& request, const Credentials& credentials,
                      TimePoint expires, std::string_view virtual_host_bucket) {
  std::string epoch = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch()).count());
  std::string sts = StringToSignFor(request.method, request.canonical_uri, request.query,
                                    request.headers, epoch, virtual_host_bucket);
  QueryList query = request.query;
  query.emplace_back("AWSAccessKeyId", credentials.access_key_id);
  query.emplace_back("Expires", epoch);
  query.emplace_back("Signature", SigV2Signature(credentials.secret_access_key, sts));
  std::string out;
  for (const auto& [name, value] : query) {
    if (!out.empty()) out.push_back('&');
    out += UriEncode(name, true);
    if (!value.empty() || !IsSigV2SubResource(name)) out += "=" + UriEncode(value, true);
  }
  return out;
}

Result<SigV2Auth> VerifySigV2(const HttpRequestHead& request, const CredentialLookup& lookup,
                              TimePoint now, const SigV2VerifyOptions& options) {
  auto [path, raw_query] = SplitTarget(request.target);
  auto query = ParseQuery(raw_query);
  if (!query) return Status::InvalidArgument("Couldn't parse the specified URI.", "InvalidURI");

  SigV2Auth result;
  std::string signature;
  std::string date_line;
  auto authorization = FindHeader(request, "authorization");
  auto query_key = FindQuery(*query, "AWSAccessKeyId");
  result.presigned = query_key.has_value() || FindQuery(*query, "Signature").has_value();
  if (result.presigned && authorization) {
    return Status::InvalidArgument(
        "Only one auth mechanism allowed; only the Signature query string parameter or the "
        "Authorization header should be specified");
  }

  if (result.presigned) {
    auto expires = FindQuery(*query, "Expires");
    auto sig = FindQuery(*query, "Signature");
    if (!query_key || !expires || !sig) {
      return Status::PermissionDenied(
          "Query-string authentication requires the Signature, Expires and AWSAccessKeyId "
          "parameters");
    }
    int64_t epoch = 0;
    auto [end, ec] = std::from_chars(expires->data(), expires->data() + expires->size(), epoch);
    if (ec != std::errc() || end != expires->data() + expires->size()) {
      return Status::PermissionDenied("Invalid date (should be seconds since epoch): " +
                                      std::string(*expires));
    }
    // Clamped: a count of seconds past 2262 does not fit a TimePoint.
    if (now > TimeFromUnixSeconds(epoch)) {
      return Status::PermissionDenied("Request has expired");
    }
    result.access_key_id = std::string(*query_key);
    signature = std::string(*sig);
    // A '+' sent unencoded arrives as ' ' after form decoding.
    std::replace(signature.begin(), signature.end(), ' ', '+');
    date_line = std::string(*expires);
    std::erase_if(*query, [](const auto& kv) {
      return kv.first == "AWSAccessKeyId" || kv.first == "Expires" || kv.first == "Signature";
    });
  } else {
    if (!authorization) return Status::PermissionDenied("the request is not signed");
    std::string_view value = *authorization;
    size_t colon = value.rfind(':');
    if (value.substr(0, 4) != "AWS " || colon == std::string_view::npos || colon <= 4) {
      return Status::InvalidArgument(
          "AWS authorization header is invalid. Expected AwsAccessKeyId:signature");
    }
    result.access_key_id = Fold(value.substr(4, colon - 4));
    signature = Fold(value.substr(colon + 1));
    bool has_amz_date = FindHeader(request, "x-amz-date").has_value();
    std::string date = Fold(has_amz_date ? *FindHeader(request, "x-amz-date")
                                         : FindHeader(request, "date").value_or(""));
    auto time = ParseV2Date(date);
    if (!time) {
      return Status::PermissionDenied(
          "AWS authentication requires a valid Date or x-amz-date header");
    }
    auto skew = now > *time ? now - *time : *time - now;
    if (skew > options.max_skew) {
      return Status::Unauthenticated(
          "The difference between the request time and the current time is too large.",
          "RequestTimeTooSkewed");
    }
    if (!has_amz_date) date_line = date;
  }

  auto secret = lookup ? lookup(result.access_key_id) : std::nullopt;
  if (!secret) {
    return Status::Unauthenticated(
        "The AWS Access Key Id you provided does not exist in our records.", "InvalidAccessKeyId");
  }
  std::string sts = StringToSignFor(request.method, path, *query, request.headers, date_line,
                                    options.virtual_host_bucket);
  if (ConstantTimeEquals(SigV2Signature(*secret, sts), signature)) return result;
  // Tools put x-amz-date among the amz headers and leave the Date line empty;
  // AWS's own DELETE example puts its value on the Date line instead.
  if (!result.presigned && FindHeader(request, "x-amz-date")) {
    HeaderList without = request.headers;
    std::erase_if(without, [](const auto& h) { return EqualsIgnoreCase(h.first, "x-amz-date"); });
    sts = StringToSignFor(request.method, path, *query, without,
                          Fold(*FindHeader(request, "x-amz-date")), options.virtual_host_bucket);
    if (ConstantTimeEquals(SigV2Signature(*secret, sts), signature)) return result;
  }
  return Mismatch();
}

}  // namespace sos
