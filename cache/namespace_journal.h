// NamespaceJournal: changes to the remote namespace that sosfs has
// acknowledged but not yet made on the remote, durable across a crash.
//
// "deletes" lists object keys to delete, in the order they were journalled
// (a sequence number is the LMDB key); the DeleteQueue sends them in batches
// and forgets each once the remote has deleted it. "renames" lists directory
// renames that were under way: a crash in the middle of one is finished at
// the next mount.
//
// A journalled delete reaches the OS at once (it survives a crash or kill
// of sosfs) and the disk at the next Sync(), which the DeleteQueue makes
// before each batch it sends: like a local file system's journal commit, a
// crash of the machine may forget the unlinks of the last moment (an fsync
// per unlink would cost `rm -r` a disk flush per file). Renames and the
// removal of sent deletes are forced to disk before they return.
//
// Thread-safety: thread-safe (each call is one LMDB transaction).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cache/cache_db.h"

namespace sos {

class NamespaceJournal {
 public:
  // Uses the kDeletes and kRenames databases of env (which must outlive this).
  explicit NamespaceJournal(LmdbEnv& env) : env_(env) {}

  // Journals deletes of keys, numbered from the next sequence number on;
  // returns the first number given.
  Result<uint64_t> AddDeletes(const std::vector<std::string>& keys);
  Status RemoveDeletes(const std::vector<uint64_t>& seqs);
  // Forces what was journalled to disk.
  Status Sync() { return env_.Sync(); }
  // Every journalled delete, in sequence order.
  Result<std::vector<std::pair<uint64_t, std::string>>> Deletes();

  Status AddRename(const std::string& from, const std::string& to);
  Status RemoveRename(const std::string& from);
  Result<std::vector<std::pair<std::string, std::string>>> Renames();
  // Deletes and renames not yet on the remote.
  Result<uint64_t> Unsent();

 private:
  LmdbEnv& env_;
};

}  // namespace sos
