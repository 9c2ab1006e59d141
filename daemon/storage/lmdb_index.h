// LmdbEnv, Txn, Cursor: a thin, Status-returning layer over LMDB.
//
// Owns the LMDB environment of the index directory and its named databases
// (Table). Keys are compared as raw bytes (LMDB's default memcmp order, shorter
// first), which is exactly S3's UTF-8 byte order for listings.
//
// LMDB rules this layer enforces or relies on:
//  - One write transaction at a time: LMDB serialises them with its own mutex;
//    sosd funnels all writes through one committer thread at a time anyway
//    (commit_pipeline.h). A write txn must be committed/aborted by the thread
//    that began it.
//  - MDB_NOTLS: read txns are not tied to a thread, so a read txn may be begun
//    on one thread and ended on another. Read txns must stay short (a long one
//    pins old pages and makes the file grow); nobody holds one across blob I/O.
//  - Durability: with `durable` the default LMDB sync is kept, so Commit()
//    returns after the data and meta pages are on disk (2 fdatasyncs). Without
//    it MDB_NOSYNC|MDB_NOMETASYNC: a crash of the OS may lose recent commits
//    (a crash of the process does not).
//  - Views returned by Get/Cursor point into the map and are valid until the
//    txn ends or the next write in it.
//
// Thread-safety: LmdbEnv is thread-safe; a Txn or Cursor is used by one thread
// at a time.
#pragma once

#include <lmdb.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "s3core/lmdb_status.h"
#include "s3core/status.h"

namespace sos::storage {

enum class Table : int {
  kMeta = 0,     // engine state (next sequence number, counters, journal offsets)
  kAccounts,     // account id -> Account
  kKeys,         // access key id -> AccessKey
  kBuckets,      // bucket -> BucketRecord
  kObjects,      // bucket '\0' key -> ObjectRecord (without key); see ordered_table.h
  kObjectsLong,  // the same for index keys over LMDB's 511-byte key limit
  kUploads,      // upload id -> UploadRecord
  kUploadKeys,   // bucket '\0' key '\0' upload id -> "" (ListUploads, BucketNotEmpty)
  kUploadKeysLong,
  kParts,  // upload id '\0' big-endian part number -> PartRecord
  kRefs,   // blob id -> varint reference count (objects + parts)
  kNonces,  // single-use nonce -> Fixed64 expiry, ms since epoch (X-Sos-Once URLs)
  kCount,
};

class LmdbEnv {
 public:
  struct Options {
    std::string dir;
    uint64_t map_size = uint64_t{64} << 30;
    bool durable = true;
    unsigned max_readers = 1024;
  };
  static Result<std::unique_ptr<LmdbEnv>> Open(const Options& options);
  ~LmdbEnv();
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;

  MDB_env* env() const { return env_; }
  MDB_dbi dbi(Table t) const { return dbis_[static_cast<int>(t)]; }
  // Flushes buffers to disk (used after bulk loads when not durable per commit).
  Status Sync();

 private:
  LmdbEnv() = default;
  MDB_env* env_ = nullptr;
  std::array<MDB_dbi, static_cast<int>(Table::kCount)> dbis_{};
};

class Txn {
 public:
  static Result<Txn> BeginRead(const LmdbEnv& env);
  static Result<Txn> BeginWrite(const LmdbEnv& env);
  // A nested write txn: its changes vanish if it is aborted.
  Result<Txn> BeginChild();

  Txn(Txn&& o) noexcept : env_(o.env_), txn_(o.txn_) { o.txn_ = nullptr; }
  Txn& operator=(Txn&& o) noexcept;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn() { Abort(); }

  // Sets *value and returns true if present.
  Result<bool> Get(Table t, std::string_view key, std::string_view* value);
  Status Put(Table t, std::string_view key, std::string_view value);
  // Missing keys are fine.
  Status Del(Table t, std::string_view key);
  Result<uint64_t> Count(Table t);
  Status Commit();
  void Abort();

  MDB_txn* raw() const { return txn_; }
  const LmdbEnv& env() const { return *env_; }

 private:
  Txn(const LmdbEnv* env, MDB_txn* txn) : env_(env), txn_(txn) {}
  const LmdbEnv* env_;
  MDB_txn* txn_;
};

class Cursor {
 public:
  static Result<Cursor> Open(Txn& txn, Table t);
  Cursor(Cursor&& o) noexcept : cur_(o.cur_), key_(o.key_), value_(o.value_), valid_(o.valid_) {
    o.cur_ = nullptr;
  }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  Cursor& operator=(Cursor&&) = delete;
  ~Cursor();

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
  explicit Cursor(MDB_cursor* cur) : cur_(cur) {}
  Result<bool> Move(MDB_cursor_op op, std::string_view seek = {});
  MDB_cursor* cur_;
  std::string_view key_;
  std::string_view value_;
  bool valid_ = false;
};


}  // namespace sos::storage
