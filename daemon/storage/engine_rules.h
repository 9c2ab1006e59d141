// S3 rules the storage engine enforces itself: the error values (with the S3
// codes the S3 layer passes on), ETag comparison and the write preconditions
// checked inside a commit. They follow MemoryObjectStore (the reference fake):
// If-None-Match on writes supports only "*" (else NotImplemented), If-Match on
// a missing key is NoSuchKey, a mismatch is PreconditionFailed.
//
// Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "daemon/storage/storage_engine.h"

namespace sos::storage {

Status NoSuchBucket(const std::string& bucket);
Status NoSuchKey(const std::string& bucket, const std::string& key);
Status NoSuchUpload(const std::string& upload_id);

// Without W/ and surrounding quotes.
std::string_view BareEtag(std::string_view etag);
// "*" or a comma-separated list of ETags.
bool EtagListMatches(std::string_view list, std::string_view etag);

Status CheckWritePrecondition(const WritePrecondition& pc, const ObjectMeta* existing,
                              const std::string& bucket, const std::string& key);

TimePoint Now();

}  // namespace sos::storage
