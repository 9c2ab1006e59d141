#include "cache/cache_db.h"

#include <sys/stat.h>

#include <cerrno>

namespace sos {

Result<std::unique_ptr<LmdbEnv>> OpenCacheDb(const std::string& dir, uint64_t map_size) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return StatusFromErrno(errno, "cannot create " + dir);
  }
  LmdbEnv::Options options;
  options.dir = dir;
  options.dbs = {"attrs", "dirs", "files", "journal", "meta", "blocks", "deletes", "renames"};
  options.map_size = map_size;
  return LmdbEnv::Open(options);
}

}  // namespace sos
