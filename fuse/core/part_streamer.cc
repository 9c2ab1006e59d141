#include "fuse/core/part_streamer.h"

#include "s3core/body.h"
#include "s3core/log.h"

namespace sos {

void PartStreamer::Poke(const std::shared_ptr<FileState>& st) {
  for (uint64_t index : st->TakeReadyParts()) {
    tasks_.Run([this, st, index] { Send(st, index); });
  }
}

void PartStreamer::Send(const std::shared_ptr<FileState>& st, uint64_t index) {
  const std::string& bucket = ctx_.options.bucket;
  Status sent = [&]() -> Status {
    // Queued behind other files' parts: the round or a delete may have
    // come first.
    if (!st->StreamWanted()) return Status::Ok();
    SOS_ASSIGN_OR_RETURN(
        auto upload, st->StreamUpload([&](const FileState::StreamedUpload& u) -> Result<std::string> {
          WriteOptions create;
          create.content_type = u.content_type;
          create.user_meta = u.user_meta;
          create.canned_acl = ctx_.options.default_acl;
          return ctx_.store.CreateMultipartUpload(bucket, u.key, create);
        }));
    const uint64_t writes = st->PartWrites(index);
    FileRangeSource body(st->fd(), index * upload->part_size, upload->part_size);
    SOS_ASSIGN_OR_RETURN(std::string etag,
                         ctx_.store.UploadPart(bucket, upload->key, upload->upload_id,
                                               static_cast<int>(index) + 1, body));
    st->PartSent(upload, index, etag, writes);
    return Status::Ok();
  }();
  if (!sent.ok()) {
    spdlog::debug("part {} of {} goes with its upload instead: {}", index + 1, st->path(),
                  sent.ToString());
  }
  st->PartDone(index);
}

void PartStreamer::Abandon(FileState& st) {
  auto upload = st.TakeStream();
  if (upload) {
    (void)ctx_.store.AbortMultipartUpload(ctx_.options.bucket, upload->key, upload->upload_id);
    if (!st.deleted()) (void)st.SetUploadId("");
  }
  st.ResumeStreaming();  // a renamed file streams again, into an upload at its new key
}

}  // namespace sos
