// WriteMultipart: the one way sos writes an object in parts -- sosfs's
// uploads of large files, sosctl's put, and server-side copies over 5 GiB.
//
// PartSizeFor picks the part size: at least `min_part_size`, and larger
// (a multiple of `align`) when the object would otherwise need more than S3's
// 10,000 parts, so every object up to S3's 5 TiB limit fits. WriteMultipart
// creates the upload, fills the parts `concurrency` at a time through the
// caller's FillPart (an UploadPart or UploadPartCopy; each part tried
// `attempts` times with exponential backoff), runs `before_complete` (a last
// check), completes the upload under the write's conditions (If-Match, ...),
// and aborts it on
// any failure, so that no upload is left behind.
//
// Thread-safe if the store and the callbacks are; FillPart runs on several
// threads at once (s3core/client/parallel.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "s3core/client/object_store.h"

namespace sos {

inline constexpr int kMaxParts = 10000;                         // S3's limit per upload
inline constexpr uint64_t kMaxObjectSize = uint64_t{5} << 40;   // 5 TiB
inline constexpr uint64_t kMaxPartSize = uint64_t{5} << 30;     // 5 GiB

// The part size for an object of `size` bytes: `min_part_size`, or the
// smallest multiple of `align` that fits `size` in kMaxParts parts.
uint64_t PartSizeFor(uint64_t size, uint64_t min_part_size, uint64_t align = 1);
// How many parts of `part_size` hold `size` bytes (at least one).
int PartCountFor(uint64_t size, uint64_t part_size);

// One part: its number (1-based) and the object's bytes it holds.
struct PartSpan {
  int number = 1;
  uint64_t offset = 0;
  uint64_t length = 0;
};

// Puts one part into upload `upload_id`; returns the part's ETag.
using FillPart = std::function<Result<std::string>(const std::string& upload_id, const PartSpan&)>;

struct MultipartOptions {
  uint64_t min_part_size = uint64_t{8} << 20;
  uint64_t align = uint64_t{1} << 20;  // part sizes grow in these steps
  int concurrency = 4;                 // parts in flight at once
  int attempts = 3;                    // tries per part
  std::chrono::milliseconds retry_delay{100};  // doubled after each failed try
  // Told the upload id once the upload exists (sosfs journals it).
  std::function<void(const std::string& upload_id)> on_created;
  // Runs after every part is in, before completing; an error aborts.
  std::function<Status()> before_complete;
  // An upload created earlier (its parts sent while the data was still being
  // written): used instead of a new one, and `done_parts` (part number ->
  // ETag) are not filled again. It is aborted on failure like a new one.
  std::string upload_id;
  std::map<int, std::string> done_parts;
};

struct MultipartResult {
  std::string etag;
  int parts = 0;
};

Result<MultipartResult> WriteMultipart(ObjectStore& store, const std::string& bucket,
                                       const std::string& key, uint64_t size,
                                       const WriteOptions& write, const FillPart& fill,
                                       const MultipartOptions& options = {});

}  // namespace sos
