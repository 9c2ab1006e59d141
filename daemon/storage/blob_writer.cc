// ReplicatedBlobWriter: the BlobWriter of BlobStore (format and rules in
// blob_store.h).
#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <deque>

#include "daemon/storage/blob_store.h"
#include "daemon/storage/block_hash.h"
#include "daemon/storage/index_records.h"
#include "s3core/crypto.h"

namespace sos::storage {
namespace {

// Bytes of a replica between two background fdatasyncs (MaybeSyncInBackground).
constexpr uint64_t kBackgroundSyncBytes = 4 << 20;
// Bytes of a replica written past the start of the running background
// fdatasync before its writer syncs itself: what bounds the dirty pages of a
// blob when the device is slower than the network.
constexpr uint64_t kMaxUnsyncedBytes = 32 << 20;
// Blobs up to this size that fit in one block are written whole by the
// caller's thread and made durable by the commit that references them
// (FinishSmall).
constexpr size_t kSmallBlobBytes = 128 << 10;

class ReplicatedBlobWriter final : public BlobWriter {
 public:
  ReplicatedBlobWriter(std::shared_ptr<BlobStore> store, std::string id, WriterHooks hooks,
                       bool may_inline)
      : store_(std::move(store)),
        drives_(store_->drives()),
        id_(std::move(id)),
        hooks_(std::move(hooks)),
        may_inline_(may_inline),
        md5_(DigestAlgorithm::kMd5) {}  // fill_ grows to a block only for large blobs

  ~ReplicatedBlobWriter() override {
    group_.Wait();
    syncs_.Wait();
    if (!finished_) {
      for (Replica& r : replicas_) Drop(r);
      if (hooks_.abandoned) hooks_.abandoned(id_);
    }
  }

  Status Write(std::string_view data) override;
  Result<Segment> Finish() override;
  std::string md5() const override { return md5_result_; }
  uint64_t size() const override { return size_; }

 private:
  struct Replica {
    size_t drive = 0;
    UniqueFd fd;
    std::string tmp;
    Status status;
    bool live = true;
    bool renamed = false;
    // Background fdatasync (one at a time per replica): the end of the data
    // the last one covered, whether one runs, and the first failure.
    uint64_t synced_to = 0;
    std::atomic<bool> syncing{false};
    Status sync_status;
  };

  void Drop(Replica& r) {
    r.fd.Reset();
    if (!r.tmp.empty()) ::unlink(r.tmp.c_str());
    if (r.renamed) ::unlink(drives_.BlobPath(r.drive, id_).c_str());
    r.live = false;
    r.renamed = false;
  }
  // Drops replicas whose last task failed; fails if fewer than a quorum remain.
  Status Collect();
  Status Fail(Status st) {
    error_ = st;
    return st;
  }
  void FlushBlock();
  void MaybeSyncInBackground(Replica& r, uint64_t end);
  void FinishReplica(Replica& r, const std::string& header, const std::string& trailer);
  // Creates the replica files, once a blob is known not to stay inline.
  Status Open();
  Result<Segment> FinishInline();
  Status FinishSmall();
  // The header and the checksum table of the blob written so far.
  std::pair<std::string, std::string> HeaderAndTrailer() const;
  Result<Segment> Finished();

  std::shared_ptr<BlobStore> store_;
  DriveSet& drives_;
  std::string id_;
  WriterHooks hooks_;
  const bool may_inline_;
  bool opened_ = false;
  std::deque<Replica> replicas_;  // a deque: a Replica holds an atomic and never moves
  TaskGroup group_{store_->pool()};
  TaskGroup syncs_{store_->pool()};  // background fdatasyncs
  std::string fill_;                 // the block being filled by Write
  std::string flight_;               // the block being written by the pool
  std::vector<uint64_t> sums_;
  Digest md5_;
  std::string md5_result_;
  uint64_t size_ = 0;
  Status error_;
  bool finished_ = false;
  bool saw_no_space_ = false;
};

Status ReplicatedBlobWriter::Open() {
  if (opened_) return Status::Ok();
  opened_ = true;
  for (size_t d = 0; d < drives_.size(); ++d) {
    if (!drives_.ok(d)) continue;
    std::string tmp = JoinPath(drives_.TmpDir(d), id_);
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kPrivateFileMode));
    if (!fd.valid()) {
      Status st = StatusFromErrno(errno, "create " + tmp);
      saw_no_space_ = saw_no_space_ || st.code() == StatusCode::kNoSpace;
      drives_.Fail(d, st);
      continue;
    }
    Replica& r = replicas_.emplace_back();
    r.drive = d;
    r.tmp = std::move(tmp);
    r.fd = std::move(fd);
  }
  return Collect();
}

Status ReplicatedBlobWriter::Collect() {
  group_.Wait();
  size_t live = 0;
  Status worst;
  for (Replica& r : replicas_) {
    if (r.live && !r.status.ok()) {
      syncs_.Wait();  // a background sync may still use the fd
      saw_no_space_ = saw_no_space_ || r.status.code() == StatusCode::kNoSpace;
      drives_.Fail(r.drive, r.status);
      worst = r.status;
      Drop(r);
    }
    live += r.live ? 1 : 0;
  }
  if (live >= drives_.quorum()) return Status::Ok();
  std::string why = "blob " + id_ + " reached only " + std::to_string(live) + " of " +
                    std::to_string(drives_.size()) + " drives (quorum " +
                    std::to_string(drives_.quorum()) + ")" +
                    (worst.ok() ? "" : ": " + worst.message());
  // Too few healthy drives is the store's state, not this request's fault:
  // 503, so that clients retry once a drive is back.
  return Fail(saw_no_space_ ? Status::NoSpace(why)
                            : Status(StatusCode::kUnavailable, why, "ServiceUnavailable"));
}

void ReplicatedBlobWriter::FlushBlock() {
  sums_.push_back(BlockHash(fill_.data(), fill_.size()));
  std::swap(fill_, flight_);
  fill_.clear();
  uint64_t offset = kBlobHeaderSize + (sums_.size() - 1) * uint64_t{store_->block_size()};
  // The ETag's MD5 runs on the pool too, beside the replica writes, while the
  // caller receives the next block; blocks are flushed one at a time (Collect
  // waits for the previous one), so the digest sees them in order.
  group_.Run([this] { md5_.Update(flight_); });
  const bool durable = drives_.durable();
  for (Replica& r : replicas_) {
    if (!r.live) continue;
    group_.Run([this, &r, offset, durable] {
      r.status = WriteAt(r.fd.get(), flight_.data(), flight_.size(), offset, "write " + r.tmp);
      if (r.status.ok() && durable) MaybeSyncInBackground(r, offset + flight_.size());
    });
  }
}

// The data of a large blob goes to the device while the body still arrives,
// so that the fdatasync in Finish has little left (a large PUT then costs
// max(network, disk), not their sum): every kBackgroundSyncBytes of a replica
// an fdatasync starts on the pool. fdatasync rather than writeback hints
// (sync_file_range): a disk with a volatile write cache (most SSDs, and
// virtual disks whose host caches) holds written data until a flush, and a
// flush costs time in proportion to what it holds. On a 2-core virtual
// machine, syncing every 4 MiB without hints took a 256 MiB PUT from about
// 320 to 355 MiB/s against 16 MiB with a hint per block (bench/README.md).
// Runs on a replica write task (one per replica at a time, so synced_to has
// one writer).
void ReplicatedBlobWriter::MaybeSyncInBackground(Replica& r, uint64_t end) {
  if (end - r.synced_to < kBackgroundSyncBytes) return;
  if (!r.syncing.exchange(true)) {
    r.synced_to = end;
    syncs_.Run([this, &r] {
      Status st = SyncFd(r.fd.get(), true, "fdatasync " + r.tmp);
      if (!st.ok() && r.sync_status.ok()) r.sync_status = st;
      r.syncing.store(false);
    });
    return;
  }
  // The device is behind the network: wait for it here rather than let this
  // replica's dirty pages grow (not on the background sync, which may still
  // wait for a pool thread).
  if (end - r.synced_to < kMaxUnsyncedBytes) return;
  Status st = SyncFd(r.fd.get(), true, "fdatasync " + r.tmp);
  if (!st.ok()) r.status = st;
  r.synced_to = end;
}

Status ReplicatedBlobWriter::Write(std::string_view data) {
  if (!error_.ok()) return error_;
  if (finished_) return Status::Internal("write after Finish");
  size_ += data.size();
  const size_t bs = store_->block_size();
  while (!data.empty()) {
    size_t take = std::min(bs - fill_.size(), data.size());
    fill_.append(data.data(), take);
    data.remove_prefix(take);
    if (fill_.size() == bs) {
      SOS_RETURN_IF_ERROR(Open());
      // The previous block must be out of flight_ before it is reused.
      SOS_RETURN_IF_ERROR(Collect());
      FlushBlock();
    }
  }
  return Status::Ok();
}

void ReplicatedBlobWriter::FinishReplica(Replica& r, const std::string& header,
                                         const std::string& trailer) {
  const bool durable = drives_.durable();
  Status st = WriteAt(r.fd.get(), trailer.data(), trailer.size(), kBlobHeaderSize + size_,
                      "write " + r.tmp);
  if (st.ok()) st = WriteAt(r.fd.get(), header.data(), header.size(), 0, "write " + r.tmp);
  if (st.ok() && durable) st = SyncFd(r.fd.get(), true, "fdatasync " + r.tmp);
  r.fd.Reset();
  if (st.ok()) st = drives_.PlaceBlob(r.drive, r.tmp, id_, /*synced=*/true);
  if (st.ok()) {
    r.renamed = true;
    r.tmp.clear();
  }
  r.status = st;
}

std::pair<std::string, std::string> ReplicatedBlobWriter::HeaderAndTrailer() const {
  BlobHeader h;
  h.block_size = store_->block_size();
  h.size = size_;
  h.blocks = sums_.size();
  h.id = id_;
  std::string trailer(8 * sums_.size() + 8, '\0');
  for (size_t i = 0; i < sums_.size(); ++i) PutFixed64(trailer.data() + 8 * i, sums_[i]);
  PutFixed64(trailer.data() + 8 * sums_.size(), XXH3_64bits(trailer.data(), 8 * sums_.size()));
  return {EncodeBlobHeader(h), std::move(trailer)};
}

// No files at all: the bytes travel in the object's record, which the commit
// journals on every drive (fdatasync'd with the batch) and the index keeps.
Result<Segment> ReplicatedBlobWriter::FinishInline() {
  finished_ = true;
  md5_.Update(fill_);
  md5_result_ = md5_.Finish();
  if (hooks_.abandoned) hooks_.abandoned(id_);  // the id names no blob after all
  Segment s;
  s.length = size_;
  s.data = std::move(fill_);
  return s;
}

// A small blob: each replica is one write and a rename, on this thread (a
// hand-off to the pool costs more than the write), and no fsync of its own.
// The commit that references it syncs the drives' file systems once for
// every blob of its batch (BlobStore::SyncUnsynced): many small PUTs share
// one flush instead of paying two per replica each.
Status ReplicatedBlobWriter::FinishSmall() {
  if (!fill_.empty()) sums_.push_back(BlockHash(fill_.data(), fill_.size()));
  md5_.Update(fill_);
  auto [header, trailer] = HeaderAndTrailer();
  std::string whole = std::move(header);
  whole += fill_;
  whole += trailer;
  drives_.NoteUnsynced();  // before the files exist: see DriveSet::NoteUnsynced
  for (Replica& r : replicas_) {
    if (!r.live) continue;
    Status st = WriteAt(r.fd.get(), whole.data(), whole.size(), 0, "write " + r.tmp);
    r.fd.Reset();
    if (st.ok()) st = drives_.PlaceBlob(r.drive, r.tmp, id_, /*synced=*/false);
    if (st.ok()) {
      r.renamed = true;
      r.tmp.clear();
    }
    r.status = st;
  }
  return Collect();
}

Result<Segment> ReplicatedBlobWriter::Finish() {
  if (!error_.ok()) return error_;
  if (finished_) return Status::Internal("Finish called twice");
  if (may_inline_ && sums_.empty() && fill_.size() <= kInlineBytes) return FinishInline();
  SOS_RETURN_IF_ERROR(Open());
  SOS_RETURN_IF_ERROR(Collect());
  if (sums_.empty() && fill_.size() <= kSmallBlobBytes) {
    Status st = FinishSmall();
    if (!st.ok()) {
      for (Replica& r : replicas_) Drop(r);
      return st;
    }
    return Finished();
  }
  if (!fill_.empty()) {
    FlushBlock();
    SOS_RETURN_IF_ERROR(Collect());
  }
  syncs_.Wait();
  for (Replica& r : replicas_) {
    if (r.live && r.status.ok()) r.status = r.sync_status;
  }
  SOS_RETURN_IF_ERROR(Collect());
  // (Named, not a structured binding: lambdas capture it, which clang 14 refuses.)
  const std::pair<std::string, std::string> sealed = HeaderAndTrailer();
  const std::string& header = sealed.first;
  const std::string& trailer = sealed.second;
  for (Replica& r : replicas_) {
    if (r.live) group_.Run([this, &r, &header, &trailer] { FinishReplica(r, header, trailer); });
  }
  Status st = Collect();
  if (!st.ok()) {
    for (Replica& r : replicas_) Drop(r);
    return st;
  }
  return Finished();
}

Result<Segment> ReplicatedBlobWriter::Finished() {
  finished_ = true;
  for (Replica& r : replicas_) {
    if (r.live) drives_.drive(r.drive).full.store(false, std::memory_order_relaxed);
  }
  md5_result_ = md5_.Finish();
  if (hooks_.finished) hooks_.finished(id_, size_);
  return Segment{id_, 0, size_};
}

}  // namespace

Result<std::unique_ptr<BlobWriter>> BlobStore::NewWriter(const std::string& id, WriterHooks hooks,
                                                         bool may_inline) {
  return std::unique_ptr<BlobWriter>(
      std::make_unique<ReplicatedBlobWriter>(shared_from_this(), id, std::move(hooks), may_inline));
}

}  // namespace sos::storage
