#include "fuse/core/inode_table.h"

namespace sos {

std::string JoinPath(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

std::string ParentPath(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool IsBelow(const std::string& path, const std::string& dir) {
  if (dir.empty()) return !path.empty();
  return path.size() > dir.size() + 1 && path.compare(0, dir.size(), dir) == 0 &&
         path[dir.size()] == '/';
}

InodeTable::InodeTable() {
  Node root;
  root.path = "";
  root.lookups = 1;
  nodes_[kRootIno] = root;
  by_path_[""] = kRootIno;
}

uint64_t InodeTable::Acquire(const std::string& path, uint64_t lookups, uint64_t pins) {
  std::lock_guard lock(mu_);
  auto it = by_path_.find(path);
  uint64_t ino;
  if (it != by_path_.end()) {
    ino = it->second;
  } else {
    ino = next_ino_++;
    Node n;
    n.path = path;
    nodes_[ino] = std::move(n);
    by_path_[path] = ino;
  }
  Node& n = nodes_[ino];
  n.lookups += lookups;
  n.pins += pins;
  return ino;
}

std::optional<std::string> InodeTable::PathOf(uint64_t ino) const {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(ino);
  if (it == nodes_.end() || !it->second.attached) return std::nullopt;
  return it->second.path;
}

bool InodeTable::Known(uint64_t ino) const {
  std::lock_guard lock(mu_);
  return nodes_.count(ino) != 0;
}

std::optional<uint64_t> InodeTable::Find(const std::string& path) const {
  std::lock_guard lock(mu_);
  auto it = by_path_.find(path);
  if (it == by_path_.end()) return std::nullopt;
  return it->second;
}

void InodeTable::AddLookups(uint64_t ino, uint64_t n) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(ino);
  if (it != nodes_.end()) it->second.lookups += n;
}

void InodeTable::Forget(uint64_t ino, uint64_t n) {
  if (ino == kRootIno) return;
  std::lock_guard lock(mu_);
  auto it = nodes_.find(ino);
  if (it == nodes_.end()) return;
  it->second.lookups = it->second.lookups > n ? it->second.lookups - n : 0;
  MaybeEraseLocked(ino);
}

void InodeTable::Unpin(const std::vector<uint64_t>& inos) {
  std::lock_guard lock(mu_);
  for (uint64_t ino : inos) {
    auto it = nodes_.find(ino);
    if (it == nodes_.end()) continue;
    if (it->second.pins > 0) --it->second.pins;
    MaybeEraseLocked(ino);
  }
}

void InodeTable::MaybeEraseLocked(uint64_t ino) {
  if (ino == kRootIno) return;
  auto it = nodes_.find(ino);
  if (it == nodes_.end() || it->second.lookups > 0 || it->second.pins > 0) return;
  if (it->second.attached) {
    auto p = by_path_.find(it->second.path);
    if (p != by_path_.end() && p->second == ino) by_path_.erase(p);
  }
  nodes_.erase(it);
}

void InodeTable::DetachLocked(const std::string& path) {
  std::vector<uint64_t> detached;
  auto it = by_path_.find(path);
  if (it != by_path_.end()) {
    detached.push_back(it->second);
    by_path_.erase(it);
  }
  std::string prefix = path.empty() ? "" : path + "/";
  for (auto p = by_path_.lower_bound(prefix); p != by_path_.end();) {
    if (p->first.compare(0, prefix.size(), prefix) != 0) break;
    if (p->second == kRootIno) {
      ++p;
      continue;
    }
    detached.push_back(p->second);
    p = by_path_.erase(p);
  }
  for (uint64_t ino : detached) {
    if (ino == kRootIno) continue;
    nodes_[ino].attached = false;
    MaybeEraseLocked(ino);
  }
}

void InodeTable::Detach(const std::string& path) {
  if (path.empty()) return;
  std::lock_guard lock(mu_);
  DetachLocked(path);
}

void InodeTable::Rename(const std::string& from, const std::string& to) {
  if (from == to || from.empty()) return;
  std::lock_guard lock(mu_);
  DetachLocked(to);
  std::vector<std::pair<std::string, uint64_t>> moved;
  auto it = by_path_.find(from);
  if (it != by_path_.end()) {
    moved.emplace_back(it->first, it->second);
    by_path_.erase(it);
  }
  std::string prefix = from + "/";
  for (auto p = by_path_.lower_bound(prefix); p != by_path_.end();) {
    if (p->first.compare(0, prefix.size(), prefix) != 0) break;
    moved.emplace_back(p->first, p->second);
    p = by_path_.erase(p);
  }
  for (auto& [old_path, ino] : moved) {
    std::string new_path = to + old_path.substr(from.size());
    nodes_[ino].path = new_path;
    by_path_[new_path] = ino;
  }
}

size_t InodeTable::size() const {
  std::lock_guard lock(mu_);
  return nodes_.size();
}

}  // namespace sos
