#include "ctl/presign.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "ctl/exit_code.h"
#include "s3core/admin_api.h"
#include "s3core/crypto.h"
#include "s3core/units.h"
#include "s3core/uri.h"

namespace sos::ctl {

std::string NewOnceNonce() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1)
    std::abort();  // no entropy: never hand out a guessable URL
  return HexEncode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

Result<std::pair<std::string, std::string>> ParseHeaderSpec(std::string_view spec) {
  size_t colon = spec.find(':');
  if (colon == std::string_view::npos) {
    return UsageError("--header wants NAME:VALUE, not '" + std::string(spec) + "'");
  }
  std::string name = AsciiLower(TrimOws(spec.substr(0, colon)));
  std::string value(TrimOws(spec.substr(colon + 1)));
  // RFC 9110 token characters only: the name goes into the signature as sent.
  auto is_token = [](unsigned char c) {
    return std::isalnum(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  };
  if (name.empty() || !std::all_of(name.begin(), name.end(), is_token)) {
    return UsageError("--header name '" + name + "' is not a valid HTTP header name");
  }
  if (name == "host") return UsageError("--header cannot set Host: it is always signed");
  return std::pair{std::move(name), std::move(value)};
}

std::string PublicObjectUrl(const std::string& endpoint, const S3Path& path) {
  std::string url = endpoint + "/" + path.bucket;
  if (!path.key.empty()) url += "/" + UriEncode(path.key, /*encode_slash=*/false);
  return url;
}

Result<std::string> PresignObjectUrl(const std::string& endpoint, const std::string& region,
                                     const Credentials& credentials, const S3Path& path,
                                     const PresignOptions& options, TimePoint now) {
  if (path.key.empty()) return UsageError("presign needs BUCKET/KEY, not only a bucket");
  if (options.method != "GET" && options.method != "HEAD" && options.method != "PUT" &&
      options.method != "DELETE") {
    return UsageError("presign --method must be get, head, put or delete, not '" + options.method +
                      "'");
  }
  if (options.expires.count() < 1 || options.expires.count() > kMaxPresignExpiresSeconds) {
    return UsageError("--expires " + FormatDuration(options.expires) +
                      " is outside 1s..7d (S3's limit for pre-signed URLs)");
  }
  size_t scheme_end = endpoint.find("://");
  std::string host = scheme_end == std::string::npos ? endpoint : endpoint.substr(scheme_end + 3);

  SigningRequest req;
  req.method = options.method;
  req.canonical_uri = "/" + path.bucket + "/" + UriEncode(path.key, /*encode_slash=*/false);
  if (!options.once_nonce.empty()) {
    req.query.emplace_back(std::string(admin::kOnceQueryParam), options.once_nonce);
  }
  req.headers = {{"host", host}};
  req.headers.insert(req.headers.end(), options.headers.begin(), options.headers.end());
  req.payload_hash = std::string(kUnsignedPayload);
  SOS_ASSIGN_OR_RETURN(std::string query, PresignV4(req, credentials, region, "s3", now,
                                                    static_cast<int>(options.expires.count())));
  return endpoint + req.canonical_uri + "?" + query;
}

}  // namespace sos::ctl
