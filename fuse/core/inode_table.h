// InodeTable: inode numbers ↔ paths, with the kernel's lookup counts.
//
// The root is inode 1 with path "" and is never forgotten. Every other path
// gets a fresh number the first time the kernel learns it, and keeps it while
// the kernel holds a reference: each reply that hands the kernel an inode
// (lookup, create, mkdir, symlink, readdirplus entry) adds one lookup, and
// forget() takes them away; at zero the inode is erased (libfuse's
// example/passthrough_hp.cc counts the same way). A directory listing pins the
// inodes it names until the handle is released, so a listing never hands out
// a number that was erased meanwhile. Rename moves a path and everything below
// it without changing their numbers; unlink/rmdir detach a node from its path
// (it lives on, nameless, until forgotten). Numbers are never reused.
//
// Thread-safety: thread-safe; mu_ is a leaf lock.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sos {

class InodeTable {
 public:
  static constexpr uint64_t kRootIno = 1;

  InodeTable();

  // The inode of path, created if needed; adds `lookups` and `pins`.
  uint64_t Acquire(const std::string& path, uint64_t lookups, uint64_t pins = 0);
  // The path of an inode; nullopt if unknown or detached.
  std::optional<std::string> PathOf(uint64_t ino) const;
  bool Known(uint64_t ino) const;
  std::optional<uint64_t> Find(const std::string& path) const;
  void AddLookups(uint64_t ino, uint64_t n);
  // Takes n lookups away; erases the inode when nothing refers to it.
  void Forget(uint64_t ino, uint64_t n);
  void Unpin(const std::vector<uint64_t>& inos);
  // Moves from (and everything below it) to `to`; whatever was at `to` is
  // detached first.
  void Rename(const std::string& from, const std::string& to);
  // path and everything below it lose their names.
  void Detach(const std::string& path);
  size_t size() const;

 private:
  struct Node {
    std::string path;
    bool attached = true;
    uint64_t lookups = 0;
    uint64_t pins = 0;
  };
  void DetachLocked(const std::string& path);
  void MaybeEraseLocked(uint64_t ino);

  mutable std::mutex mu_;
  std::unordered_map<uint64_t, Node> nodes_;  // guarded by mu_
  std::map<std::string, uint64_t> by_path_;   // guarded by mu_; attached nodes only
  uint64_t next_ino_ = kRootIno + 1;          // guarded by mu_
};

// "a/b" + "c" → "a/b/c"; "" + "c" → "c".
std::string JoinPath(const std::string& dir, const std::string& name);
// "a/b/c" → "a/b"; "c" → "".
std::string ParentPath(const std::string& path);
// "a/b/c" → "c".
std::string BaseName(const std::string& path);
// True if path is below dir ("" contains everything but itself).
bool IsBelow(const std::string& path, const std::string& dir);

}  // namespace sos
