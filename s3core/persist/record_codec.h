// Encoder / Decoder: the one binary record format of sos's on-disk state
// (sosfs's cache records, sosd's index records and journals).
//
// Records are built from a few primitives: bytes, LEB128 varints, fixed-width
// little-endian integers, varint-length-prefixed strings, and times as the
// int64 count of system_clock ticks (so a decoded record is byte-identical to
// the one written). Each record type starts with its own format version byte;
// the record types themselves live with their owners. Decoders are total:
// every getter returns false when the input ends or is malformed, never UB,
// and nothing is sized from a stored count before the bytes are there.
//
// BigEndianKey makes integer LMDB keys that sort numerically.
//
// Plain values and pure functions; thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace sos {

class Encoder {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  void Byte(uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void Varint(uint64_t v);
  void Fixed32(uint32_t v);
  void Fixed64(uint64_t v);
  void String(std::string_view s);
  void Map(const std::map<std::string, std::string>& m);  // count, then key/value strings
  void Time(TimePoint t);
  std::string& out() { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Decoder {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  explicit Decoder(std::string_view in) : in_(in) {}
  bool Byte(uint8_t* b);
  bool Varint(uint64_t* v);
  bool Fixed32(uint32_t* v);
  bool Fixed64(uint64_t* v);
  bool String(std::string* s);
  bool StringView(std::string_view* s);
  bool Map(std::map<std::string, std::string>* m);
  bool Time(TimePoint* t);
  // The next n bytes, as they are (for formats whose lengths are not varints).
  bool Bytes(uint64_t n, std::string_view* s);
  bool done() const { return in_.empty(); }
  std::string_view rest() const { return in_; }

 private:
  std::string_view in_;
};

void PutFixed32(char* p, uint32_t v);
void PutFixed64(char* p, uint64_t v);
uint32_t GetFixed32(const char* p);
uint64_t GetFixed64(const char* p);

// The low `bytes` bytes of v, most significant first (bytes <= 8).
std::string BigEndianKey(uint64_t v, int bytes = 8);
// The inverse over the first min(8, key.size()) bytes.
uint64_t FromBigEndianKey(std::string_view key);

}  // namespace sos
