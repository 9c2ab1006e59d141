#include "daemon/storage/journal_format.h"

#include <fcntl.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>

#include "daemon/storage/index_records.h"

namespace sos::storage {

std::string EncodeJournalHeader(std::string_view magic, uint64_t gen, uint64_t seq) {
  std::string h(kJournalHeaderSize, '\0');
  std::memcpy(h.data(), magic.data(), 8);
  PutFixed64(h.data() + 8, gen);
  PutFixed64(h.data() + 16, seq);
  PutFixed64(h.data() + 24, XXH3_64bits(h.data(), 24));
  return h;
}

bool DecodeJournalHeader(std::string_view b, JournalFileHeader* h) {
  if (b.size() < kJournalHeaderSize || GetFixed64(b.data() + 24) != XXH3_64bits(b.data(), 24)) {
    return false;
  }
  h->magic.assign(b.substr(0, 8));
  h->gen = GetFixed64(b.data() + 8);
  h->seq = GetFixed64(b.data() + 16);
  return h->magic == kLogMagic || h->magic == kSnapMagic;
}

Result<RecordReader> RecordReader::Open(const std::string& path) {
  RecordReader r;
  r.fd_.Reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!r.fd_.valid()) return StatusFromErrno(errno, "open " + path);
  if (!r.Fill(kJournalHeaderSize) ||
      !DecodeJournalHeader(std::string_view(r.buf_).substr(0, kJournalHeaderSize), &r.header_)) {
    return Status::Corruption("bad journal header in " + path);
  }
  r.pos_ = kJournalHeaderSize;
  return r;
}

bool RecordReader::Fill(size_t n) {
  if (buf_.size() - pos_ >= n) return true;
  if (eof_) return false;
  buf_.erase(0, pos_);
  file_offset_ += pos_;
  pos_ = 0;
  size_t have = buf_.size();
  size_t want = std::max<size_t>(n, 1 << 20);
  buf_.resize(want);
  while (have < n) {
    auto got = ReadAt(fd_.get(), buf_.data() + have, want - have, file_offset_ + have, "journal");
    if (!got.ok() || *got == 0) {
      eof_ = true;
      break;
    }
    have += *got;
  }
  buf_.resize(have);
  return have >= n;
}

bool RecordReader::Next(uint64_t* seq, std::string* payload) {
  if (!clean_) return false;
  if (!Fill(16)) {
    clean_ = buf_.size() == pos_;  // a partial frame is a torn write
    return false;
  }
  const char* p = buf_.data() + pos_;
  uint32_t len = GetFixed32(p + 4);
  if (GetFixed32(p) != kRecordMagic || len > kMaxRecordPayload || !Fill(kRecordOverhead + len)) {
    clean_ = false;
    return false;
  }
  p = buf_.data() + pos_;
  if (GetFixed64(p + 16 + len) != XXH3_64bits(p + 8, 8 + len)) {
    clean_ = false;
    return false;
  }
  *seq = GetFixed64(p + 8);
  payload->assign(p + 16, len);
  pos_ += kRecordOverhead + len;
  return true;
}

}  // namespace sos::storage
