#include "fuse/fuse_adapter.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "fuse/core/fs_errors.h"

namespace sos {
namespace {

constexpr size_t kMaxWrite = size_t{1} << 20;

Filesystem& Fs(fuse_req_t req) { return *static_cast<Filesystem*>(fuse_req_userdata(req)); }

struct stat StatOf(uint64_t ino, const NodeAttr& a) {
  struct stat st;
  std::memset(&st, 0, sizeof st);
  st.st_ino = ino;
  st.st_mode = a.mode;
  st.st_nlink = a.IsDir() ? 2 : 1;
  st.st_uid = a.uid;
  st.st_gid = a.gid;
  st.st_size = static_cast<off_t>(a.size);
  st.st_rdev = static_cast<dev_t>(a.rdev);
  st.st_blksize = static_cast<blksize_t>(kMaxWrite);
  st.st_blocks = static_cast<blkcnt_t>((a.size + 511) / 512);
  st.st_atim = a.atime;
  st.st_mtim = a.mtime;
  st.st_ctim = a.ctime;
  return st;
}

fuse_entry_param EntryParam(const Entry& e) {
  fuse_entry_param p;
  std::memset(&p, 0, sizeof p);
  p.ino = e.ino;
  p.generation = 1;
  p.attr = StatOf(e.ino, e.attr);
  p.attr_timeout = e.timeout;
  p.entry_timeout = e.timeout;
  return p;
}

void ReplyStatus(fuse_req_t req, const Status& s) { fuse_reply_err(req, ErrnoFor(s)); }

void ReplyEntry(fuse_req_t req, const Result<Entry>& e) {
  if (!e.ok()) return ReplyStatus(req, e.status());
  fuse_entry_param p = EntryParam(*e);
  fuse_reply_entry(req, &p);
}

Caller CallerOf(fuse_req_t req) {
  const fuse_ctx* ctx = fuse_req_ctx(req);
  return Caller{static_cast<uint32_t>(ctx->uid), static_cast<uint32_t>(ctx->gid)};
}

// ---- callbacks --------------------------------------------------------------

void Init(void*, fuse_conn_info* conn) {
  conn->max_write = kMaxWrite;
  if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC) conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
  if (conn->capable & FUSE_CAP_CACHE_SYMLINKS) conn->want |= FUSE_CAP_CACHE_SYMLINKS;
  if (conn->capable & FUSE_CAP_READDIRPLUS) conn->want |= FUSE_CAP_READDIRPLUS;
  // readdirplus for every batch, not only the first: `ls -l` of a large
  // directory then needs no LOOKUP per entry (the attributes are at hand).
  conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;  // sizes and mtimes are ours
}

void Lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Filesystem& fs = Fs(req);
  auto e = fs.Lookup(parent, name);
  if (!e.ok() && e.status().code() == StatusCode::kNotFound) {
    // A negative entry the kernel may cache.
    fuse_entry_param p;
    std::memset(&p, 0, sizeof p);
    p.entry_timeout = fs.options().stat_ttl.count() / 1000.0;
    fuse_reply_entry(req, &p);
    return;
  }
  ReplyEntry(req, e);
}

void Forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  Fs(req).Forget(ino, nlookup);
  fuse_reply_none(req);
}

void ForgetMulti(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  for (size_t i = 0; i < count; ++i) Fs(req).Forget(forgets[i].ino, forgets[i].nlookup);
  fuse_reply_none(req);
}

void GetAttr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  auto e = Fs(req).GetAttr(ino);
  if (!e.ok()) return ReplyStatus(req, e.status());
  struct stat st = StatOf(ino, e->attr);
  fuse_reply_attr(req, &st, e->timeout);
}

void SetAttr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi) {
  SetAttrRequest r;
  if (to_set & FUSE_SET_ATTR_MODE) r.mode = attr->st_mode;
  if (to_set & FUSE_SET_ATTR_UID) r.uid = attr->st_uid;
  if (to_set & FUSE_SET_ATTR_GID) r.gid = attr->st_gid;
  if (to_set & FUSE_SET_ATTR_SIZE) r.size = static_cast<uint64_t>(attr->st_size);
  if (to_set & FUSE_SET_ATTR_ATIME_NOW) {
    r.atime = NowTimespec();
  } else if (to_set & FUSE_SET_ATTR_ATIME) {
    r.atime = attr->st_atim;
  }
  if (to_set & FUSE_SET_ATTR_MTIME_NOW) {
    r.mtime = NowTimespec();
  } else if (to_set & FUSE_SET_ATTR_MTIME) {
    r.mtime = attr->st_mtim;
  }
  if (fi != nullptr) r.fh = fi->fh;
  auto e = Fs(req).SetAttr(ino, r);
  if (!e.ok()) return ReplyStatus(req, e.status());
  struct stat st = StatOf(ino, e->attr);
  fuse_reply_attr(req, &st, e->timeout);
}

void ReadLink(fuse_req_t req, fuse_ino_t ino) {
  auto target = Fs(req).ReadLink(ino);
  if (!target.ok()) return ReplyStatus(req, target.status());
  fuse_reply_readlink(req, target->c_str());
}

void MkDir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  ReplyEntry(req, Fs(req).MkDir(parent, name, mode, CallerOf(req)));
}

void Unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  ReplyStatus(req, Fs(req).Unlink(parent, name));
}

void RmDir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  ReplyStatus(req, Fs(req).RmDir(parent, name));
}

void Symlink(fuse_req_t req, const char* link, fuse_ino_t parent, const char* name) {
  ReplyEntry(req, Fs(req).Symlink(link, parent, name, CallerOf(req)));
}

void Mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev) {
  ReplyEntry(req, Fs(req).Mknod(parent, name, mode, rdev, CallerOf(req)));
}

void Rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
            const char* newname, unsigned int flags) {
  unsigned f = 0;
  if (flags & RENAME_NOREPLACE) f |= kRenameNoReplace;
  if (flags & RENAME_EXCHANGE) f |= kRenameExchange;
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) f |= 0x100;  // unknown: refused
  ReplyStatus(req, Fs(req).Rename(parent, name, newparent, newname, f));
}

void Link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char* newname) {
  ReplyStatus(req, Fs(req).Link(ino, newparent, newname));
}

void Open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  auto fh = Fs(req).Open(ino, fi->flags);
  if (!fh.ok()) return ReplyStatus(req, fh.status());
  fi->fh = *fh;
  fi->keep_cache = 0;
  fuse_reply_open(req, fi);
}

void Create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi) {
  auto created = Fs(req).Create(parent, name, mode, fi->flags, CallerOf(req));
  if (!created.ok()) return ReplyStatus(req, created.status());
  fi->fh = created->second;
  fuse_entry_param p = EntryParam(created->first);
  fuse_reply_create(req, &p, fi);
}

void Read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  // One buffer per FUSE thread: a fresh 1 MiB vector per read was an mmap,
  // its page faults and a memset, a measurable share of a big read.
  thread_local std::vector<char> buf;
  if (buf.size() < size) buf.resize(size);
  auto n = Fs(req).Read(fi->fh, static_cast<uint64_t>(off), size, buf.data());
  if (!n.ok()) return ReplyStatus(req, n.status());
  fuse_reply_buf(req, buf.data(), *n);
}

void Write(fuse_req_t req, fuse_ino_t, const char* data, size_t size, off_t off,
           fuse_file_info* fi) {
  auto n = Fs(req).Write(fi->fh, static_cast<uint64_t>(off), data, size);
  if (!n.ok()) return ReplyStatus(req, n.status());
  fuse_reply_write(req, *n);
}

void Flush(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  ReplyStatus(req, Fs(req).Flush(fi->fh));
}

void Release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  ReplyStatus(req, Fs(req).Release(fi->fh));
}

void Fsync(fuse_req_t req, fuse_ino_t, int, fuse_file_info* fi) {
  ReplyStatus(req, Fs(req).Fsync(fi->fh));
}

void OpenDir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  auto fh = Fs(req).OpenDir(ino);
  if (!fh.ok()) return ReplyStatus(req, fh.status());
  fi->fh = *fh;
  fuse_reply_open(req, fi);
}

void ReadDirCommon(fuse_req_t req, size_t size, off_t off, fuse_file_info* fi, bool plus) {
  Filesystem& fs = Fs(req);
  auto entries = fs.DirEntries(fi->fh);
  if (!entries) return fuse_reply_err(req, EBADF), void();
  std::vector<char> buf(size);
  size_t used = 0;
  for (size_t i = static_cast<size_t>(off); i < entries->size(); ++i) {
    const DirEntry& d = (*entries)[i];
    const bool dot = d.name == "." || d.name == "..";
    size_t n;
    if (plus) {
      Entry e{d.ino, d.attr, fs.options().stat_ttl.count() / 1000.0};
      fuse_entry_param p = EntryParam(e);
      if (dot) {  // no lookup count for these: attributes only
        p.ino = 0;
        p.attr_timeout = p.entry_timeout = 0;
      }
      n = fuse_add_direntry_plus(req, buf.data() + used, size - used, d.name.c_str(), &p,
                                 static_cast<off_t>(i + 1));
      if (n > size - used) break;
      if (!dot) fs.AddLookup(d.ino);
    } else {
      struct stat st = StatOf(d.ino, d.attr);
      n = fuse_add_direntry(req, buf.data() + used, size - used, d.name.c_str(), &st,
                            static_cast<off_t>(i + 1));
      if (n > size - used) break;
    }
    used += n;
  }
  fuse_reply_buf(req, buf.data(), used);
}

void ReadDir(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  ReadDirCommon(req, size, off, fi, false);
}

void ReadDirPlus(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  ReadDirCommon(req, size, off, fi, true);
}

void ReleaseDir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  Fs(req).ReleaseDir(fi->fh);
  fuse_reply_err(req, 0);
}

void FsyncDir(fuse_req_t req, fuse_ino_t, int, fuse_file_info*) { fuse_reply_err(req, 0); }

void StatFs(fuse_req_t req, fuse_ino_t) {
  FsStats s = Fs(req).StatFs();
  struct statvfs v;
  std::memset(&v, 0, sizeof v);
  v.f_bsize = s.block_size;
  v.f_frsize = s.block_size;
  v.f_blocks = s.blocks;
  v.f_bfree = s.blocks_free;
  v.f_bavail = s.blocks_free;
  v.f_files = s.files;
  v.f_ffree = s.files_free;
  v.f_favail = s.files_free;
  v.f_namemax = s.name_max;
  fuse_reply_statfs(req, &v);
}

void SetXattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value, size_t size,
              int flags) {
  ReplyStatus(req, Fs(req).SetXattr(ino, name, std::string(value, size), flags));
}

void ReplyXattr(fuse_req_t req, const std::string& data, size_t size) {
  if (size == 0) {
    fuse_reply_xattr(req, data.size());
  } else if (size < data.size()) {
    fuse_reply_err(req, ERANGE);
  } else {
    fuse_reply_buf(req, data.data(), data.size());
  }
}

void GetXattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
  auto value = Fs(req).GetXattr(ino, name);
  if (!value.ok()) return ReplyStatus(req, value.status());
  ReplyXattr(req, *value, size);
}

void ListXattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  auto names = Fs(req).ListXattr(ino);
  if (!names.ok()) return ReplyStatus(req, names.status());
  std::string joined;
  for (const auto& n : *names) joined.append(n).push_back('\0');
  ReplyXattr(req, joined, size);
}

void RemoveXattr(fuse_req_t req, fuse_ino_t ino, const char* name) {
  ReplyStatus(req, Fs(req).RemoveXattr(ino, name));
}

fuse_lowlevel_ops MakeOps() {
  fuse_lowlevel_ops ops;
  std::memset(&ops, 0, sizeof ops);
  ops.init = Init;
  ops.lookup = Lookup;
  ops.forget = Forget;
  ops.forget_multi = ForgetMulti;
  ops.getattr = GetAttr;
  ops.setattr = SetAttr;
  ops.readlink = ReadLink;
  ops.mkdir = MkDir;
  ops.unlink = Unlink;
  ops.rmdir = RmDir;
  ops.symlink = Symlink;
  ops.mknod = Mknod;
  ops.rename = Rename;
  ops.link = Link;
  ops.open = Open;
  ops.create = Create;
  ops.read = Read;
  ops.write = Write;
  ops.flush = Flush;
  ops.release = Release;
  ops.fsync = Fsync;
  ops.opendir = OpenDir;
  ops.readdir = ReadDir;
  ops.readdirplus = ReadDirPlus;
  ops.releasedir = ReleaseDir;
  ops.fsyncdir = FsyncDir;
  ops.statfs = StatFs;
  ops.setxattr = SetXattr;
  ops.getxattr = GetXattr;
  ops.listxattr = ListXattr;
  ops.removexattr = RemoveXattr;
  return ops;
}

}  // namespace

const fuse_lowlevel_ops& FuseOperations() {
  static const fuse_lowlevel_ops ops = MakeOps();
  return ops;
}

int ErrnoFor(const Status& s) {
  if (s.ok()) return 0;
  switch (s.code()) {
    case StatusCode::kOk:
      return 0;
    case StatusCode::kNotFound:
      return ENOENT;
    case StatusCode::kAlreadyExists:
      return EEXIST;
    case StatusCode::kPermissionDenied:
    case StatusCode::kUnauthenticated:
      return EACCES;
    case StatusCode::kInvalidArgument:
    case StatusCode::kRangeNotSatisfiable:
      return EINVAL;
    case StatusCode::kNotEmpty:
      return ENOTEMPTY;
    case StatusCode::kNotSupported:
      return EOPNOTSUPP;
    case StatusCode::kNoSpace:
      return ENOSPC;
    case StatusCode::kTooLarge:
      return EFBIG;
    case StatusCode::kCancelled:
      return EINTR;
    case StatusCode::kNotADirectory:
      return ENOTDIR;
    case StatusCode::kIsADirectory:
      return EISDIR;
    case StatusCode::kNameTooLong:
      return ENAMETOOLONG;
    case StatusCode::kNoAttribute:
      return ENODATA;
    case StatusCode::kReadOnly:
      return EROFS;
    case StatusCode::kNotPermitted:
      return EPERM;
    case StatusCode::kOutOfRange:
      return ERANGE;
    case StatusCode::kStale:
      return ESTALE;
    case StatusCode::kUsage:
      return EINVAL;
    case StatusCode::kTimeout:
    case StatusCode::kPreconditionFailed:
    case StatusCode::kNotModified:
    case StatusCode::kUnavailable:
    case StatusCode::kIOError:
    case StatusCode::kCorruption:
    case StatusCode::kInternal:
      return EIO;
  }
  return EIO;
}

}  // namespace sos
