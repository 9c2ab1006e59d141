// Filesystem: operations on names (mkdir, rmdir, unlink, symlink, rename, link).
#include <mutex>

#include "fuse/core/filesystem.h"
#include "fuse/core/fs_errors.h"

namespace sos {
namespace {

// NotFound is the expected answer when checking that a name is free.
Status Unexpected(const Status& s) { return s.code() == StatusCode::kNotFound ? Status::Ok() : s; }

constexpr size_t kMaxSymlinkTarget = 4095;

}  // namespace

Result<Entry> Filesystem::MkDir(uint64_t parent, const std::string& name, uint32_t mode,
                                const Caller& caller) {
  SOS_RETURN_IF_ERROR(CheckWritable());
  SOS_ASSIGN_OR_RETURN(std::string path, ChildPath(parent, name));
  auto existing = Resolve(path);
  if (existing.ok()) return fs::Exists(path);
  SOS_RETURN_IF_ERROR(Unexpected(existing.status()));
  NodeAttr attr = NewAttr(S_IFDIR | (mode & 07777), caller);
  std::map<std::string, std::string> meta;
  EncodeAttr(attr, &meta);
  SOS_ASSIGN_OR_RETURN(RemoteEntry e, remote_->PutMarker(path, meta));
  remote_->NoteNewEmptyDir(path);  // nothing was below it: lookups inside need no request
  return MakeEntry(path, DecodeAttr(e, options_.defaults), 1);
}

Status Filesystem::RmDir(uint64_t parent, const std::string& name) {
  SOS_RETURN_IF_ERROR(CheckWritable());
  SOS_ASSIGN_OR_RETURN(std::string path, ChildPath(parent, name));
  SOS_ASSIGN_OR_RETURN(Node node, Resolve(path));
  if (!node.attr.IsDir()) return fs::NotADirectory(path);
  for (const auto& st : registry_->Below(path)) {
    if (!st->deleted()) return fs::NotEmpty(path);
  }
  SOS_ASSIGN_OR_RETURN(bool has_children, remote_->HasChildren(path));
  if (has_children) return fs::NotEmpty(path);
  SOS_RETURN_IF_ERROR(remote_->DeleteDir(path));
  inodes_.Detach(path);
  return Status::Ok();
}

Status Filesystem::Unlink(uint64_t parent, const std::string& name) {
  SOS_RETURN_IF_ERROR(CheckWritable());
  SOS_ASSIGN_OR_RETURN(std::string path, ChildPath(parent, name));
  SOS_ASSIGN_OR_RETURN(Node node, Resolve(path));
  if (node.attr.IsDir()) return fs::IsADirectory(path);
  if (node.file) {
    // Wait for an upload in flight, so it cannot recreate the object. The
    // delete is journalled even for a file never uploaded: the remote may
    // still hold an object it replaced (a rename over it, a truncate).
    std::lock_guard io(node.file->io_mu());
    if (node.file->ExpectsNothingRemote()) {
      remote_->NoteLocalOnly(path);  // another client's object there is not ours to delete
    } else {
      SOS_RETURN_IF_ERROR(remote_->DeleteFile(path));
    }
    registry_->Remove(path);
    streamer_->Abandon(*node.file);
  } else {
    SOS_RETURN_IF_ERROR(remote_->DeleteFile(path));
    registry_->Remove(path);
  }
  inodes_.Detach(path);
  return Status::Ok();
}

Result<Entry> Filesystem::Symlink(const std::string& target, uint64_t parent,
                                  const std::string& name, const Caller& caller) {
  SOS_RETURN_IF_ERROR(CheckWritable());
  if (target.size() > kMaxSymlinkTarget) return fs::NameTooLong("symlink target");
  SOS_ASSIGN_OR_RETURN(std::string path, ChildPath(parent, name));
  auto existing = Resolve(path);
  if (existing.ok()) return fs::Exists(path);
  SOS_RETURN_IF_ERROR(Unexpected(existing.status()));
  NodeAttr attr = NewAttr(S_IFLNK | 0777, caller);
  std::map<std::string, std::string> meta;
  EncodeAttr(attr, &meta);
  SOS_ASSIGN_OR_RETURN(RemoteEntry e, remote_->PutSpecial(path, target, meta));
  return MakeEntry(path, DecodeAttr(e, options_.defaults), 1);
}

Result<Entry> Filesystem::Mknod(uint64_t parent, const std::string& name, uint32_t mode,
                                uint64_t rdev, const Caller& caller) {
  const uint32_t type = mode & S_IFMT;
  if (type != S_IFIFO && type != S_IFSOCK && type != S_IFCHR && type != S_IFBLK &&
      type != S_IFREG && type != 0) {
    return Status::InvalidArgument("mknod of type " + std::to_string(type));
  }
  SOS_RETURN_IF_ERROR(CheckWritable());
  SOS_ASSIGN_OR_RETURN(std::string path, ChildPath(parent, name));
  auto existing = Resolve(path);
  if (existing.ok()) return fs::Exists(path);
  SOS_RETURN_IF_ERROR(Unexpected(existing.status()));
  // Stored as s3fs stores them: an empty object, the type in its mode.
  NodeAttr attr = NewAttr((type == 0 ? S_IFREG : type) | (mode & 07777), caller);
  if (type == S_IFCHR || type == S_IFBLK) attr.rdev = rdev;
  std::map<std::string, std::string> meta;
  EncodeAttr(attr, &meta);
  SOS_ASSIGN_OR_RETURN(RemoteEntry e, remote_->PutSpecial(path, "", meta));
  return MakeEntry(path, DecodeAttr(e, options_.defaults), 1);
}

Status Filesystem::Link(uint64_t, uint64_t, const std::string&) {
  return fs::NotPermitted("hard links are not supported");
}

Status Filesystem::Rename(uint64_t parent, const std::string& name, uint64_t new_parent,
                          const std::string& new_name, unsigned flags) {
  if ((flags & kRenameExchange) != 0) return Status::InvalidArgument("RENAME_EXCHANGE");
  if ((flags & ~kRenameNoReplace) != 0) return Status::InvalidArgument("rename flags");
  SOS_RETURN_IF_ERROR(CheckWritable());
  SOS_ASSIGN_OR_RETURN(std::string from, ChildPath(parent, name));
  SOS_ASSIGN_OR_RETURN(std::string to, ChildPath(new_parent, new_name));
  std::lock_guard rename(rename_mu_);
  SOS_ASSIGN_OR_RETURN(Node src, Resolve(from));
  if (from == to) return (flags & kRenameNoReplace) != 0 ? fs::Exists(to) : Status::Ok();
  // The checks in the order Linux makes them.
  auto dst = Resolve(to);
  if (dst.ok() && (flags & kRenameNoReplace) != 0) return fs::Exists(to);
  if (src.attr.IsDir() && IsBelow(to, from)) {
    return Status::InvalidArgument("cannot move a directory into itself");
  }
  if (IsBelow(from, to)) return fs::NotEmpty(to);  // onto one of its ancestors
  if (dst.ok()) {
    if (src.attr.IsDir()) {
      if (!dst->attr.IsDir()) return fs::NotADirectory(to);
      for (const auto& st : registry_->Below(to)) {
        if (!st->deleted()) return fs::NotEmpty(to);
      }
      SOS_ASSIGN_OR_RETURN(bool has_children, remote_->HasChildren(to));
      if (has_children) return fs::NotEmpty(to);
    } else if (dst->attr.IsDir()) {
      return fs::IsADirectory(to);
    }
  } else {
    SOS_RETURN_IF_ERROR(Unexpected(dst.status()));
  }
  if (src.attr.IsDir()) {
    // The replaced empty directory goes first (RenameDir sends its delete
    // before copying), so that its marker cannot outlive it.
    if (dst.ok()) SOS_RETURN_IF_ERROR(remote_->DeleteDir(to));
    SOS_RETURN_IF_ERROR(RenameDir(src, to));
  } else {
    // An upload of the file being replaced must not land after the rename.
    std::shared_ptr<FileState> replaced = dst.ok() ? dst->file : nullptr;
    std::unique_lock<std::mutex> replaced_io;
    if (replaced && replaced != src.file) {
      replaced_io = std::unique_lock<std::mutex>(replaced->io_mu());
    }
    SOS_RETURN_IF_ERROR(RenameFile(src, to));
  }
  inodes_.Rename(from, to);
  return Status::Ok();
}

Status Filesystem::RenameFile(const Node& src, const std::string& to) {
  const std::string& from = src.path;
  std::shared_ptr<FileState> st = src.file;
  // A rename changes the file's ctime, as on a local disk: a clean file's
  // copy carries the new one; a dirty file's next upload does.
  const timespec now = NowTimespec();
  if (!st) {
    // Clean and not in memory: a server-side copy and a delete.
    RemoteEntry moved = src.remote;
    NodeAttr attr = src.attr;
    attr.ctime = now;
    EncodeAttr(attr, &moved.user_meta);
    SOS_RETURN_IF_ERROR(remote_->CopyFile(from, to, &moved, "", /*replace_meta=*/true).status());
    SOS_RETURN_IF_ERROR(remote_->DeleteFile(from));
    registry_->Rename(from, to);
    return Status::Ok();
  }
  std::lock_guard io(st->io_mu());
  streamer_->Abandon(*st);  // parts sent so far went to the old key
  if (st->dirty()) {
    SOS_RETURN_IF_ERROR(st->Update([&](NodeAttr* a, std::map<std::string, std::string>*) {
      a->ctime = now;
    }));
  }
  bool dropped_base = false;
  if (st->HasRemote()) {
    if (!st->dirty()) {
      RemoteEntry moved = st->AsRemoteEntry();
      NodeAttr attr = st->Attr();
      attr.ctime = now;
      EncodeAttr(attr, &moved.user_meta);
      SOS_ASSIGN_OR_RETURN(moved.etag, remote_->CopyFile(from, to, &moved, st->etag(),
                                                         /*replace_meta=*/true));
      SOS_RETURN_IF_ERROR(remote_->DeleteFile(from));
      registry_->Rename(from, to);
      st->ApplyRemote(moved);
      return Status::Ok();
    }
    if (!st->AllLocal()) {
      // The remote bytes are still needed (blocks never fetched): move them
      // server-side.
      SOS_ASSIGN_OR_RETURN(std::string etag, remote_->CopyFile(from, to, nullptr, st->etag()));
      SOS_RETURN_IF_ERROR(remote_->DeleteFile(from));
      registry_->Rename(from, to);
      SOS_RETURN_IF_ERROR(st->Rebase(etag));
      return Status::Ok();
    }
    SOS_RETURN_IF_ERROR(remote_->DeleteFile(from));
    dropped_base = true;
  } else if (st->ExpectsNothingRemote()) {
    remote_->NoteChanged(from);
  } else {
    // Never uploaded, but the remote may hold an older object at from.
    SOS_RETURN_IF_ERROR(remote_->DeleteFile(from));
  }
  registry_->Rename(from, to);
  remote_->NoteChanged(to);
  if (dropped_base) SOS_RETURN_IF_ERROR(st->DropBase());
  if (st->dirty()) QueueIfClosed(st);
  return Status::Ok();
}

Status Filesystem::RenameDir(const Node& src, const std::string& to) {
  // Local changes below go up first, so the server-side copy carries them.
  for (const auto& st : registry_->Below(src.path)) {
    if (st->deleted() || !st->dirty()) continue;
    SOS_RETURN_IF_ERROR(uploader_->Sync(st));
  }
  // Journalled first: a crash in the middle is finished at the next mount.
  // One that fails here is not: the caller hears EIO and the old names stay.
  SOS_RETURN_IF_ERROR(cache_->names().AddRename(src.path, to));
  Status renamed = remote_->RenameDir(src.path, to);
  if (renamed.ok()) registry_->RenameTree(src.path, to);
  Status forgotten = cache_->names().RemoveRename(src.path);
  return renamed.ok() ? forgotten : renamed;
}

void Filesystem::QueueIfClosed(const std::shared_ptr<FileState>& st) {
  if (st->open_count() == 0 && st->dirty()) uploader_->EnqueueSoon(st);
}

}  // namespace sos
