#include "ctl/s3_path.h"

#include "ctl/exit_code.h"

namespace sos::ctl {

Result<S3Path> ParseS3Path(std::string_view text) {
  std::string_view rest = text;
  if (rest.starts_with("s3://")) {
    rest.remove_prefix(5);
  } else if (auto scheme = rest.find("://"); scheme != std::string_view::npos) {
    return UsageError("'" + std::string(text) +
                      "' is not an S3 path: use BUCKET/KEY or s3://BUCKET/KEY");
  }
  while (rest.starts_with('/')) rest.remove_prefix(1);
  S3Path path;
  size_t slash = rest.find('/');
  path.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) path.key = std::string(rest.substr(slash + 1));
  if (path.bucket.empty()) {
    return UsageError("'" + std::string(text) + "' names no bucket");
  }
  return path;
}

}  // namespace sos::ctl
