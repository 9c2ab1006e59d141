#include "s3core/client/object_copy.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace sos {
namespace {

constexpr uint64_t kMaxParts = 10000;

}  // namespace

Result<CopyResult> CopyObjectAnySize(ObjectStore& store, const CopyRequest& request, uint64_t size,
                                     const LargeCopyOptions& options) {
  if (size <= options.max_single_copy) return store.Copy(request);

  WriteOptions write = request.options;
  if (!request.replace_metadata || !request.source_conditions.empty() || size == kUnknownSize) {
    SOS_ASSIGN_OR_RETURN(ObjectMeta source, store.Head(request.src_bucket, request.src_key,
                                                       request.source_conditions));
    size = source.size;
    if (size <= options.max_single_copy) return store.Copy(request);
    if (!request.replace_metadata) {
      write = WriteOptionsFromMeta(source);
      write.canned_acl = request.options.canned_acl;
      write.conditions = request.options.conditions;
    }
  }
  uint64_t part_size = std::max<uint64_t>(options.part_size, 1);
  if ((size + part_size - 1) / part_size > kMaxParts)
    part_size = (size + kMaxParts - 1) / kMaxParts;

  const Conditions completion_conditions = write.conditions;
  write.conditions = {};
  SOS_ASSIGN_OR_RETURN(std::string upload_id,
                       store.CreateMultipartUpload(request.dst_bucket, request.dst_key, write));
  std::vector<CompletedPart> parts;
  Status failed;
  for (uint64_t offset = 0; offset < size; offset += part_size) {
    const int number = static_cast<int>(parts.size()) + 1;
    ByteRange range = ByteRange::Closed(offset, std::min(size, offset + part_size) - 1);
    auto etag = store.UploadPartCopy(request.dst_bucket, request.dst_key, upload_id, number,
                                     request.src_bucket, request.src_key, range);
    if (!etag.ok()) {
      failed = etag.status();
      break;
    }
    parts.push_back({number, *etag});
  }
  if (failed.ok()) {
    auto done = store.CompleteMultipartUpload(request.dst_bucket, request.dst_key, upload_id, parts,
                                              completion_conditions);
    if (done.ok()) return CopyResult{done->etag, std::chrono::system_clock::now()};
    failed = done.status();
  }
  (void)store.AbortMultipartUpload(request.dst_bucket, request.dst_key, upload_id);
  return failed;
}

}  // namespace sos
