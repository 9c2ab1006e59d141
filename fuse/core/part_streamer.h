// PartStreamer: sends the parts of a big new file while it is still being
// written, so that its upload does not start only at close.
//
// After each write, and at the last close, Poke() asks the file for its
// complete parts not sent yet (FileState::TakeReadyParts) and sends each as
// an UploadPart into the file's streamed multipart upload, created by the
// first part (and journalled, so that a crash leaves it to be aborted),
// `tasks`' width at a time. The file's upload round (Uploader) then sends
// only what is left and completes the upload; a part written again after it
// was read is sent again by that round. A failed part is only logged: the
// round sends it. Abandon() aborts the streamed upload of a file deleted,
// replaced or renamed (its upload is for the old key).
//
// Thread-safety: thread-safe; holds no lock of its own.
#pragma once

#include <memory>

#include "fuse/core/file_state.h"
#include "s3core/client/parallel.h"

namespace sos {

class PartStreamer {
 public:
  PartStreamer(FileContext& ctx, BackgroundTasks& tasks) : ctx_(ctx), tasks_(tasks) {}

  void Poke(const std::shared_ptr<FileState>& st);
  // Waits for the parts being sent (up to one part's upload).
  void Abandon(FileState& st);

 private:
  void Send(const std::shared_ptr<FileState>& st, uint64_t index);

  FileContext& ctx_;
  BackgroundTasks& tasks_;
};

}  // namespace sos
