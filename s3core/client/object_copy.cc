#include "s3core/client/object_copy.h"

#include <algorithm>
#include <chrono>

#include "s3core/client/multipart_writer.h"

namespace sos {

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
  const std::string& src_bucket = request.src_bucket;
  const std::string& src_key = request.src_key;
  FillPart fill = [&](const std::string& upload_id, const PartSpan& part) {
    return store.UploadPartCopy(request.dst_bucket, request.dst_key, upload_id, part.number,
                                src_bucket, src_key,
                                ByteRange::Closed(part.offset, part.offset + part.length - 1));
  };
  MultipartOptions multipart;
  multipart.min_part_size = options.part_size;
  SOS_ASSIGN_OR_RETURN(MultipartResult done, WriteMultipart(store, request.dst_bucket,
                                                            request.dst_key, size, write, fill,
                                                            multipart));
  return CopyResult{done.etag, std::chrono::system_clock::now()};
}

}  // namespace sos
