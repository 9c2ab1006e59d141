// Object paths on the command line: "bucket", "bucket/key", "bucket/prefix/",
// and the same with an "s3://" prefix. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "s3core/status.h"

namespace sos::ctl {

struct S3Path {
  std::string bucket;
  std::string key;    // may be empty (the bucket itself) or end in '/' (a prefix)
  std::string alias;  // the saved alias it was named through; empty: the run's endpoint
  std::string ToString() const {
    std::string text = alias.empty() ? bucket : alias + "/" + bucket;
    return key.empty() ? text : text + "/" + key;
  }
};

// InvalidArgument (a usage error) for an empty bucket or another URL scheme.
Result<S3Path> ParseS3Path(std::string_view text);

}  // namespace sos::ctl
