#include "cache/lmdb_env.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace sos {
namespace {


// Closes a cursor on scope exit.
struct CursorCloser {
  MDB_cursor* cursor;
  ~CursorCloser() {
    if (cursor != nullptr) mdb_cursor_close(cursor);
  }
};

}  // namespace

Result<std::optional<std::string>> LmdbTxn::Get(MDB_dbi dbi, std::string_view key) {
  MDB_val k = LmdbVal(key);
  MDB_val v;
  int rc = mdb_get(txn_, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string>();
  if (rc != 0) return LmdbStatus(rc, "get");
  return std::optional<std::string>(std::string(LmdbView(v)));
}

Status LmdbTxn::Put(MDB_dbi dbi, std::string_view key, std::string_view value) {
  MDB_val k = LmdbVal(key);
  MDB_val v = LmdbVal(value);
  int rc = mdb_put(txn_, dbi, &k, &v, 0);
  return rc == 0 ? Status::Ok() : LmdbStatus(rc, "put");
}

Status LmdbTxn::Delete(MDB_dbi dbi, std::string_view key) {
  MDB_val k = LmdbVal(key);
  int rc = mdb_del(txn_, dbi, &k, nullptr);
  if (rc == 0 || rc == MDB_NOTFOUND) return Status::Ok();
  return LmdbStatus(rc, "del");
}

Status LmdbTxn::ForEachPrefix(MDB_dbi dbi, std::string_view prefix,
                              const std::function<bool(std::string_view, std::string_view)>& fn) {
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn_, dbi, &cursor);
  if (rc != 0) return LmdbStatus(rc, "cursor");
  CursorCloser closer{cursor};
  MDB_val k = LmdbVal(prefix);
  MDB_val v;
  rc = prefix.empty() ? mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
                      : mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
  while (rc == 0) {
    std::string_view key = LmdbView(k);
    if (key.substr(0, prefix.size()) != prefix) break;
    if (!fn(key, LmdbView(v))) break;
    rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return LmdbStatus(rc, "cursor get");
  return Status::Ok();
}

Status LmdbTxn::DeletePrefix(MDB_dbi dbi, std::string_view prefix) {
  std::vector<std::string> keys;
  SOS_RETURN_IF_ERROR(ForEachPrefix(dbi, prefix, [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  }));
  for (const auto& k : keys) SOS_RETURN_IF_ERROR(Delete(dbi, k));
  return Status::Ok();
}

Status LmdbTxn::Clear(MDB_dbi dbi) {
  int rc = mdb_drop(txn_, dbi, 0);
  return rc == 0 ? Status::Ok() : LmdbStatus(rc, "drop");
}

Result<std::unique_ptr<LmdbEnv>> LmdbEnv::Open(const Options& options) {
  if (::mkdir(options.dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return StatusFromErrno(errno, "cannot create " + options.dir);
  }
  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc != 0) return LmdbStatus(rc, "env create");
  std::unique_ptr<LmdbEnv> result(new LmdbEnv(env));
  if ((rc = mdb_env_set_maxdbs(env, options.max_dbs)) != 0) return LmdbStatus(rc, "maxdbs");
  if ((rc = mdb_env_set_mapsize(env, options.map_size)) != 0) return LmdbStatus(rc, "mapsize");
  if ((rc = mdb_env_set_maxreaders(env, 256)) != 0) return LmdbStatus(rc, "maxreaders");
  rc = mdb_env_open(env, options.dir.c_str(), MDB_NOTLS | MDB_NOSYNC, 0600);
  if (rc != 0) return LmdbStatus(rc, "open " + options.dir);
  int dead = 0;
  mdb_reader_check(env, &dead);  // stale reader slots of a crashed process
  return result;
}

LmdbEnv::~LmdbEnv() {
  mdb_env_sync(env_, 1);
  mdb_env_close(env_);
}

Result<MDB_dbi> LmdbEnv::OpenDb(const std::string& name) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
  if (rc != 0) return LmdbStatus(rc, "txn begin");
  MDB_dbi dbi;
  rc = mdb_dbi_open(txn, name.c_str(), MDB_CREATE, &dbi);
  if (rc != 0) {
    mdb_txn_abort(txn);
    return LmdbStatus(rc, "dbi open " + name);
  }
  rc = mdb_txn_commit(txn);
  if (rc != 0) return LmdbStatus(rc, "commit");
  return dbi;
}

Status LmdbEnv::Read(const std::function<Status(LmdbTxn&)>& fn) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
  if (rc != 0) return LmdbStatus(rc, "read txn begin");
  LmdbTxn t(txn);
  Status s = fn(t);
  mdb_txn_abort(txn);
  return s;
}

Status LmdbEnv::Write(const std::function<Status(LmdbTxn&)>& fn, bool durable) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
  if (rc != 0) return LmdbStatus(rc, "write txn begin");
  LmdbTxn t(txn);
  Status s = fn(t);
  if (!s.ok()) {
    mdb_txn_abort(txn);
    return s;
  }
  rc = mdb_txn_commit(txn);
  if (rc != 0) return LmdbStatus(rc, "commit");
  return durable ? Sync() : Status::Ok();
}

Status LmdbEnv::Sync() {
  int rc = mdb_env_sync(env_, 1);
  return rc == 0 ? Status::Ok() : LmdbStatus(rc, "sync");
}

}  // namespace sos
