// RecordWriter / RecordReader: the byte format of the values sosfs keeps in
// LMDB. Fixed-width little-endian integers and length-prefixed strings, with a
// version byte in front of every record so the format can evolve. Plain
// values; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace sos {

class RecordWriter {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U32(uint32_t v) { Fixed(&v, sizeof v); }
  void U64(uint64_t v) { Fixed(&v, sizeof v); }
  void I64(int64_t v) { Fixed(&v, sizeof v); }
  void Str(std::string_view s);
  void Map(const std::map<std::string, std::string>& m);
  const std::string& data() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void Fixed(const void* p, size_t n);  // little-endian hosts only (static_assert'ed)
  std::string out_;
};

// Reads what RecordWriter wrote; every getter returns false past the end.
class RecordReader {
 public:
  explicit RecordReader(std::string_view in) : in_(in) {}
  bool U8(uint8_t* v);
  bool U32(uint32_t* v) { return Fixed(v, sizeof *v); }
  bool U64(uint64_t* v) { return Fixed(v, sizeof *v); }
  bool I64(int64_t* v) { return Fixed(v, sizeof *v); }
  bool Str(std::string* s);
  bool Map(std::map<std::string, std::string>* m);
  bool done() const { return pos_ == in_.size(); }

 private:
  bool Fixed(void* p, size_t n);
  std::string_view in_;
  size_t pos_ = 0;
};

// Big-endian u64, so that LMDB's byte order sorts keys numerically.
std::string BigEndianKey(uint64_t v);
uint64_t FromBigEndianKey(std::string_view key);

}  // namespace sos
