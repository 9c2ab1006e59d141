// S3 rules the storage engine enforces itself: the error values (with the S3
// codes the S3 layer passes on) and the write preconditions checked inside a
// commit (s3core/conditions.h, the rules MemoryObjectStore follows too).
//
// Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "daemon/storage/storage_engine.h"
#include "s3core/s3_errors.h"

namespace sos::storage {

using sos::NoSuchBucket;
using sos::NoSuchKey;
using sos::NoSuchUpload;

Status CheckWritePrecondition(const WritePrecondition& pc, const ObjectMeta* existing,
                              const std::string& bucket, const std::string& key);

TimePoint Now();

}  // namespace sos::storage
