#include "cache/data_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace sos {

Status DataFiles::Init() {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return Status::IOError("cannot create " + dir_ + ": " + ec.message());
  return Status::Ok();
}

std::string DataFiles::PathFor(uint64_t file_id) const {
  char name[40];
  std::snprintf(name, sizeof name, "/%02x/%016llx", static_cast<unsigned>(file_id & 0xff),
                static_cast<unsigned long long>(file_id));
  return dir_ + name;
}

Result<int> DataFiles::Open(uint64_t file_id, bool create) {
  std::string path = PathFor(file_id);
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
  if (fd < 0 && errno == ENOENT && create) {
    // The fan-out subdirectory is made on first use.
    std::string sub = path.substr(0, path.rfind('/'));
    if (::mkdir(sub.c_str(), 0700) == 0 || errno == EEXIST) {
      fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_CREAT, 0600);
    }
  }
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("no cache file " + path);
    if (errno == ENOSPC) return Status::NoSpace("cache full: " + path);
    return StatusFromErrno(errno, "cannot open " + path);
  }
  return fd;
}

void DataFiles::Remove(uint64_t file_id) { ::unlink(PathFor(file_id).c_str()); }

uint64_t DataFiles::DiskUsage(uint64_t file_id) const {
  struct stat st;
  if (::stat(PathFor(file_id).c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_blocks) * 512;
}

void DataFiles::RemoveAll() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  (void)Init();
}

}  // namespace sos
