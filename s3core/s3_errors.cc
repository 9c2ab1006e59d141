#include "s3core/s3_errors.h"

namespace sos {

Status NoSuchBucket(const std::string& bucket) {
  return Status::NotFound("bucket '" + bucket + "' does not exist", "NoSuchBucket");
}

Status NoSuchKey(const std::string& bucket, const std::string& key) {
  return Status::NotFound("key '" + key + "' does not exist in bucket '" + bucket + "'",
                          "NoSuchKey");
}

Status NoSuchUpload(const std::string& upload_id) {
  return Status::NotFound("upload '" + upload_id + "' does not exist", "NoSuchUpload");
}

}  // namespace sos
