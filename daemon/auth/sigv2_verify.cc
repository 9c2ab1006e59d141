#include "daemon/auth/sigv2_verify.h"

#include <algorithm>
#include <charconv>

#include "s3core/crypto.h"
#include "s3core/time_format.h"
#include "s3core/uri.h"

namespace sos {
namespace {

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

Result<SigV2Auth> VerifySigV2(const HttpRequestHead& request, const CredentialLookup& lookup,
                              TimePoint now, const SigV2VerifyOptions& options) {
  auto [path, raw_query] = SplitTarget(request.target);
  auto query = ParseQuery(raw_query);
  if (!query) return Status::InvalidArgument("Couldn't parse the specified URI.", "InvalidURI");

  SigV2Auth result;
  std::string signature;
  std::string date_line;
  auto authorization = FindHeader(request, "authorization");
  auto query_key = FindQueryValue(*query, "AWSAccessKeyId");
  result.presigned = query_key.has_value() || FindQueryValue(*query, "Signature").has_value();
  if (result.presigned && authorization) {
    return Status::InvalidArgument(
        "Only one auth mechanism allowed; only the Signature query string parameter or the "
        "Authorization header should be specified");
  }

  if (result.presigned) {
    auto expires = FindQueryValue(*query, "Expires");
    auto sig = FindQueryValue(*query, "Signature");
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
    result.access_key_id = SigV2Fold(value.substr(4, colon - 4));
    signature = SigV2Fold(value.substr(colon + 1));
    bool has_amz_date = FindHeader(request, "x-amz-date").has_value();
    std::string date = SigV2Fold(has_amz_date ? *FindHeader(request, "x-amz-date")
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
  std::string sts = SigV2StringToSignFor(request.method, path, *query, request.headers, date_line,
                                    options.virtual_host_bucket);
  if (ConstantTimeEquals(SigV2Signature(*secret, sts), signature)) return result;
  // Tools put x-amz-date among the amz headers and leave the Date line empty;
  // AWS's own DELETE example puts its value on the Date line instead.
  if (!result.presigned && FindHeader(request, "x-amz-date")) {
    HeaderList without = request.headers;
    std::erase_if(without, [](const auto& h) { return EqualsIgnoreCase(h.first, "x-amz-date"); });
    sts = SigV2StringToSignFor(request.method, path, *query, without,
                          SigV2Fold(*FindHeader(request, "x-amz-date")), options.virtual_host_bucket);
    if (ConstantTimeEquals(SigV2Signature(*secret, sts), signature)) return result;
  }
  return Mismatch();
}

}  // namespace sos
