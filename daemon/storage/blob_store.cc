#include "daemon/storage/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>

#include "daemon/storage/block_hash.h"
#include "daemon/storage/index_records.h"

namespace sos::storage {
namespace {

constexpr std::string_view kBlobMagic = "SOSBLOB1";
constexpr size_t kHeaderHashAt = kBlobHeaderSize - 8;

Status Truncated(const std::string& id, size_t drive) {
  return Status::Corruption("replica of blob " + id + " on drive " + std::to_string(drive) +
                            " is truncated");
}

}  // namespace

std::string EncodeBlobHeader(const BlobHeader& h) {
  std::string out(kBlobHeaderSize, '\0');
  std::memcpy(out.data(), kBlobMagic.data(), kBlobMagic.size());
  PutFixed32(out.data() + 8, kBlobVersion);
  PutFixed32(out.data() + 12, h.block_size);
  PutFixed64(out.data() + 16, h.size);
  PutFixed64(out.data() + 24, h.blocks);
  std::memcpy(out.data() + 32, h.id.data(), std::min<size_t>(h.id.size(), 32));
  PutFixed64(out.data() + kHeaderHashAt, XXH3_64bits(out.data(), kHeaderHashAt));
  return out;
}

Result<BlobHeader> DecodeBlobHeader(std::string_view b) {
  if (b.size() < kBlobHeaderSize || b.substr(0, 8) != kBlobMagic ||
      GetFixed64(b.data() + kHeaderHashAt) != XXH3_64bits(b.data(), kHeaderHashAt) ||
      GetFixed32(b.data() + 8) != kBlobVersion) {
    return Status::Corruption("bad blob header");
  }
  BlobHeader h;
  h.block_size = GetFixed32(b.data() + 12);
  h.size = GetFixed64(b.data() + 16);
  h.blocks = GetFixed64(b.data() + 24);
  h.id.assign(b.data() + 32, 32);
  if (h.block_size == 0 || h.blocks != BlockCount(h.size, h.block_size)) {
    return Status::Corruption("bad blob header");
  }
  return h;
}

BlobStore::BlobStore(std::shared_ptr<DriveSet> drives, uint32_t block_size, FaultFn on_fault)
    : drives_(std::move(drives)),
      block_size_(block_size),
      on_fault_(std::move(on_fault)),
      pool_(std::max<size_t>(8, drives_->size() * 4)) {}

size_t PreferredReplica(std::string_view id, size_t drive_count) {
  return XXH3_64bits(id.data(), id.size()) % drive_count;
}

std::vector<size_t> BlobStore::ReadOrder(std::string_view id) const {
  size_t n = drives_->size();
  size_t start = PreferredReplica(id, n);
  std::vector<size_t> order;
  order.reserve(n);
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t k = 0; k < n; ++k) {
      size_t d = (start + k) % n;
      if (drives_->ok(d) == (pass == 0)) order.push_back(d);
    }
  }
  return order;
}

void BlobStore::Remove(const std::string& id) {
  for (size_t d = 0; d < drives_->size(); ++d) ::unlink(drives_->BlobPath(d, id).c_str());
}

Status BlobStore::ListBlobs(size_t drive,
                            const std::function<Status(std::vector<std::string>)>& fn) {
  std::string root = JoinPath(drives_->drive(drive).path, "blobs");
  SOS_ASSIGN_OR_RETURN(std::vector<std::string> level1, ListDir(root));
  for (const std::string& a : level1) {
    auto level2 = ListDir(JoinPath(root, a));
    if (!level2.ok()) continue;
    for (const std::string& b : *level2) {
      auto names = ListDir(JoinPath(JoinPath(root, a), b));
      if (!names.ok()) continue;
      std::vector<std::string> ids;
      for (std::string& n : *names) {
        if (IsBlobId(n)) ids.push_back(std::move(n));
      }
      if (!ids.empty()) SOS_RETURN_IF_ERROR(fn(std::move(ids)));
    }
  }
  return Status::Ok();
}

void BlobStore::ReportFault(size_t drive, const std::string& id, const Status& why) {
  drives_->drive(drive).read_faults.fetch_add(1, std::memory_order_relaxed);
  if (why.code() == StatusCode::kCorruption) {
    drives_->drive(drive).checksum_failures.fetch_add(1, std::memory_order_relaxed);
  }
  if (on_fault_) on_fault_(drive, id, why);
}

Result<OpenReplica> OpenReplicaFile(DriveSet& drives, size_t drive, const std::string& id,
                                    uint32_t block_size) {
  OpenReplica r;
  r.drive = drive;
  std::string path = drives.BlobPath(drive, id);
  r.fd.Reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!r.fd.valid()) return StatusFromErrno(errno, "open " + path);
  // One read of the file's first kWholeReadBytes: a short read means it is
  // all of the file (a small object: header, data and table at once).
  std::string head(kWholeReadBytes, '\0');
  SOS_ASSIGN_OR_RETURN(size_t n, ReadAt(r.fd.get(), head.data(), head.size(), 0, path));
  if (n < kBlobHeaderSize) return Truncated(id, drive);
  const bool whole = n < head.size();
  head.resize(n);
  SOS_ASSIGN_OR_RETURN(r.header,
                       DecodeBlobHeader(std::string_view(head).substr(0, kBlobHeaderSize)));
  if (r.header.id != id || r.header.block_size != block_size) {
    return Status::Corruption("replica " + path + " holds another blob");
  }
  const uint64_t file_size = BlobFileSize(r.header.size, r.header.blocks);
  const uint64_t table_at = kBlobHeaderSize + r.header.size;
  std::string table;
  if (whole) {
    if (n != file_size) return Truncated(id, drive);
    table = head.substr(table_at);
    head.resize(table_at);
    r.data = std::move(head);  // header + data; blocks are served from memory
  } else {
    struct stat st;
    if (::fstat(r.fd.get(), &st) != 0) return StatusFromErrno(errno, "stat " + path);
    if (static_cast<uint64_t>(st.st_size) != file_size) return Truncated(id, drive);
    table.assign(8 * r.header.blocks + 8, '\0');
    SOS_ASSIGN_OR_RETURN(n, ReadAt(r.fd.get(), table.data(), table.size(), table_at, path));
    if (n != table.size()) return Truncated(id, drive);
  }
  size_t body = table.size() - 8;
  if (GetFixed64(table.data() + body) != XXH3_64bits(table.data(), body)) {
    return Status::Corruption("bad checksum table in " + path);
  }
  r.sums.resize(r.header.blocks);
  for (uint64_t i = 0; i < r.header.blocks; ++i) r.sums[i] = GetFixed64(table.data() + 8 * i);
  return r;
}

// Reads and verifies block b of an open replica into buf.
static Status ReadBlock(const OpenReplica& r, uint64_t b, std::string* buf) {
  uint64_t start = b * r.header.block_size;
  size_t len = static_cast<size_t>(std::min<uint64_t>(r.header.block_size, r.header.size - start));
  if (!r.data.empty()) {
    buf->assign(r.data, kBlobHeaderSize + start, len);
  } else {
    buf->resize(len);
    SOS_ASSIGN_OR_RETURN(size_t n, ReadAt(r.fd.get(), buf->data(), len, kBlobHeaderSize + start,
                                          "read blob " + r.header.id));
    if (n != len) return Truncated(r.header.id, r.drive);
  }
  if (BlockHash(buf->data(), len) != r.sums[b]) {
    return Status::Corruption("checksum mismatch in block " + std::to_string(b) + " of blob " +
                              r.header.id + " on drive " + std::to_string(r.drive));
  }
  return Status::Ok();
}

Status BlobStore::VerifyReplica(size_t drive, const std::string& id) {
  SOS_ASSIGN_OR_RETURN(OpenReplica r, OpenReplicaFile(*drives_, drive, id, block_size_));
  std::string buf;
  for (uint64_t b = 0; b < r.header.blocks; ++b) SOS_RETURN_IF_ERROR(ReadBlock(r, b, &buf));
  return Status::Ok();
}

Status BlobStore::Repair(const std::string& id, size_t target) {
  if (!drives_->ok(target)) return Status::Unavailable("drive is failed");
  Status last = Status::IOError("no replica of blob " + id + " to repair from");
  for (size_t src : ReadOrder(id)) {
    if (src == target) continue;
    auto r = OpenReplicaFile(*drives_, src, id, block_size_);
    if (!r.ok()) {
      last = r.status();
      continue;
    }
    std::string tmp = JoinPath(drives_->TmpDir(target), id + ".repair");
    UniqueFd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, kPrivateFileMode));
    if (!out.valid()) return StatusFromErrno(errno, "create " + tmp);
    // Copy verified blocks; header and trailer are copied as they are (they
    // were validated when the replica was opened).
    Status st;
    std::string buf(kBlobHeaderSize, '\0');
    uint64_t trailer_at = kBlobHeaderSize + r->header.size;
    uint64_t total = BlobFileSize(r->header.size, r->header.blocks);
    auto copy_raw = [&](uint64_t from, uint64_t len) -> Status {
      buf.resize(len);
      SOS_ASSIGN_OR_RETURN(size_t n, ReadAt(r->fd.get(), buf.data(), len, from, "read"));
      if (n != len) return Truncated(id, src);
      return WriteAt(out.get(), buf.data(), len, from, "write " + tmp);
    };
    st = copy_raw(0, kBlobHeaderSize);
    for (uint64_t b = 0; st.ok() && b < r->header.blocks; ++b) {
      st = ReadBlock(*r, b, &buf);
      if (st.ok()) {
        st = WriteAt(out.get(), buf.data(), buf.size(), kBlobHeaderSize + b * r->header.block_size,
                     "write " + tmp);
      }
    }
    if (st.ok()) st = copy_raw(trailer_at, total - trailer_at);
    if (st.ok() && drives_->durable()) st = SyncFd(out.get(), true, "fdatasync " + tmp);
    out.Reset();
    if (st.ok()) st = drives_->PlaceBlob(target, tmp, id, /*synced=*/true);
    if (st.ok()) {
      drives_->drive(target).repairs.fetch_add(1, std::memory_order_relaxed);
      return Status::Ok();
    }
    ::unlink(tmp.c_str());
    if (st.code() == StatusCode::kCorruption) {
      ReportFault(src, id, st);
      last = st;
      continue;  // try another source
    }
    return st;  // the target failed
  }
  return last;
}

void BlobReadSession::Reset(const std::string& id) {
  id_ = id;
  order_ = store_->ReadOrder(id);
  current_ = 0;
  open_.clear();
  open_.resize(store_->drives().size());
  bad_.assign(store_->drives().size(), false);
}

Result<OpenReplica*> BlobReadSession::Replica(size_t drive) {
  if (!open_[drive]) {
    SOS_ASSIGN_OR_RETURN(OpenReplica r,
                         OpenReplicaFile(store_->drives(), drive, id_, store_->block_size()));
    open_[drive] = std::move(r);
  }
  return &*open_[drive];
}

Status BlobReadSession::Read(const std::string& id, uint64_t offset, uint64_t length,
                             const BodySink& sink) {
  if (length == 0) return Status::Ok();
  if (id != id_) Reset(id);
  const uint64_t bs = store_->block_size();
  const uint64_t end = offset + length;
  for (uint64_t b = offset / bs; b * bs < end; ++b) {
    bool delivered = false;
    bool corrupt = false;
    Status last;
    for (size_t k = 0; k < order_.size() && !delivered; ++k) {
      size_t idx = (current_ + k) % order_.size();
      size_t drive = order_[idx];
      if (bad_[drive]) continue;
      Status st;
      auto r = Replica(drive);
      if (!r.ok()) {
        st = r.status();
      } else if (end > (*r)->header.size) {
        // The index points past the end of the blob: not a replica fault.
        return Status::Corruption("segment beyond the end of blob " + id);
      } else {
        st = ReadBlock(**r, b, &buf_);
      }
      if (!st.ok()) {
        corrupt = corrupt || st.code() == StatusCode::kCorruption;
        last = st;
        bad_[drive] = true;
        open_[drive].reset();
        store_->ReportFault(drive, id, st);
        continue;
      }
      current_ = idx;
      uint64_t from = std::max(offset, b * bs) - b * bs;
      uint64_t to = std::min<uint64_t>(end - b * bs, buf_.size());
      SOS_RETURN_IF_ERROR(sink(std::string_view(buf_).substr(from, to - from)));
      delivered = true;
    }
    if (!delivered) {
      if (corrupt) {
        return Status::Corruption("no intact replica of block " + std::to_string(b) + " of blob " +
                                  id + ": " + last.message());
      }
      return Status::IOError("no readable replica of blob " + id + ": " + last.message());
    }
  }
  return Status::Ok();
}

}  // namespace sos::storage
