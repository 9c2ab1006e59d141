// DataFiles: the sparse local files that hold cached object bytes, one per
// file id, under `dir` (cache_dir/data) in 256 fan-out subdirectories:
// data/<last two hex digits>/<16 hex digits> (subdirectories made on first
// use). A file's logical size is its
// object's size; blocks never fetched are holes.
//
// Thread-safety: thread-safe (plain system calls on distinct paths).
#pragma once

#include <cstdint>
#include <string>

#include "s3core/status.h"

namespace sos {

class DataFiles {
 public:
  explicit DataFiles(std::string dir) : dir_(std::move(dir)) {}

  // Creates the directory.
  Status Init();
  std::string PathFor(uint64_t file_id) const;
  // Opens (creating when asked) the file read-write, close-on-exec.
  Result<int> Open(uint64_t file_id, bool create);
  void Remove(uint64_t file_id);
  // Bytes the file occupies on disk (0 if missing).
  uint64_t DiskUsage(uint64_t file_id) const;
  // Removes every data file.
  void RemoveAll();

 private:
  std::string dir_;
};

}  // namespace sos
