// FileState: the local copy of one regular file that sosfs is working on.
//
// Owns the file's sparse cache file (cache/DataFiles) and knows which of its
// blocks hold valid bytes: block b is valid when it was fetched from the base
// version (the remote object `etag`, whose first `base_size` bytes back the
// file) or written locally; blocks past base_size are valid by definition
// (zeros or local writes). Reads fetch only the missing blocks they touch,
// with ranged GETs pinned to the base version (If-Match). Sequential reads
// also fetch ahead in the background (FileContext::fetches): a window that
// doubles each time it is extended (up to max_readahead_blocks), extended
// while the reader is still half a window away from its end, so that GETs
// are always in flight ahead of a steady reader; a read waits only for its
// own blocks. Writes fetch a block first only when they cover part of a
// block the base still backs. Every change bumps gen(); the
// Uploader snapshots a gen, uploads, and the file is clean again only if no
// change came in meanwhile. The FileRecord (cache/FileIndex) and the block
// flags (cache/BlockIndex) mirror this state in LMDB, so a dirty file
// survives a crash of sosfs (Recover).
//
// Thread-safety: thread-safe. Locks, in the order they may be taken:
//   io_mu_      held by an upload for its whole length, and by rename/unlink
//               to wait for one (never while holding any other lock below);
//   data_mu_    held by Read/Write/Truncate/FetchAll/Refresh, across the
//               network fetches of missing blocks; all but Read first wait
//               for the background fetches (which take only mu_), and only
//               Read starts them, so none runs beside a change of the bytes;
//   stream_mu_  held by the part sender that creates the streamed upload,
//               across that request (never with io_mu_ or data_mu_);
//   persist_mu_ orders the LMDB writes of the record;
//   mu_         the small state (size, attributes, flags), held briefly and
//               never across I/O.
// The FileRegistry's lock may be taken before persist_mu_/mu_, never after.
//
// The implementation is split: file_state.cc (life cycle, attributes,
// uploads), file_state_data.cc (fetches, read, write, truncate) and
// file_state_stream.cc (parts sent while the file is written).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cache/cache.h"
#include "fuse/core/fs_options.h"
#include "fuse/core/remote_tree.h"
#include "fuse/core/s3fs_meta.h"
#include "s3core/client/object_store.h"
#include "s3core/client/parallel.h"

namespace sos {

// What every FileState works with; outlives them all.
// An ETag as the version an upload may replace: unknown (no condition) when
// the server gave none, never "nothing there".
inline std::optional<std::string> KnownVersion(const std::string& etag) {
  return etag.empty() ? std::nullopt : std::optional<std::string>(etag);
}

struct FileContext {
  ObjectStore& store;
  Cache& cache;
  RemoteTree& remote;
  const FilesystemOptions& options;
  BackgroundTasks& fetches;  // read-ahead GETs
};

class FileState : public std::enable_shared_from_this<FileState> {
 public:
  enum class Phase { kClean, kDirty, kUploading };

  // What one upload sends: the state at generation `gen`.
  struct Snapshot {
    std::string path;
    uint64_t gen = 0;
    uint64_t size = 0;
    std::string content_type;
    std::map<std::string, std::string> user_meta;
    std::optional<std::string> expected;  // see expected_
  };

  // A new empty file that exists only locally (dirty until uploaded).
  static Result<std::shared_ptr<FileState>> CreateNew(FileContext& ctx, const std::string& path,
                                                      const NodeAttr& attr);
  // An existing remote file; reuses cached bytes of the same version.
  static Result<std::shared_ptr<FileState>> Load(FileContext& ctx, const std::string& path,
                                                 const RemoteEntry& remote);
  // A dirty file of the journal, after a restart.
  static Result<std::shared_ptr<FileState>> Recover(FileContext& ctx, const std::string& path,
                                                    const FileRecord& record);
  ~FileState();
  FileState(const FileState&) = delete;
  FileState& operator=(const FileState&) = delete;

  // ---- data (data_mu_)
  Result<size_t> Read(uint64_t offset, size_t size, char* buf);
  Result<size_t> Write(uint64_t offset, const char* data, size_t size);
  Status Truncate(uint64_t size);
  // Fetches every block still missing (before an upload).
  Status FetchAll();
  // Fetches the blocks of [offset, end) still missing (a part of an upload).
  Status FetchBytes(uint64_t offset, uint64_t end);
  // The base object, when none of the bytes [offset, end) was fetched or
  // changed: the bytes still equal the base version's at the same offsets,
  // so an upload may copy them server-side instead of fetching them.
  struct BaseRef {
    std::string key;
    std::string etag;
  };
  std::optional<BaseRef> UntouchedBase(uint64_t offset, uint64_t end) const;
  // A clean file whose remote version changed drops its cached bytes.
  Status Refresh(const RemoteEntry& remote);

  // ---- attributes (mu_)
  NodeAttr Attr() const;
  std::map<std::string, std::string> Xattrs() const;
  std::string etag() const;
  // The file as a remote entry (what a clean file's object holds).
  RemoteEntry AsRemoteEntry() const;
  // Whether an object exists at the current path (the base version).
  bool HasRemote() const;
  // Whether every byte is in the local file.
  bool AllLocal() const;
  std::string path() const;
  Phase phase() const;
  bool dirty() const;
  uint64_t gen() const;
  // Changes attributes or xattrs of the file; they go up with the next upload.
  Status Update(const std::function<void(NodeAttr*, std::map<std::string, std::string>*)>& change);
  // The remote object got new metadata (self-copy): same bytes, new etag.
  void ApplyRemote(const RemoteEntry& remote);
  // The base version now lives at the current path under `etag` (rename copied it).
  Status Rebase(const std::string& etag);
  // There is no object at the current path any more; requires AllLocal().
  Status DropBase();

  // ---- life cycle (the FileRegistry and the Filesystem)
  // A rename: what the new name holds on the remote is not known.
  void SetPath(const std::string& path);
  // Nothing is at the file's path on the remote (a fresh conflict name).
  void ExpectNothing();
  // The next upload goes without a condition (the server refused one that held).
  void ExpectAnything();
  // Whether the file was made where the remote had nothing (its next upload
  // is If-None-Match: *): deleting it locally needs no remote delete.
  bool ExpectsNothingRemote() const;
  void MarkDeleted();
  bool deleted() const;
  void Opened();
  int Closed();  // returns the remaining open count
  // The last handle closed: read-ahead not started yet is dropped, and the
  // GETs running are waited for.
  void StopReadAhead();
  // Whether read-ahead GETs are queued or running (the file is in use).
  bool fetching() const;
  int open_count() const;
  // Writes the record to LMDB (forced to disk when durable).
  Status Persist(bool durable = false);
  // Holds the record still: no Persist writes it until the lock goes. A
  // rename moves the record and the path under it; a Persist that read the
  // old path beside it would write the record back there (a ghost upload).
  std::unique_lock<std::mutex> HoldRecord() { return std::unique_lock(persist_mu_); }
  // Persist, under HoldRecord's lock.
  Status PersistHeld(bool durable = false);
  uint64_t file_id() const { return file_id_; }

  // ---- uploads (the Uploader)
  std::mutex& io_mu() { return io_mu_; }
  int fd() const { return fd_; }
  Snapshot BeginUpload();
  Status SetUploadId(const std::string& upload_id);
  // The entry of the object uploading `snap` creates.
  static RemoteEntry EntryFor(const Snapshot& snap, const std::string& etag);
  // Records the outcome of uploading `snap`; on success the file is clean
  // unless it changed meanwhile.
  void FinishUpload(const Snapshot& snap, const Status& status, const std::string& etag);
  // A whole upload round for generation `gen` failed.
  void MarkFailed(uint64_t gen);
  uint64_t uploaded_gen() const;
  uint64_t failed_gen() const;
  Status last_error() const;

  // ---- parts sent while the file is written (PartStreamer, Uploader)
  // A new file (no remote bytes behind it) written past multipart_threshold
  // has its complete parts sent as soon as the writer is past them (or the
  // file is closed), into a multipart upload that its upload round then
  // completes. A part written again after it was sent is sent again.
  struct StreamedUpload {
    std::string key;
    std::string upload_id;
    uint64_t part_size = 0;
    std::string content_type;                      // what the upload was created with
    std::map<std::string, std::string> user_meta;  // ditto
    // Part index (from 0) -> its ETag and the part's write count when it was read.
    std::map<uint64_t, std::pair<std::string, uint64_t>> parts;
  };
  // Parts ready to send (indices from 0), marked as being sent.
  std::vector<uint64_t> TakeReadyParts();
  // The upload the parts go to; the first caller creates it with `create`
  // (given what the file's object would carry now: key, type, metadata).
  Result<std::shared_ptr<StreamedUpload>> StreamUpload(
      const std::function<Result<std::string>(const StreamedUpload&)>& create);
  // How many times part `index` was written (a part read before and after
  // the same count holds the bytes it had).
  uint64_t PartWrites(uint64_t index) const;
  void PartSent(const std::shared_ptr<StreamedUpload>& upload, uint64_t index,
                const std::string& etag, uint64_t writes);
  void PartDone(uint64_t index);  // a part of TakeReadyParts is finished (sent or not)
  // Whether parts are still wanted (no upload round has the stream, the
  // file is not deleted).
  bool StreamWanted() const;
  // Waits for the parts being sent and hands the upload over (null if
  // none); no part is sent again until ResumeStreaming.
  std::shared_ptr<StreamedUpload> TakeStream();
  void ResumeStreaming();
  // The metadata of the last stream an upload round took, until an upload
  // succeeds: an object that carries it is that round's (a lost answer).
  std::optional<std::map<std::string, std::string>> StreamedMeta() const;

 private:
  // The Content-Type the next upload sends: the one the object had, else the
  // one the file's name gives (/etc/mime.types), else application/octet-stream.
  // mu_ held.
  std::string EffectiveContentType() const;
  FileState(FileContext& ctx, std::string path, uint64_t file_id, int fd)
      : ctx_(ctx), path_(std::move(path)), file_id_(file_id), fd_(fd) {}

  uint64_t BlockSize() const { return ctx_.options.block_size; }
  uint64_t Blocks(uint64_t bytes) const { return (bytes + BlockSize() - 1) / BlockSize(); }
  // Whether block b must be fetched before its bytes are valid (mu_ held).
  bool MissingLocked(uint64_t b) const;
  // Fetches blocks [first, last] that the base backs (data_mu_ held).
  Status Fetch(uint64_t first, uint64_t last);
  // One missing run, in parallel chunks when it is long.
  Status FetchRun(uint64_t first, uint64_t last);
  // One ranged GET. With `may_refresh`, a base that changed remotely is
  // dropped for the new version (a clean file) and the range fetched again;
  // without, the change is returned as the GET's error.
  Status FetchRange(uint64_t first, uint64_t last, bool may_refresh = true);
  // Fetches the missing blocks of [offset, offset+size) (data_mu_ held).
  Status FetchMissing(uint64_t offset, uint64_t size);
  // Read-ahead (data_mu_ held): moves the window after a sequential read
  // that ended in block `last`, starting background GETs for its missing
  // blocks, in runs of at most fetch_chunk bytes.
  void ReadAhead(uint64_t last, uint64_t file_size);
  // One background GET of blocks [first, last]; a failure is left to the
  // read that needs the blocks, which fetches them itself.
  void FetchAhead(uint64_t first, uint64_t last);
  // Waits until no background GET covers blocks [first, last] / runs at all.
  void WaitForBlocks(uint64_t first, uint64_t last);
  void WaitForFetches();
  // Before a change of the bytes (data_mu_ held): waits for the read-ahead
  // (queued GETs are dropped) and forgets its window.
  void DropReadAhead();
  // Drops the cached bytes for another remote version (data_mu_ held).
  Status ResetBase(const RemoteEntry& remote);
  FileRecord RecordLocked() const;
  // The object metadata the file's attributes and xattrs make (mu_ held).
  std::map<std::string, std::string> UserMetaLocked() const;
  // Marks bytes [offset, end) written (mu_ not held; data_mu_ held).
  Status MarkWritten(uint64_t offset, uint64_t end);

  FileContext& ctx_;
  std::mutex io_mu_;
  std::mutex stream_mu_;  // creating the streamed upload (before mu_)
  std::mutex data_mu_;
  std::mutex persist_mu_;
  mutable std::mutex mu_;

  // Guarded by mu_.
  std::string path_;
  const uint64_t file_id_;
  const int fd_;
  uint64_t size_ = 0;
  std::string etag_;             // base version; "" = none
  // The remote version the next upload replaces, sent as its condition
  // (If-Match, or If-None-Match: * for ""); unknown (nullopt) after a rename.
  // An upload refused by it means someone else changed the object.
  std::optional<std::string> expected_;
  uint64_t base_size_ = 0;       // bytes of the base version still backing the file
  std::vector<uint8_t> blocks_;  // BlockIndex flags, by block
  NodeAttr attr_;
  std::map<std::string, std::string> xattrs_;  // user metadata that is not an attribute
  std::string content_type_;
  bool type_from_name_ = false;  // made on this mount: its Content-Type comes from its name
  std::string upload_id_;
  bool dirty_ = false;
  bool uploading_ = false;
  bool deleted_ = false;
  int open_count_ = 0;
  uint64_t gen_ = 1;
  uint64_t uploaded_gen_ = 0;
  uint64_t failed_gen_ = 0;
  Status last_error_;
  std::vector<bool> in_flight_;   // blocks a background GET is fetching
  size_t fetches_running_ = 0;    // background GETs queued or running
  bool stop_fetches_ = false;     // queued background GETs are dropped (last close)
  std::condition_variable fetched_;  // with mu_: a background GET ended

  // Streamed parts (mu_).
  std::shared_ptr<StreamedUpload> stream_;
  std::vector<uint64_t> part_writes_;  // by part index of options.part_size
  uint64_t write_end_ = 0;             // end of the last write
  uint64_t stream_next_ = 0;           // the next part index to send
  int stream_running_ = 0;             // parts being sent
  std::set<uint64_t> parts_sending_;   // their indices: none is sent twice at once
  std::optional<std::map<std::string, std::string>> streamed_meta_;
  bool stream_stopped_ = false;        // an upload round is using the stream
  std::condition_variable streamed_;   // with mu_: a part was sent

  uint64_t next_sequential_ = 0;  // data_mu_: where a sequential read would continue
  uint64_t readahead_blocks_ = 0;  // data_mu_: the window now (0: not yet reading)
  uint64_t ahead_end_ = 0;         // data_mu_: the block after the last one asked ahead
};

}  // namespace sos
