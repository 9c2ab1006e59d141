// StorageEngineImpl: Open, recovery, Rebuild, checkpoints, garbage
// collection, scrubbing, stats and the background thread.
#include "daemon/storage/storage_engine_impl.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>

#include "daemon/storage/index_txn.h"
#include "s3core/log.h"

namespace sos {

using storage::CommitPipeline;
using storage::EngineState;
using storage::IndexTxn;
using storage::JoinPath;
using storage::Journal;
using storage::JournalOp;
using storage::Table;
using storage::Txn;

namespace {

constexpr const char* kCleanMarker = "CLEAN";
constexpr uint64_t kRebuildBatch = 10000;

}  // namespace

Result<std::unique_ptr<StorageEngine>> StorageEngine::Open(StorageOptions options) {
  auto engine = StorageEngineImpl::Open(std::move(options));
  if (!engine.ok()) return engine.status();
  return std::unique_ptr<StorageEngine>(std::move(engine).value());
}

StorageEngineImpl::StorageEngineImpl(StorageOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<StorageEngineImpl>> StorageEngineImpl::Open(StorageOptions options) {
  if (options.data_dir.empty()) return Status::InvalidArgument("StorageOptions::data_dir is empty");
  if (options.block_size < 4096 || options.block_size > (64u << 20)) {
    return Status::InvalidArgument("block_size must be within [4 KiB, 64 MiB]");
  }
  if (options.drives.empty()) {
    for (int i = 0; i < 3; ++i) {
      options.drives.push_back(JoinPath(options.data_dir, "drive" + std::to_string(i)));
    }
  }
  std::unique_ptr<StorageEngineImpl> engine(new StorageEngineImpl(std::move(options)));
  try {
    SOS_RETURN_IF_ERROR(engine->Init());
  } catch (const std::exception& e) {
    return Status::Internal(std::string("storage engine open: ") + e.what());
  }
  return engine;
}

void StorageEngineImpl::Log(std::string_view msg) const {
  if (options_.log) {
    options_.log(msg);
  } else {
    spdlog::info("{}", msg);
  }
}

Status StorageEngineImpl::Init() {
  SOS_RETURN_IF_ERROR(storage::MakeDirs(options_.data_dir));
  std::string lock_path = JoinPath(options_.data_dir, "LOCK");
  lock_fd_.Reset(
      ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, storage::kPrivateFileMode));
  if (!lock_fd_.valid()) return StatusFromErrno(errno, "open " + lock_path);
  if (::flock(lock_fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    return Status::Unavailable("data dir " + options_.data_dir + " is in use by another process");
  }
  // Files at rest are private (fs_util.h): modes loosened since they were
  // created are repaired here, for the data dir, its entries and the index's
  // files; DriveSet::Open does the same for each drive.
  auto log = [this](std::string_view m) { Log(m); };
  index_dir_ = JoinPath(options_.data_dir, "index");
  (void)storage::MakePrivate(options_.data_dir, log);
  (void)storage::MakePrivate(index_dir_, log);
  const bool durable = options_.fsync == FsyncPolicy::kAlways;
  std::string clean_path = JoinPath(options_.data_dir, kCleanMarker);
  bool clean = storage::PathExists(clean_path);
  if (clean) {
    ::unlink(clean_path.c_str());
    if (durable) SOS_RETURN_IF_ERROR(storage::SyncDir(options_.data_dir));
  }

  SOS_ASSIGN_OR_RETURN(std::unique_ptr<storage::DriveSet> drives,
                       storage::DriveSet::Open(options_.drives, durable, log));
  drives_ = std::move(drives);
  registry_ = std::make_shared<storage::BlobRegistry>();
  repairs_ = std::make_shared<RepairQueue>();
  // Captures only shared state: a late ObjectReader may outlive the engine.
  blobs_ =
      std::make_shared<storage::BlobStore>(drives_, options_.block_size,
                                           [queue = repairs_, drives = drives_.get()](
                                               size_t drive, const std::string& id, const Status&) {
                                             if (!drives->ok(drive)) return;
                                             std::lock_guard lock(queue->mu);
                                             queue->items.try_emplace({id, drive});
                                           });
  journal_ = std::make_unique<Journal>(drives_, blobs_->pool());
  pipeline_ = std::make_unique<CommitPipeline>(journal_.get(),
                                               [blobs = blobs_] { return blobs->SyncUnsynced(); });
  SOS_RETURN_IF_ERROR(InitIndex());
  if (!clean) {
    // After a crash: blobs written but never committed, or released but not
    // yet unlinked, are only found by a scan. Recovery completes before Open returns.
    SOS_RETURN_IF_ERROR(CollectGarbageLocked());
  }
  scrubber_ = std::make_unique<storage::Scrubber>(JoinPath(options_.data_dir, "scrub-state"),
                                                  options_.scrub, ScrubHooks());
  LoadRefillMarks();
  if (options_.maintenance_interval.count() > 0) {
    bg_thread_ = std::thread([this] { BackgroundLoop(); });
    scrubber_->Start();
    for (size_t d = 0; d < drives_->size(); ++d) {
      if (drives_->drive(d).fresh) MarkRefilling(d);  // a replaced drive is refilled
    }
  }
  initialized_ = true;
  return Status::Ok();
}

Status StorageEngineImpl::InitIndex() {
  const bool durable = options_.fsync == FsyncPolicy::kAlways;
  SOS_ASSIGN_OR_RETURN(env_, storage::OpenIndex(index_dir_, options_.map_size, durable));
  std::optional<EngineState> state;
  {
    SOS_ASSIGN_OR_RETURN(Txn txn, Txn::BeginRead(*env_));
    std::string_view v;
    SOS_ASSIGN_OR_RETURN(bool found, txn.Get(Table::kMeta, storage::kStateKey, &v));
    if (found) {
      SOS_ASSIGN_OR_RETURN(EngineState s, storage::DecodeState(v));
      state = std::move(s);
    }
  }
  if (state) {
    SOS_RETURN_IF_ERROR(journal_->Recover(state->journal));
    pipeline_->Reset(env_.get(), *state);
    if (journal_->degraded()) {
      Log("sos storage: journal degraded on some drive; writing a new generation");
      SOS_RETURN_IF_ERROR(CheckpointLocked());
    }
    return Status::Ok();
  }
  bool any_journal = false;
  for (size_t d = 0; d < drives_->size(); ++d) {
    auto names = storage::ListDir(drives_->JournalDir(d));
    any_journal = any_journal || (names.ok() && !names->empty());
  }
  if (any_journal) {
    // Never start empty over drives full of data: the GC would delete it all.
    Log("sos storage: index missing or empty but the drives hold journals; rebuilding");
    return RebuildLocked();
  }
  SOS_RETURN_IF_ERROR(journal_->Create(1));
  EngineState fresh;
  pipeline_->Reset(env_.get(), fresh);
  return pipeline_->Exclusive([&] { return pipeline_->WriteStateLocked(fresh); });
}

StorageEngineImpl::~StorageEngineImpl() {
  if (scrubber_) scrubber_->Stop();  // saves where the pass is
  {
    std::lock_guard lock(bg_mu_);
    bg_stop_ = true;
  }
  bg_cv_.notify_all();
  if (bg_thread_.joinable()) bg_thread_.join();
  // Clean only if no blob may be left behind unreferenced: otherwise the
  // next Open runs a GC scan, as after a crash.
  if (initialized_ && registry_->in_flight() == 0) {
    const bool durable = options_.fsync == FsyncPolicy::kAlways;
    if (!durable) (void)env_->Sync();
    (void)storage::WriteSmallFileDurably(JoinPath(options_.data_dir, kCleanMarker), "", durable);
  }
}

Result<Txn> StorageEngineImpl::ReadTxn() { return Txn::BeginRead(*env_); }

Status StorageEngineImpl::Rebuild() {
  std::unique_lock world(world_mu_);
  try {
    return RebuildLocked();
  } catch (const std::exception& e) {
    return Status::Internal(std::string("rebuild: ") + e.what());
  }
}

Status StorageEngineImpl::RebuildLocked() {
  std::lock_guard cp(checkpoint_mu_);
  std::optional<Txn> snapshot;
  uint64_t gen = 0, next_seq = 0;
  SOS_RETURN_IF_ERROR(pipeline_->Exclusive([&]() -> Status {
    env_.reset();
    SOS_RETURN_IF_ERROR(storage::RemoveTree(index_dir_));
    const bool durable = options_.fsync == FsyncPolicy::kAlways;
    SOS_ASSIGN_OR_RETURN(env_, storage::OpenIndex(index_dir_, options_.map_size, durable));
    std::optional<Txn> txn;
    std::optional<IndexTxn> itx;
    int64_t bytes = 0;
    uint64_t applied = 0;
    auto begin = [&]() -> Status {
      SOS_ASSIGN_OR_RETURN(Txn t, Txn::BeginWrite(*env_));
      txn.emplace(std::move(t));
      itx.emplace(*txn);
      return Status::Ok();
    };
    auto commit = [&]() -> Status {
      bytes += itx->bytes_delta();
      itx.reset();
      return txn->Commit();
    };
    SOS_RETURN_IF_ERROR(begin());
    auto apply = [&](uint64_t, std::vector<JournalOp> ops) -> Status {
      for (JournalOp& op : ops) SOS_RETURN_IF_ERROR(itx->Apply(std::move(op)));
      itx->ops().clear();
      if (++applied % kRebuildBatch == 0) {
        SOS_RETURN_IF_ERROR(commit());
        SOS_RETURN_IF_ERROR(begin());
      }
      return Status::Ok();
    };
    SOS_ASSIGN_OR_RETURN(Journal::ReplayResult replay, Journal::Replay(*drives_, apply));
    SOS_RETURN_IF_ERROR(commit());
    journal_->SetGeneration(replay.max_gen);
    SOS_RETURN_IF_ERROR(journal_->StartGeneration(replay.next_seq));
    EngineState state;
    state.next_seq = replay.next_seq;
    state.bytes_logical = static_cast<uint64_t>(std::max<int64_t>(bytes, 0));
    pipeline_->Reset(env_.get(), state);
    SOS_RETURN_IF_ERROR(pipeline_->WriteStateLocked(state));
    SOS_ASSIGN_OR_RETURN(Txn snap, Txn::BeginRead(*env_));
    snapshot.emplace(std::move(snap));
    gen = journal_->position().gen;
    next_seq = replay.next_seq;
    Log("sos storage: rebuilt the index from the drives: " + std::to_string(applied) +
        " journal records, next sequence " + std::to_string(next_seq));
    return Status::Ok();
  }));
  {
    std::unique_lock lock(key_cache_mu_);
    key_cache_.clear();
    ++key_cache_gen_;
  }
  SOS_RETURN_IF_ERROR(journal_->WriteSnapshot(gen, next_seq, [&](storage::SnapshotWriter& w) {
    return storage::DumpIndex(*snapshot, [&](const JournalOp& op) { return w.Add(op); });
  }));
  snapshot.reset();
  return CollectGarbageLocked();
}

Status StorageEngineImpl::Checkpoint() {
  std::shared_lock world(world_mu_);
  std::lock_guard cp(checkpoint_mu_);
  return CheckpointLocked();
}

Status StorageEngineImpl::CheckpointLocked() {
  std::optional<Txn> snapshot;
  uint64_t gen = 0, next_seq = 0;
  SOS_RETURN_IF_ERROR(pipeline_->Exclusive([&]() -> Status {
    EngineState state = pipeline_->state();
    SOS_RETURN_IF_ERROR(journal_->StartGeneration(state.next_seq));
    SOS_RETURN_IF_ERROR(pipeline_->WriteStateLocked(state));
    // A read snapshot taken under the commit lock is exactly the state before
    // the new generation's first record. It is the one long read txn.
    SOS_ASSIGN_OR_RETURN(Txn snap, Txn::BeginRead(*env_));
    snapshot.emplace(std::move(snap));
    gen = journal_->position().gen;
    next_seq = state.next_seq;
    return Status::Ok();
  }));
  // The dump reads the whole index (inline bytes too) through LMDB's map:
  // its pages are unmapped as it goes, so the process's memory stays small.
  uint64_t mapped = 0;
  Status st = journal_->WriteSnapshot(gen, next_seq, [&](storage::SnapshotWriter& w) {
    return storage::DumpIndex(*snapshot, [&](const JournalOp& op) {
      mapped += op.value.size();
      if (mapped > kReleaseMappedEvery) {
        (void)env_->ReleaseMappedPages();
        mapped = 0;
      }
      return w.Add(op);
    });
  });
  snapshot.reset();
  (void)env_->ReleaseMappedPages();
  return st;
}

Status StorageEngineImpl::CollectGarbage() {
  std::shared_lock world(world_mu_);
  return CollectGarbageLocked();
}

Status StorageEngineImpl::CollectGarbageLocked() {
  std::lock_guard gc(gc_mu_);
  std::vector<std::string> expired;
  {
    std::lock_guard lock(registry_->mu());
    expired = registry_->ExpireLocked(options_.abandoned_blob_grace);
  }
  for (const std::string& id : expired) blobs_->Remove(id);
  uint64_t removed = 0;
  for (size_t d = 0; d < drives_->size(); ++d) {
    if (!drives_->ok(d)) continue;
    Status st = blobs_->ListBlobs(d, [&](std::vector<std::string> ids) -> Status {
      // Registry first, then an index snapshot taken after it: see blob_registry.h.
      std::lock_guard lock(registry_->mu());
      SOS_ASSIGN_OR_RETURN(Txn txn, ReadTxn());
      IndexTxn itx(txn);
      for (const std::string& id : ids) {
        if (registry_->BusyLocked(id)) continue;
        SOS_ASSIGN_OR_RETURN(uint64_t refs, itx.Refcount(id));
        if (refs > 0) continue;
        if (::unlink(drives_->BlobPath(d, id).c_str()) == 0) ++removed;
      }
      return Status::Ok();
    });
    if (!st.ok()) Log("sos storage: gc of " + drives_->drive(d).path + ": " + st.ToString());
  }
  if (removed > 0) Log("sos storage: gc removed " + std::to_string(removed) + " blob files");
  return Status::Ok();
}

Status StorageEngineImpl::ProcessRepairs() {
  std::lock_guard one_at_a_time(repair_mu_);
  using Clock = std::chrono::steady_clock;
  const auto now = Clock::now();
  std::vector<std::pair<std::pair<std::string, size_t>, RepairQueue::Retry>> todo;
  {
    std::lock_guard lock(repairs_->mu);
    for (auto it = repairs_->items.begin(); it != repairs_->items.end();) {
      // Kept while the drive is away, or until the retry is due.
      if (!drives_->ok(it->first.second) || it->second.next > now) {
        ++it;
        continue;
      }
      todo.emplace_back(it->first, it->second);
      it = repairs_->items.erase(it);
    }
  }
  for (auto& [item, retry] : todo) {
    const auto& [id, drive] = item;
    registry_->Pin({id});
    uint64_t refs = 0;
    {
      auto txn = ReadTxn();
      if (txn.ok()) {
        IndexTxn itx(*txn);
        auto r = itx.Refcount(id);
        refs = r.ok() ? *r : 0;
      }
    }
    // Queued twice (a read and a scrub both found it) and repaired since:
    // nothing to rewrite, and no repair to count.
    if (refs > 0 && !blobs_->VerifyReplica(drive, id).ok()) {
      Status st = blobs_->Repair(id, drive);
      const std::string where = "repair of blob " + id + " on " + drives_->drive(drive).path;
      if (st.ok()) {
        Log("sos storage: " + where + ": done" +
            (retry.failures > 0 ? " after " + std::to_string(retry.failures) + " failures" : ""));
      } else {
        // Still under-replicated: tried again later; said once, not each time.
        if (retry.failures == 0) Log("sos storage: " + where + ": " + st.ToString());
        ++retry.failures;
        const std::chrono::seconds wait(int64_t{1} << std::min(retry.failures, 12));
        retry.next = Clock::now() + std::min<Clock::duration>(std::chrono::hours(1), wait);
        std::lock_guard lock(repairs_->mu);
        repairs_->items.emplace(item, retry);
      }
    }
    ReleaseBlobs(registry_->Unpin({id}));
  }
  return Status::Ok();
}

Status StorageEngineImpl::Scrub() {
  {
    std::shared_lock world(world_mu_);
    SOS_RETURN_IF_ERROR(ProcessRepairs());  // known faults first: not counted twice
  }
  // Its hooks take world_mu_ themselves, and its pass_done hook repairs what it found.
  return scrubber_->RunPassNow();
}

uint64_t StorageEngineImpl::StartScrub(bool at_full_speed) {
  return scrubber_->RequestPass(at_full_speed);
}

Status StorageEngineImpl::Heal() {
  ProbeDrives();
  std::shared_lock world(world_mu_);
  return ProcessRepairs();
}

Result<std::vector<BlobReplicas>> StorageEngineImpl::InspectBlobs(
    const std::vector<std::string>& blob_ids) {
  std::shared_lock world(world_mu_);
  std::vector<BlobReplicas> out;
  {
    SOS_ASSIGN_OR_RETURN(Txn txn, ReadTxn());
    for (const std::string& id : blob_ids) {
      BlobReplicas b;
      b.blob_id = id;
      std::string_view v;
      SOS_ASSIGN_OR_RETURN(bool found, txn.Get(Table::kVerified, id, &v));
      if (found) {
        TimePoint at;
        SOS_RETURN_IF_ERROR(storage::DecodeVerified(v, &at, &b.replicas_verified));
        b.last_verified = at;
      }
      out.push_back(std::move(b));
    }
  }
  for (BlobReplicas& b : out) {  // no read txn held across the drives' I/O
    for (size_t d = 0; d < drives_->size(); ++d) {
      struct stat st {};
      // A failed drive's files are no copies to count on (nor to touch).
      const bool there =
          drives_->ok(d) && ::stat(drives_->BlobPath(d, b.blob_id).c_str(), &st) == 0;
      b.on_drive.push_back(there);
      if (there) b.size = std::max(b.size, static_cast<uint64_t>(st.st_size));
    }
  }
  return out;
}

bool StorageEngineImpl::ProbeDrives() {
  bool back = false;
  for (size_t d = 0; d < drives_->size(); ++d) {
    if (drives_->Probe(d)) {
      MarkRefilling(d);
      back = true;
    }
  }
  return back;
}

void StorageEngineImpl::MarkRefilling(size_t drive) {
  // Whatever was written while the drive was away is missing there: a whole
  // pass that starts from now refills it; until one is done it is "refilling".
  drives_->drive(drive).refill_requested_ms.store(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  SaveRefillMarks();
  scrubber_->RequestPass();
}

void StorageEngineImpl::LoadRefillMarks() {
  auto text = storage::ReadSmallFile(JoinPath(options_.data_dir, "refill-state"));
  if (!text.ok()) return;  // none: nothing was being refilled
  nlohmann::json marks = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!marks.is_object()) return;
  for (size_t d = 0; d < drives_->size(); ++d) {
    auto it = marks.find(drives_->drive(d).path);
    if (it != marks.end() && it->is_number_integer()) {
      drives_->drive(d).refill_requested_ms.store(it->get<int64_t>());
    }
  }
}

void StorageEngineImpl::SaveRefillMarks() {
  std::lock_guard lock(refill_mu_);
  nlohmann::json marks = nlohmann::json::object();
  for (size_t d = 0; d < drives_->size(); ++d) {
    const int64_t since = drives_->drive(d).refill_requested_ms.load();
    if (since > 0) marks[drives_->drive(d).path] = since;
  }
  Status s = storage::WriteSmallFileDurably(JoinPath(options_.data_dir, "refill-state"),
                                            marks.dump() + "\n", /*durable=*/true);
  if (!s.ok()) Log("sos storage: saving refill marks: " + s.ToString());
}

storage::Scrubber::Hooks StorageEngineImpl::ScrubHooks() {
  storage::Scrubber::Hooks hooks;
  hooks.list = [this](const std::string& after, size_t max) -> Result<std::vector<std::string>> {
    std::shared_lock world(world_mu_);
    std::vector<std::string> ids;
    SOS_ASSIGN_OR_RETURN(Txn txn, ReadTxn());
    SOS_ASSIGN_OR_RETURN(storage::Cursor c, storage::Cursor::Open(txn, Table::kRefs));
    SOS_ASSIGN_OR_RETURN(bool ok, c.Seek(after.empty() ? "" : after + '\0'));
    while (ok && ids.size() < max) {
      ids.emplace_back(c.key());
      SOS_ASSIGN_OR_RETURN(ok, c.Next());
    }
    return ids;
  };
  hooks.verify = [this](const std::string& id) {
    std::shared_lock world(world_mu_);
    storage::Scrubber::BlobResult result;
    registry_->Pin({id});
    uint64_t refs = 0;
    if (auto txn = ReadTxn(); txn.ok()) {
      IndexTxn itx(*txn);
      auto r = itx.Refcount(id);
      refs = r.ok() ? *r : 0;
    }
    for (size_t d = 0; refs > 0 && d < drives_->size(); ++d) {
      if (!drives_->ok(d)) continue;
      struct stat st {};
      if (::stat(drives_->BlobPath(d, id).c_str(), &st) == 0) {
        result.bytes += static_cast<uint64_t>(st.st_size);
      }
      Status verified = blobs_->VerifyReplica(d, id);
      if (!verified.ok()) {
        blobs_->ReportFault(d, id, verified);
        ++result.faults;
      } else {
        ++result.good;
      }
    }
    ReleaseBlobs(registry_->Unpin({id}));
    return result;
  };
  hooks.pass_done = [this] {
    std::shared_lock world(world_mu_);
    (void)ProcessRepairs();  // what the pass found is repaired before it counts as done
  };
  hooks.record = [this](const std::vector<storage::Scrubber::Verified>& verified) {
    std::shared_lock world(world_mu_);
    Status s = pipeline_->Exclusive([&]() -> Status {
      SOS_ASSIGN_OR_RETURN(Txn txn, Txn::BeginWrite(*env_));
      IndexTxn itx(txn);
      for (const storage::Scrubber::Verified& v : verified) {
        SOS_ASSIGN_OR_RETURN(uint64_t refs, itx.Refcount(v.id));
        if (refs == 0) continue;  // deleted since: no entry to outlive it
        SOS_RETURN_IF_ERROR(
            txn.Put(Table::kVerified, v.id, storage::EncodeVerified(v.at, v.replicas)));
      }
      return txn.Commit();
    });
    if (!s.ok()) Log("sos storage: recording scrub times: " + s.ToString());
  };
  hooks.log = [this](std::string_view m) { Log(m); };
  return hooks;
}

Result<StorageStats> StorageEngineImpl::Stats() {
  std::shared_lock world(world_mu_);
  StorageStats stats;
  {
    SOS_ASSIGN_OR_RETURN(Txn txn, ReadTxn());
    SOS_ASSIGN_OR_RETURN(uint64_t short_objects, txn.Count(Table::kObjects));
    SOS_ASSIGN_OR_RETURN(uint64_t long_objects, txn.Count(Table::kObjectsLong));
    stats.objects = short_objects + long_objects;
    SOS_ASSIGN_OR_RETURN(stats.blobs, txn.Count(Table::kRefs));
    SOS_ASSIGN_OR_RETURN(stats.uploads, txn.Count(Table::kUploads));
  }
  stats.bytes_logical = pipeline_->state().bytes_logical;
  stats.commit_batches = pipeline_->batches();
  stats.commit_changes = pipeline_->changes();
  stats.blob_syncs = blobs_->syncs();
  for (size_t d = 0; d < drives_->size(); ++d) {
    const storage::DriveSet::Drive& drive = drives_->drive(d);
    DriveStats ds;
    ds.path = drive.path;
    ds.ok = drives_->ok(d);
    ds.read_faults = drive.read_faults.load();
    ds.checksum_failures = drive.checksum_failures.load();
    ds.write_faults = drive.write_faults.load();
    ds.repairs = drive.repairs.load();
    ds.full = drive.full.load();
    if (!ds.ok) ds.error = drive.error();
    struct statvfs vfs;
    if (::statvfs(drive.path.c_str(), &vfs) == 0) {
      ds.free_bytes = uint64_t{vfs.f_bavail} * vfs.f_frsize;
      ds.total_bytes = uint64_t{vfs.f_blocks} * vfs.f_frsize;
    }
    stats.drive_ok.push_back(ds.ok);
    stats.drives.push_back(std::move(ds));
  }
  stats.quorum = drives_->quorum();
  stats.scrub = scrubber_->Progress();
  stats.scrub.blobs_total = stats.blobs;
  const int64_t last_pass_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   stats.scrub.last_pass_started.time_since_epoch())
                                   .count();
  for (size_t d = 0; d < drives_->size(); ++d) {
    const int64_t since = drives_->drive(d).refill_requested_ms.load();
    stats.drives[d].refilling =
        since > 0 && !(stats.scrub.passes_completed > 0 && last_pass_ms >= since);
  }
  std::lock_guard lock(repairs_->mu);
  stats.pending_repairs = repairs_->items.size();
  std::set<std::string_view> blobs;
  for (const auto& [item, retry] : repairs_->items) blobs.insert(item.first);
  stats.under_replicated = blobs.size();
  return stats;
}

Status StorageEngineImpl::RunMaintenance() {
  std::shared_lock world(world_mu_);
  const bool heal = ProbeDrives();
  SOS_RETURN_IF_ERROR(ProcessRepairs());
  std::vector<std::string> expired;
  {
    std::lock_guard lock(registry_->mu());
    expired = registry_->ExpireLocked(options_.abandoned_blob_grace);
  }
  for (const std::string& id : expired) blobs_->Remove(id);
  uint64_t log = journal_->log_bytes();
  const bool due = log > std::max(options_.checkpoint_bytes, journal_->snapshot_bytes());
  // A checkpoint that only retries a degraded journal (a full drive, a failed
  // snapshot) backs off: each one rewrites the whole index, inline bytes too.
  const auto now = std::chrono::steady_clock::now();
  const bool retry = journal_->degraded() && now >= next_degraded_checkpoint_;
  if (heal || due || retry) {
    std::lock_guard cp(checkpoint_mu_);
    Status st = CheckpointLocked();
    if (st.ok() && !journal_->degraded()) {
      degraded_backoff_ = std::chrono::seconds(0);
    } else {
      degraded_backoff_ = std::min<std::chrono::steady_clock::duration>(
          std::max<std::chrono::steady_clock::duration>(2 * degraded_backoff_,
                                                        options_.maintenance_interval),
          kMaxDegradedBackoff);
      next_degraded_checkpoint_ = now + degraded_backoff_;
    }
    SOS_RETURN_IF_ERROR(st);
  }
  return Status::Ok();
}

void StorageEngineImpl::BackgroundLoop() {
  auto next_gc = std::chrono::steady_clock::now();
  while (true) {
    {
      std::unique_lock lock(bg_mu_);
      bg_cv_.wait_for(lock, options_.maintenance_interval, [&] { return bg_stop_; });
      if (bg_stop_) return;
    }
    try {
      Status st = RunMaintenance();
      if (!st.ok()) Log("sos storage: maintenance: " + st.ToString());
      if (std::chrono::steady_clock::now() >= next_gc) {
        st = CollectGarbage();
        if (!st.ok()) Log("sos storage: gc: " + st.ToString());
        if (options_.stale_upload_expiry.count() > 0) {
          auto aborted = AbortUploadsInitiatedBefore(std::chrono::system_clock::now() -
                                                     options_.stale_upload_expiry);
          if (!aborted.ok()) {
            Log("sos storage: stale uploads: " + aborted.status().ToString());
          } else if (*aborted > 0) {
            Log("sos storage: aborted " + std::to_string(*aborted) +
                " multipart uploads left unfinished for over " +
                std::to_string(options_.stale_upload_expiry.count()) + " s");
          }
        }
        next_gc = std::chrono::steady_clock::now() + options_.gc_interval;
      }
    } catch (const std::exception& e) {
      Log(std::string("sos storage: background: ") + e.what());
    }
  }
}

Status StorageEngineImpl::Mutate(const CommitPipeline::MutationFn& fn) {
  std::vector<std::string> released;
  SOS_RETURN_IF_ERROR(pipeline_->Submit(fn, &released));
  ReleaseBlobs(released);
  return Status::Ok();
}

void StorageEngineImpl::ReleaseBlobs(const std::vector<std::string>& ids) {
  for (const std::string& id : ids) {
    if (registry_->ReleaseOrDefer(id)) blobs_->Remove(id);
  }
}

Status StorageEngineImpl::ClaimSegments(IndexTxn& txn, const std::vector<Segment>& segments,
                                        std::vector<std::string>* claimed) {
  for (const Segment& s : segments) {
    if (s.is_inline()) {  // carried by the record itself: nothing to claim
      if (s.offset > s.data.size() || s.length > s.data.size() - s.offset) {
        return Status::InvalidArgument("inline segment beyond its bytes", "InternalError");
      }
      continue;
    }
    if (!storage::IsBlobId(s.blob_id)) {
      return Status::InvalidArgument("segment names no blob ('" + s.blob_id + "')",
                                     "InternalError");
    }
    if (std::find(claimed->begin(), claimed->end(), s.blob_id) != claimed->end()) continue;
    uint64_t size = 0;
    switch (registry_->ClaimForCommit(s.blob_id, &size)) {
      case storage::BlobRegistry::Claim::kClaimed:
        claimed->push_back(s.blob_id);
        break;
      case storage::BlobRegistry::Claim::kUnfinished:
        return Status::InvalidArgument("blob " + s.blob_id + " is not finished", "InternalError");
      case storage::BlobRegistry::Claim::kBusy:
        return Status::InvalidArgument("blob " + s.blob_id + " is being committed elsewhere",
                                       "InternalError");
      case storage::BlobRegistry::Claim::kNotInFlight: {
        SOS_ASSIGN_OR_RETURN(uint64_t refs, txn.Refcount(s.blob_id));
        if (refs == 0) {
          return Status::NotFound("blob " + s.blob_id + " does not exist (anymore)",
                                  "InternalError");
        }
        continue;  // a shared blob: bounds were checked when first committed
      }
    }
    if (s.offset > size || s.length > size - s.offset) {
      return Status::InvalidArgument("segment beyond the end of blob " + s.blob_id,
                                     "InternalError");
    }
  }
  return Status::Ok();
}

void StorageEngineImpl::SettleClaims(const std::vector<Segment>& segments,
                                     const std::vector<std::string>& claimed, bool committed) {
  for (const std::string& id : claimed) {
    registry_->Forget(id);
    if (!committed) blobs_->Remove(id);
  }
  if (committed) return;
  // Fresh blobs the failed commit never got to claim are discarded as well.
  for (const Segment& s : segments) {
    uint64_t size = 0;
    if (!s.is_inline() &&
        registry_->ClaimForCommit(s.blob_id, &size) == storage::BlobRegistry::Claim::kClaimed) {
      registry_->Forget(s.blob_id);
      blobs_->Remove(s.blob_id);
    }
  }
}

void StorageEngineImpl::InvalidateKeys(const std::string& access_key_id) {
  std::unique_lock lock(key_cache_mu_);
  ++key_cache_gen_;
  if (access_key_id.empty()) {
    key_cache_.clear();
  } else {
    key_cache_.erase(access_key_id);
  }
}

}  // namespace sos
