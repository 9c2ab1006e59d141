// Filesystem: file data (create, open, read, write, flush, fsync, release)
// and attribute changes (setattr).
#include <fcntl.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "fuse/core/filesystem.h"
#include "fuse/core/fs_errors.h"
#include "s3core/log.h"

namespace sos {

uint64_t Filesystem::NewHandle(uint64_t ino, std::shared_ptr<FileState> st) {
  st->Opened();
  std::lock_guard lock(handles_mu_);
  uint64_t fh = next_fh_++;
  files_by_fh_[fh] = {ino, std::move(st)};
  return fh;
}

Result<std::shared_ptr<FileState>> Filesystem::HandleFile(uint64_t fh) {
  std::lock_guard lock(handles_mu_);
  auto it = files_by_fh_.find(fh);
  if (it == files_by_fh_.end()) return Status::InvalidArgument("bad file handle");
  return it->second.second;
}

Result<std::shared_ptr<FileState>> Filesystem::OpenFile(const Node& node) {
  if (node.attr.IsDir()) return fs::IsADirectory(node.path);
  if (!node.attr.IsReg()) return Status::InvalidArgument(node.path + ": not a regular file");
  if (node.file) {
    if (node.file->phase() == FileState::Phase::kClean && !node.path.empty()) {
      // A clean copy may be stale: compare with the (cached) remote version.
      auto remote = remote_->Stat(node.path);
      if (remote.ok() && !remote->is_dir && remote->etag != node.file->etag()) {
        SOS_RETURN_IF_ERROR(node.file->Refresh(*remote));
      }
    }
    return node.file;
  }
  return registry_->GetOrLoad(node.path, node.remote);
}

Result<std::pair<Entry, uint64_t>> Filesystem::Create(uint64_t parent, const std::string& name,
                                                      uint32_t mode, int flags,
                                                      const Caller& caller) {
  SOS_RETURN_IF_ERROR(CheckWritable());
  SOS_ASSIGN_OR_RETURN(std::string path, ChildPath(parent, name));
  auto existing = Resolve(path);
  std::shared_ptr<FileState> st;
  if (existing.ok()) {
    if ((flags & O_EXCL) != 0) return fs::Exists(path);
    SOS_ASSIGN_OR_RETURN(st, OpenFile(*existing));
    if ((flags & O_TRUNC) != 0) SOS_RETURN_IF_ERROR(st->Truncate(0));
  } else {
    if (existing.status().code() != StatusCode::kNotFound) return existing.status();
    NodeAttr attr = NewAttr(S_IFREG | (mode & 07777), caller);
    SOS_ASSIGN_OR_RETURN(st, registry_->Create(path, attr));
    remote_->NoteLocalOnly(path);
  }
  Entry entry = MakeEntry(path, st->Attr(), 1);
  uint64_t fh = NewHandle(entry.ino, st);
  return std::make_pair(entry, fh);
}

Result<uint64_t> Filesystem::Open(uint64_t ino, int flags) {
  SOS_ASSIGN_OR_RETURN(Node node, ResolveIno(ino));
  bool writing = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0;
  if (writing) SOS_RETURN_IF_ERROR(CheckWritable());
  SOS_ASSIGN_OR_RETURN(std::shared_ptr<FileState> st, OpenFile(node));
  if ((flags & O_TRUNC) != 0) SOS_RETURN_IF_ERROR(st->Truncate(0));
  if (!writing && st->Attr().size <= options_.small_file_size) ReadAheadSiblings(node.path);
  return NewHandle(ino, st);
}

void Filesystem::ReadAheadSiblings(const std::string& path) {
  if (options_.small_file_prefetch <= 0 || path.empty()) return;
  const std::string dir = ParentPath(path);
  auto listing = remote_->cache().GetDir(dir);  // only a cached listing: no request here
  if (!listing) return;
  // Listings are stored in name order: the names after this one.
  auto it = std::upper_bound(listing->begin(), listing->end(), BaseName(path),
                             [](const std::string& name, const DirChild& c) { return name < c.name; });
  std::vector<std::string> next;
  for (; it != listing->end() && next.size() < static_cast<size_t>(options_.small_file_prefetch);
       ++it) {
    if (it->is_dir) continue;
    const std::string child = JoinPath(dir, it->name);
    RemoteEntry e;
    if (remote_->cache().GetAttr(child, &e) != MetadataCache::Hit::kPositive) continue;
    if (e.is_dir || e.size == 0 || e.size > options_.small_file_size) continue;
    next.push_back(child);
  }
  small_files_ahead_->Prefetch(next);
}

void Filesystem::FetchSmallFile(const std::string& path) {
  auto node = Resolve(path);
  if (!node.ok() || node->file || !node->attr.IsReg()) return;  // in use here already
  auto st = registry_->GetOrLoad(path, node->remote);
  if (!st.ok()) return;
  // Unlinked or renamed meanwhile (an unlink does not wait for this): the
  // state must not linger under the old name.
  auto still = remote_->Stat(path);
  if (still.ok() && still->etag == node->remote.etag) (void)(*st)->FetchAll();
  registry_->MaybeDrop(*st);  // its bytes stay in the cache for the open to come
}

Result<size_t> Filesystem::Read(uint64_t fh, uint64_t offset, size_t size, char* buf) {
  SOS_ASSIGN_OR_RETURN(std::shared_ptr<FileState> st, HandleFile(fh));
  auto n = st->Read(offset, size, buf);
  registry_->MaybeEvict();
  return n;
}

Result<size_t> Filesystem::Write(uint64_t fh, uint64_t offset, const char* data, size_t size) {
  SOS_RETURN_IF_ERROR(CheckWritable());
  SOS_ASSIGN_OR_RETURN(std::shared_ptr<FileState> st, HandleFile(fh));
  WaitForRoom();
  SOS_ASSIGN_OR_RETURN(size_t written, st->Write(offset, data, size));
  cache_->AddUsage(written);  // an overestimate for overwrites, corrected by the next eviction
  streamer_->Poke(st);
  return written;
}

void Filesystem::WaitForRoom() {
  if (!cache_->NeedsRoom()) return;
  registry_->MaybeEvict();
  if (!cache_->NeedsRoom()) return;
  // What fills the cache is not uploaded yet: wait while uploads go on.
  using Clock = std::chrono::steady_clock;
  Uploader::Stats up = uploader_->stats();
  uint64_t uploaded = up.uploaded;
  // No upload finished since the last writer gave up waiting: do not wait
  // again (with the remote down, each write would wait the whole stall).
  if (uploaded == stalled_at_.load()) return;
  Clock::time_point progress = Clock::now();
  bool told = false;
  while (cache_->NeedsRoom() && up.queued + up.retrying + up.uploading > 0) {
    if (Clock::now() - progress >= options_.backpressure_stall) {
      stalled_at_ = uploaded;
      spdlog::warn("no upload finished for {} ms: writers go on without waiting",
                   options_.backpressure_stall.count());
      break;
    }
    if (!told) {
      told = true;
      spdlog::warn(
          "the cache is full of data not uploaded yet ({} MiB of {} MiB, {} MiB free on its "
          "disk): writers wait for the uploads",
          cache_->usage() >> 20, options_.cache_size >> 20, cache_->DiskFree() >> 20);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    registry_->MaybeEvict();
    up = uploader_->stats();
    if (up.uploaded != uploaded) {
      uploaded = up.uploaded;
      progress = Clock::now();
    }
  }
}

Status Filesystem::Flush(uint64_t fh) {
  SOS_ASSIGN_OR_RETURN(std::shared_ptr<FileState> st, HandleFile(fh));
  if (st->dirty() && !st->deleted()) {
    (void)st->Persist();  // the latest mtime, should sosfs crash before the upload
    uploader_->EnqueueSoon(st);
  }
  return Status::Ok();
}

Status Filesystem::Fsync(uint64_t fh) {
  SOS_ASSIGN_OR_RETURN(std::shared_ptr<FileState> st, HandleFile(fh));
  if (st->deleted()) return Status::Ok();
  return uploader_->Sync(st);
}

Status Filesystem::Release(uint64_t fh) {
  std::shared_ptr<FileState> st;
  {
    std::lock_guard lock(handles_mu_);
    auto it = files_by_fh_.find(fh);
    if (it == files_by_fh_.end()) return Status::Ok();
    st = std::move(it->second.second);
    files_by_fh_.erase(it);
  }
  int remaining = st->Closed();
  if (remaining == 0) st->StopReadAhead();
  if (st->deleted()) {
    // Unlinked, or replaced by a rename or a create: no upload of it may be left behind.
    if (remaining == 0) streamer_->Abandon(*st);
    return Status::Ok();
  }
  if (st->dirty()) {
    streamer_->Poke(st);  // the last parts of a big file go now, the rest after the delay
    uploader_->EnqueueSoon(st);
  } else if (remaining == 0) {
    registry_->MaybeDrop(st);
  }
  return Status::Ok();
}

Result<Entry> Filesystem::SetAttr(uint64_t ino, const SetAttrRequest& req) {
  Node node;
  if (req.fh) {
    SOS_ASSIGN_OR_RETURN(node.file, HandleFile(*req.fh));
    auto path = inodes_.PathOf(ino);
    if (path) node.path = *path;
    node.attr = node.file->Attr();
  } else {
    SOS_ASSIGN_OR_RETURN(node, ResolveIno(ino));
  }
  const bool meta = req.mode || req.uid || req.gid || req.atime || req.mtime;
  if (req.size || meta) SOS_RETURN_IF_ERROR(CheckWritable());
  if (req.size) {
    if (node.attr.IsDir()) return fs::IsADirectory(node.path);
    SOS_ASSIGN_OR_RETURN(node.file, OpenFile(node));
    SOS_RETURN_IF_ERROR(node.file->Truncate(*req.size));
    QueueIfClosed(node.file);
    node.attr = node.file->Attr();
  }
  if (meta) {
    SOS_ASSIGN_OR_RETURN(node.attr,
                         ChangeMeta(node, [&](NodeAttr* a, std::map<std::string, std::string>*) {
                           if (req.mode) a->mode = (a->mode & S_IFMT) | (*req.mode & 07777);
                           if (req.uid) a->uid = *req.uid;
                           if (req.gid) a->gid = *req.gid;
                           if (req.atime) a->atime = *req.atime;
                           if (req.mtime) a->mtime = *req.mtime;
                           a->ctime = NowTimespec();
                         }));
  }
  Entry e;
  e.ino = ino;
  e.attr = node.attr;
  e.timeout = Timeout();
  return e;
}

Result<NodeAttr> Filesystem::ChangeMeta(
    const Node& node,
    const std::function<void(NodeAttr*, std::map<std::string, std::string>*)>& change) {
  if (node.file && (node.file->dirty() || node.file->deleted() || node.path.empty())) {
    // Goes up with the pending upload.
    SOS_RETURN_IF_ERROR(node.file->Update(change));
    QueueIfClosed(node.file);
    return node.file->Attr();
  }
  if (node.path.empty()) {
    NodeAttr a = node.attr;  // the root has no object to keep attributes in
    std::map<std::string, std::string> ignored;
    change(&a, &ignored);
    return a;
  }
  // A file in memory knows its object better than the cache does.
  RemoteEntry current = node.file ? node.file->AsRemoteEntry() : node.remote;
  NodeAttr attr = DecodeAttr(current, options_.defaults);
  std::map<std::string, std::string> xattrs = XattrsOf(current.user_meta);
  change(&attr, &xattrs);
  std::map<std::string, std::string> meta = xattrs;
  EncodeAttr(attr, &meta);
  SOS_ASSIGN_OR_RETURN(RemoteEntry updated, remote_->ReplaceMeta(node.path, current, meta));
  if (node.file) {
    node.file->ApplyRemote(updated);
    return node.file->Attr();
  }
  return DecodeAttr(updated, options_.defaults);
}

}  // namespace sos
