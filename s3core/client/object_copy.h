// CopyObjectAnySize: a server-side copy that works for objects of any size.
//
// S3 refuses CopyObject for sources over 5 GiB; those are copied as a
// multipart upload of UploadPartCopy ranges instead, with the metadata of the
// source (or the request's, with REPLACE) and the request's canned ACL and
// destination conditions on the completion. A failed multipart copy is
// aborted, so no upload is left behind. The source conditions of a large copy
// are checked with a HEAD first (S3 has no atomic form for multipart copies).
// The data never passes through this process.
//
// Thread-safe if the store is.
#pragma once

#include <cstdint>

#include "s3core/client/object_store.h"

namespace sos {

struct LargeCopyOptions {
  uint64_t max_single_copy = uint64_t{5} << 30;  // S3's CopyObject limit
  uint64_t part_size = uint64_t{1} << 30;        // grows so that parts <= 10000 (multipart_writer.h)
};

// `size` is the source's size (from a listing or a HEAD), or kUnknownSize to
// have it looked up (one HEAD) when it matters.
inline constexpr uint64_t kUnknownSize = UINT64_MAX;
Result<CopyResult> CopyObjectAnySize(ObjectStore& store, const CopyRequest& request, uint64_t size,
                                     const LargeCopyOptions& options = {});

}  // namespace sos
