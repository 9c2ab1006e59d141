#include "daemon/storage/lmdb_index.h"

#include <cerrno>
#include <cstring>

#include "daemon/storage/fs_util.h"

namespace sos::storage {
namespace {

constexpr std::array<const char*, static_cast<int>(Table::kCount)> kTableNames = {
    "meta",        "accounts",         "keys",  "buckets", "objects", "objects_long", "uploads",
    "upload_keys", "upload_keys_long", "parts", "refs", "nonces"};

constexpr size_t kMaxKeySize = 511;  // mdb_env_get_maxkeysize of a default build

}  // namespace

Result<std::unique_ptr<LmdbEnv>> LmdbEnv::Open(const Options& options) {
  SOS_RETURN_IF_ERROR(MakeDirs(options.dir));
  std::unique_ptr<LmdbEnv> env(new LmdbEnv());
  SOS_RETURN_IF_ERROR(LmdbStatus(mdb_env_create(&env->env_), "env_create"));
  SOS_RETURN_IF_ERROR(LmdbStatus(mdb_env_set_maxdbs(env->env_, kTableNames.size()), "set_maxdbs"));
  SOS_RETURN_IF_ERROR(
      LmdbStatus(mdb_env_set_mapsize(env->env_, static_cast<size_t>(options.map_size)), "mapsize"));
  SOS_RETURN_IF_ERROR(
      LmdbStatus(mdb_env_set_maxreaders(env->env_, options.max_readers), "set_maxreaders"));
  unsigned flags = MDB_NOTLS | MDB_NORDAHEAD;
  if (!options.durable) flags |= MDB_NOSYNC | MDB_NOMETASYNC;
  SOS_RETURN_IF_ERROR(
      LmdbStatus(mdb_env_open(env->env_, options.dir.c_str(), flags, kPrivateFileMode),
                "open " + options.dir));
  // Readers left behind by a killed process would otherwise pin pages forever.
  int dead = 0;
  mdb_reader_check(env->env_, &dead);

  MDB_txn* txn = nullptr;
  SOS_RETURN_IF_ERROR(LmdbStatus(mdb_txn_begin(env->env_, nullptr, 0, &txn), "txn_begin"));
  for (size_t i = 0; i < kTableNames.size(); ++i) {
    int rc = mdb_dbi_open(txn, kTableNames[i], MDB_CREATE, &env->dbis_[i]);
    if (rc != MDB_SUCCESS) {
      mdb_txn_abort(txn);
      return LmdbStatus(rc, std::string("dbi_open ") + kTableNames[i]);
    }
  }
  SOS_RETURN_IF_ERROR(LmdbStatus(mdb_txn_commit(txn), "commit dbi_open"));
  return env;
}

LmdbEnv::~LmdbEnv() {
  if (env_) mdb_env_close(env_);
}

Status LmdbEnv::Sync() { return LmdbStatus(mdb_env_sync(env_, 1), "env_sync"); }

Result<Txn> Txn::BeginRead(const LmdbEnv& env) {
  MDB_txn* txn = nullptr;
  SOS_RETURN_IF_ERROR(
      LmdbStatus(mdb_txn_begin(env.env(), nullptr, MDB_RDONLY, &txn), "begin read txn"));
  return Txn(&env, txn);
}

Result<Txn> Txn::BeginWrite(const LmdbEnv& env) {
  MDB_txn* txn = nullptr;
  SOS_RETURN_IF_ERROR(LmdbStatus(mdb_txn_begin(env.env(), nullptr, 0, &txn), "begin write txn"));
  return Txn(&env, txn);
}

Result<Txn> Txn::BeginChild() {
  MDB_txn* txn = nullptr;
  SOS_RETURN_IF_ERROR(LmdbStatus(mdb_txn_begin(env_->env(), txn_, 0, &txn), "begin child txn"));
  return Txn(env_, txn);
}

Txn& Txn::operator=(Txn&& o) noexcept {
  if (this != &o) {
    Abort();
    env_ = o.env_;
    txn_ = o.txn_;
    o.txn_ = nullptr;
  }
  return *this;
}

Result<bool> Txn::Get(Table t, std::string_view key, std::string_view* value) {
  // No such key can have been stored (and LMDB would call it an error).
  if (key.empty() || key.size() > kMaxKeySize) return false;
  MDB_val k = LmdbVal(key), v;
  int rc = mdb_get(txn_, env_->dbi(t), &k, &v);
  if (rc == MDB_NOTFOUND) return false;
  SOS_RETURN_IF_ERROR(LmdbStatus(rc, "get"));
  *value = LmdbView(v);
  return true;
}

Status Txn::Put(Table t, std::string_view key, std::string_view value) {
  if (key.empty() || key.size() > kMaxKeySize) {
    return Status::InvalidArgument("index key of " + std::to_string(key.size()) + " bytes");
  }
  MDB_val k = LmdbVal(key), v = LmdbVal(value);
  return LmdbStatus(mdb_put(txn_, env_->dbi(t), &k, &v, 0), "put");
}

Status Txn::Del(Table t, std::string_view key) {
  if (key.empty() || key.size() > kMaxKeySize) return Status::Ok();
  MDB_val k = LmdbVal(key);
  int rc = mdb_del(txn_, env_->dbi(t), &k, nullptr);
  if (rc == MDB_NOTFOUND) return Status::Ok();
  return LmdbStatus(rc, "del");
}

Result<uint64_t> Txn::Count(Table t) {
  MDB_stat st;
  SOS_RETURN_IF_ERROR(LmdbStatus(mdb_stat(txn_, env_->dbi(t), &st), "stat"));
  return uint64_t{st.ms_entries};
}

Status Txn::Commit() {
  MDB_txn* txn = txn_;
  txn_ = nullptr;
  return LmdbStatus(mdb_txn_commit(txn), "commit");
}

void Txn::Abort() {
  if (txn_) mdb_txn_abort(txn_);
  txn_ = nullptr;
}

Result<Cursor> Cursor::Open(Txn& txn, Table t) {
  MDB_cursor* cur = nullptr;
  SOS_RETURN_IF_ERROR(LmdbStatus(mdb_cursor_open(txn.raw(), txn.env().dbi(t), &cur), "cursor_open"));
  return Cursor(cur);
}

Cursor::~Cursor() {
  if (cur_) mdb_cursor_close(cur_);
}

Result<bool> Cursor::Move(MDB_cursor_op op, std::string_view seek) {
  MDB_val k = LmdbVal(seek), v{0, nullptr};
  int rc = mdb_cursor_get(cur_, &k, &v, op);
  if (rc == MDB_NOTFOUND) {
    valid_ = false;
    return false;
  }
  SOS_RETURN_IF_ERROR(LmdbStatus(rc, "cursor_get"));
  key_ = LmdbView(k);
  value_ = LmdbView(v);
  valid_ = true;
  return true;
}

Result<bool> Cursor::Seek(std::string_view key) {
  // LMDB refuses empty keys; the first key >= "" is the first key.
  if (key.empty()) return First();
  return Move(MDB_SET_RANGE, key);
}

Result<bool> Cursor::First() { return Move(MDB_FIRST); }
Result<bool> Cursor::Next() { return Move(MDB_NEXT); }

Status Cursor::DeleteCurrent() { return LmdbStatus(mdb_cursor_del(cur_, 0), "cursor_del"); }

}  // namespace sos::storage
