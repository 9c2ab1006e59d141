#include "s3core/persist/lmdb.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <fstream>

namespace sos {
namespace {

constexpr size_t kMaxKeySize = 511;  // mdb_env_get_maxkeysize of a default build

bool StorableKey(std::string_view key) { return !key.empty() && key.size() <= kMaxKeySize; }

MDB_val Val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string_view View(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

// Under 16 MiB left: a short write there is most likely the space running out.
bool FileSystemNearlyFull(MDB_env* env) {
  const char* path = nullptr;
  struct statvfs fs {};
  if (mdb_env_get_path(env, &path) != MDB_SUCCESS || path == nullptr) return false;
  if (::statvfs(path, &fs) != 0) return false;
  return static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize < (uint64_t{16} << 20);
}

}  // namespace

Status LmdbStatus(int rc, std::string_view what) {
  if (rc == MDB_SUCCESS) return Status::Ok();
  std::string msg = "lmdb " + std::string(what) + ": " + mdb_strerror(rc);
  switch (rc) {
    case MDB_MAP_FULL:
    case ENOSPC:
    case EDQUOT:
      return Status::NoSpace(std::move(msg));
    case MDB_TXN_FULL:
      return Status::TooLarge(std::move(msg), "InternalError");
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_VERSION_MISMATCH:
    case MDB_INVALID:
      return Status::Corruption(std::move(msg));
    default:
      return Status::IOError(std::move(msg));
  }
}

Result<std::unique_ptr<LmdbEnv>> LmdbEnv::Open(const Options& options) {
  std::unique_ptr<LmdbEnv> env(new LmdbEnv());
  SOS_RETURN_IF_ERROR(LmdbStatus(mdb_env_create(&env->env_), "env_create"));
  SOS_RETURN_IF_ERROR(LmdbStatus(
      mdb_env_set_maxdbs(env->env_, static_cast<MDB_dbi>(options.dbs.size())), "set_maxdbs"));
  SOS_RETURN_IF_ERROR(
      LmdbStatus(mdb_env_set_mapsize(env->env_, static_cast<size_t>(options.map_size)), "mapsize"));
  SOS_RETURN_IF_ERROR(
      LmdbStatus(mdb_env_set_maxreaders(env->env_, options.max_readers), "set_maxreaders"));
  unsigned flags = MDB_NOTLS;
  if (options.no_readahead) flags |= MDB_NORDAHEAD;
  if (!options.sync_each_commit) flags |= MDB_NOSYNC | MDB_NOMETASYNC;
  SOS_RETURN_IF_ERROR(
      LmdbStatus(mdb_env_open(env->env_, options.dir.c_str(), flags, 0600), "open " + options.dir));
  // Reader slots left behind by a killed process would otherwise pin pages forever.
  int dead = 0;
  mdb_reader_check(env->env_, &dead);

  SOS_ASSIGN_OR_RETURN(LmdbTxn txn, LmdbTxn::BeginWrite(*env));
  env->dbis_.resize(options.dbs.size());
  for (size_t i = 0; i < options.dbs.size(); ++i) {
    SOS_RETURN_IF_ERROR(
        LmdbStatus(mdb_dbi_open(txn.raw(), options.dbs[i].c_str(), MDB_CREATE, &env->dbis_[i]),
                   "dbi_open " + options.dbs[i]));
  }
  SOS_RETURN_IF_ERROR(txn.Commit());
  return env;
}

LmdbEnv::~LmdbEnv() {
  if (env_ == nullptr) return;
  mdb_env_sync(env_, 1);
  mdb_env_close(env_);
}

Status LmdbEnv::Sync() { return LmdbStatus(mdb_env_sync(env_, 1), "env_sync"); }

Status LmdbEnv::ReleaseMappedPages() {
  // LMDB does not tell where its map is (mdb_env_info's address is only set
  // for MDB_FIXEDMAP): find the mappings of data.mdb in /proc/self/maps.
  const char* dir = nullptr;
  SOS_RETURN_IF_ERROR(LmdbStatus(mdb_env_get_path(env_, &dir), "env_get_path"));
  struct stat data {};
  const std::string path = std::string(dir) + "/data.mdb";
  if (::stat(path.c_str(), &data) != 0) return StatusFromErrno(errno, "stat " + path);
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    unsigned long start = 0, end = 0, inode = 0;
    char perms[8] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %7s %*s %*s %lu", &start, &end, perms, &inode) != 4 ||
        inode != data.st_ino || line.find(path) == std::string::npos) {
      continue;
    }
    // A read-only shared file mapping: dropping its page table entries loses
    // nothing, and a read txn's pointers stay valid (refaulted on use).
    if (::madvise(reinterpret_cast<void*>(start), end - start, MADV_DONTNEED) != 0) {
      return StatusFromErrno(errno, "madvise " + path);
    }
  }
  return Status::Ok();
}

Result<LmdbTxn> LmdbTxn::BeginRead(const LmdbEnv& env) {
  MDB_txn* txn = nullptr;
  SOS_RETURN_IF_ERROR(
      LmdbStatus(mdb_txn_begin(env.raw(), nullptr, MDB_RDONLY, &txn), "begin read txn"));
  return LmdbTxn(&env, txn);
}

Result<LmdbTxn> LmdbTxn::BeginWrite(const LmdbEnv& env) {
  MDB_txn* txn = nullptr;
  SOS_RETURN_IF_ERROR(LmdbStatus(mdb_txn_begin(env.raw(), nullptr, 0, &txn), "begin write txn"));
  return LmdbTxn(&env, txn);
}

Result<LmdbTxn> LmdbTxn::BeginChild() {
  MDB_txn* txn = nullptr;
  SOS_RETURN_IF_ERROR(LmdbStatus(mdb_txn_begin(env_->raw(), txn_, 0, &txn), "begin child txn"));
  return LmdbTxn(env_, txn);
}

LmdbTxn& LmdbTxn::operator=(LmdbTxn&& o) noexcept {
  if (this != &o) {
    Abort();
    env_ = o.env_;
    txn_ = o.txn_;
    o.txn_ = nullptr;
  }
  return *this;
}

Result<bool> LmdbTxn::Get(LmdbDb db, std::string_view key, std::string_view* value) {
  if (!StorableKey(key)) return false;  // no such key can have been stored
  MDB_val k = Val(key), v;
  int rc = mdb_get(txn_, env_->dbi(db), &k, &v);
  if (rc == MDB_NOTFOUND) return false;
  SOS_RETURN_IF_ERROR(LmdbStatus(rc, "get"));
  *value = View(v);
  return true;
}

Result<std::optional<std::string>> LmdbTxn::GetCopy(LmdbDb db, std::string_view key) {
  std::string_view value;
  SOS_ASSIGN_OR_RETURN(bool found, Get(db, key, &value));
  if (!found) return std::optional<std::string>();
  return std::optional<std::string>(std::string(value));
}

Status LmdbTxn::Put(LmdbDb db, std::string_view key, std::string_view value) {
  if (!StorableKey(key)) {
    return Status::InvalidArgument("database key of " + std::to_string(key.size()) + " bytes");
  }
  MDB_val k = Val(key), v = Val(value);
  return LmdbStatus(mdb_put(txn_, env_->dbi(db), &k, &v, 0), "put");
}

Status LmdbTxn::Del(LmdbDb db, std::string_view key) {
  if (!StorableKey(key)) return Status::Ok();
  MDB_val k = Val(key);
  int rc = mdb_del(txn_, env_->dbi(db), &k, nullptr);
  if (rc == MDB_NOTFOUND) return Status::Ok();
  return LmdbStatus(rc, "del");
}

Result<uint64_t> LmdbTxn::Count(LmdbDb db) {
  MDB_stat st;
  SOS_RETURN_IF_ERROR(LmdbStatus(mdb_stat(txn_, env_->dbi(db), &st), "stat"));
  return uint64_t{st.ms_entries};
}

Status LmdbTxn::ForEachPrefix(LmdbDb db, std::string_view prefix,
                              const std::function<bool(std::string_view, std::string_view)>& fn) {
  if (prefix.size() > kMaxKeySize) return Status::Ok();  // nothing stored can match
  SOS_ASSIGN_OR_RETURN(LmdbCursor cursor, LmdbCursor::Open(*this, db));
  SOS_ASSIGN_OR_RETURN(bool found, cursor.Seek(prefix));
  while (found && cursor.key().starts_with(prefix) && fn(cursor.key(), cursor.value())) {
    SOS_ASSIGN_OR_RETURN(found, cursor.Next());
  }
  return Status::Ok();
}

Status LmdbTxn::DeletePrefix(LmdbDb db, std::string_view prefix) {
  if (prefix.size() > kMaxKeySize) return Status::Ok();
  SOS_ASSIGN_OR_RETURN(LmdbCursor cursor, LmdbCursor::Open(*this, db));
  SOS_ASSIGN_OR_RETURN(bool found, cursor.Seek(prefix));
  while (found && cursor.key().starts_with(prefix)) {
    SOS_RETURN_IF_ERROR(cursor.DeleteCurrent());
    SOS_ASSIGN_OR_RETURN(found, cursor.Next());  // the entry that followed the deleted one
  }
  return Status::Ok();
}

Status LmdbTxn::Clear(LmdbDb db) { return LmdbStatus(mdb_drop(txn_, env_->dbi(db), 0), "drop"); }

Status LmdbTxn::Commit() {
  MDB_txn* txn = txn_;
  txn_ = nullptr;
  const int rc = mdb_txn_commit(txn);
  // LMDB reports a short write as EIO, and a write cut short by a file
  // system that filled up is no space, not a broken disk.
  if (rc == EIO && FileSystemNearlyFull(env_->raw())) {
    return Status::NoSpace("lmdb commit: the index's file system is full");
  }
  return LmdbStatus(rc, "commit");
}

void LmdbTxn::Abort() {
  if (txn_) mdb_txn_abort(txn_);
  txn_ = nullptr;
}

Result<LmdbCursor> LmdbCursor::Open(LmdbTxn& txn, LmdbDb db) {
  MDB_cursor* cur = nullptr;
  SOS_RETURN_IF_ERROR(
      LmdbStatus(mdb_cursor_open(txn.raw(), txn.env().dbi(db), &cur), "cursor_open"));
  return LmdbCursor(cur);
}

LmdbCursor::~LmdbCursor() {
  if (cur_) mdb_cursor_close(cur_);
}

Result<bool> LmdbCursor::Move(MDB_cursor_op op, std::string_view seek) {
  MDB_val k = Val(seek), v{0, nullptr};
  int rc = mdb_cursor_get(cur_, &k, &v, op);
  if (rc == MDB_NOTFOUND) {
    valid_ = false;
    return false;
  }
  SOS_RETURN_IF_ERROR(LmdbStatus(rc, "cursor_get"));
  key_ = View(k);
  value_ = View(v);
  valid_ = true;
  return true;
}

Result<bool> LmdbCursor::Seek(std::string_view key) {
  // LMDB refuses empty keys; the first key >= "" is the first key.
  if (key.empty()) return First();
  return Move(MDB_SET_RANGE, key);
}

Result<bool> LmdbCursor::First() { return Move(MDB_FIRST); }
Result<bool> LmdbCursor::Next() { return Move(MDB_NEXT); }

Status LmdbCursor::DeleteCurrent() { return LmdbStatus(mdb_cursor_del(cur_, 0), "cursor_del"); }

Status LmdbRead(const LmdbEnv& env, const std::function<Status(LmdbTxn&)>& fn) {
  SOS_ASSIGN_OR_RETURN(LmdbTxn txn, LmdbTxn::BeginRead(env));
  return fn(txn);  // the destructor aborts
}

Status LmdbWrite(LmdbEnv& env, const std::function<Status(LmdbTxn&)>& fn, bool durable) {
  SOS_ASSIGN_OR_RETURN(LmdbTxn txn, LmdbTxn::BeginWrite(env));
  SOS_RETURN_IF_ERROR(fn(txn));
  SOS_RETURN_IF_ERROR(txn.Commit());
  return durable ? env.Sync() : Status::Ok();
}

}  // namespace sos
