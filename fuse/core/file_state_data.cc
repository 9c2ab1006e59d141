// FileState: the data path (block fetches, read, write, truncate).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "fuse/core/file_state.h"
#include "fuse/core/fs_errors.h"
#include "s3core/client/parallel.h"
#include "s3core/log.h"

namespace sos {
namespace {

constexpr uint8_t kPresent = BlockIndex::kPresent;
constexpr uint8_t kDirty = BlockIndex::kDirty;
constexpr int kFetchAttempts = 3;

Status PwriteAll(int fd, const char* data, size_t n, uint64_t offset) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, data, n, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      return StatusFromErrno(errno, "cache write");
    }
    data += w;
    n -= static_cast<size_t>(w);
    offset += static_cast<uint64_t>(w);
  }
  return Status::Ok();
}

Status Resize(int fd, uint64_t size) {
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0)
    return StatusFromErrno(errno, "cache truncate");
  return Status::Ok();
}

}  // namespace

// ---- data -------------------------------------------------------------------

bool FileState::MissingLocked(uint64_t b) const {
  if (b >= Blocks(base_size_)) return false;
  return b >= blocks_.size() || (blocks_[b] & kPresent) == 0;
}

Status FileState::Fetch(uint64_t first, uint64_t last) {
  uint64_t run_start = 0;
  bool in_run = false;
  for (uint64_t b = first; b <= last + 1; ++b) {
    bool missing = false;
    if (b <= last) {
      std::lock_guard lock(mu_);
      missing = MissingLocked(b);
    }
    if (missing && !in_run) {
      run_start = b;
      in_run = true;
    } else if (!missing && in_run) {
      SOS_RETURN_IF_ERROR(FetchRun(run_start, b - 1));
      in_run = false;
    }
  }
  return Status::Ok();
}

Status FileState::FetchRun(uint64_t first, uint64_t last) {
  const uint64_t chunk = std::max<uint64_t>(1, ctx_.options.fetch_chunk / BlockSize());
  const uint64_t chunks = (last - first) / chunk + 1;
  if (chunks == 1 || ctx_.options.read_concurrency <= 1) return FetchRange(first, last);
  // Each chunk writes its own blocks of the cache file; data_mu_ (held by the
  // caller) keeps writes and truncates out meanwhile.
  std::vector<Status> results(chunks);
  ParallelFor(chunks, ctx_.options.read_concurrency, [&](size_t i) {
    const uint64_t from = first + i * chunk;
    results[i] = FetchRange(from, std::min(last, from + chunk - 1), /*may_refresh=*/false);
  });
  for (const Status& r : results) {
    if (r.ok()) continue;
    const StatusCode code = r.code();
    if (code != StatusCode::kPreconditionFailed && code != StatusCode::kNotFound) return r;
    // The object changed under the chunks: one GET at a time sorts it out
    // (a clean file moves to the new version; a dirty one fails).
    return FetchRange(first, last);
  }
  return Status::Ok();
}

Status FileState::FetchRange(uint64_t first, uint64_t last, bool may_refresh) {
  bool refreshed = false;
  for (int attempt = 0;; ++attempt) {
    std::string key, etag;
    uint64_t base;
    bool dirty;
    {
      std::lock_guard lock(mu_);
      key = ctx_.remote.Key(path_);
      etag = etag_;
      base = base_size_;
      dirty = dirty_ || uploading_;
    }
    const uint64_t begin = first * BlockSize();
    const uint64_t end = std::min((last + 1) * BlockSize(), base);
    if (begin >= end) return Status::Ok();
    GetRequest req;
    req.bucket = ctx_.options.bucket;
    req.key = key;
    req.range = ByteRange::Closed(begin, end - 1);
    req.conditions.if_match = etag;
    uint64_t pos = begin;
    auto got = ctx_.store.Get(req, [&](std::string_view chunk) -> Status {
      if (pos + chunk.size() > end) return Status::IOError("server sent more than asked");
      SOS_RETURN_IF_ERROR(PwriteAll(fd_, chunk.data(), chunk.size(), pos));
      pos += chunk.size();
      return Status::Ok();
    });
    if (got.ok()) {
      if (pos != end) return Status::IOError("short read of " + key);
      std::vector<std::pair<uint64_t, uint8_t>> changes;
      {
        std::lock_guard lock(mu_);
        // A read-ahead that outlived an unlink: the records are going away.
        if (deleted_) return Status::Ok();
        if (blocks_.size() <= last) blocks_.resize(last + 1, 0);
        for (uint64_t b = first; b <= last; ++b) {
          blocks_[b] |= kPresent;
          changes.emplace_back(b, blocks_[b]);
        }
      }
      ctx_.cache.AddUsage(end - begin);
      return ctx_.cache.blocks().Set(file_id_, changes);
    }
    StatusCode code = got.status().code();
    bool changed = code == StatusCode::kPreconditionFailed || code == StatusCode::kNotFound;
    if (changed && !may_refresh) return got.status();
    if (!changed) {
      // The store retried already; one more round for a dropped connection.
      if (!got.status().retryable() || attempt >= kFetchAttempts - 1) return got.status();
      continue;
    }
    if (dirty || refreshed) {
      return Status::IOError(
          "the remote object " + key +
          " changed while parts of it were still needed: " + got.status().ToString());
    }
    // A clean file whose object was replaced: start over from the new version.
    auto head = ctx_.store.Head(ctx_.options.bucket, key);
    if (!head.ok())
      return head.status().code() == StatusCode::kNotFound
                 ? Status::IOError(key + " was deleted remotely")
                 : head.status();
    RemoteEntry fresh = EntryFromMeta(*head, false);
    ctx_.remote.NoteEntry(path(), fresh);
    SOS_RETURN_IF_ERROR(ResetBase(fresh));
    refreshed = true;
  }
}

Status FileState::FetchMissing(uint64_t offset, uint64_t size) {
  if (size == 0) return Status::Ok();
  return Fetch(offset / BlockSize(), (offset + size - 1) / BlockSize());
}

void FileState::ReadAhead(uint64_t last, uint64_t file_size) {
  if (readahead_blocks_ == 0) readahead_blocks_ = static_cast<uint64_t>(ctx_.options.readahead_blocks);
  const uint64_t next = last + 1;
  const uint64_t blocks = Blocks(file_size);
  ahead_end_ = std::max(ahead_end_, next);
  // Extended only while the reader is still half a window from its end, so
  // the GETs are long ones, and always ahead of it.
  if (ahead_end_ >= blocks || ahead_end_ - next > readahead_blocks_ / 2) return;
  const uint64_t to = std::min(blocks, next + readahead_blocks_);
  readahead_blocks_ = std::min<uint64_t>(
      readahead_blocks_ * 2,
      std::max(ctx_.options.max_readahead_blocks, ctx_.options.readahead_blocks));
  if (to <= ahead_end_) return;
  const uint64_t chunk = std::max<uint64_t>(1, ctx_.options.fetch_chunk / BlockSize());
  std::vector<std::pair<uint64_t, uint64_t>> runs;
  {
    std::lock_guard lock(mu_);
    if (in_flight_.size() < to) in_flight_.resize(to, false);
    for (uint64_t b = ahead_end_; b < to; ++b) {
      if (!MissingLocked(b) || in_flight_[b]) continue;
      if (!runs.empty() && runs.back().second == b - 1 &&
          runs.back().second - runs.back().first + 1 < chunk) {
        runs.back().second = b;
      } else {
        runs.emplace_back(b, b);
      }
      in_flight_[b] = true;
    }
    fetches_running_ += runs.size();
    stop_fetches_ = false;
  }
  ahead_end_ = to;
  auto self = shared_from_this();
  for (const auto& [first, run_last] : runs) {
    ctx_.fetches.Run([self, first, run_last] { self->FetchAhead(first, run_last); });
  }
}

void FileState::FetchAhead(uint64_t first, uint64_t last) {
  bool stop;
  {
    std::lock_guard lock(mu_);
    stop = stop_fetches_;
  }
  if (!stop) {
    try {
      (void)FetchRange(first, last, /*may_refresh=*/false);
    } catch (const std::exception& e) {  // the flags below must be cleared whatever happens
      spdlog::error("read-ahead of {} failed: {}", path(), e.what());
    }
  }
  {
    std::lock_guard lock(mu_);
    for (uint64_t b = first; b <= last; ++b) in_flight_[b] = false;
    --fetches_running_;
  }
  fetched_.notify_all();
}

void FileState::WaitForBlocks(uint64_t first, uint64_t last) {
  std::unique_lock lock(mu_);
  fetched_.wait(lock, [&] {
    for (uint64_t b = first; b <= last && b < in_flight_.size(); ++b) {
      if (in_flight_[b]) return false;
    }
    return true;
  });
}

void FileState::WaitForFetches() {
  std::unique_lock lock(mu_);
  // The GETs still queued are dropped rather than waited for; a later read
  // fetches what it needs itself, and starts the read-ahead again.
  stop_fetches_ = true;
  fetched_.wait(lock, [&] { return fetches_running_ == 0; });
}

void FileState::StopReadAhead() { WaitForFetches(); }

void FileState::DropReadAhead() {
  WaitForFetches();
  ahead_end_ = 0;  // the next sequential read starts the window again
}

bool FileState::fetching() const {
  std::lock_guard lock(mu_);
  return fetches_running_ > 0;
}

Status FileState::ResetBase(const RemoteEntry& remote) {
  DropReadAhead();  // none may land in the bytes of the new version
  {
    std::lock_guard lock(mu_);
    if (dirty_ || uploading_) return Status::Ok();  // local changes win
    etag_ = remote.etag;
    expected_ = KnownVersion(remote.etag);
    size_ = base_size_ = remote.size;
    blocks_.clear();
    attr_ = DecodeAttr(remote, ctx_.options.defaults);
    xattrs_ = XattrsOf(remote.user_meta);
    content_type_ = remote.content_type;
  }
  SOS_RETURN_IF_ERROR(Resize(fd_, 0));
  SOS_RETURN_IF_ERROR(Resize(fd_, remote.size));
  SOS_RETURN_IF_ERROR(ctx_.cache.blocks().Clear(file_id_));
  return Persist();
}

Status FileState::Refresh(const RemoteEntry& remote) {
  std::lock_guard data(data_mu_);
  {
    std::lock_guard lock(mu_);
    if (remote.etag == etag_) return Status::Ok();
  }
  return ResetBase(remote);
}

Result<size_t> FileState::Read(uint64_t offset, size_t size, char* buf) {
  std::lock_guard data(data_mu_);
  uint64_t file_size;
  {
    std::lock_guard lock(mu_);
    file_size = size_;
  }
  if (offset >= file_size || size == 0) return size_t{0};
  size_t n = static_cast<size_t>(std::min<uint64_t>(size, file_size - offset));
  const uint64_t first = offset / BlockSize();
  const uint64_t last = (offset + n - 1) / BlockSize();
  if (offset != next_sequential_ || ctx_.options.readahead_blocks <= 0) {
    readahead_blocks_ = 0;  // random access: no read-ahead; it starts small again
    ahead_end_ = 0;
  } else {
    ReadAhead(last, file_size);
  }
  WaitForBlocks(first, last);
  SOS_RETURN_IF_ERROR(FetchMissing(offset, n));
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd_, buf + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return StatusFromErrno(errno, "cache read");
    }
    if (r == 0) {  // the cache file is shorter than the file: a hole at the end
      std::memset(buf + done, 0, n - done);
      break;
    }
    done += static_cast<size_t>(r);
  }
  next_sequential_ = offset + n;
  return n;
}

Result<size_t> FileState::Write(uint64_t offset, const char* data, size_t size) {
  if (size == 0) return size_t{0};
  std::lock_guard data_lock(data_mu_);
  DropReadAhead();
  const uint64_t end = offset + size;
  const uint64_t first = offset / BlockSize();
  const uint64_t last = (end - 1) / BlockSize();
  bool fetch_first, fetch_last;
  {
    std::lock_guard lock(mu_);
    // A write that covers only part of what the base still holds of a block
    // needs the rest of that block first.
    auto partial = [&](uint64_t b) {
      uint64_t block_end = std::min((b + 1) * BlockSize(), base_size_);
      return !(offset <= b * BlockSize() && end >= block_end);
    };
    fetch_first = MissingLocked(first) && partial(first);
    fetch_last = last != first && MissingLocked(last) && partial(last);
  }
  if (fetch_first) SOS_RETURN_IF_ERROR(Fetch(first, first));
  if (fetch_last) SOS_RETURN_IF_ERROR(Fetch(last, last));
  SOS_RETURN_IF_ERROR(PwriteAll(fd_, data, size, offset));
  SOS_RETURN_IF_ERROR(MarkWritten(offset, end));
  return size;
}

Status FileState::MarkWritten(uint64_t offset, uint64_t end) {
  std::vector<std::pair<uint64_t, uint8_t>> changes;
  bool newly_dirty;
  {
    std::lock_guard lock(mu_);
    size_ = std::max(size_, end);
    attr_.mtime = attr_.ctime = NowTimespec();
    write_end_ = end;
    if (const uint64_t part = ctx_.options.part_size; part > 0 && end > offset) {
      // A streamed part written again is sent again (PartWrites).
      const uint64_t last_part = (end - 1) / part;
      if (part_writes_.size() <= last_part) part_writes_.resize(last_part + 1, 0);
      for (uint64_t p = offset / part; p <= last_part; ++p) ++part_writes_[p];
    }
    const uint64_t first = offset / BlockSize();
    const uint64_t last = end > offset ? (end - 1) / BlockSize() : first;
    if (end > offset) {
      if (blocks_.size() <= last) blocks_.resize(last + 1, 0);
      const uint64_t base_blocks = Blocks(base_size_);
      for (uint64_t b = first; b <= last; ++b) {
        uint8_t f = blocks_[b] | kPresent | kDirty;
        if (f != blocks_[b]) {
          blocks_[b] = f;
          if (b < base_blocks) changes.emplace_back(b, f);
        }
      }
    }
    ++gen_;
    newly_dirty = !dirty_;
    dirty_ = true;
  }
  SOS_RETURN_IF_ERROR(ctx_.cache.blocks().Set(file_id_, changes));
  return newly_dirty ? Persist(true) : Status::Ok();
}

Status FileState::Truncate(uint64_t size) {
  std::lock_guard data(data_mu_);
  DropReadAhead();
  bool fetch;
  {
    std::lock_guard lock(mu_);
    fetch = size < size_ && size % BlockSize() != 0 && MissingLocked(size / BlockSize());
  }
  if (fetch) SOS_RETURN_IF_ERROR(Fetch(size / BlockSize(), size / BlockSize()));
  SOS_RETURN_IF_ERROR(Resize(fd_, size));
  std::vector<std::pair<uint64_t, uint8_t>> changes;
  {
    std::lock_guard lock(mu_);
    size_ = size;
    base_size_ = std::min(base_size_, size);
    if (const uint64_t part = ctx_.options.part_size; part > 0) {
      for (uint64_t p = size / part; p < part_writes_.size(); ++p) ++part_writes_[p];
      stream_next_ = std::min(stream_next_, size / part);
      write_end_ = std::min(write_end_, size);
    }
    const uint64_t blocks = Blocks(size);
    for (uint64_t b = blocks; b < blocks_.size(); ++b) {
      if (blocks_[b] != 0) changes.emplace_back(b, 0);
    }
    if (blocks_.size() > blocks) blocks_.resize(blocks);
    attr_.mtime = attr_.ctime = NowTimespec();
    ++gen_;
    dirty_ = true;
  }
  next_sequential_ = 0;
  SOS_RETURN_IF_ERROR(ctx_.cache.blocks().Set(file_id_, changes));
  return Persist(true);
}

Status FileState::FetchBytes(uint64_t offset, uint64_t end) {
  if (end <= offset) return Status::Ok();
  std::lock_guard data(data_mu_);
  DropReadAhead();
  return Fetch(offset / BlockSize(), (end - 1) / BlockSize());
}

std::optional<FileState::BaseRef> FileState::UntouchedBase(uint64_t offset, uint64_t end) const {
  std::lock_guard lock(mu_);
  if (etag_.empty() || end <= offset || end > base_size_) return std::nullopt;
  for (uint64_t b = offset / BlockSize(); b <= (end - 1) / BlockSize(); ++b) {
    if (!MissingLocked(b)) return std::nullopt;
  }
  return BaseRef{ctx_.remote.Key(path_), etag_};
}

Status FileState::FetchAll() {
  std::lock_guard data(data_mu_);
  DropReadAhead();
  uint64_t blocks;
  {
    std::lock_guard lock(mu_);
    blocks = Blocks(base_size_);
  }
  if (blocks == 0) return Status::Ok();
  return Fetch(0, blocks - 1);
}

}  // namespace sos
