// AWS Signature Version 2 (s3cmd and older tools): signing. The server's
// verification is daemon/auth/sigv2_verify.h.
//
// String to sign: method \n Content-MD5 \n Content-Type \n Date \n
// canonical x-amz-* headers ("name:value\n", lower-cased, sorted, duplicates
// joined with ',') and the canonical resource (/bucket/key as on the wire,
// plus the sorted sub-resources such as ?acl or ?uploadId=...). The Date line
// is empty when x-amz-date is sent, and is the Expires value in the query
// form. Signature = base64(HMAC-SHA1(secret, string to sign)). Header form:
// "Authorization: AWS AKID:SIG"; query form: AWSAccessKeyId, Expires (epoch
// seconds), Signature. Virtual-hosted requests prefix "/bucket" to the path.
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "s3core/http_request_head.h"
#include "s3core/sigv4.h"
#include "s3core/status.h"

namespace sos {

// True for query parameters that belong in the canonical resource.
bool IsSigV2SubResource(std::string_view name);

// "/bucket/key?acl&partNumber=2&uploadId=x": the wire path (prefixed with
// "/" + virtual_host_bucket when not empty) and the sorted sub-resources of
// the decoded query.
std::string SigV2CanonicalResource(std::string_view wire_path, const QueryList& query,
                                   std::string_view virtual_host_bucket = "");
// "x-amz-a:1,2\nx-amz-b:v\n" from every x-amz-* header.
std::string SigV2CanonicalAmzHeaders(const HeaderList& headers);
std::string SigV2StringToSign(std::string_view method, std::string_view content_md5,
                              std::string_view content_type, std::string_view date,
                              std::string_view canonical_amz_headers,
                              std::string_view canonical_resource);
// base64(HMAC-SHA1(secret, string_to_sign)).
std::string SigV2Signature(std::string_view secret, std::string_view string_to_sign);
// A header value as V2 signs it: trimmed, inner whitespace runs folded to one space.
std::string SigV2Fold(std::string_view value);
// The string to sign for a request as sent: Content-MD5 and Content-Type from
// `headers`, `date_line` as given, the canonical x-amz-* headers and resource.
std::string SigV2StringToSignFor(std::string_view method, std::string_view wire_path,
                                 const QueryList& query, const HeaderList& headers,
                                 std::string_view date_line,
                                 std::string_view virtual_host_bucket = "");

// Client side. request.canonical_uri is the wire path; payload_hash is unused.
// Returns the Authorization header value "AWS AKID:SIG"; the headers must
// already hold Date or x-amz-date.
std::string SignV2(const SigningRequest& request, const Credentials& credentials,
                   std::string_view virtual_host_bucket = "");
// Pre-signed URL: the full query string to append after '?' (original query,
// then AWSAccessKeyId, Expires, Signature).
std::string PresignV2(const SigningRequest& request, const Credentials& credentials,
                      TimePoint expires, std::string_view virtual_host_bucket = "");

}  // namespace sos
