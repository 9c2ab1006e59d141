#include "fuse/core/uploader.h"

#include <algorithm>

#include "s3core/client/multipart_writer.h"
#include "s3core/client/object_copy.h"
#include "s3core/conditions.h"
#include "s3core/log.h"

namespace sos {

namespace {

// The upload's condition: replace only the version the file was based on.
Conditions ConditionsFor(const FileState::Snapshot& snap) {
  Conditions c;
  if (snap.expected) {
    if (snap.expected->empty()) {
      c.if_none_match = "*";
    } else {
      c.if_match = *snap.expected;
    }
  }
  return c;
}

}  // namespace

Uploader::Uploader(
    FileContext& ctx, std::function<void(const std::shared_ptr<FileState>&)> on_idle,
    std::function<bool(const std::shared_ptr<FileState>&, const std::string&)> on_conflict)
    : ctx_(ctx), on_idle_(std::move(on_idle)), on_conflict_(std::move(on_conflict)) {}

Uploader::~Uploader() { Shutdown(); }

void Uploader::Start() {
  std::lock_guard lock(mu_);
  if (!threads_.empty() || stopping_) return;
  for (int i = 0; i < std::max(1, ctx_.options.upload_threads); ++i) {
    threads_.emplace_back([this] { Worker(); });
  }
}

void Uploader::Enqueue(const std::shared_ptr<FileState>& st) {
  std::lock_guard lock(mu_);
  if (stopping_ || !queued_.insert(st.get()).second) return;
  queue_.push_back(st);
  work_cv_.notify_one();
}

void Uploader::EnqueueSoon(const std::shared_ptr<FileState>& st) {
  if (ctx_.options.upload_delay.count() <= 0) return Enqueue(st);
  std::lock_guard lock(mu_);
  if (stopping_ || queued_.count(st.get()) != 0) return;
  ScheduleLocked(Clock::now() + ctx_.options.upload_delay, st);
  work_cv_.notify_one();
}

void Uploader::ScheduleLocked(Clock::time_point when, const std::shared_ptr<FileState>& st) {
  auto [entry, fresh] = scheduled_.try_emplace(st.get());
  if (!fresh) {
    if (entry->second->first <= when) return;
    retry_.erase(entry->second);
  }
  entry->second = retry_.emplace(when, st);
}

Status Uploader::Sync(const std::shared_ptr<FileState>& st) {
  const uint64_t target = st->gen();
  if (!st->dirty() && st->phase() == FileState::Phase::kClean) return Status::Ok();
  Enqueue(st);
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] {
    return st->deleted() || !st->dirty() || st->uploaded_gen() >= target ||
           st->failed_gen() >= target || stopping_;
  });
  if (st->deleted() || !st->dirty() || st->uploaded_gen() >= target) return Status::Ok();
  Status error = st->last_error();
  return error.ok() ? Status::Unavailable("upload did not finish") : error;
}

Uploader::Stats Uploader::stats() const {
  std::lock_guard lock(mu_);
  Stats s;
  s.queued = queue_.size();
  s.retrying = retry_.size();
  s.uploading = static_cast<size_t>(active_);
  s.uploaded = uploaded_;
  s.failed = failed_;
  s.last_error = last_error_;
  return s;
}

size_t Uploader::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size() + retry_.size() + static_cast<size_t>(active_);
}

void Uploader::Shutdown() {
  {
    std::unique_lock lock(mu_);
    if (threads_.empty()) {
      stopping_ = true;
      return;
    }
    draining_ = true;
    work_cv_.notify_all();
    done_cv_.wait(lock, [&] { return queue_.empty() && retry_.empty() && active_ == 0; });
    stopping_ = true;
    work_cv_.notify_all();
    done_cv_.notify_all();
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void Uploader::Worker() {
  std::unique_lock lock(mu_);
  while (true) {
    // Retries that are due (all of them when draining) go back in the queue.
    auto now = Clock::now();
    while (!retry_.empty() && (draining_ || retry_.begin()->first <= now)) {
      auto st = retry_.begin()->second;
      retry_.erase(retry_.begin());
      scheduled_.erase(st.get());
      if (queued_.insert(st.get()).second) queue_.push_back(st);
    }
    if (stopping_) return;
    if (queue_.empty()) {
      if (retry_.empty()) {
        work_cv_.wait(lock);
      } else {
        const Clock::time_point when = retry_.begin()->first;  // a copy: the node may go
        work_cv_.wait_until(lock, when);
      }
      continue;
    }
    std::shared_ptr<FileState> st = queue_.front();
    queue_.pop_front();
    queued_.erase(st.get());
    ++active_;
    lock.unlock();
    std::string conflict_path;
    Status s = Round(*st, &conflict_path);
    // The local version moves to a name of its own, while still counted as
    // active (pending() never reads 0 in between).
    const bool conflict = s.code() == StatusCode::kPreconditionFailed && !st->deleted() &&
                          on_conflict_(st, conflict_path);
    lock.lock();
    --active_;
    if (s.ok()) {
      ++uploaded_;
    } else {
      ++failed_;
      last_error_ = st->path() + ": " + s.ToString();
    }
    if (conflict) {
      if (queued_.insert(st.get()).second) queue_.push_back(st);
    } else if (!st->deleted() && st->dirty()) {
      if (s.ok()) {
        // Changed during the upload. An open file goes again on its next
        // flush, fsync or release; a closed one goes now.
        if (st->open_count() == 0 && queued_.insert(st.get()).second) queue_.push_back(st);
      } else if (draining_ && ++shutdown_failures_[st.get()] > ctx_.options.shutdown_rounds) {
        spdlog::error(
            "giving up on uploading {} for now ({}); it stays in the journal for the "
            "next mount",
            st->path(), s.ToString());
      } else {
        ScheduleLocked(Clock::now() + ctx_.options.requeue_delay, st);
      }
    }
    done_cv_.notify_all();
    lock.unlock();
    on_idle_(st);
    lock.lock();
  }
}

Status Uploader::Round(FileState& st, std::string* conflict_path) {
  std::lock_guard io(st.io_mu());
  if (st.deleted() || !st.dirty()) return Status::Ok();
  Status s;
  uint64_t gen = st.gen();
  auto delay = ctx_.options.retry_delay;
  for (int attempt = 1; attempt <= std::max(1, ctx_.options.upload_attempts); ++attempt) {
    if (attempt > 1) {
      std::this_thread::sleep_for(delay);
      delay *= 2;
    }
    FileState::Snapshot snap = st.BeginUpload();
    gen = snap.gen;
    std::string etag;
    s = UploadOnce(st, snap, &etag);
    if (s.code() == StatusCode::kPreconditionFailed) {
      s = AfterRefusal(st, snap, s, &etag);
    } else if (s.code() == StatusCode::kNotFound && snap.expected && !snap.expected->empty()) {
      st.ExpectNothing();  // deleted on the server meanwhile: the local version recreates it
    }
    // The cache learns the new object before the file may turn clean (and
    // stop shadowing the cache).
    if (s.ok()) ctx_.remote.NoteEntry(snap.path, FileState::EntryFor(snap, etag));
    st.FinishUpload(snap, s, etag);
    if (s.ok()) return s;  // its bytes were counted in the cache's usage when written
    if (st.deleted()) return Status::Ok();
    if (s.code() == StatusCode::kPreconditionFailed) {
      spdlog::error("{} was changed on the server while it had local changes here: {}", snap.path,
                    s.ToString());
      st.MarkFailed(gen);
      *conflict_path = snap.path;
      return s;  // a conflict: no retry can succeed
    }
  }
  st.MarkFailed(gen);
  spdlog::warn("upload of {} failed: {}; it stays dirty and is tried again", st.path(),
               s.ToString());
  return s;
}

Status Uploader::UploadOnce(FileState& st, const FileState::Snapshot& snap, std::string* etag) {
  SOS_RETURN_IF_ERROR(ctx_.remote.SettleDeletes(snap.path));  // a delete never lands after it
  // The parts sent while the file was written, if they still fit it.
  std::shared_ptr<FileState::StreamedUpload> stream = st.TakeStream();
  struct Resume {
    FileState& st;
    ~Resume() { st.ResumeStreaming(); }
  } resume{st};
  if (stream &&
      (snap.size < ctx_.options.multipart_threshold || stream->key != ctx_.remote.Key(snap.path) ||
       stream->part_size !=
           PartSizeFor(snap.size, ctx_.options.part_size, ctx_.options.block_size))) {
    (void)ctx_.store.AbortMultipartUpload(ctx_.options.bucket, stream->key, stream->upload_id);
    (void)st.SetUploadId("");
    stream.reset();
  }
  if (snap.size >= ctx_.options.multipart_threshold) {
    return UploadMultipart(st, snap, std::move(stream), etag);
  }
  SOS_RETURN_IF_ERROR(st.FetchAll());
  WriteOptions opts;
  opts.content_type = snap.content_type;
  opts.user_meta = snap.user_meta;
  opts.canned_acl = ctx_.options.default_acl;
  opts.conditions = ConditionsFor(snap);
  FileRangeSource body(st.fd(), 0, snap.size);
  SOS_ASSIGN_OR_RETURN(PutResult put,
                       ctx_.store.Put(ctx_.options.bucket, ctx_.remote.Key(snap.path), body, opts));
  *etag = put.etag;
  return Status::Ok();
}

Status Uploader::AfterRefusal(FileState& st, const FileState::Snapshot& snap, const Status& refused,
                              std::string* etag) {
  auto head = ctx_.store.Head(ctx_.options.bucket, ctx_.remote.Key(snap.path));
  if (!head.ok()) {
    if (head.status().code() != StatusCode::kNotFound) return head.status();  // tried again
    if (!snap.expected || snap.expected->empty()) return refused;
    // Some servers refuse If-Match on a missing key with 412: deleted meanwhile.
    st.ExpectNothing();
    return Status::Unavailable(snap.path + " was deleted on the server meanwhile; sent again");
  }
  // Refused although the object still has the ETag of the condition: the
  // server does not evaluate If-Match here (Ceph RGW on a versioned bucket).
  // Sent again without it; the next upload asks again.
  if (snap.expected && !snap.expected->empty() && head->etag == *snap.expected) {
    spdlog::warn("{}: the server refused If-Match {} although it holds; sent without it", snap.path,
                 *snap.expected);
    st.ExpectAnything();
    return Status::Unavailable(snap.path + ": a condition that holds was refused; sent again");
  }
  // The metadata carries the file's mtime in nanoseconds: another writer
  // does not produce the same size and metadata by chance.
  if (head->size == snap.size && head->user_meta == snap.user_meta) {
    *etag = head->etag;
    return Status::Ok();
  }
  // An upload of streamed parts that completed, its answer lost before its
  // metadata was set: that upload's metadata (with the mtime of when it began).
  auto streamed = st.StreamedMeta();
  if (head->size == snap.size && streamed && head->user_meta == *streamed) {
    FileState::StreamedUpload upload;
    upload.key = ctx_.remote.Key(snap.path);
    upload.user_meta = *streamed;
    upload.content_type = head->content_type;
    *etag = head->etag;
    return FixStreamedMeta(st, snap, upload, etag);
  }
  return refused;
}

Status Uploader::UploadMultipart(FileState& st, const FileState::Snapshot& snap,
                                 std::shared_ptr<FileState::StreamedUpload> stream,
                                 std::string* etag) {
  const std::string& bucket = ctx_.options.bucket;
  const std::string key = ctx_.remote.Key(snap.path);
  WriteOptions opts;
  opts.content_type = snap.content_type;
  opts.user_meta = snap.user_meta;
  opts.canned_acl = ctx_.options.default_acl;
  opts.conditions = ConditionsFor(snap);  // on the completion
  std::mutex mu;
  std::optional<FileState::BaseRef> copied_from;  // guarded by mu
  FillPart fill = [&](const std::string& upload_id, const PartSpan& part) -> Result<std::string> {
    const uint64_t end = part.offset + part.length;
    if (auto base = st.UntouchedBase(part.offset, end)) {
      // Bytes never fetched nor changed: a server-side copy from the base.
      auto copied = ctx_.store.UploadPartCopy(bucket, key, upload_id, part.number, bucket,
                                              base->key, ByteRange::Closed(part.offset, end - 1));
      if (copied.ok()) {
        std::lock_guard lock(mu);
        copied_from = std::move(base);
      }
      return copied;
    }
    SOS_RETURN_IF_ERROR(st.FetchBytes(part.offset, end));
    FileRangeSource body(st.fd(), part.offset, part.length);
    return ctx_.store.UploadPart(bucket, key, upload_id, part.number, body);
  };
  MultipartOptions multipart;
  multipart.min_part_size = ctx_.options.part_size;
  multipart.align = ctx_.options.block_size;
  multipart.concurrency = ctx_.options.part_concurrency;
  multipart.retry_delay = ctx_.options.retry_delay;
  multipart.on_created = [&](const std::string& upload_id) { (void)st.SetUploadId(upload_id); };
  multipart.before_complete = [&]() -> Status {
    // The completion carries the condition, but some servers (Ceph RGW)
    // ignore it there: look first, so that they too keep a conflict.
    if (snap.expected) {
      auto now = ctx_.store.Head(bucket, key);
      if (!now.ok() && now.status().code() != StatusCode::kNotFound) return now.status();
      if (!now.ok() && !snap.expected->empty()) return now.status();  // deleted meanwhile
      if (now.ok() && (snap.expected->empty() || BareEtag(now->etag) != BareEtag(*snap.expected))) {
        return Status::PreconditionFailed(key + " changed on the server during the upload");
      }
    }
    if (!copied_from) return Status::Ok();
    // The copies took whatever the base key held; only if that is still the
    // base version are they the file's bytes (S3 has no If-Match for them here).
    auto head = ctx_.store.Head(bucket, copied_from->key);
    if (!head.ok() || head->etag != copied_from->etag) {
      return Status::IOError("the remote object " + copied_from->key +
                             " changed while parts of it were still needed");
    }
    return Status::Ok();
  };
  if (stream) {
    multipart.upload_id = stream->upload_id;
    for (const auto& [index, sent] : stream->parts) {
      multipart.done_parts[static_cast<int>(index) + 1] = sent.first;
    }
  }
  auto done = WriteMultipart(ctx_.store, bucket, key, snap.size, opts, fill, multipart);
  (void)st.SetUploadId("");
  SOS_RETURN_IF_ERROR(done.status());
  *etag = done->etag;
  if (stream &&
      (stream->user_meta != snap.user_meta || stream->content_type != snap.content_type)) {
    return FixStreamedMeta(st, snap, *stream, etag);
  }
  return Status::Ok();
}

Status Uploader::FixStreamedMeta(FileState& st, const FileState::Snapshot& snap,
                                 const FileState::StreamedUpload& stream, std::string* etag) {
  CopyRequest req;
  req.src_bucket = req.dst_bucket = ctx_.options.bucket;
  req.src_key = req.dst_key = stream.key;
  req.replace_metadata = true;
  req.options.content_type = snap.content_type;
  req.options.user_meta = snap.user_meta;
  req.options.canned_acl = ctx_.options.default_acl;
  req.source_conditions.if_match = *etag;
  // Over 5 GiB the copy is a multipart copy, whose parts take no source
  // condition: its completion does (another client's version is kept).
  if (snap.size > ctx_.options.large_copy.max_single_copy) req.options.conditions.if_match = *etag;
  auto copied = CopyObjectAnySize(ctx_.store, req, snap.size, ctx_.options.large_copy);
  if (copied.ok()) {
    *etag = copied->etag;
  } else {
    // The bytes are on the server, under the metadata of when the upload
    // began: the file stays dirty, and its next round (If-Match this
    // version) sends it whole with the metadata it has then.
    spdlog::warn("{}: its attributes did not reach the server yet ({}); sent again", snap.path,
                 copied.status().ToString());
    (void)st.Update([](NodeAttr*, std::map<std::string, std::string>*) {});
  }
  return Status::Ok();
}

}  // namespace sos
