// FileState: parts sent while the file is written (see file_state.h).
#include "fuse/core/file_state.h"

namespace sos {

std::vector<uint64_t> FileState::TakeReadyParts() {
  std::lock_guard lock(mu_);
  std::vector<uint64_t> ready;
  const uint64_t part = ctx_.options.part_size;
  // Only a new file: its bytes are all local, none is fetched or copied.
  if (stream_stopped_ || deleted_ || base_size_ != 0 || part == 0 ||
      size_ < ctx_.options.multipart_threshold) {
    return ready;
  }
  // A part is complete once the writer is past its end, or the file closed.
  const uint64_t done_to = open_count_ > 0 ? std::min(write_end_, size_) : size_;
  // A part still being sent (truncated and written again meanwhile) waits:
  // two sends of one part could end in either order.
  while ((stream_next_ + 1) * part <= done_to && parts_sending_.count(stream_next_) == 0) {
    parts_sending_.insert(stream_next_);
    ready.push_back(stream_next_++);
  }
  stream_running_ += static_cast<int>(ready.size());
  return ready;
}

Result<std::shared_ptr<FileState::StreamedUpload>> FileState::StreamUpload(
    const std::function<Result<std::string>(const StreamedUpload&)>& create) {
  std::lock_guard creating(stream_mu_);
  StreamedUpload fresh;
  {
    std::lock_guard lock(mu_);
    if (stream_) return stream_;
    fresh.key = ctx_.remote.Key(path_);
    fresh.part_size = ctx_.options.part_size;
    fresh.content_type = EffectiveContentType();
    fresh.user_meta = UserMetaLocked();
  }
  SOS_ASSIGN_OR_RETURN(fresh.upload_id, create(fresh));
  // Journalled: a crash leaves it to be aborted by the next mount.
  (void)SetUploadId(fresh.upload_id);
  auto upload = std::make_shared<StreamedUpload>(std::move(fresh));
  std::lock_guard lock(mu_);
  stream_ = upload;
  return upload;
}

uint64_t FileState::PartWrites(uint64_t index) const {
  std::lock_guard lock(mu_);
  return index < part_writes_.size() ? part_writes_[index] : 0;
}

void FileState::PartSent(const std::shared_ptr<StreamedUpload>& upload, uint64_t index,
                         const std::string& etag, uint64_t writes) {
  std::lock_guard lock(mu_);
  upload->parts[index] = {etag, writes};
}

void FileState::PartDone(uint64_t index) {
  {
    std::lock_guard lock(mu_);
    --stream_running_;
    parts_sending_.erase(index);
  }
  streamed_.notify_all();
}

std::optional<std::map<std::string, std::string>> FileState::StreamedMeta() const {
  std::lock_guard lock(mu_);
  return streamed_meta_;
}

bool FileState::StreamWanted() const {
  std::lock_guard lock(mu_);
  return !stream_stopped_ && !deleted_;
}

std::shared_ptr<FileState::StreamedUpload> FileState::TakeStream() {
  std::unique_lock lock(mu_);
  stream_stopped_ = true;
  streamed_.wait(lock, [&] { return stream_running_ == 0; });
  std::shared_ptr<StreamedUpload> upload = std::move(stream_);
  stream_.reset();
  if (upload) {
    streamed_meta_ = upload->user_meta;
    // Only the parts not written again since they were read are kept.
    for (auto it = upload->parts.begin(); it != upload->parts.end();) {
      const uint64_t writes = it->first < part_writes_.size() ? part_writes_[it->first] : 0;
      it = writes == it->second.second ? std::next(it) : upload->parts.erase(it);
    }
  }
  return upload;
}

void FileState::ResumeStreaming() {
  std::lock_guard lock(mu_);
  stream_stopped_ = false;
  stream_next_ = 0;
}

}  // namespace sos
