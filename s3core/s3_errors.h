// The S3 "no such thing" errors, with the codes and messages every part of
// sos uses for them (sosd's storage engine, MemoryObjectStore, the shared
// precondition rules). Pure functions; thread-safe.
#pragma once

#include <string>

#include "s3core/status.h"

namespace sos {

Status NoSuchBucket(const std::string& bucket);
Status NoSuchKey(const std::string& bucket, const std::string& key);
Status NoSuchUpload(const std::string& upload_id);

}  // namespace sos
