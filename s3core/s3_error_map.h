// The client's one mapping from an S3 HTTP response to a Status.
//
// The S3 error code (from the XML body, when there is one) decides first;
// the HTTP status decides when there is no body (HEAD) or the code is unknown.
// Throttling and 5xx are retryable. Pure function; thread-safe.
#pragma once

#include <string>

#include "s3core/status.h"

namespace sos {

Status StatusFromS3Error(long http_status, const std::string& s3_code, const std::string& message);

}  // namespace sos
