// AWS Signature Version 4: the building blocks and signing (client). The
// server's verification is daemon/auth/sigv4_verify.h.
//
// The building blocks (CanonicalUri, CanonicalRequest, StringToSign,
// SigningKey, Signature) are pure functions over strings, exposed so tests
// can check each step against AWS's published suite. SignV4/PresignV4 sign an
// outgoing request.
//
// S3 never normalises paths: the canonical URI is the wire path with each
// segment percent-decoded and re-encoded once (so "~" and "%7E" agree, and
// "//", "." and ".." stay as sent). All functions are pure and thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s3core/http_request_head.h"
#include "s3core/model.h"
#include "s3core/status.h"

namespace sos {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary (STS) credentials
};

// Returns the secret access key for an access key id, or nullopt if unknown.
using CredentialLookup = std::function<std::optional<std::string>(std::string_view access_key)>;

using HeaderList = std::vector<std::pair<std::string, std::string>>;
using QueryList = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::string_view kSigV4Algorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kSigV4Terminator = "aws4_request";  // ends a credential scope
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kStreamingSignedPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view kStreamingUnsignedPayloadTrailer =
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
inline constexpr std::string_view kStreamingSignedPayloadTrailer =
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
inline constexpr std::string_view kEmptySha256Hex =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr int kMaxPresignExpiresSeconds = 604800;  // one week

// What x-amz-content-sha256 declares about the body.
enum class PayloadMode {
  kSha256,                    // 64 lower-hex digits: the body's SHA-256
  kUnsigned,                  // UNSIGNED-PAYLOAD
  kStreamingSigned,           // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
  kStreamingUnsignedTrailer,  // STREAMING-UNSIGNED-PAYLOAD-TRAILER
  kStreamingSignedTrailer,    // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
};
std::optional<PayloadMode> ParsePayloadMode(std::string_view x_amz_content_sha256);
bool IsStreaming(PayloadMode mode);

// ---- Pure building blocks -------------------------------------------------

// Canonical URI of a wire path (no query): each '/'-separated segment is
// percent-decoded and re-encoded with UriEncode (so an encoded "%2F" stays
// "%2F"). Empty path -> "/". nullopt on a malformed %-escape.
std::optional<std::string> CanonicalUri(std::string_view wire_path);

// "name:value\n" for each header (lower-cased names, sorted; values trimmed,
// inner whitespace runs folded to one space; duplicates joined with ',').
std::string CanonicalHeaders(const HeaderList& headers);
// "host;x-amz-date": the lower-cased, sorted, de-duplicated header names.
std::string SignedHeaders(const HeaderList& headers);

// method \n canonical_uri \n canonical query \n canonical headers \n
// signed headers \n payload_hash. `query` holds decoded names/values;
// `headers` are exactly the headers to sign.
std::string CanonicalRequest(std::string_view method, std::string_view canonical_uri,
                             const QueryList& query, const HeaderList& headers,
                             std::string_view payload_hash);

// "20150830/us-east-1/s3/aws4_request".
std::string CredentialScope(std::string_view yyyymmdd, std::string_view region,
                            std::string_view service);
// "AWS4-HMAC-SHA256\n" amz_date "\n" scope "\n" hex(sha256(canonical_request)).
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);
// Raw 32-byte HMAC key derived from the secret for one day/region/service.
std::string SigningKey(std::string_view secret, std::string_view yyyymmdd, std::string_view region,
                       std::string_view service);
// Lower-hex HMAC-SHA256(signing_key, string_to_sign).
std::string Signature(std::string_view signing_key, std::string_view string_to_sign);

// ---- Client side ----------------------------------------------------------

struct SigningRequest {
  std::string method;         // "GET"
  std::string canonical_uri;  // path exactly as sent on the wire, already URI-encoded
  QueryList query;            // decoded names/values
  HeaderList headers;         // must include "host"; names any case
  std::string payload_hash;   // lower-hex sha256 of the body, or "UNSIGNED-PAYLOAD"
};

// Signs every header in `request` plus the ones it adds. Returns the headers
// to add: authorization, x-amz-date, x-amz-content-sha256, and
// x-amz-security-token when a session token is set.
HeaderList SignV4(const SigningRequest& request, const Credentials& credentials,
                  std::string_view region, std::string_view service, TimePoint now);

// Pre-signed URL: returns the full query string to append after '?' (the
// original query + X-Amz-Algorithm ... X-Amz-Signature, all encoded).
// expires_seconds must be 1..604800. The payload hash of a pre-signed URL is
// request.payload_hash (S3 clients use UNSIGNED-PAYLOAD).
Result<std::string> PresignV4(const SigningRequest& request, const Credentials& credentials,
                              std::string_view region, std::string_view service, TimePoint now,
                              int expires_seconds);

}  // namespace sos
