// RemoteTree: the bucket seen as a tree of paths, through the metadata cache.
//
// Maps paths (relative to the mount, "" = root) to keys (prefix + path for a
// file or symlink, prefix + path + "/" for a directory marker) and performs
// the namespace operations on the ObjectStore: stat a path (file object,
// "dir/" marker, or implicit directory = a prefix with objects below it),
// list a directory (ListObjectsV2 with delimiter "/", then HEADs of the
// entries in parallel unless the listing already carried user metadata),
// create markers and symlinks, rewrite metadata by self-copy, copy, delete
// (through the DeleteQueue) and rename whole directories. Every mutation keeps the MetadataCache right
// (entry stored or negative, parent listing dropped). It knows nothing about
// local dirty state; the Filesystem overlays that.
//
// Cache coherence: a lookup or listing stores what it learned only if no
// mutation happened since it began (epoch_), so an answer fetched before a
// change can never overwrite the change in the cache.
//
// Thread-safety: thread-safe. epoch_mu_ guards epoch_ and makes "check the
// epoch, write the cache" and "bump the epoch, update the cache" atomic; it is
// held only around short LMDB calls (never across network I/O).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cache/metadata_cache.h"
#include "fuse/core/delete_queue.h"
#include "fuse/core/fs_options.h"
#include "s3core/client/object_store.h"

namespace sos {

class RemoteTree {
 public:
  RemoteTree(ObjectStore& store, const FilesystemOptions& options, MetadataCache& cache,
             DeleteQueue& deletes)
      : store_(store), options_(options), cache_(cache), deletes_(deletes) {}

  std::string Key(const std::string& path) const { return options_.prefix + path; }
  std::string DirKey(const std::string& path) const {
    return path.empty() ? options_.prefix : options_.prefix + path + "/";
  }

  // The entry at path; kNotFound if there is nothing.
  Result<RemoteEntry> Stat(const std::string& path);
  // The children of a directory with their entries, in name order.
  Result<std::vector<std::pair<std::string, RemoteEntry>>> List(const std::string& dir);
  // Told the subdirectories a listing fetched from the remote found, before
  // their entries are HEADed (so that their own listings can start at once).
  // Set once, before use.
  void OnSubdirectories(std::function<void(const std::vector<std::string>& paths)> listener) {
    on_subdirs_ = std::move(listener);
  }
  // Whether any object lives below dir/ other than its marker.
  Result<bool> HasChildren(const std::string& dir);

  Result<RemoteEntry> PutMarker(const std::string& dir,
                                const std::map<std::string, std::string>& user_meta);
  // A small object written at once: a symlink (the body is its target), or a
  // FIFO, socket, device or mknod'ed file (empty body; the type is in the mode).
  Result<RemoteEntry> PutSpecial(const std::string& path, const std::string& body,
                                 const std::map<std::string, std::string>& user_meta);
  Result<std::string> ReadSymlink(const std::string& path);
  // Replaces the user metadata (self-copy with REPLACE; for a directory
  // without a marker, creates the marker).
  Result<RemoteEntry> ReplaceMeta(const std::string& path, const RemoteEntry& current,
                                  const std::map<std::string, std::string>& user_meta);
  // Server-side copy of a file object, metadata included; returns the new
  // ETag. `source` (optional) describes the object, to cache the copy's entry;
  // `if_match` (optional) refuses (kPreconditionFailed) another version. With
  // `replace_meta`, the copy gets source's metadata and Content-Type instead
  // of the object's (a rename moving ctime).
  Result<std::string> CopyFile(const std::string& from, const std::string& to,
                               const RemoteEntry* source, const std::string& if_match = "",
                               bool replace_meta = false);
  // Deletes are write-back (DeleteQueue): journalled, hidden at once, sent
  // in the background. A directory's delete is its marker key's, whether or
  // not it has a marker: it hides the directory until its children are gone.
  Status DeleteFile(const std::string& path);
  Status DeleteDir(const std::string& dir);
  // Copies every object below from/ (marker included) to to/ in parallel,
  // then journals the deletes of the originals. Stops before deleting
  // anything if a copy fails; running it again finishes it.
  Status RenameDir(const std::string& from, const std::string& to);
  // Before writing path's object: its pending delete, if any, goes first.
  Status SettleDeletes(const std::string& path) { return deletes_.Settle(Key(path), false); }
  // Called with the keys of each delete the remote has made.
  void NoteDeleted(const std::vector<std::string>& keys);

  // Cache upkeep for changes made elsewhere (uploads, local creates).
  void NoteEntry(const std::string& path, const RemoteEntry& entry);
  void NoteChanged(const std::string& path);     // drops path's entry and its parent's listing
  void NoteLocalOnly(const std::string& path);   // a file created or removed only locally
  void NoteNewEmptyDir(const std::string& dir);  // mkdir: its listing is known (empty)
  void ForgetTree(const std::string& path);      // drops path and everything below it
  MetadataCache& cache() { return cache_; }
  ObjectStore& store() { return store_; }

 private:
  // One object written at once: a directory marker, or a small file (body).
  Result<RemoteEntry> PutWhole(const std::string& path, bool is_dir, std::string_view body,
                               const std::map<std::string, std::string>& user_meta);
  Result<RemoteEntry> StatRemote(const std::string& path);
  // Whether a delete of the entry at path is pending (hidden until sent).
  bool DeletePending(const std::string& path, const RemoteEntry& entry) const;
  // HEADs of entries that need them, in parallel; drops files that vanished.
  Status FillEntries(const std::string& dir,
                     std::vector<std::pair<std::string, RemoteEntry>>* entries,
                     const std::vector<bool>& need_head);
  Result<std::vector<ObjectMeta>> ListAll(const std::string& key_prefix);

  uint64_t Epoch();
  // Runs fn (cache updates of a mutation) after bumping the epoch.
  void Mutated(const std::function<void()>& fn);
  // Runs fn (cache stores of a read) unless a mutation happened since `epoch`.
  void StoreIfCurrent(uint64_t epoch, const std::function<void()>& fn);

  ObjectStore& store_;
  const FilesystemOptions& options_;
  MetadataCache& cache_;
  DeleteQueue& deletes_;
  std::mutex epoch_mu_;
  uint64_t epoch_ = 0;                         // guarded by epoch_mu_
  std::atomic<bool> server_user_meta_{false};  // the listing carries user metadata
  std::function<void(const std::vector<std::string>&)> on_subdirs_;
};

RemoteEntry EntryFromMeta(const ObjectMeta& meta, bool is_dir);

}  // namespace sos
