#include "daemon/storage/drive_set.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <optional>

#include "daemon/storage/fs_util.h"

namespace sos::storage {
namespace {

constexpr std::string_view kMarkerHeader = "sos-drive 1\n";

std::string MarkerPath(const std::string& drive) { return JoinPath(drive, "SOSDRIVE"); }

Result<std::string> ReadMarker(const std::string& drive) {
  SOS_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(MarkerPath(drive), 4096));
  if (text.substr(0, kMarkerHeader.size()) != kMarkerHeader) {
    return Status::Corruption("bad drive marker in " + drive);
  }
  std::string uuid = text.substr(kMarkerHeader.size());
  while (!uuid.empty() && uuid.back() == '\n') uuid.pop_back();
  if (uuid.empty()) return Status::Corruption("bad drive marker in " + drive);
  return uuid;
}

}  // namespace

bool IsBlobId(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status DriveSet::InitDrive(Drive& d) {
  bool existed = PathExists(MarkerPath(d.path));
  SOS_RETURN_IF_ERROR(MakeDirs(d.path));
  for (const char* sub : {"blobs", "tmp", "journal"}) {
    SOS_RETURN_IF_ERROR(MakeDir(JoinPath(d.path, sub), false));
  }
  // Modes loosened since the layout was created (by an older sosd, a copy, a
  // chmod) are repaired: the drive, its entries and the journal files; the
  // blob files are reachable only through blobs/, private again.
  (void)MakePrivate(d.path, log_);
  (void)MakePrivate(JoinPath(d.path, "journal"), log_);
  if (existed) {
    SOS_ASSIGN_OR_RETURN(d.uuid, ReadMarker(d.path));
  } else {
    // The layout must be durable before the marker says it exists.
    if (durable_) SOS_RETURN_IF_ERROR(SyncDir(d.path));
    d.uuid = RandomHex(16);
    d.fresh = true;
    SOS_RETURN_IF_ERROR(WriteSmallFileDurably(
        MarkerPath(d.path), std::string(kMarkerHeader) + d.uuid + "\n", durable_));
  }
  // Blobs that were being written when the last process died.
  std::string tmp_dir = JoinPath(d.path, "tmp");
  SOS_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(tmp_dir));
  for (const std::string& n : names) ::unlink(JoinPath(tmp_dir, n).c_str());
  return Status::Ok();
}

Result<std::unique_ptr<DriveSet>> DriveSet::Open(const std::vector<std::string>& paths,
                                                 bool durable, LogFn log) {
  if (paths.empty()) return Status::InvalidArgument("no drives configured");
  std::unique_ptr<DriveSet> set(new DriveSet());
  set->durable_ = durable;
  set->log_ = std::move(log);
  size_t healthy = 0;
  for (const std::string& p : paths) {
    auto d = std::make_unique<Drive>();
    d->path = p;
    Status st = set->InitDrive(*d);
    if (!st.ok()) {
      d->ok = false;
      set->Log("sos storage: drive " + p + " unusable: " + st.ToString());
    } else {
      ++healthy;
      if (d->fresh) set->Log("sos storage: drive " + p + " initialised (new or replaced)");
    }
    set->drives_.push_back(std::move(d));
  }
  if (healthy == 0) return Status::IOError("no usable drive");
  return set;
}

size_t DriveSet::healthy_count() const {
  size_t n = 0;
  for (size_t i = 0; i < drives_.size(); ++i) n += ok(i) ? 1 : 0;
  return n;
}

void DriveSet::Fail(size_t i, const Status& why) {
  Drive& d = *drives_[i];
  d.write_faults.fetch_add(1, std::memory_order_relaxed);
  if (why.code() == StatusCode::kNoSpace) {
    d.full.store(true, std::memory_order_relaxed);
    return;
  }
  {
    std::lock_guard lock(d.error_mu);
    d.last_error = why.ToString();
  }
  ForgetBlobDirs(i);
  if (d.ok.exchange(false)) Log("sos storage: drive " + d.path + " failed: " + why.ToString());
}

bool DriveSet::Probe(size_t i) {
  Drive& d = *drives_[i];
  auto uuid = ReadMarker(d.path);
  bool healthy = uuid.ok() && *uuid == d.uuid && PathExists(TmpDir(i)) && PathExists(JournalDir(i));
  if (healthy) {
    const std::string probe = JoinPath(TmpDir(i), ".probe");
    UniqueFd fd(::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, kPrivateFileMode));
    healthy = (fd.valid() || errno == ENOSPC) && (::unlink(probe.c_str()) == 0 || errno == ENOENT);
  }
  if (!healthy) {
    std::lock_guard lock(d.error_mu);
    d.last_error =
        "its SOSDRIVE marker, tmp/ or journal/ is missing or unreadable, or tmp/ "
        "is not writable";
  }
  bool was = d.ok.exchange(healthy);
  if (healthy && !was) ForgetBlobDirs(i);  // it may come back emptied
  // A failed probe is a failed write seen before any client's write hits it.
  if (was && !healthy) d.write_faults.fetch_add(1, std::memory_order_relaxed);
  if (was != healthy) {
    Log("sos storage: drive " + d.path + (healthy ? " is back" : " failed its health check"));
  }
  return healthy && !was;
}

std::string DriveSet::BlobDir(size_t i, std::string_view id) const {
  std::string p = drives_[i]->path;
  p += "/blobs/";
  p.append(id.substr(0, 2));
  p.push_back('/');
  p.append(id.substr(2, 2));
  return p;
}

namespace {

// The xxyy of a blob id as an index into known_dirs (ids are lower-case hex).
std::optional<size_t> BlobDirIndex(std::string_view id) {
  if (!IsBlobId(id)) return std::nullopt;
  size_t v = 0;
  std::from_chars(id.data(), id.data() + 4, v, 16);
  return v;
}

}  // namespace

Status DriveSet::MakeBlobDir(size_t i, std::string_view id, bool synced) {
  const auto known = BlobDirIndex(id);
  std::atomic<bool>* bit = known ? &drives_[i]->known_dirs[*known] : nullptr;
  if (bit && bit->load(std::memory_order_acquire)) return Status::Ok();
  const bool sync_now = synced && durable_;
  if (!sync_now) NoteUnsynced();
  std::string yy = BlobDir(i, id);
  const std::string xx = yy.substr(0, yy.size() - 3);
  // blobs/ itself too: a drive whose blobs were wiped is refilled, not failed.
  SOS_RETURN_IF_ERROR(MakeDir(xx.substr(0, xx.size() - 3), sync_now));
  SOS_RETURN_IF_ERROR(MakeDir(xx, sync_now));
  SOS_RETURN_IF_ERROR(MakeDir(yy, sync_now));
  if (bit) bit->store(true, std::memory_order_release);
  return Status::Ok();
}

Status DriveSet::PlaceBlob(size_t i, const std::string& tmp, std::string_view id, bool synced) {
  const std::string path = BlobPath(i, id);
  SOS_RETURN_IF_ERROR(MakeBlobDir(i, id, synced));
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    // A directory known to exist went (blobs/ wiped under a running sosd).
    if (errno != ENOENT) return StatusFromErrno(errno, "rename " + tmp);
    ForgetBlobDirs(i);
    SOS_RETURN_IF_ERROR(MakeBlobDir(i, id, synced));
    if (::rename(tmp.c_str(), path.c_str()) != 0) return StatusFromErrno(errno, "rename " + tmp);
  }
  if (synced && durable_) return SyncDir(BlobDir(i, id));
  return Status::Ok();
}

void DriveSet::ForgetBlobDirs(size_t i) {
  for (size_t k = 0; k < kBlobDirCount; ++k) {
    drives_[i]->known_dirs[k].store(false, std::memory_order_relaxed);
  }
}

std::string DriveSet::BlobPath(size_t i, std::string_view id) const {
  std::string p = BlobDir(i, id);
  p.push_back('/');
  p.append(id);
  return p;
}

std::string DriveSet::TmpDir(size_t i) const { return JoinPath(drives_[i]->path, "tmp"); }
std::string DriveSet::JournalDir(size_t i) const { return JoinPath(drives_[i]->path, "journal"); }

}  // namespace sos::storage
