// Object paths on the command line: "bucket", "bucket/key", "bucket/prefix/",
// and the same with an "s3://" prefix. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "s3core/status.h"

namespace sos::ctl {

struct S3Path {
  std::string bucket;
  std::string key;  // may be empty (the bucket itself) or end in '/' (a prefix)
  std::string ToString() const { return key.empty() ? bucket : bucket + "/" + key; }
};

// InvalidArgument (a usage error) for an empty bucket or another URL scheme.
Result<S3Path> ParseS3Path(std::string_view text);

}  // namespace sos::ctl
