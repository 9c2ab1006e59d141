// FileRegistry: the FileStates in memory, by path.
//
// A regular file has a FileState while it is open, dirty or being uploaded;
// a clean, closed file is forgotten (its cached bytes stay on disk, described
// by its FileRecord, and are picked up again by the next Load). The registry
// keeps the map and the FileIndex in step on rename and delete, answers "which
// local files live in this directory" for listings, and runs cache eviction
// with its lock held so no file is evicted while being loaded.
//
// Thread-safety: thread-safe. mu_ may be held while taking a FileState's
// persist_mu_/mu_ and LMDB's lock, never the other way round; never held
// across network I/O.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "fuse/core/file_state.h"

namespace sos {

class FileRegistry {
 public:
  explicit FileRegistry(FileContext& ctx) : ctx_(ctx) {}

  std::shared_ptr<FileState> Find(const std::string& path) const;
  // The state of an existing remote file, loaded if not in memory.
  Result<std::shared_ptr<FileState>> GetOrLoad(const std::string& path, const RemoteEntry& remote);
  // A new local file at path (whatever was registered there is dropped).
  Result<std::shared_ptr<FileState>> Create(const std::string& path, const NodeAttr& attr);
  void Insert(const std::string& path, std::shared_ptr<FileState> st);

  // Local files directly in dir, by name.
  std::vector<std::pair<std::string, std::shared_ptr<FileState>>> Children(
      const std::string& dir) const;
  // Local files anywhere below dir.
  std::vector<std::shared_ptr<FileState>> Below(const std::string& dir) const;
  std::vector<std::shared_ptr<FileState>> All() const;

  // Moves one file (state and record).
  void Rename(const std::string& from, const std::string& to);
  // Moves every file below from/ to to/ (states and records).
  void RenameTree(const std::string& from, const std::string& to);
  // The file at path is gone: its state is marked deleted, its record and
  // cached bytes removed (the bytes once the last handle closes).
  void Remove(const std::string& path);
  // Forgets st if it is clean, closed and idle.
  void MaybeDrop(const std::shared_ptr<FileState>& st);
  // Evicts clean cached files when the cache is over its limit or its disk
  // under the floor (at most every 100 ms: each pass reads every record).
  void MaybeEvict();
  // A file turned clean or closed: the next MaybeEvict may find something.
  void NoteEvictable();

 private:
  void RemoveLocked(const std::string& path);  // Remove, mu_ held

  FileContext& ctx_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<FileState>> files_;  // guarded by mu_
  std::chrono::steady_clock::time_point next_evict_{};       // guarded by mu_
};

}  // namespace sos
