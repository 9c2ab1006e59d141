#include "daemon/storage/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "daemon/storage/journal_format.h"

namespace sos::storage {
namespace {

std::string GenName(uint64_t gen, const char* ext) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016" PRIx64 ".%s", gen, ext);
  return buf;
}

// "<16 hex digits>.<ext>" -> generation.
bool ParseGen(const std::string& name, uint64_t* gen) {
  return name.size() > 17 && name[16] == '.' && std::sscanf(name.c_str(), "%16" SCNx64, gen) == 1;
}

Status NoQuorum(std::string_view what, size_t got, size_t need, bool no_space) {
  std::string msg = std::string(what) + " reached " + std::to_string(got) + " drives, quorum is " +
                    std::to_string(need);
  return no_space ? Status::NoSpace(msg)
                  : Status(StatusCode::kUnavailable, msg, "ServiceUnavailable");
}

// Whether fd is still the file at path. A drive whose directory was removed,
// replaced or unmounted would otherwise take appends into a file nobody can
// read back; for an object kept inline, the journal record is its copy.
Status StillAt(int fd, const std::string& path) {
  struct stat by_fd {};
  struct stat by_path {};
  if (::fstat(fd, &by_fd) != 0) return StatusFromErrno(errno, "fstat " + path);
  if (::stat(path.c_str(), &by_path) != 0) return StatusFromErrno(errno, "journal " + path);
  if (by_fd.st_nlink == 0 || by_fd.st_dev != by_path.st_dev || by_fd.st_ino != by_path.st_ino) {
    return Status::IOError("journal " + path + " was removed or replaced");
  }
  return Status::Ok();
}

}  // namespace

std::string LogName(uint64_t gen) { return GenName(gen, "log"); }
std::string SnapName(uint64_t gen) { return GenName(gen, "snap"); }

std::string Journal::Frame(uint64_t seq, std::string_view payload) {
  std::string f(kRecordOverhead + payload.size(), '\0');
  PutFixed32(f.data(), kRecordMagic);
  PutFixed32(f.data() + 4, static_cast<uint32_t>(payload.size()));
  PutFixed64(f.data() + 8, seq);
  std::memcpy(f.data() + 16, payload.data(), payload.size());
  PutFixed64(f.data() + 16 + payload.size(), XXH3_64bits(f.data() + 8, 8 + payload.size()));
  return f;
}

Journal::Journal(std::shared_ptr<DriveSet> drives, IoPool& pool)
    : drives_(std::move(drives)), pool_(pool), logs_(drives_->size()) {}

Result<Journal::DriveLog> Journal::CreateLog(size_t d, uint64_t gen, uint64_t start_seq) {
  std::string dir = drives_->JournalDir(d);
  std::string path = JoinPath(dir, LogName(gen));
  DriveLog log;
  log.fd.Reset(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, kPrivateFileMode));
  if (!log.fd.valid()) return StatusFromErrno(errno, "create " + path);
  std::string h = EncodeJournalHeader(kLogMagic, gen, start_seq);
  SOS_RETURN_IF_ERROR(WriteAt(log.fd.get(), h.data(), h.size(), 0, "write " + path));
  if (drives_->durable()) {
    SOS_RETURN_IF_ERROR(SyncFd(log.fd.get(), true, "fdatasync " + path));
    SOS_RETURN_IF_ERROR(SyncDir(dir));
  }
  log.offset = kJournalHeaderSize;
  log.live = true;
  return log;
}

Status Journal::Create(uint64_t start_seq) {
  SOS_RETURN_IF_ERROR(WriteSnapshot(1, start_seq, [](SnapshotWriter&) { return Status::Ok(); }));
  std::vector<DriveLog> logs(drives_->size());
  size_t live = 0;
  for (size_t d = 0; d < drives_->size(); ++d) {
    if (!drives_->ok(d)) continue;
    auto log = CreateLog(d, 1, start_seq);
    if (log.ok()) {
      logs[d] = std::move(log).value();
      ++live;
    } else {
      drives_->Fail(d, log.status());
    }
  }
  std::lock_guard lock(mu_);
  gen_ = 1;
  logs_.swap(logs);
  if (live < drives_->quorum()) return NoQuorum("new journal", live, drives_->quorum(), false);
  return Status::Ok();
}

Status Journal::Recover(const JournalPosition& pos) {
  std::lock_guard lock(mu_);
  gen_ = pos.gen;
  snapshot_bytes_ = 0;
  for (size_t d = 0; d < drives_->size(); ++d) {
    DriveLog& log = logs_[d];
    log = DriveLog{};
    if (!drives_->ok(d)) continue;
    std::string dir = drives_->JournalDir(d);
    // A newer generation was started but never committed to the index (crash
    // in a checkpoint). Its log header would claim that records from its first
    // seq on belong to it, and Replay would drop the current generation's
    // records past that seq: remove it before anything is appended.
    if (auto names = ListDir(dir); names.ok()) {
      for (const std::string& n : *names) {
        uint64_t g;
        if (ParseGen(n, &g) && g > gen_) ::unlink(JoinPath(dir, n).c_str());
      }
    }
    struct stat st;
    if (::stat(JoinPath(dir, SnapName(gen_)).c_str(), &st) == 0) {
      snapshot_bytes_ = std::max<uint64_t>(snapshot_bytes_, st.st_size);
    }
    auto it = pos.offsets.find(drives_->drive(d).uuid);
    if (it == pos.offsets.end()) continue;  // new, replaced or stale drive
    std::string path = JoinPath(dir, LogName(gen_));
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd.valid() || ::fstat(fd.get(), &st) != 0 ||
        static_cast<uint64_t>(st.st_size) < it->second) {
      drives_->Log("sos storage: journal of " + drives_->drive(d).path +
                   " is missing or shorter than the index says; it will be rewritten");
      continue;
    }
    if (static_cast<uint64_t>(st.st_size) > it->second) {
      // A record appended by a commit that never reached the index: roll back.
      if (::ftruncate(fd.get(), static_cast<off_t>(it->second)) != 0) continue;
      if (drives_->durable() && ::fdatasync(fd.get()) != 0) continue;
    }
    log.fd = std::move(fd);
    log.offset = it->second;
    log.live = true;
  }
  return Status::Ok();
}

Status Journal::Append(std::string_view framed) {
  std::vector<size_t> targets;
  {
    std::lock_guard lock(mu_);
    for (size_t d = 0; d < logs_.size(); ++d) {
      logs_[d].appended = false;
      if (logs_[d].live && !drives_->ok(d)) logs_[d].live = false;
      if (logs_[d].live) targets.push_back(d);
    }
  }
  std::vector<Status> results(targets.size());
  const bool durable = drives_->durable();
  const std::string name = LogName(gen_);  // gen_ changes only under the commit lock, held here
  ParallelFor(pool_, targets.size(), [&](size_t i) {
    DriveLog& log = logs_[targets[i]];
    Status st = StillAt(log.fd.get(), JoinPath(drives_->JournalDir(targets[i]), name));
    if (st.ok())
      st = WriteAt(log.fd.get(), framed.data(), framed.size(), log.offset, "journal append");
    if (st.ok() && durable) st = SyncFd(log.fd.get(), true, "journal fdatasync");
    results[i] = st;
  });
  size_t ok = 0;
  bool no_space = false;
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < targets.size(); ++i) {
      DriveLog& log = logs_[targets[i]];
      if (results[i].ok()) {
        log.undo_offset = log.offset;
        log.offset += framed.size();
        log.appended = true;
        ++ok;
      } else {
        // Possibly a partial record at the end: no more appends this generation.
        log.live = false;
        no_space = no_space || results[i].code() == StatusCode::kNoSpace;
        drives_->Fail(targets[i], results[i]);
      }
    }
  }
  if (ok >= drives_->quorum()) return Status::Ok();
  Undo();
  return NoQuorum("journal append", ok, drives_->quorum(), no_space);
}

void Journal::Undo() {
  std::lock_guard lock(mu_);
  for (DriveLog& log : logs_) {
    if (!log.appended) continue;
    log.appended = false;
    log.offset = log.undo_offset;
    if (::ftruncate(log.fd.get(), static_cast<off_t>(log.offset)) != 0) log.live = false;
  }
}

void Journal::SetGeneration(uint64_t gen) {
  std::lock_guard lock(mu_);
  gen_ = std::max(gen_, gen);
}

JournalPosition Journal::position() const {
  std::lock_guard lock(mu_);
  JournalPosition pos;
  pos.gen = gen_;
  for (size_t d = 0; d < logs_.size(); ++d) {
    if (logs_[d].live) pos.offsets[drives_->drive(d).uuid] = logs_[d].offset;
  }
  return pos;
}

bool Journal::degraded() const {
  std::lock_guard lock(mu_);
  if (snapshot_missed_) return true;
  for (size_t d = 0; d < logs_.size(); ++d) {
    if (drives_->ok(d) && !logs_[d].live) return true;
  }
  return false;
}

uint64_t Journal::log_bytes() const {
  std::lock_guard lock(mu_);
  uint64_t n = 0;
  for (const DriveLog& log : logs_) n = std::max(n, log.live ? log.offset : 0);
  return n;
}

uint64_t Journal::snapshot_bytes() const {
  std::lock_guard lock(mu_);
  return snapshot_bytes_;
}

Status Journal::StartGeneration(uint64_t start_seq) {
  uint64_t gen;
  {
    std::lock_guard lock(mu_);
    gen = gen_ + 1;
  }
  std::vector<DriveLog> logs(drives_->size());
  std::vector<Status> results(drives_->size());
  ParallelFor(pool_, drives_->size(), [&](size_t d) {
    if (!drives_->ok(d)) {
      results[d] = Status::Unavailable("failed drive");
      return;
    }
    auto log = CreateLog(d, gen, start_seq);
    if (log.ok()) {
      logs[d] = std::move(log).value();
    } else {
      results[d] = log.status();
    }
  });
  size_t live = 0;
  for (const Status& st : results) live += st.ok() ? 1 : 0;
  if (live < drives_->quorum()) {
    for (size_t d = 0; d < results.size(); ++d) {
      if (results[d].ok()) ::unlink(JoinPath(drives_->JournalDir(d), LogName(gen)).c_str());
    }
    return NoQuorum("new journal generation", live, drives_->quorum(), false);
  }
  std::lock_guard lock(mu_);
  gen_ = gen;
  logs_.swap(logs);
  return Status::Ok();
}

Status SnapshotWriter::Add(const JournalOp& op) {
  batch_bytes_ += op.a.size() + op.b.size() + op.value.size() + 8;
  batch_.push_back(op);
  if (batch_bytes_ >= (256 << 10)) return Flush();
  return Status::Ok();
}

Status SnapshotWriter::Flush() {
  if (batch_.empty()) return Status::Ok();
  std::string payload;
  EncodeOps(batch_, &payload);
  batch_.clear();
  batch_bytes_ = 0;
  ++records_;
  return write_(Journal::Frame(0, payload));
}

Status Journal::WriteSnapshot(uint64_t gen, uint64_t next_seq,
                              const std::function<Status(SnapshotWriter&)>& produce) {
  struct Target {
    size_t drive;
    std::string tmp;
    UniqueFd fd;
    uint64_t offset = kJournalHeaderSize;
    Status status;
  };
  std::vector<Target> targets;
  std::string header = EncodeJournalHeader(kSnapMagic, gen, next_seq);
  for (size_t d = 0; d < drives_->size(); ++d) {
    if (!drives_->ok(d)) continue;
    Target t;
    t.drive = d;
    t.tmp = JoinPath(drives_->JournalDir(d), SnapName(gen) + ".tmp");
    t.fd.Reset(::open(t.tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, kPrivateFileMode));
    if (!t.fd.valid()) continue;
    if (!WriteAt(t.fd.get(), header.data(), header.size(), 0, "snapshot").ok()) continue;
    targets.push_back(std::move(t));
  }
  auto write = [&](std::string_view bytes) -> Status {
    ParallelFor(pool_, targets.size(), [&](size_t i) {
      Target& t = targets[i];
      if (!t.status.ok()) return;
      t.status = WriteAt(t.fd.get(), bytes.data(), bytes.size(), t.offset, "snapshot " + t.tmp);
      t.offset += bytes.size();
    });
    for (const Target& t : targets) {
      if (t.status.ok()) return Status::Ok();
    }
    return Status::IOError("snapshot could not be written to any drive");
  };
  SnapshotWriter w;
  w.write_ = write;
  Status st = produce(w);
  if (st.ok()) st = w.Flush();
  if (st.ok()) {
    Encoder e;
    e.Varint(w.records_);
    st = write(Frame(kSnapshotEnd, e.out()));
  }
  std::vector<size_t> done;
  uint64_t size = 0;
  ParallelFor(pool_, targets.size(), [&](size_t i) {
    Target& t = targets[i];
    if (st.ok() && t.status.ok() && drives_->durable()) {
      t.status = SyncFd(t.fd.get(), true, "fdatasync " + t.tmp);
    }
    t.fd.Reset();
    std::string final_path = JoinPath(drives_->JournalDir(t.drive), SnapName(gen));
    if (st.ok() && t.status.ok() && ::rename(t.tmp.c_str(), final_path.c_str()) != 0) {
      t.status = StatusFromErrno(errno, "rename " + t.tmp);
    }
    if (st.ok() && t.status.ok() && drives_->durable()) {
      t.status = SyncDir(drives_->JournalDir(t.drive));
    }
    if (!st.ok() || !t.status.ok()) ::unlink(t.tmp.c_str());
  });
  if (!st.ok()) return st;
  for (const Target& t : targets) {
    if (t.status.ok()) {
      done.push_back(t.drive);
      size = t.offset;
    }
  }
  if (done.empty()) return Status::IOError("snapshot failed on every drive");
  DropBefore(gen, done);
  size_t healthy = 0;
  for (size_t d = 0; d < drives_->size(); ++d) healthy += drives_->ok(d) ? 1 : 0;
  std::lock_guard lock(mu_);
  snapshot_bytes_ = size;
  // A healthy drive without this snapshot lacks the index's copy (inline
  // objects' bytes among it) until a later one: degraded() asks for it.
  snapshot_missed_ = done.size() < healthy;
  return Status::Ok();
}

void Journal::DropBefore(uint64_t gen, const std::vector<size_t>& drives) {
  for (size_t d : drives) {
    std::string dir = drives_->JournalDir(d);
    auto names = ListDir(dir);
    if (!names.ok()) continue;
    for (const std::string& n : *names) {
      uint64_t g = 0;
      if (ParseGen(n, &g) && g < gen) ::unlink(JoinPath(dir, n).c_str());
    }
  }
}

}  // namespace sos::storage
