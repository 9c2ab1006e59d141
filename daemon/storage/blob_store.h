// BlobStore: immutable, checksummed blob files replicated on every drive.
//
// File format (identical bytes on every replica):
//   [0,128)            header: "SOSBLOB1", version, block_size, size, block
//                      count, blob id, XXH3 of the header
//   [128,128+size)     data, contiguous (a range read is one pread per block)
//   then               XXH3 of each block_size block of data (8 bytes each),
//                      then XXH3 of that table
// The header and table are written last, so a file is only ever complete once
// renamed into place.
//
// Writing (ReplicatedBlobWriter): data is cut into blocks; each block is
// hashed on the caller's thread and written to all drives in parallel on the
// IoPool while the caller fills the next block (the ETag's MD5 of that block
// is computed on the IoPool beside those writes, in block order). Each replica goes to
// drive/tmp/<id>, then Finish writes the trailer and header, fdatasyncs, renames to
// drive/blobs/xx/yy/<id> and fsyncs that directory (both syncs only with FsyncPolicy::kAlways): 2
// fsyncs per drive, in parallel across drives. Every 4 MiB an fdatasync of the replica runs in
// the background (so the data and a device's volatile cache drain during the upload), and a
// writer more than 32 MiB ahead of the running one syncs itself (dirty pages per writer stay
// bounded): the final fdatasync has little left. A
// replica that fails is dropped and its drive marked failed (ENOSPC only counts); the blob succeeds
// if at least quorum() = majority of drives hold it, else the write fails with NoSpace (if any
// replica ran out of space) or IOError, and every replica is removed.
//
// Small blobs (one block, up to 128 KiB) are written whole on the caller's
// thread, one write and a rename per replica, without fsyncs: the commit that
// references them calls SyncUnsynced, one syncfs per file system of the
// drives for every small blob of its batch (group commit), before its journal
// record. A blob is thus durable before any index entry names it either way.
//
// Inline objects (up to kInlineBytes, a whole object's data, never a part)
// have no blob at all: Finish returns the bytes as an inline Segment, which
// the object's record carries (index_records.h, with an XXH3 checked at every
// decode). The commit's journal record holds them on every drive, fdatasync'd
// like any commit, and checkpoints copy them into each drive's snapshot; the
// index serves reads. A small PUT thus costs no file creation at all: on a
// 2-core machine, creating 3 replica files was three quarters of a 4 KiB
// PUT's CPU time (bench/README.md).
//
// Reading (BlobReadSession): replicas are tried in ReadOrder (healthy drives
// first, starting at a drive chosen by the blob id so reads spread over
// drives). Every block touched is read whole and verified; on a missing,
// unreadable, truncated or mismatching replica the read moves to the next
// replica for that block and the fault is counted on the drive and reported
// (the engine repairs the replica in the background). If no replica has a
// good copy of a block: Corruption (a checksum mismatched) or IOError.
//
// Thread-safety: BlobStore is thread-safe. A writer or a read session is used
// by one thread at a time. Writers and sessions keep the store alive.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/storage/drive_set.h"
#include "daemon/storage/fs_util.h"
#include "daemon/storage/io_pool.h"
#include "daemon/storage/storage_engine.h"

namespace sos::storage {

inline constexpr size_t kBlobHeaderSize = 128;
// Objects up to this size are kept inline in their records (see above).
inline constexpr size_t kInlineBytes = 16 << 10;
inline constexpr uint32_t kBlobVersion = 1;

struct BlobHeader {
  uint32_t block_size = 0;
  uint64_t size = 0;
  uint64_t blocks = 0;
  std::string id;
};

std::string EncodeBlobHeader(const BlobHeader& h);
Result<BlobHeader> DecodeBlobHeader(std::string_view bytes);
inline uint64_t BlockCount(uint64_t size, uint32_t block_size) {
  return (size + block_size - 1) / block_size;
}
inline uint64_t BlobFileSize(uint64_t size, uint64_t blocks) {
  return kBlobHeaderSize + size + 8 * blocks + 8;
}

// The drive a read of blob `id` tries first when all drives are healthy.
size_t PreferredReplica(std::string_view id, size_t drive_count);

// Called when a writer finishes (id, size) or is dropped unfinished (id, 0).
struct WriterHooks {
  std::function<void(const std::string& id, uint64_t size)> finished;
  std::function<void(const std::string& id)> abandoned;
};

class BlobStore : public std::enable_shared_from_this<BlobStore> {
 public:
  // Called on every read fault (drive index, blob id, what went wrong).
  using FaultFn = std::function<void(size_t drive, const std::string& id, const Status& why)>;

  BlobStore(std::shared_ptr<DriveSet> drives, uint32_t block_size, FaultFn on_fault);

  DriveSet& drives() { return *drives_; }
  uint32_t block_size() const { return block_size_; }
  IoPool& pool() { return pool_; }

  static std::string NewId() { return RandomHex(16); }
  // Replica files are created when the first block is full or at Finish; a
  // may_inline writer that ends up with at most kInlineBytes makes none.
  Result<std::unique_ptr<BlobWriter>> NewWriter(const std::string& id, WriterHooks hooks,
                                                bool may_inline = false);

  // Drive indexes in the order reads try them.
  std::vector<size_t> ReadOrder(std::string_view id) const;
  // Unlinks every replica (missing ones are fine).
  void Remove(const std::string& id);
  // Calls fn with the ids found in each blobs/xx/yy directory of a drive.
  Status ListBlobs(size_t drive, const std::function<Status(std::vector<std::string>)>& fn);
  // Fully verifies one replica (header, size, every block).
  Status VerifyReplica(size_t drive, const std::string& id);
  // Rewrites the replica on `drive` from a verified copy on another drive.
  Status Repair(const std::string& id, size_t drive);

  void ReportFault(size_t drive, const std::string& id, const Status& why);

  // Makes every write counted by DriveSet::NoteUnsynced before the call
  // durable: syncfs once per file system holding a drive (in parallel). A
  // drive whose sync fails is marked failed; fails if fewer than a quorum of
  // drives were synced.
  Status SyncUnsynced();
  uint64_t syncs() const { return syncs_.load(std::memory_order_relaxed); }

 private:
  std::shared_ptr<DriveSet> drives_;
  uint32_t block_size_;
  FaultFn on_fault_;
  IoPool pool_;

  // SyncUnsynced: a descriptor per drive kept open, since syncfs reports the
  // writeback errors seen since the descriptor was opened.
  struct SyncHandle {
    UniqueFd fd;
    dev_t dev = 0;
    ino_t ino = 0;
  };
  std::mutex sync_mu_;
  std::vector<SyncHandle> sync_handles_;  // guarded by sync_mu_
  uint64_t synced_ = 0;                   // guarded by sync_mu_
  std::atomic<uint64_t> syncs_{0};
};

// Replica files up to this size are read whole by one pread when opened.
inline constexpr size_t kWholeReadBytes = 32 << 10;

// One replica file, opened and its header and checksum table validated.
struct OpenReplica {
  size_t drive = 0;
  UniqueFd fd;
  BlobHeader header;
  std::vector<uint64_t> sums;
  std::string data;  // a small file's header and data, read at open (else empty)
};
Result<OpenReplica> OpenReplicaFile(DriveSet& drives, size_t drive, const std::string& id,
                                    uint32_t block_size);

class BlobReadSession {
 public:
  explicit BlobReadSession(std::shared_ptr<BlobStore> store) : store_(std::move(store)) {}
  // Streams [offset, offset+length) of blob `id` to sink, in chunks of at most
  // one block, verifying every block touched.
  Status Read(const std::string& id, uint64_t offset, uint64_t length, const BodySink& sink);

 private:
  void Reset(const std::string& id);
  Result<OpenReplica*> Replica(size_t drive);

  std::shared_ptr<BlobStore> store_;
  std::string id_;
  std::vector<size_t> order_;
  size_t current_ = 0;                            // index into order_
  std::vector<std::optional<OpenReplica>> open_;  // per drive
  std::vector<bool> bad_;                         // per drive, for this blob
  std::string buf_;
};

}  // namespace sos::storage
