// BlockIndex: which fixed-size blocks of a local cache file hold valid data.
//
// For each file id, one LMDB entry per block that is present (its bytes were
// fetched from the remote version the file's record names, or written
// locally) and possibly dirty (written locally since the last upload). Absent
// blocks are not stored. The key is file id and block number, big-endian, so
// one file's blocks are contiguous and ordered.
//
// Thread-safety: thread-safe (each call is one LMDB transaction). Callers
// serialise changes to one file themselves.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "cache/cache_db.h"

namespace sos {

class BlockIndex {
 public:
  static constexpr uint8_t kPresent = 1;
  static constexpr uint8_t kDirty = 2;

  // Uses the kBlocks database of env (which must outlive this).
  explicit BlockIndex(LmdbEnv& env) : env_(env) {}

  // Flags of every block of the file, indexed by block number (absent = 0).
  Result<std::vector<uint8_t>> Load(uint64_t file_id);
  // Sets the flags of some blocks (0 erases the entry).
  Status Set(uint64_t file_id, const std::vector<std::pair<uint64_t, uint8_t>>& changes,
             bool durable = false);
  // Replaces all blocks of the file with `flags` (indexed by block number).
  Status Replace(uint64_t file_id, const std::vector<uint8_t>& flags, bool durable = false);
  Status Clear(uint64_t file_id);

 private:
  LmdbEnv& env_;
};

}  // namespace sos
