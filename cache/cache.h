// Cache: everything sosfs keeps on local disk for one mount, under cache_dir:
//   db/     the LMDB environment: MetadataCache (attrs, dirs), FileIndex (files,
//           journal, meta), BlockIndex (blocks) and NamespaceJournal (deletes,
//           renames);
//   data/   the sparse local files (DataFiles).
// It also enforces the size limit and the free-space floor: Evict() removes
// the least recently used clean files (never a dirty one, never one `in_use`)
// until the local files fit in 90% of cache_size and the cache's disk has
// min_disk_free bytes free. Usage is tracked approximately (AddUsage after a
// download or a write) and recomputed from the disk on each eviction.
//
// Open it after daemonising (LMDB must not cross fork). Thread-safe; Evict()
// runs one at a time (evict_mu_, a leaf lock apart from the LMDB calls).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "cache/block_index.h"
#include "cache/cache_db.h"
#include "cache/data_files.h"
#include "cache/file_index.h"
#include "cache/metadata_cache.h"
#include "cache/namespace_journal.h"

namespace sos {

struct CacheOptions {
  std::string dir;                          // cache_dir
  uint64_t size_limit = uint64_t{4} << 30;  // cache_size
  std::chrono::nanoseconds stat_ttl = std::chrono::seconds(30);
  std::string identity;        // endpoint/bucket/prefix of the mount
  MetadataCache::Clock clock;  // tests; system clock if empty
  uint64_t min_disk_free = uint64_t{512} << 20;  // the floor kept free on the cache's disk
  std::function<uint64_t()> disk_free;          // tests; statvfs of dir if empty
  uint64_t map_size = uint64_t{4} << 30;
};

class Cache {
 public:
  static Result<std::unique_ptr<Cache>> Open(const CacheOptions& options);

  MetadataCache& meta() { return *meta_; }
  FileIndex& files() { return *files_; }
  BlockIndex& blocks() { return *blocks_; }
  NamespaceJournal& names() { return *names_; }
  DataFiles& data() { return data_; }
  const CacheOptions& options() const { return options_; }

  void AddUsage(uint64_t bytes) { usage_ += bytes; }
  bool OverLimit() const { return usage_.load() > options_.size_limit; }
  // Bytes free on the cache's disk (for unprivileged users, as df shows).
  uint64_t DiskFree() const;
  // Over cache_size, or under the free-space floor: eviction is due.
  bool NeedsRoom() const { return OverLimit() || DiskFree() < options_.min_disk_free; }
  uint64_t usage() const { return usage_.load(); }
  // Removes a file's record, blocks and data.
  void RemoveFile(const std::string& path, uint64_t file_id);
  // Evicts clean files, least recently used first, until under the limit
  // and above the floor (or nothing evictable is left); returns the bytes
  // freed. in_use(path) must be stable while Evict runs (the caller holds its lock).
  Result<uint64_t> Evict(const std::function<bool(const std::string& path)>& in_use);

 private:
  explicit Cache(const CacheOptions& options) : options_(options), data_(options.dir + "/data") {}

  const CacheOptions options_;
  std::unique_ptr<LmdbEnv> env_;
  std::unique_ptr<MetadataCache> meta_;
  std::unique_ptr<FileIndex> files_;
  std::unique_ptr<BlockIndex> blocks_;
  std::unique_ptr<NamespaceJournal> names_;
  DataFiles data_;
  std::atomic<uint64_t> usage_{0};
  std::mutex evict_mu_;
};

}  // namespace sos
