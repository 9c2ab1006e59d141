#include "cache/cache.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <vector>

#include "cache/cache_dir_lock.h"

namespace sos {

Result<std::unique_ptr<Cache>> Cache::Open(const CacheOptions& options) {
  SOS_RETURN_IF_ERROR(MakePrivateCacheDir(options.dir));
  std::unique_ptr<Cache> cache(new Cache(options));
  SOS_RETURN_IF_ERROR(cache->data_.Init());
  SOS_ASSIGN_OR_RETURN(cache->env_, OpenCacheDb(options.dir + "/db", options.map_size));
  cache->meta_ = std::make_unique<MetadataCache>(*cache->env_, options.stat_ttl, options.clock);
  cache->files_ = std::make_unique<FileIndex>(*cache->env_);
  cache->blocks_ = std::make_unique<BlockIndex>(*cache->env_);
  cache->names_ = std::make_unique<NamespaceJournal>(*cache->env_);
  Cache* c = cache.get();
  SOS_ASSIGN_OR_RETURN(uint64_t unsent, cache->names_->Unsent());
  SOS_RETURN_IF_ERROR(cache->files_->ClaimIdentity(options.identity, unsent, [c] {
    c->data_.RemoveAll();
    c->meta_->Clear();
  }));
  SOS_ASSIGN_OR_RETURN(auto all, cache->files_->All());
  uint64_t usage = 0;
  for (const auto& [path, record] : all) usage += cache->data_.DiskUsage(record.file_id);
  cache->usage_ = usage;
  return cache;
}

void Cache::RemoveFile(const std::string& path, uint64_t file_id) {
  (void)files_->Remove(path);
  (void)blocks_->Clear(file_id);
  uint64_t bytes = data_.DiskUsage(file_id);
  data_.Remove(file_id);
  uint64_t cur = usage_.load();
  while (!usage_.compare_exchange_weak(cur, cur > bytes ? cur - bytes : 0)) {
  }
}

uint64_t Cache::DiskFree() const {
  if (options_.disk_free) return options_.disk_free();
  struct statvfs st {};
  if (::statvfs(options_.dir.c_str(), &st) != 0) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

Result<uint64_t> Cache::Evict(const std::function<bool(const std::string& path)>& in_use) {
  std::lock_guard lock(evict_mu_);
  SOS_ASSIGN_OR_RETURN(auto all, files_->All());
  struct Candidate {
    int64_t last_access;
    std::string path;
    uint64_t file_id;
    uint64_t bytes;
  };
  std::vector<Candidate> candidates;
  uint64_t total = 0;
  for (const auto& [path, record] : all) {
    uint64_t bytes = data_.DiskUsage(record.file_id);
    total += bytes;
    if (!record.dirty) candidates.push_back({record.last_access_ns, path, record.file_id, bytes});
  }
  const uint64_t target = options_.size_limit / 10 * 9;
  uint64_t freed = 0;
  // Under the floor: free what is missing, and a tenth of the floor more.
  const uint64_t free = DiskFree();
  uint64_t to_free = free < options_.min_disk_free
                         ? options_.min_disk_free - free + options_.min_disk_free / 10
                         : 0;
  if (total > options_.size_limit || to_free > 0) {
    std::sort(candidates.begin(), candidates.end(),
              [](const Candidate& a, const Candidate& b) { return a.last_access < b.last_access; });
    for (const auto& c : candidates) {
      if (total <= target && to_free == 0) break;
      if (c.bytes == 0 || in_use(c.path)) continue;
      (void)files_->Remove(c.path);
      (void)blocks_->Clear(c.file_id);
      data_.Remove(c.file_id);
      total -= c.bytes;
      freed += c.bytes;
      to_free -= std::min(to_free, c.bytes);
    }
  }
  usage_ = total;
  return freed;
}

}  // namespace sos
