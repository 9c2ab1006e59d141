#include "daemon/storage/lmdb_index.h"

#include "daemon/storage/fs_util.h"

namespace sos::storage {

Result<std::unique_ptr<LmdbEnv>> OpenIndex(const std::string& dir, uint64_t map_size,
                                           bool durable) {
  SOS_RETURN_IF_ERROR(MakeDirs(dir));
  LmdbEnv::Options options;
  options.dir = dir;
  options.dbs = {"meta",         "accounts", "keys",        "buckets",          "objects",
                 "objects_long", "uploads",  "upload_keys", "upload_keys_long", "parts",
                 "refs",         "nonces",   "verified",    "versions",         "versions_long"};
  static_assert(static_cast<int>(Table::kCount) == 15, "one name per table");
  options.map_size = map_size;
  options.max_readers = 1024;
  options.sync_each_commit = durable;
  options.no_readahead = true;
  return LmdbEnv::Open(options);
}

}  // namespace sos::storage
