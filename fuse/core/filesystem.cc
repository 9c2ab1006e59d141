// Filesystem: life cycle, lookup, attributes and directory listings.
#include "fuse/core/filesystem.h"

#include <algorithm>
#include <chrono>

#include "fuse/core/fs_errors.h"
#include "s3core/log.h"
#include "s3core/time_format.h"

namespace sos {
namespace {

// Set on a thread while it lists a directory ahead (Prefetcher job).
thread_local bool listing_ahead = false;

}  // namespace

Filesystem::Filesystem(ObjectStore& store, FilesystemOptions options)
    : options_(std::move(options)), store_(store) {}

Filesystem::~Filesystem() { Shutdown(); }

Status Filesystem::Init() {
  CacheOptions co;
  co.dir = options_.cache_dir;
  co.size_limit = options_.cache_size;
  co.stat_ttl = options_.stat_ttl;
  co.clock = options_.cache_clock;
  co.min_disk_free = options_.min_disk_free;
  co.disk_free = options_.disk_free;
  co.identity =
      options_.identity.empty() ? options_.bucket + "/" + options_.prefix : options_.identity;
  SOS_ASSIGN_OR_RETURN(cache_, Cache::Open(co));
  deletes_ = std::make_unique<DeleteQueue>(
      store_, options_, cache_->names(),
      [this](const std::vector<std::string>& keys) { remote_->NoteDeleted(keys); });
  remote_ = std::make_unique<RemoteTree>(store_, options_, cache_->meta(), *deletes_);
  listings_ahead_ = std::make_unique<Prefetcher>(
      options_.list_prefetch > 0 ? options_.prefetch_threads : 0,
      [this](const std::string& dir) {
        listing_ahead = true;
        (void)remote_->List(dir);
        listing_ahead = false;
      },
      [this](const std::string& dir) { return !remote_->cache().GetDir(dir); });
  // A directory listed for a caller: its subdirectories' listings start
  // while its entries are still being completed (HEADs of directory
  // markers), not only once it is opened. Listings made ahead do not
  // cascade further.
  remote_->OnSubdirectories([this](const std::vector<std::string>& subdirs) {
    if (listing_ahead || options_.list_prefetch <= 0) return;
    listings_ahead_->Prefetch(std::vector<std::string>(
        subdirs.begin(),
        subdirs.begin() + static_cast<ptrdiff_t>(std::min<size_t>(
                              subdirs.size(), static_cast<size_t>(options_.list_prefetch)))));
  });
  small_files_ahead_ = std::make_unique<Prefetcher>(
      options_.small_file_prefetch > 0 ? options_.prefetch_threads : 0,
      [this](const std::string& path) { FetchSmallFile(path); },
      [this](const std::string& path) { return registry_->Find(path) == nullptr; });
  fetches_ = std::make_unique<BackgroundTasks>(std::max(1, options_.read_concurrency));
  parts_ = std::make_unique<BackgroundTasks>(std::max(1, options_.part_concurrency));
  ctx_.reset(new FileContext{store_, *cache_, *remote_, options_, *fetches_});
  streamer_ = std::make_unique<PartStreamer>(*ctx_, *parts_);
  registry_ = std::make_unique<FileRegistry>(*ctx_);
  uploader_ = std::make_unique<Uploader>(
      *ctx_,
      [this](const std::shared_ptr<FileState>& st) {
        registry_->MaybeDrop(st);
        registry_->NoteEvictable();
        registry_->MaybeEvict();
      },
      [this](const std::shared_ptr<FileState>& st, const std::string& path) {
        return KeepConflict(st, path);
      });
  // Resume what the journals say was not on the remote before a crash:
  // deletes, directory renames (which move their files' records), uploads.
  SOS_RETURN_IF_ERROR(deletes_->Load());
  deletes_->Start();
  ResumeRenames();
  SOS_ASSIGN_OR_RETURN(auto dirty, cache_->files().Dirty());
  std::vector<std::shared_ptr<FileState>> resumed;
  for (const auto& [path, record] : dirty) {
    if (!record.upload_id.empty()) {
      (void)store_.AbortMultipartUpload(options_.bucket, remote_->Key(path), record.upload_id);
    }
    auto st = FileState::Recover(*ctx_, path, record);
    if (!st.ok()) {
      spdlog::error("cannot resume the upload of {}: {}", path, st.status().ToString());
      continue;
    }
    if (!record.upload_id.empty()) (void)(*st)->SetUploadId("");
    registry_->Insert(path, *st);
    resumed.push_back(*st);
  }
  uploader_->Start();
  for (const auto& st : resumed) uploader_->Enqueue(st);
  return Status::Ok();
}

void Filesystem::Shutdown() {
  if (shut_down_.exchange(true)) return;
  if (listings_ahead_) listings_ahead_->Shutdown();
  if (small_files_ahead_) small_files_ahead_->Shutdown();
  if (fetches_) fetches_->Wait();
  if (parts_) parts_->Wait();
  if (uploader_) uploader_->Shutdown();
  if (deletes_) deletes_->Shutdown();  // after the uploads, which may settle deletes
}

bool Filesystem::KeepConflict(const std::shared_ptr<FileState>& st, const std::string& path) {
  // Only tried: a rename holding it may be waiting for this very upload
  // (RenameDir syncs the files below); the conflict is then kept next round.
  std::unique_lock rename(rename_mu_, std::try_to_lock);
  if (!rename.owns_lock() || st->deleted()) return false;
  if (st->path() != path) return true;  // moved already (by another round)
  if (!st->AllLocal()) {
    // Bytes never fetched were only in the version the other client
    // replaced: no whole local version exists. It stays dirty (and retried).
    spdlog::error("{} was changed on the server by another client, and the local changes "
                  "cannot be kept apart: parts of the file were only in the replaced version",
                  path);
    return false;
  }
  // "NAME.conflict-20261205T133000Z", then -2, -3... if taken; a name too
  // long for the suffix gives way to "conflict-..." in the same directory.
  const std::string stamp = FormatIso8601Basic(std::chrono::system_clock::now());
  const std::string base = BaseName(path).size() + 40 > kNameMax
                               ? JoinPath(ParentPath(path), "conflict-" + stamp)
                               : path + ".conflict-" + stamp;
  std::string conflict = base;
  for (int n = 2; Resolve(conflict).ok(); ++n) conflict = base + "-" + std::to_string(n);
  registry_->Rename(path, conflict);
  st->ExpectNothing();
  remote_->NoteChanged(path);  // the other writer's version shows at path
  remote_->NoteLocalOnly(conflict);
  spdlog::error(
      "{} was changed on the server by another client while it had local changes: the server's "
      "version stays at {}, the local one is kept as {}",
      path, path, conflict);
  return true;
}

void Filesystem::ResumeRenames() {
  if (options_.read_only) return;  // the next writable mount finishes them
  auto renames = cache_->names().Renames();
  if (!renames.ok()) {
    spdlog::error("cannot read the rename journal: {}", renames.status().ToString());
    return;
  }
  for (const auto& [from, to] : *renames) {
    Status s = remote_->RenameDir(from, to);
    if (s.ok()) s = cache_->files().Move(from, to, /*tree=*/true);
    if (s.ok()) s = cache_->names().RemoveRename(from);
    if (s.ok()) {
      spdlog::info("finished renaming {} to {}, which was under way", from, to);
    } else {
      spdlog::error("cannot finish renaming {} to {} ({}); tried again at the next mount", from,
                    to, s.ToString());
    }
  }
}

size_t Filesystem::PendingChanges() const {
  return (uploader_ ? uploader_->pending() : 0) + (deletes_ ? deletes_->stats().pending : 0);
}

double Filesystem::Timeout() const { return options_.stat_ttl.count() / 1000.0; }

Status Filesystem::CheckWritable() const {
  return options_.read_only ? fs::ReadOnly() : Status::Ok();
}

NodeAttr Filesystem::NewAttr(uint32_t mode, const Caller& caller) const {
  NodeAttr a;
  a.mode = mode;
  a.uid = caller.uid;
  a.gid = caller.gid;
  a.atime = a.mtime = a.ctime = NowTimespec();
  return a;
}

Result<std::string> Filesystem::PathOf(uint64_t ino) const {
  auto path = inodes_.PathOf(ino);
  if (!path) return fs::Stale("inode " + std::to_string(ino));
  return *path;
}

Result<std::string> Filesystem::ChildPath(uint64_t parent, const std::string& name) {
  if (name.size() > kNameMax) return fs::NameTooLong(name.substr(0, 32) + "...");
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return Status::InvalidArgument("invalid name '" + name + "'");
  }
  SOS_ASSIGN_OR_RETURN(std::string dir, PathOf(parent));
  std::string path = JoinPath(dir, name);
  // Refused here rather than failing in the cache (or on the server) later.
  if (path.size() > kPathMax) return fs::NameTooLong(name.substr(0, 32) + "...");
  return path;
}

Result<Filesystem::Node> Filesystem::Resolve(const std::string& path) {
  Node node;
  node.path = path;
  if (path.empty()) {
    node.remote.is_dir = true;
    node.attr = DecodeAttr(node.remote, options_.defaults);
    return node;
  }
  if (auto st = registry_->Find(path)) {
    node.attr = st->Attr();
    node.file = std::move(st);
    return node;
  }
  SOS_ASSIGN_OR_RETURN(node.remote, remote_->Stat(path));
  node.attr = DecodeAttr(node.remote, options_.defaults);
  return node;
}

Result<Filesystem::Node> Filesystem::ResolveIno(uint64_t ino) {
  if (auto path = inodes_.PathOf(ino)) return Resolve(*path);
  // Unlinked but still open: the handle knows the file.
  std::lock_guard lock(handles_mu_);
  for (const auto& [fh, h] : files_by_fh_) {
    if (h.first == ino) {
      Node node;
      node.file = h.second;
      node.attr = h.second->Attr();
      return node;
    }
  }
  return fs::Stale("inode " + std::to_string(ino));
}

Entry Filesystem::MakeEntry(const std::string& path, const NodeAttr& attr, uint64_t lookups) {
  Entry e;
  e.ino = inodes_.Acquire(path, lookups);
  e.attr = attr;
  e.timeout = Timeout();
  return e;
}

Result<Entry> Filesystem::Lookup(uint64_t parent, const std::string& name) {
  SOS_ASSIGN_OR_RETURN(std::string path, ChildPath(parent, name));
  SOS_ASSIGN_OR_RETURN(Node node, Resolve(path));
  return MakeEntry(path, node.attr, 1);
}

void Filesystem::Forget(uint64_t ino, uint64_t nlookup) { inodes_.Forget(ino, nlookup); }

void Filesystem::AddLookup(uint64_t ino) { inodes_.AddLookups(ino, 1); }

Result<Entry> Filesystem::GetAttr(uint64_t ino) {
  SOS_ASSIGN_OR_RETURN(Node node, ResolveIno(ino));
  Entry e;
  e.ino = ino;
  e.attr = node.attr;
  e.timeout = Timeout();
  return e;
}

Result<std::string> Filesystem::ReadLink(uint64_t ino) {
  SOS_ASSIGN_OR_RETURN(Node node, ResolveIno(ino));
  if (!node.attr.IsSymlink()) return Status::InvalidArgument(node.path + ": not a symlink");
  return remote_->ReadSymlink(node.path);
}

Result<uint64_t> Filesystem::OpenDir(uint64_t ino) {
  SOS_ASSIGN_OR_RETURN(std::string path, PathOf(ino));
  SOS_ASSIGN_OR_RETURN(Node node, Resolve(path));
  if (!node.attr.IsDir()) return fs::NotADirectory(path);
  SOS_ASSIGN_OR_RETURN(auto listing, remote_->List(path));
  std::map<std::string, NodeAttr> children;
  for (const auto& [name, entry] : listing) children[name] = DecodeAttr(entry, options_.defaults);
  for (const auto& [name, st] : registry_->Children(path)) {
    if (!st->deleted()) children[name] = st->Attr();
  }
  auto entries = std::make_shared<std::vector<DirEntry>>();
  DirHandle handle;
  handle.ino = ino;
  entries->push_back({".", ino, node.attr});
  NodeAttr parent_attr = node.attr;
  uint64_t parent_ino = ino;
  if (!path.empty()) {
    std::string parent = ParentPath(path);
    parent_ino = inodes_.Acquire(parent, 0, 1);
    handle.pinned.push_back(parent_ino);
    if (auto p = Resolve(parent); p.ok()) parent_attr = p->attr;
  }
  entries->push_back({"..", parent_ino, parent_attr});
  std::vector<std::string> subdirs;  // listed ahead, for a walk that goes on into them
  for (const auto& [name, attr] : children) {
    uint64_t child = inodes_.Acquire(JoinPath(path, name), 0, 1);
    handle.pinned.push_back(child);
    entries->push_back({name, child, attr});
    if (attr.IsDir() && subdirs.size() < static_cast<size_t>(options_.list_prefetch)) {
      subdirs.push_back(JoinPath(path, name));
    }
  }
  listings_ahead_->Prefetch(subdirs);
  handle.entries = std::move(entries);
  std::lock_guard lock(handles_mu_);
  uint64_t fh = next_fh_++;
  dirs_by_fh_[fh] = std::move(handle);
  return fh;
}

std::shared_ptr<const std::vector<DirEntry>> Filesystem::DirEntries(uint64_t fh) {
  std::lock_guard lock(handles_mu_);
  auto it = dirs_by_fh_.find(fh);
  return it == dirs_by_fh_.end() ? nullptr : it->second.entries;
}

void Filesystem::ReleaseDir(uint64_t fh) {
  std::vector<uint64_t> pinned;
  {
    std::lock_guard lock(handles_mu_);
    auto it = dirs_by_fh_.find(fh);
    if (it == dirs_by_fh_.end()) return;
    pinned = std::move(it->second.pinned);
    dirs_by_fh_.erase(it);
  }
  inodes_.Unpin(pinned);
}

}  // namespace sos
