// The LMDB databases of sosfs's cache, in one environment under cache_dir/db
// (s3core/persist/lmdb.h is the layer: transactions, the error map, the
// durability rules). Commits reach the OS page cache, which survives a crash
// of sosfs; a write that must survive a crash of the machine (the dirty
// journal) passes durable=true to LmdbWrite.
//
// Callers never do network I/O inside a transaction, and LMDB's writer mutex
// is the innermost lock of sosfs: nothing else is locked inside one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "s3core/persist/lmdb.h"

namespace sos {

enum class CacheDb {
  kAttrs,    // MetadataCache: "/" path -> expiry + RemoteEntry (or negative)
  kDirs,     // MetadataCache: "/" path -> DirListing
  kFiles,    // FileIndex: path -> FileRecord
  kJournal,  // FileIndex: path of a dirty record -> its file id
  kMeta,     // FileIndex: file-id counter, identity of the mount
  kBlocks,   // BlockIndex: file id + block number -> flags
  kDeletes,  // NamespaceJournal: sequence number -> key to delete on the remote
  kRenames,  // NamespaceJournal: "/" from path -> to path (a directory rename under way)
};

// Opens (creating, 0700) `dir` and the cache's databases.
Result<std::unique_ptr<LmdbEnv>> OpenCacheDb(const std::string& dir, uint64_t map_size);

}  // namespace sos
