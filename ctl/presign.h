// Pre-signed and public URLs of objects (path-style addressing).
//
// PresignObjectUrl signs a GET, HEAD, PUT or DELETE with SigV4's query form; a
// single-use URL also carries X-Sos-Once=<nonce> (s3core/admin_api.h), added to
// the query before signing so it cannot be stripped. Headers such as x-amz-acl
// are signed only when asked for (`headers`): the request must then carry them
// with exactly these values, and a server refuses any x-amz-* header that the
// URL does not sign. PublicObjectUrl is the plain URL
// anyone may fetch once the object's ACL grants READ to all users.
// Pure functions except NewOnceNonce (OpenSSL's RAND_bytes); thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "ctl/s3_path.h"
#include "s3core/http_request_head.h"
#include "s3core/model.h"
#include "s3core/sigv4.h"
#include "s3core/status.h"

namespace sos::ctl {

struct PresignOptions {
  std::string method = "GET";  // GET, HEAD, PUT or DELETE
  std::chrono::seconds expires{std::chrono::minutes(15)};
  std::string once_nonce;  // non-empty: a single-use URL
  HeaderList headers;      // signed into the URL; names lower-case
};

// "Name: value" (or "Name:value") → a lower-case name and the trimmed value.
// Usage error for a missing colon, an empty or non-token name, or Host.
Result<std::pair<std::string, std::string>> ParseHeaderSpec(std::string_view spec);

// 32 lower-hex characters from 16 random bytes.
std::string NewOnceNonce();

// endpoint is scheme://host[:port]. Usage error for a bucket without a key, a
// method other than GET/HEAD/PUT/DELETE, or an expiry outside 1 s .. 7 days.
Result<std::string> PresignObjectUrl(const std::string& endpoint, const std::string& region,
                                     const Credentials& credentials, const S3Path& path,
                                     const PresignOptions& options, TimePoint now);

// endpoint + "/" + bucket + "/" + the key percent-encoded ('/' kept).
std::string PublicObjectUrl(const std::string& endpoint, const S3Path& path);

}  // namespace sos::ctl
