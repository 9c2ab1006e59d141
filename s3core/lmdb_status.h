// The one translation of LMDB return codes into Status, and MDB_val <->
// string_view, for sos's two LMDB users: sosfs's cache (cache/lmdb_env) and
// sosd's index (daemon/storage/lmdb_index), which link LMDB themselves.
//   MDB_SUCCESS -> OK; MDB_MAP_FULL, ENOSPC, EDQUOT -> kNoSpace;
//   MDB_TXN_FULL -> kTooLarge; MDB_CORRUPTED, MDB_PAGE_NOTFOUND,
//   MDB_VERSION_MISMATCH, MDB_INVALID -> kCorruption; anything else -> kIOError.
// The message is "lmdb WHAT: mdb_strerror(rc)". Pure functions; thread-safe.
#pragma once

#include <lmdb.h>

#include <cerrno>
#include <string>
#include <string_view>

#include "s3core/status.h"

namespace sos {

inline Status LmdbStatus(int rc, std::string_view what) {
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

inline MDB_val LmdbVal(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
inline std::string_view LmdbView(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

}  // namespace sos
