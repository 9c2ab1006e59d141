// BlobStore::SyncUnsynced: the group commit's flush of the small blobs.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include "daemon/storage/blob_store.h"

namespace sos::storage {

Status BlobStore::SyncUnsynced() {
  if (!drives_->durable()) return Status::Ok();
  std::lock_guard lock(sync_mu_);
  // Read first: what is counted now was written before this sync starts.
  const uint64_t target = drives_->unsynced();
  if (target == synced_) return Status::Ok();
  sync_handles_.resize(drives_->size());
  // One drive per file system does the syncfs for every drive on it.
  std::map<dev_t, std::vector<size_t>> by_fs;
  for (size_t d = 0; d < drives_->size(); ++d) {
    if (!drives_->ok(d)) continue;
    const std::string& path = drives_->drive(d).path;
    struct stat now {};
    if (::stat(path.c_str(), &now) != 0) {
      drives_->Fail(d, StatusFromErrno(errno, "stat " + path));
      continue;
    }
    SyncHandle& h = sync_handles_[d];
    if (!h.fd.valid() || h.dev != now.st_dev || h.ino != now.st_ino) {
      // First use, or the drive's directory was replaced.
      h.fd.Reset(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!h.fd.valid()) {
        drives_->Fail(d, StatusFromErrno(errno, "open " + path));
        continue;
      }
      h.dev = now.st_dev;
      h.ino = now.st_ino;
    }
    by_fs[now.st_dev].push_back(d);
  }
  std::vector<std::vector<size_t>> groups;
  for (auto& [dev, drives] : by_fs) groups.push_back(std::move(drives));
  std::vector<Status> results(groups.size());
  ParallelFor(pool_, groups.size(), [&](size_t g) {
    if (::syncfs(sync_handles_[groups[g].front()].fd.get()) != 0) {
      results[g] = StatusFromErrno(errno, "syncfs " + drives_->drive(groups[g].front()).path);
    }
  });
  size_t synced = 0;
  Status worst;
  for (size_t g = 0; g < groups.size(); ++g) {
    for (size_t d : groups[g]) {
      if (results[g].ok()) {
        ++synced;
      } else {
        drives_->Fail(d, results[g]);
        worst = results[g];
      }
    }
  }
  if (synced < drives_->quorum()) {
    return Status(StatusCode::kUnavailable,
                  "the drives could not be synced: " +
                      (worst.ok() ? std::string("too few healthy drives") : worst.message()),
                  "ServiceUnavailable");
  }
  synced_ = target;
  syncs_.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

}  // namespace sos::storage
