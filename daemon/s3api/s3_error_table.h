// The one table from a Status to what an S3 client sees: the HTTP status and
// the S3 error code, plus the XML error body that carries them.
//
// A Status's own s3_code wins when it is a known S3 code (e.g. NoSuchKey,
// BadDigest); an unknown or missing code falls back to the StatusCode (e.g.
// kNotFound -> 404 NoSuchKey, kInternal -> 500 InternalError). Nothing else in
// sosd turns errors into HTTP: handlers return Status, the edge asks here,
// also for the message a client may see (S3ErrorMessage).
// Pure functions over a static table; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "s3core/status.h"

namespace sos {

struct S3Error {
  int http_status = 500;
  std::string code;  // "NoSuchKey"
};

// The HTTP status of a known S3 error code, or 0 if the table does not know it.
int HttpStatusForS3Code(std::string_view s3_code);

// What `status` (not OK) becomes on the wire.
S3Error S3ErrorFor(const Status& status);

// What S3 answers to a request the HTTP server refused before it was routed
// (HttpServerOptions::render_rejection gets 431, 400, 503 or 505): a header
// section past the limit is 400 RequestHeaderSectionTooLarge, unparsable HTTP
// is 400 BadRequest, a connection over its client's cap 503 SlowDown, another
// HTTP version 505 HttpVersionNotSupported.
S3Error S3ErrorForHttpRejection(int http_status);

// The <Message> a client reads for `status`: its own message, unless the
// failure is the server's (a 5xx other than 501 NotImplemented: I/O errors,
// corruption, no space, internal errors, unavailable drives) or a kNotFound
// without a known S3 code (a storage ENOENT). Then the code's generic text:
// such messages name files, drives and errno, which stay in the log.
std::string S3ErrorMessage(const S3Error& error, const Status& status);

// The <Error> document: Code, Message, Resource, RequestId (and BucketName /
// Key when given).
std::string S3ErrorXml(const S3Error& error, std::string_view message, std::string_view resource,
                       std::string_view request_id, std::string_view bucket = {},
                       std::string_view key = {});

}  // namespace sos
