#include "daemon/storage/commit_pipeline.h"

#include <exception>

namespace sos::storage {
namespace {

constexpr uint8_t kStateVersion = 1;
constexpr size_t kMaxBatch = 512;

}  // namespace

std::string EncodeState(const EngineState& s) {
  Encoder e;
  e.Byte(kStateVersion);
  e.Varint(s.next_seq);
  e.Varint(s.bytes_logical);
  e.Varint(s.journal.gen);
  e.Varint(s.journal.offsets.size());
  for (const auto& [uuid, offset] : s.journal.offsets) {
    e.String(uuid);
    e.Varint(offset);
  }
  return e.Take();
}

Result<EngineState> DecodeState(std::string_view in) {
  Decoder d(in);
  EngineState s;
  uint8_t v;
  uint64_t n;
  if (!d.Byte(&v) || v != kStateVersion || !d.Varint(&s.next_seq) || !d.Varint(&s.bytes_logical) ||
      !d.Varint(&s.journal.gen) || !d.Varint(&n) || n > 1024) {
    return CorruptRecord("engine state");
  }
  for (uint64_t i = 0; i < n; ++i) {
    std::string uuid;
    uint64_t offset;
    if (!d.String(&uuid) || !d.Varint(&offset)) return CorruptRecord("engine state");
    s.journal.offsets[uuid] = offset;
  }
  return s;
}

void CommitPipeline::Reset(LmdbEnv* env, const EngineState& state) {
  env_ = env;
  std::lock_guard lock(state_mu_);
  state_ = state;
}

EngineState CommitPipeline::state() const {
  std::lock_guard lock(state_mu_);
  return state_;
}

Status CommitPipeline::Submit(const MutationFn& fn, std::vector<std::string>* released) {
  Pending p;
  p.fn = &fn;
  std::unique_lock lock(queue_mu_);
  queue_.push_back(&p);
  while (!p.done) {
    if (leader_) {
      queue_cv_.wait(lock);
      continue;
    }
    leader_ = true;
    std::vector<Pending*> batch;
    size_t take = std::min(queue_.size(), kMaxBatch);
    batch.assign(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(take));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(take));
    lock.unlock();
    RunBatch(batch);
    lock.lock();
    for (Pending* q : batch) q->done = true;
    leader_ = false;
    queue_cv_.notify_all();
  }
  if (released) *released = std::move(p.released);
  return p.status;
}

void CommitPipeline::RunBatch(const std::vector<Pending*>& batch) {
  std::lock_guard commit(commit_mu_);
  // Mutations that failed on their own keep their error; no-ops stay fine.
  auto fail_all = [&](const Status& st) {
    for (Pending* p : batch) {
      if (p->committed) p->status = st;
      p->released.clear();
    }
  };
  auto txn = Txn::BeginWrite(*env_);
  if (!txn.ok()) {
    for (Pending* p : batch) p->status = txn.status();
    return;
  }
  EngineState next = state();
  std::string records;
  uint64_t changes = 0;
  for (Pending* p : batch) {
    auto child = txn->BeginChild();
    if (!child.ok()) {
      p->status = child.status();
      continue;
    }
    IndexTxn itx(*child);
    Status st;
    try {
      st = (*p->fn)(itx);
    } catch (const std::exception& e) {
      st = Status::Internal(std::string("exception in commit: ") + e.what());
    }
    if (st.ok()) st = child->Commit();
    if (!st.ok()) {
      p->status = st;  // the child's destructor aborts what it applied
      continue;
    }
    if (itx.ops().empty()) continue;  // nothing changed: no record
    std::string payload;
    EncodeOps(itx.ops(), &payload);
    records += Journal::Frame(next.next_seq++, payload);
    next.bytes_logical += static_cast<uint64_t>(itx.bytes_delta());
    p->released.assign(itx.released().begin(), itx.released().end());
    p->committed = true;
    ++changes;
  }
  if (records.empty()) {
    // Only failures and no-ops; nothing to make durable.
    txn->Abort();
    return;
  }
  // A blob released by one mutation may be referenced again by a later one.
  IndexTxn parent(*txn);
  for (Pending* p : batch) {
    std::vector<std::string> still;
    for (std::string& id : p->released) {
      auto refs = parent.Refcount(id);
      if (refs.ok() && *refs == 0) still.push_back(std::move(id));
    }
    p->released.swap(still);
  }
  Status st = blob_sync_ ? blob_sync_() : Status::Ok();
  if (st.ok()) st = journal_->Append(records);
  if (!st.ok()) {
    txn->Abort();
    return fail_all(st);
  }
  next.journal = journal_->position();
  st = txn->Put(Table::kMeta, kStateKey, EncodeState(next));
  if (st.ok()) st = txn->Commit();
  if (!st.ok()) {
    txn->Abort();
    journal_->Undo();
    return fail_all(st);
  }
  batches_.fetch_add(1, std::memory_order_relaxed);
  changes_.fetch_add(changes, std::memory_order_relaxed);
  std::lock_guard lock(state_mu_);
  state_ = next;
}

Status CommitPipeline::Exclusive(const std::function<Status()>& fn) {
  std::lock_guard commit(commit_mu_);
  try {
    return fn();
  } catch (const std::exception& e) {
    return Status::Internal(std::string("exception: ") + e.what());
  }
}

Status CommitPipeline::WriteStateLocked(EngineState state) {
  state.journal = journal_->position();
  SOS_ASSIGN_OR_RETURN(Txn txn, Txn::BeginWrite(*env_));
  SOS_RETURN_IF_ERROR(txn.Put(Table::kMeta, kStateKey, EncodeState(state)));
  SOS_RETURN_IF_ERROR(txn.Commit());
  std::lock_guard lock(state_mu_);
  state_ = state;
  return Status::Ok();
}

}  // namespace sos::storage
