#include "fuse/core/file_registry.h"

#include "fuse/core/inode_table.h"

namespace sos {

std::shared_ptr<FileState> FileRegistry::Find(const std::string& path) const {
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  return it == files_.end() ? nullptr : it->second;
}

Result<std::shared_ptr<FileState>> FileRegistry::GetOrLoad(const std::string& path,
                                                           const RemoteEntry& remote) {
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  if (it != files_.end()) return it->second;
  SOS_ASSIGN_OR_RETURN(auto st, FileState::Load(ctx_, path, remote));
  files_[path] = st;
  return st;
}

Result<std::shared_ptr<FileState>> FileRegistry::Create(const std::string& path,
                                                        const NodeAttr& attr) {
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  if (it != files_.end()) {
    it->second->MarkDeleted();
    files_.erase(it);
  } else if (auto rec = ctx_.cache.files().Get(path); rec.ok() && *rec) {
    ctx_.cache.RemoveFile(path, (*rec)->file_id);
  }
  SOS_ASSIGN_OR_RETURN(auto st, FileState::CreateNew(ctx_, path, attr));
  files_[path] = st;
  return st;
}

void FileRegistry::Insert(const std::string& path, std::shared_ptr<FileState> st) {
  std::lock_guard lock(mu_);
  files_[path] = std::move(st);
}

std::vector<std::pair<std::string, std::shared_ptr<FileState>>> FileRegistry::Children(
    const std::string& dir) const {
  std::vector<std::pair<std::string, std::shared_ptr<FileState>>> out;
  std::lock_guard lock(mu_);
  std::string prefix = dir.empty() ? "" : dir + "/";
  for (auto it = files_.lower_bound(prefix); it != files_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    std::string rest = it->first.substr(prefix.size());
    if (rest.empty() || rest.find('/') != std::string::npos) continue;
    out.emplace_back(rest, it->second);
  }
  return out;
}

std::vector<std::shared_ptr<FileState>> FileRegistry::Below(const std::string& dir) const {
  std::vector<std::shared_ptr<FileState>> out;
  std::lock_guard lock(mu_);
  std::string prefix = dir.empty() ? "" : dir + "/";
  for (auto it = files_.lower_bound(prefix); it != files_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    out.push_back(it->second);
  }
  return out;
}

std::vector<std::shared_ptr<FileState>> FileRegistry::All() const {
  std::vector<std::shared_ptr<FileState>> out;
  std::lock_guard lock(mu_);
  for (const auto& [path, st] : files_) out.push_back(st);
  return out;
}

void FileRegistry::Rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(mu_);
  // The replaced file and its record go first: the move below replaces the
  // record only when `from` has one, and one left behind would be resumed
  // by the next mount.
  RemoveLocked(to);
  auto it = files_.find(from);
  std::shared_ptr<FileState> st = it == files_.end() ? nullptr : it->second;
  std::unique_lock<std::mutex> hold;
  if (st) hold = st->HoldRecord();
  (void)ctx_.cache.files().Move(from, to);
  if (!st) return;
  files_.erase(it);
  st->SetPath(to);
  (void)st->PersistHeld();  // the moved record forgets the old name's version too
  files_[to] = st;
}

void FileRegistry::RenameTree(const std::string& from, const std::string& to) {
  std::lock_guard lock(mu_);
  std::string prefix = from + "/";
  std::vector<std::pair<std::string, std::shared_ptr<FileState>>> moved;
  for (auto it = files_.lower_bound(prefix); it != files_.end();) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    moved.emplace_back(it->first, it->second);
    it = files_.erase(it);
  }
  // Held together: only a rename takes more than one, under mu_.
  std::vector<std::unique_lock<std::mutex>> holds;
  for (auto& entry : moved) holds.push_back(entry.second->HoldRecord());
  (void)ctx_.cache.files().Move(from, to, /*tree=*/true);
  for (auto& [path, st] : moved) {
    std::string new_path = to + path.substr(from.size());
    st->SetPath(new_path);
    (void)st->PersistHeld();
    files_[new_path] = st;
  }
}

void FileRegistry::Remove(const std::string& path) {
  std::lock_guard lock(mu_);
  RemoveLocked(path);
}

void FileRegistry::RemoveLocked(const std::string& path) {
  auto it = files_.find(path);
  if (it != files_.end()) {
    auto st = it->second;
    files_.erase(it);
    st->MarkDeleted();  // the data file goes when the last reference does
    (void)ctx_.cache.files().Remove(path);
    (void)ctx_.cache.blocks().Clear(st->file_id());
    return;
  }
  if (auto rec = ctx_.cache.files().Get(path); rec.ok() && *rec) {
    ctx_.cache.RemoveFile(path, (*rec)->file_id);
  }
}

void FileRegistry::MaybeDrop(const std::shared_ptr<FileState>& st) {
  std::lock_guard lock(mu_);
  if (st->open_count() > 0 || st->fetching() || st->phase() != FileState::Phase::kClean) return;
  auto it = files_.find(st->path());
  if (it != files_.end() && it->second == st) files_.erase(it);
}

void FileRegistry::NoteEvictable() {
  std::lock_guard lock(mu_);
  next_evict_ = {};
}

void FileRegistry::MaybeEvict() {
  if (!ctx_.cache.NeedsRoom()) return;
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  // A pass that freed nothing (all dirty or in use, or a disk filled by
  // others) is not repeated for a while: each pass reads every record.
  if (now < next_evict_) return;
  auto evicted = ctx_.cache.Evict([&](const std::string& path) { return files_.count(path) != 0; });
  const bool freed = evicted.ok() && *evicted > 0;
  next_evict_ = now + (freed ? std::chrono::milliseconds(100) : std::chrono::seconds(2));
}

}  // namespace sos
