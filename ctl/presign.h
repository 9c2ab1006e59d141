// Pre-signed and public URLs of objects (path-style addressing).
//
// PresignObjectUrl signs a GET or PUT with SigV4's query form; a single-use
// URL also carries X-Sos-Once=<nonce> (s3core/admin_api.h), added to the query
// before signing so it cannot be stripped. PublicObjectUrl is the plain URL
// anyone may fetch once the object's ACL grants READ to all users.
// Pure functions except NewOnceNonce (OpenSSL's RAND_bytes); thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "ctl/s3_path.h"
#include "s3core/model.h"
#include "s3core/sigv4.h"
#include "s3core/status.h"

namespace sos::ctl {

struct PresignOptions {
  std::string method = "GET";  // GET or PUT
  std::chrono::seconds expires{std::chrono::minutes(15)};
  std::string once_nonce;  // non-empty: a single-use URL
};

// 32 lower-hex characters from 16 random bytes.
std::string NewOnceNonce();

// endpoint is scheme://host[:port]. Usage error for a bucket without a key, a
// method other than GET/PUT, or an expiry outside 1 s .. 7 days.
Result<std::string> PresignObjectUrl(const std::string& endpoint, const std::string& region,
                                     const Credentials& credentials, const S3Path& path,
                                     const PresignOptions& options, TimePoint now);

// endpoint + "/" + bucket + "/" + the key percent-encoded ('/' kept).
std::string PublicObjectUrl(const std::string& endpoint, const S3Path& path);

}  // namespace sos::ctl
