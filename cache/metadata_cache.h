// MetadataCache: what sosfs last learned about remote paths, with a TTL.
//
// Two LMDB databases: "attrs" maps a path to the RemoteEntry of its object (or
// to a negative entry: "nothing there"), "dirs" maps a directory path to the
// names and kinds of its children. Paths are relative to the mount's prefix,
// "" being the root. Entries expire `ttl` after they were stored (wall clock,
// so entries stay meaningful across a remount); a ttl of 0 disables caching.
// The cache is advisory: an LMDB failure is reported on stderr once and reads
// as a miss, never as an error of the file system operation; a full map clears
// the cache.
//
// Thread-safety: thread-safe (each call is one short LMDB transaction).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cache/cache_db.h"

namespace sos {

// An object (or directory) as the remote store describes it.
struct RemoteEntry {
  bool is_dir = false;
  bool has_marker = false;  // directory: a "dir/" marker object exists
  uint64_t size = 0;
  std::string etag;  // quoted, as S3 sends it
  int64_t last_modified_ns = 0;
  std::string content_type;
  std::map<std::string, std::string> user_meta;  // x-amz-meta-*, names lower-case

  friend bool operator==(const RemoteEntry&, const RemoteEntry&) = default;
};

struct DirChild {
  std::string name;
  bool is_dir = false;
  friend bool operator==(const DirChild&, const DirChild&) = default;
};

class MetadataCache {
 public:
  using Clock = std::function<int64_t()>;  // nanoseconds since the epoch
  enum class Hit { kMiss, kPositive, kNegative };

  // Uses the kAttrs and kDirs databases of env (which must outlive this).
  MetadataCache(LmdbEnv& env, std::chrono::nanoseconds ttl, Clock clock = {})
      : env_(env), ttl_(ttl), clock_(std::move(clock)) {}

  Hit GetAttr(const std::string& path, RemoteEntry* entry);
  void PutAttr(const std::string& path, const RemoteEntry& entry);
  void PutNegative(const std::string& path);
  void InvalidateAttr(const std::string& path);

  // The children of a directory, or nullopt if unknown or expired.
  std::optional<std::vector<DirChild>> GetDir(const std::string& path);
  // Stores a listing and, in the same transaction, every child's entry.
  void PutDir(const std::string& path,
              const std::vector<std::pair<std::string, RemoteEntry>>& children);
  void InvalidateDir(const std::string& path);
  // Keeps a cached listing of `dir` right after a change of one child: adds
  // or replaces `name` (is_dir given) or removes it (nullopt). The listing
  // keeps its expiry; nothing happens when none is cached.
  void UpdateDirChild(const std::string& dir, const std::string& name, std::optional<bool> is_dir);
  // Forgets path and everything below it (attrs and listings).
  void InvalidateTree(const std::string& path);
  void Clear();

  std::chrono::nanoseconds ttl() const { return ttl_; }

 private:
  int64_t Now() const;
  void Report(const Status& s);  // logs the first failure; clears on a full map

  LmdbEnv& env_;
  const std::chrono::nanoseconds ttl_;
  const Clock clock_;
  std::atomic<bool> reported_{false};
};

// Encoding of a RemoteEntry (shared with the dirty journal's records).
std::string EncodeRemoteEntry(const RemoteEntry& e);
bool DecodeRemoteEntry(std::string_view in, RemoteEntry* e);

// A cached listing, the value of the "dirs" database: when it expires and
// the children, in name order. Decoding refuses anything malformed.
struct DirListing {
  int64_t expires = 0;
  std::vector<DirChild> children;
};
std::string EncodeDirListing(const DirListing& listing);
std::optional<DirListing> DecodeDirListing(std::string_view in);

}  // namespace sos
