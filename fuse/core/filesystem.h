// Filesystem: a bucket (or a prefix of one) as a POSIX file system, in plain
// C++ with no libfuse types: the FUSE low-level adapter (fuse_adapter.h)
// translates each request into one call here, and tests call it directly.
//
// It owns the InodeTable (inode numbers and lookup counts), the RemoteTree
// (namespace on the ObjectStore through the metadata cache), the local Cache
// (LMDB + data files), the FileRegistry (files being worked on) and the
// Uploader and DeleteQueue (write-back). Creating names is synchronous on the
// remote (mkdir, symlink, mknod, the copies of a rename, and chmod/chown/
// utimens/xattrs of clean files by self-copy); deletes (unlink, rmdir, the
// old names of a rename) are journalled and sent in batches; file data is
// write-back: writes land in the local cache file and are uploaded after
// flush/release, fsync waits for the upload, and Shutdown() (unmount,
// SIGTERM) waits for all of them. Local state
// overlays remote state: a dirty file shows its local size and attributes.
//
// Errors are Status values; fs_errors.h details the POSIX-specific ones.
// Names longer than 255 bytes are refused (kNameTooLong).
//
// Thread-safety: every method may be called from any thread at once, except
// Init and Shutdown. rename_mu_ serialises renames (taken before any lock of
// the classes above; see FileState for theirs). handles_mu_ guards the handle
// tables and is a leaf lock.
//
// The implementation is split by area: filesystem.cc (life cycle, lookup,
// attributes, listing), filesystem_names.cc (mkdir, rmdir, unlink, rename,
// symlink), filesystem_data.cc (create, open, read, write, truncate, sync)
// and filesystem_xattr.cc (extended attributes, statfs).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cache/cache.h"
#include "fuse/core/file_registry.h"
#include "fuse/core/fs_options.h"
#include "fuse/core/inode_table.h"
#include "fuse/core/part_streamer.h"
#include "fuse/core/prefetcher.h"
#include "fuse/core/remote_tree.h"
#include "fuse/core/uploader.h"
#include "s3core/client/object_store.h"

namespace sos {

// A node as the kernel sees it.
struct Entry {
  uint64_t ino = 0;  // 0 in a negative lookup reply
  NodeAttr attr;
  double timeout = 0;  // seconds the kernel may cache it
};

struct DirEntry {
  std::string name;
  uint64_t ino = 0;
  NodeAttr attr;
};

// The user on whose behalf a node is created.
struct Caller {
  uint32_t uid = 0;
  uint32_t gid = 0;
};

struct SetAttrRequest {
  std::optional<uint32_t> mode;  // permission bits (type bits ignored)
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
  std::optional<uint64_t> size;
  std::optional<timespec> atime;  // "now" is resolved by the caller
  std::optional<timespec> mtime;
  std::optional<uint64_t> fh;  // set when called through an open file
};

struct FsStats {
  uint64_t block_size = 0;
  uint64_t blocks = 0;
  uint64_t blocks_free = 0;
  uint64_t files = 0;
  uint64_t files_free = 0;
  uint64_t name_max = 0;
};

inline constexpr unsigned kRenameNoReplace = 1;  // RENAME_NOREPLACE
inline constexpr unsigned kRenameExchange = 2;   // RENAME_EXCHANGE
inline constexpr size_t kNameMax = 255;
// The longest path below the mount: the cache keys its LMDB records by path,
// and LMDB keys are at most 511 bytes ("/" + path, with room to spare). S3
// keys (up to 1,024 bytes) would allow twice as much.
inline constexpr size_t kPathMax = 500;

class Filesystem {
 public:
  Filesystem(ObjectStore& store, FilesystemOptions options);
  ~Filesystem();
  Filesystem(const Filesystem&) = delete;
  Filesystem& operator=(const Filesystem&) = delete;

  // Opens the local cache (LMDB: call after daemonising), resumes the uploads
  // the journal lists, and starts the upload workers.
  Status Init();
  // Waits for every pending upload (bounded retries), then stops.
  void Shutdown();

  Result<Entry> Lookup(uint64_t parent, const std::string& name);
  void Forget(uint64_t ino, uint64_t nlookup);
  void AddLookup(uint64_t ino);  // a readdirplus entry the kernel took
  Result<Entry> GetAttr(uint64_t ino);
  Result<Entry> SetAttr(uint64_t ino, const SetAttrRequest& request);
  Result<std::string> ReadLink(uint64_t ino);

  Result<Entry> MkDir(uint64_t parent, const std::string& name, uint32_t mode,
                      const Caller& caller);
  Status RmDir(uint64_t parent, const std::string& name);
  Status Unlink(uint64_t parent, const std::string& name);
  Result<Entry> Symlink(const std::string& target, uint64_t parent, const std::string& name,
                        const Caller& caller);
  // FIFOs, sockets, devices (and plain files made by mknod), as s3fs stores them.
  Result<Entry> Mknod(uint64_t parent, const std::string& name, uint32_t mode, uint64_t rdev,
                      const Caller& caller);
  Status Rename(uint64_t parent, const std::string& name, uint64_t new_parent,
                const std::string& new_name, unsigned flags);
  Status Link(uint64_t ino, uint64_t new_parent, const std::string& new_name);

  // Opens (and, with O_CREAT semantics, creates) a regular file: returns its
  // entry and a handle for Read/Write/Flush/Fsync/Release.
  Result<std::pair<Entry, uint64_t>> Create(uint64_t parent, const std::string& name, uint32_t mode,
                                            int flags, const Caller& caller);
  Result<uint64_t> Open(uint64_t ino, int flags);
  Result<size_t> Read(uint64_t fh, uint64_t offset, size_t size, char* buf);
  Result<size_t> Write(uint64_t fh, uint64_t offset, const char* data, size_t size);
  Status Flush(uint64_t fh);
  Status Fsync(uint64_t fh);
  Status Release(uint64_t fh);

  // A directory handle holds a snapshot of the listing ("." and ".." first).
  Result<uint64_t> OpenDir(uint64_t ino);
  std::shared_ptr<const std::vector<DirEntry>> DirEntries(uint64_t fh);
  void ReleaseDir(uint64_t fh);

  Status SetXattr(uint64_t ino, const std::string& name, const std::string& value, int flags);
  Result<std::string> GetXattr(uint64_t ino, const std::string& name);
  // The mount's upload state as one JSON object: dirty_files, dirty_bytes
  // (waiting in the local cache), queued, retrying, uploading, uploaded,
  // failed, last_error, pending_deletes, deleted, delete_failures,
  // last_delete_error, cache_bytes, cache_limit (user.sos.status).
  Result<std::string> MountStatus();
  Result<std::vector<std::string>> ListXattr(uint64_t ino);
  Status RemoveXattr(uint64_t ino, const std::string& name);
  FsStats StatFs() const;

  const FilesystemOptions& options() const { return options_; }
  // Uploads and deletes not on the remote yet.
  size_t PendingChanges() const;

 private:
  // What a path is right now: local state first, then the remote.
  struct Node {
    std::string path;
    NodeAttr attr;
    RemoteEntry remote;               // valid when !file || file is clean
    std::shared_ptr<FileState> file;  // regular file with local state
  };
  struct DirHandle {
    uint64_t ino;
    std::shared_ptr<const std::vector<DirEntry>> entries;
    std::vector<uint64_t> pinned;
  };

  Result<std::string> PathOf(uint64_t ino) const;
  Result<std::string> ChildPath(uint64_t parent, const std::string& name);
  Result<Node> Resolve(const std::string& path);
  Result<Node> ResolveIno(uint64_t ino);
  Entry MakeEntry(const std::string& path, const NodeAttr& attr, uint64_t lookups);
  double Timeout() const;
  Status CheckWritable() const;
  NodeAttr NewAttr(uint32_t mode, const Caller& caller) const;
  Result<std::shared_ptr<FileState>> HandleFile(uint64_t fh);
  uint64_t NewHandle(uint64_t ino, std::shared_ptr<FileState> st);
  Result<std::shared_ptr<FileState>> OpenFile(const Node& node);
  // Changes attributes or xattrs: folded into a pending upload, else by self-copy.
  Result<NodeAttr> ChangeMeta(
      const Node& node,
      const std::function<void(NodeAttr*, std::map<std::string, std::string>*)>& change);
  Status RenameFile(const Node& src, const std::string& to);
  Status RenameDir(const Node& src, const std::string& to);
  // An upload found the object changed by someone else: the local version
  // moves to "NAME.conflict-TIME" and is uploaded there.
  // Returns whether it moved (false: it cannot, and stays dirty).
  bool KeepConflict(const std::shared_ptr<FileState>& st, const std::string& path);
  // A small file opened for reading: the next small files of its directory
  // (by name) are fetched ahead. And the job that fetches one.
  void ReadAheadSiblings(const std::string& path);
  void FetchSmallFile(const std::string& path);
  // Finishes the directory renames a crash interrupted (NamespaceJournal).
  void ResumeRenames();
  void QueueIfClosed(const std::shared_ptr<FileState>& st);
  // Backpressure: while unuploaded data fills the cache, a writer waits for
  // uploads (FilesystemOptions::backpressure_stall bounds it).
  void WaitForRoom();
  Status SetCannedAcl(uint64_t ino, const std::string& acl);  // user.sos.acl

  const FilesystemOptions options_;
  ObjectStore& store_;
  std::unique_ptr<Cache> cache_;
  std::unique_ptr<DeleteQueue> deletes_;
  std::unique_ptr<RemoteTree> remote_;
  std::unique_ptr<Prefetcher> listings_ahead_;     // subdirectories of an opened directory
  std::unique_ptr<Prefetcher> small_files_ahead_;  // the next small files of a directory read
  // Read-ahead GETs and parts sent while files are written; Shutdown waits
  // for them (they use ctx_).
  std::unique_ptr<BackgroundTasks> fetches_;
  std::unique_ptr<BackgroundTasks> parts_;
  std::unique_ptr<FileContext> ctx_;
  std::unique_ptr<PartStreamer> streamer_;
  std::unique_ptr<FileRegistry> registry_;
  std::unique_ptr<Uploader> uploader_;
  InodeTable inodes_;
  std::mutex rename_mu_;
  std::atomic<bool> shut_down_{false};
  // Uploads finished when a writer last gave up waiting for room (WaitForRoom).
  std::atomic<uint64_t> stalled_at_{UINT64_MAX};

  mutable std::mutex handles_mu_;
  // fh → (ino, file); guarded by handles_mu_
  std::map<uint64_t, std::pair<uint64_t, std::shared_ptr<FileState>>> files_by_fh_;
  std::map<uint64_t, DirHandle> dirs_by_fh_;  // guarded by handles_mu_
  uint64_t next_fh_ = 1;                      // guarded by handles_mu_
};

}  // namespace sos
