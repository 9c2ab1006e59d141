// Journal file formats shared by the journal writer and its replay: file
// headers, record framing and a buffered sequential record reader.
//
// Log / snapshot file header (32 bytes): 8-byte magic ("SOSJLOG1" /
// "SOSJSNP1"), generation, first sequence number (log) or next sequence number
// (snapshot), XXH3 of the first 24 bytes. Record: "SOSR", u32 payload length,
// u64 seq, payload, u64 XXH3 of seq+payload. A snapshot's records have seq 0
// and it ends with a record of seq kSnapshotEnd whose payload is the varint
// count of records before it.
//
// Thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/storage/fs_util.h"

namespace sos::storage {

inline constexpr size_t kJournalHeaderSize = 32;
inline constexpr std::string_view kLogMagic = "SOSJLOG1";
inline constexpr std::string_view kSnapMagic = "SOSJSNP1";
inline constexpr uint32_t kRecordMagic = 0x52534f53;  // "SOSR"
inline constexpr size_t kRecordOverhead = 4 + 4 + 8 + 8;
inline constexpr uint64_t kSnapshotEnd = ~uint64_t{0};
inline constexpr uint32_t kMaxRecordPayload = 256u << 20;

struct JournalFileHeader {
  std::string magic;
  uint64_t gen = 0;
  uint64_t seq = 0;
};

std::string EncodeJournalHeader(std::string_view magic, uint64_t gen, uint64_t seq);
bool DecodeJournalHeader(std::string_view bytes, JournalFileHeader* h);

// Reads a journal file front to back.
class RecordReader {
 public:
  // Opens and validates the header.
  static Result<RecordReader> Open(const std::string& path);
  const JournalFileHeader& header() const { return header_; }
  // Next valid record; false at the end or at the first torn/corrupt record
  // (then clean() is false).
  bool Next(uint64_t* seq, std::string* payload);
  bool clean() const { return clean_; }

 private:
  RecordReader() = default;
  bool Fill(size_t n);  // ensures n bytes are buffered at pos_

  UniqueFd fd_;
  JournalFileHeader header_;
  uint64_t file_offset_ = 0;  // of buf_[0]
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  bool clean_ = true;
};

}  // namespace sos::storage
