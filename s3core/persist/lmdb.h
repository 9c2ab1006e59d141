// LmdbEnv, LmdbTxn, LmdbCursor: the one Status-returning RAII layer over LMDB,
// used by sosfs's cache (cache/) and sosd's index (daemon/storage/).
//
// An environment is a directory (data.mdb, lock.mdb) holding the named
// databases listed in Options::dbs; a caller names them by an enum whose
// values are their positions in that list (LmdbDb converts any enum).
//
// LMDB rules this layer enforces or relies on:
//  - One write transaction at a time: LMDB serialises them with its own mutex.
//    A write txn must be committed or aborted by the thread that began it.
//  - MDB_NOTLS: read txns are not tied to a thread. Keep them short (a long one
//    pins old pages and makes the file grow); never do I/O inside one.
//  - Durability: with sync_each_commit, Commit() returns once the data and meta
//    pages are on disk. Without it (MDB_NOSYNC|MDB_NOMETASYNC) a crash of the
//    process loses nothing but a crash of the OS may lose recent commits until
//    Sync() is called.
//  - Keys are 1..511 bytes (LMDB's limit): Get of any other key finds nothing,
//    Del succeeds, Put is InvalidArgument. Keys sort as raw bytes, shorter
//    first, which is S3's UTF-8 listing order.
//  - Views returned by Get/ForEachPrefix/Cursor point into the map and are
//    valid until the txn ends or the next write in it.
//
// Errors: every LMDB return code goes through LmdbStatus (one map):
//   MDB_MAP_FULL, ENOSPC, EDQUOT -> kNoSpace; MDB_TXN_FULL -> kTooLarge;
//   MDB_CORRUPTED, MDB_PAGE_NOTFOUND, MDB_VERSION_MISMATCH, MDB_INVALID ->
//   kCorruption; anything else -> kIOError; message "lmdb WHAT: mdb_strerror".
//
// Thread-safety: LmdbEnv is thread-safe; a txn or cursor is used by one thread
// at a time. Open an environment after fork(), never across one.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "s3core/status.h"

namespace sos {

Status LmdbStatus(int rc, std::string_view what);

// A named database by its position in LmdbEnv::Options::dbs.
struct LmdbDb {
  template <typename E>
  requires std::is_enum_v<E>
  constexpr LmdbDb(E e) : index(static_cast<size_t>(e)) {}  // NOLINT: implicit on purpose
  size_t index;
};

class LmdbEnv {
 public:
  struct Options {
    std::string dir;                        // must exist
    std::vector<std::string> dbs;           // named databases, created if missing
    uint64_t map_size = uint64_t{4} << 30;  // virtual; the file grows lazily
    unsigned max_readers = 256;
    bool sync_each_commit = false;  // see "Durability" above
    bool no_readahead = false;      // MDB_NORDAHEAD: for maps larger than RAM
  };

  static Result<std::unique_ptr<LmdbEnv>> Open(const Options& options);
  ~LmdbEnv();  // syncs, then closes
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;

  // Forces every committed transaction to disk.
  Status Sync();
  // Unmaps the index's pages from this process (they stay in the page cache
  // and are faulted back in when read): after a scan of the whole map, such
  // as a checkpoint, the process does not keep all of it resident.
  Status ReleaseMappedPages();

  MDB_env* raw() const { return env_; }
  MDB_dbi dbi(LmdbDb db) const { return dbis_[db.index]; }

 private:
  LmdbEnv() = default;
  MDB_env* env_ = nullptr;
  std::vector<MDB_dbi> dbis_;
};

class LmdbTxn {
 public:
  static Result<LmdbTxn> BeginRead(const LmdbEnv& env);
  static Result<LmdbTxn> BeginWrite(const LmdbEnv& env);
  // A nested write txn: its changes vanish if it is aborted.
  Result<LmdbTxn> BeginChild();

  LmdbTxn(LmdbTxn&& o) noexcept : env_(o.env_), txn_(o.txn_) { o.txn_ = nullptr; }
  LmdbTxn& operator=(LmdbTxn&& o) noexcept;
  LmdbTxn(const LmdbTxn&) = delete;
  LmdbTxn& operator=(const LmdbTxn&) = delete;
  ~LmdbTxn() { Abort(); }

  // Sets *value (a view into the map) and returns true if present.
  Result<bool> Get(LmdbDb db, std::string_view key, std::string_view* value);
  // The same, copied (so it survives later writes in the txn); nullopt if absent.
  Result<std::optional<std::string>> GetCopy(LmdbDb db, std::string_view key);
  Status Put(LmdbDb db, std::string_view key, std::string_view value);
  // Deleting a missing key succeeds.
  Status Del(LmdbDb db, std::string_view key);
  Result<uint64_t> Count(LmdbDb db);
  // Calls fn(key, value) for every key starting with prefix, in key order,
  // until fn returns false.
  Status ForEachPrefix(LmdbDb db, std::string_view prefix,
                       const std::function<bool(std::string_view, std::string_view)>& fn);
  Status DeletePrefix(LmdbDb db, std::string_view prefix);
  // Deletes every key of the database.
  Status Clear(LmdbDb db);

  // Ends the txn; the object is then empty (Abort is a no-op).
  Status Commit();
  void Abort();

  MDB_txn* raw() const { return txn_; }
  const LmdbEnv& env() const { return *env_; }

 private:
  LmdbTxn(const LmdbEnv* env, MDB_txn* txn) : env_(env), txn_(txn) {}
  const LmdbEnv* env_;
  MDB_txn* txn_;
};

class LmdbCursor {
 public:
  static Result<LmdbCursor> Open(LmdbTxn& txn, LmdbDb db);
  LmdbCursor(LmdbCursor&& o) noexcept
      : cur_(o.cur_), key_(o.key_), value_(o.value_), valid_(o.valid_) {
    o.cur_ = nullptr;
  }
  LmdbCursor(const LmdbCursor&) = delete;
  LmdbCursor& operator=(const LmdbCursor&) = delete;
  LmdbCursor& operator=(LmdbCursor&&) = delete;
  ~LmdbCursor();

  // Positions at the first key >= key. Returns whether a key was found.
  Result<bool> Seek(std::string_view key);
  Result<bool> First();
  Result<bool> Next();
  // Deletes the current entry; Next() then moves to the entry that followed it.
  Status DeleteCurrent();
  bool valid() const { return valid_; }
  std::string_view key() const { return key_; }
  std::string_view value() const { return value_; }

 private:
  explicit LmdbCursor(MDB_cursor* cur) : cur_(cur) {}
  Result<bool> Move(MDB_cursor_op op, std::string_view seek = {});
  MDB_cursor* cur_;
  std::string_view key_;
  std::string_view value_;
  bool valid_ = false;
};

// Runs fn in a read txn that is always aborted afterwards.
Status LmdbRead(const LmdbEnv& env, const std::function<Status(LmdbTxn&)>& fn);
// Runs fn in a write txn committed when fn returns OK and aborted otherwise;
// `durable` also forces the commit to disk (for an env without
// sync_each_commit).
Status LmdbWrite(LmdbEnv& env, const std::function<Status(LmdbTxn&)>& fn, bool durable = false);

}  // namespace sos
