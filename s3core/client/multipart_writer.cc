#include "s3core/client/multipart_writer.h"

#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

#include "s3core/client/parallel.h"

namespace sos {

uint64_t PartSizeFor(uint64_t size, uint64_t min_part_size, uint64_t align) {
  align = std::max<uint64_t>(align, 1);
  uint64_t part = std::max<uint64_t>(min_part_size, 1);
  if ((size + part - 1) / part > static_cast<uint64_t>(kMaxParts)) {
    part = (size + kMaxParts - 1) / kMaxParts;
    part = (part + align - 1) / align * align;
  }
  return part;
}

int PartCountFor(uint64_t size, uint64_t part_size) {
  return static_cast<int>(std::max<uint64_t>(1, (size + part_size - 1) / part_size));
}

Result<MultipartResult> WriteMultipart(ObjectStore& store, const std::string& bucket,
                                       const std::string& key, uint64_t size,
                                       const WriteOptions& write, const FillPart& fill,
                                       const MultipartOptions& options) {
  const uint64_t part_size = PartSizeFor(size, options.min_part_size, options.align);
  const int count = PartCountFor(size, part_size);
  if (size > kMaxObjectSize || count > kMaxParts || part_size > kMaxPartSize) {
    return Status::InvalidArgument("an object of " + std::to_string(size) +
                                   " bytes is larger than S3 allows (5 TiB)",
                                   "EntityTooLarge");
  }
  std::string upload_id = options.upload_id;
  if (upload_id.empty()) {
    WriteOptions create = write;
    create.conditions = {};  // they belong to the completion
    SOS_ASSIGN_OR_RETURN(upload_id, store.CreateMultipartUpload(bucket, key, create));
    if (options.on_created) options.on_created(upload_id);
  }

  std::vector<CompletedPart> parts(static_cast<size_t>(count));
  std::mutex mu;
  Status first_error;  // guarded by mu; once set, parts not yet started are skipped
  ParallelFor(parts.size(), options.concurrency, [&](size_t i) {
    const PartSpan span{static_cast<int>(i) + 1, i * part_size,
                        std::min(part_size, size - std::min(size, i * part_size))};
    if (auto done = options.done_parts.find(span.number); done != options.done_parts.end()) {
      parts[i] = CompletedPart{span.number, done->second};
      return;
    }
    Status s;
    auto delay = options.retry_delay;
    for (int attempt = 0; attempt < std::max(1, options.attempts); ++attempt) {
      {
        std::lock_guard lock(mu);
        if (!first_error.ok()) return;
      }
      if (attempt > 0) {
        std::this_thread::sleep_for(delay);
        delay *= 2;
      }
      auto etag = fill(upload_id, span);
      if (etag.ok()) {
        parts[i] = CompletedPart{span.number, *etag};
        return;
      }
      s = etag.status();
    }
    std::lock_guard lock(mu);
    if (first_error.ok()) first_error = s;
  });

  Status s = first_error;
  if (s.ok() && options.before_complete) s = options.before_complete();
  if (s.ok()) {
    auto done = store.CompleteMultipartUpload(bucket, key, upload_id, parts, write.conditions);
    if (done.ok()) return MultipartResult{done->etag, count};
    s = done.status();
  }
  (void)store.AbortMultipartUpload(bucket, key, upload_id);
  return s;
}

}  // namespace sos
