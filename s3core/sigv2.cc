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

std::string FoldValue(std::string_view v) {
  v = TrimSignatureSpace(v);
  std::string out;
  bool space = false;
  for (char c : v) {
    if (IsSignatureSpace(c)) {
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
    if (EqualsIgnoreCase(k, name)) return FoldValue(v);
  }
  return {};
}

bool HasHeader(const HeaderList& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return EqualsIgnoreCase(h.first, name); });
}

}  // namespace

std::string SigV2Fold(std::string_view value) { return FoldValue(value); }

std::string SigV2StringToSignFor(std::string_view method, std::string_view wire_path,
                                 const QueryList& query, const HeaderList& headers,
                                 std::string_view date_line, std::string_view bucket) {
  return SigV2StringToSign(
      method, HeaderValue(headers, "content-md5"), HeaderValue(headers, "content-type"), date_line,
      SigV2CanonicalAmzHeaders(headers), SigV2CanonicalResource(wire_path, query, bucket));
}

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
    if (lower.rfind("x-amz-", 0) == 0) amz.emplace_back(std::move(lower), FoldValue(value));
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
  std::string sts = SigV2StringToSignFor(request.method, request.canonical_uri, request.query,
                                    request.headers, date, virtual_host_bucket);
  return "AWS " + credentials.access_key_id + ":" +
         SigV2Signature(credentials.secret_access_key, sts);
}

std::string PresignV2(const SigningRequest& request, const Credentials& credentials,
                      TimePoint expires, std::string_view virtual_host_bucket) {
  std::string epoch = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch()).count());
  std::string sts = SigV2StringToSignFor(request.method, request.canonical_uri, request.query,
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

}  // namespace sos
