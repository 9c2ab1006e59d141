// faulty_fs: a passthrough FUSE file system over a directory that fails on
// command, standing in for a disk that returns I/O errors (the machines the
// tests run on have no device-mapper "error" target).
//
//   faulty_fs BACKING_DIR MOUNTPOINT FLAG_FILE
//
// While FLAG_FILE holds "read", every read() answers EIO; while it holds
// "all", every read, write, create, mkdir, rename, unlink and fsync does.
// Otherwise it passes everything through. Runs in the foreground,
// multi-threaded; unmount with fusermount3 -u. Tests only.
#define FUSE_USE_VERSION 312
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace {

std::string g_backing;
std::string g_flag;

std::string Real(const char* path) { return g_backing + path; }

enum class Fault { kNone, kReads, kAll };

Fault CurrentFault() {
  std::ifstream in(g_flag);
  std::string word;
  in >> word;
  if (word == "read") return Fault::kReads;
  if (word == "all") return Fault::kAll;
  return Fault::kNone;
}

bool FailWrites() { return CurrentFault() == Fault::kAll; }
bool FailReads() { return CurrentFault() != Fault::kNone; }

int Errno(int r) { return r < 0 ? -errno : r; }

int GetAttr(const char* path, struct stat* st, fuse_file_info*) {
  return Errno(::lstat(Real(path).c_str(), st));
}

int ReadDir(const char* path, void* buf, fuse_fill_dir_t fill, off_t, fuse_file_info*,
            fuse_readdir_flags) {
  DIR* d = ::opendir(Real(path).c_str());
  if (d == nullptr) return -errno;
  while (dirent* e = ::readdir(d)) {
    struct stat st {};
    st.st_ino = e->d_ino;
    st.st_mode = static_cast<mode_t>(e->d_type) << 12;
    if (fill(buf, e->d_name, &st, 0, static_cast<fuse_fill_dir_flags>(0)) != 0) break;
  }
  ::closedir(d);
  return 0;
}

int MkDir(const char* path, mode_t mode) {
  if (FailWrites()) return -EIO;
  return Errno(::mkdir(Real(path).c_str(), mode));
}
int Unlink(const char* path) {
  if (FailWrites()) return -EIO;
  return Errno(::unlink(Real(path).c_str()));
}
int RmDir(const char* path) {
  if (FailWrites()) return -EIO;
  return Errno(::rmdir(Real(path).c_str()));
}
int Rename(const char* from, const char* to, unsigned int flags) {
  if (FailWrites()) return -EIO;
  if (flags != 0) return -EINVAL;
  return Errno(::rename(Real(from).c_str(), Real(to).c_str()));
}
int ChMod(const char* path, mode_t mode, fuse_file_info*) {
  return Errno(::chmod(Real(path).c_str(), mode));
}
int Truncate(const char* path, off_t size, fuse_file_info* fi) {
  if (FailWrites()) return -EIO;
  return Errno(fi != nullptr ? ::ftruncate(static_cast<int>(fi->fh), size)
                             : ::truncate(Real(path).c_str(), size));
}
int Open(const char* path, fuse_file_info* fi) {
  int fd = ::open(Real(path).c_str(), fi->flags);
  if (fd < 0) return -errno;
  fi->fh = static_cast<uint64_t>(fd);
  return 0;
}
int Create(const char* path, mode_t mode, fuse_file_info* fi) {
  if (FailWrites()) return -EIO;
  int fd = ::open(Real(path).c_str(), fi->flags, mode);
  if (fd < 0) return -errno;
  fi->fh = static_cast<uint64_t>(fd);
  return 0;
}
int Read(const char*, char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  if (FailReads()) return -EIO;
  ssize_t n = ::pread(static_cast<int>(fi->fh), buf, size, offset);
  return n < 0 ? -errno : static_cast<int>(n);
}
int Write(const char*, const char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  if (FailWrites()) return -EIO;
  ssize_t n = ::pwrite(static_cast<int>(fi->fh), buf, size, offset);
  return n < 0 ? -errno : static_cast<int>(n);
}
int StatFs(const char* path, struct statvfs* st) {
  return Errno(::statvfs(Real(path).c_str(), st));
}
int Release(const char*, fuse_file_info* fi) {
  ::close(static_cast<int>(fi->fh));
  return 0;
}
int Fsync(const char*, int datasync, fuse_file_info* fi) {
  if (FailWrites()) return -EIO;
  const int fd = static_cast<int>(fi->fh);
  return Errno(datasync ? ::fdatasync(fd) : ::fsync(fd));
}
int FsyncDir(const char*, int, fuse_file_info*) { return FailWrites() ? -EIO : 0; }
int Utimens(const char* path, const timespec tv[2], fuse_file_info*) {
  return Errno(::utimensat(AT_FDCWD, Real(path).c_str(), tv, AT_SYMLINK_NOFOLLOW));
}

void* Init(fuse_conn_info*, fuse_config* cfg) {
  cfg->use_ino = 1;
  cfg->entry_timeout = cfg->attr_timeout = cfg->negative_timeout = 0;  // see faults at once
  cfg->direct_io = 1;  // every read reaches Read(), none is served by the page cache
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s BACKING_DIR MOUNTPOINT FLAG_FILE\n", argv[0]);
    return 2;
  }
  g_backing = argv[1];
  g_flag = argv[3];
  fuse_operations ops{};
  ops.getattr = GetAttr;
  ops.readdir = ReadDir;
  ops.mkdir = MkDir;
  ops.unlink = Unlink;
  ops.rmdir = RmDir;
  ops.rename = Rename;
  ops.chmod = ChMod;
  ops.truncate = Truncate;
  ops.open = Open;
  ops.create = Create;
  ops.read = Read;
  ops.write = Write;
  ops.statfs = StatFs;
  ops.release = Release;
  ops.fsync = Fsync;
  ops.fsyncdir = FsyncDir;
  ops.utimens = Utimens;
  ops.init = Init;
  char* fuse_argv[] = {argv[0], argv[2], const_cast<char*>("-f"), nullptr};
  return fuse_main(3, fuse_argv, &ops, nullptr);
}
