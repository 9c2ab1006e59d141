// LmdbEnv: one LMDB environment (a directory with data.mdb and lock.mdb) and
// the named databases inside it, behind Status-returning transactions.
//
// Contract: Read() runs a function inside a short read-only transaction and
// Write() inside a read-write transaction that is committed when the function
// returns OK and aborted otherwise; values handed to the function are copied
// out, so nothing points into the map after the transaction ends. Callers must
// never do network I/O inside these functions. The environment is opened with
// MDB_NOTLS (any thread may run a read transaction) and MDB_NOSYNC: ordinary
// commits reach the OS page cache (they survive a crash of the process), and
// Write(..., durable=true) also forces them to disk (mdb_env_sync), which the
// dirty journal uses. Open it after daemonising: an environment must not be
// used across fork().
//
// Thread-safety: thread-safe. LMDB allows one write transaction at a time and
// serialises Write() calls itself (its writer mutex is the innermost lock of
// sosfs: nothing else is ever locked inside a transaction).
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "s3core/lmdb_status.h"
#include "s3core/status.h"

namespace sos {

// A transaction; valid only inside the Read()/Write() callback that got it.
class LmdbTxn {
 public:
  explicit LmdbTxn(MDB_txn* txn) : txn_(txn) {}

  // The value of key, copied; nullopt if absent.
  Result<std::optional<std::string>> Get(MDB_dbi dbi, std::string_view key);
  Status Put(MDB_dbi dbi, std::string_view key, std::string_view value);
  // Deleting a missing key succeeds.
  Status Delete(MDB_dbi dbi, std::string_view key);
  // Calls fn(key, value) for every key starting with prefix, in key order,
  // until fn returns false.
  Status ForEachPrefix(MDB_dbi dbi, std::string_view prefix,
                       const std::function<bool(std::string_view, std::string_view)>& fn);
  // Deletes every key starting with prefix.
  Status DeletePrefix(MDB_dbi dbi, std::string_view prefix);
  // Deletes every key of the database.
  Status Clear(MDB_dbi dbi);

 private:
  MDB_txn* txn_;
};

class LmdbEnv {
 public:
  struct Options {
    std::string dir;                        // created if missing
    uint64_t map_size = uint64_t{4} << 30;  // virtual; grows the file lazily
    unsigned max_dbs = 16;
  };

  static Result<std::unique_ptr<LmdbEnv>> Open(const Options& options);
  ~LmdbEnv();
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;

  // Opens (creating) a named database; call right after Open(), before use.
  Result<MDB_dbi> OpenDb(const std::string& name);

  Status Read(const std::function<Status(LmdbTxn&)>& fn);
  Status Write(const std::function<Status(LmdbTxn&)>& fn, bool durable = false);
  // Forces every committed transaction to disk.
  Status Sync();

 private:
  explicit LmdbEnv(MDB_env* env) : env_(env) {}
  MDB_env* env_;
};


}  // namespace sos
