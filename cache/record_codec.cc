#include "cache/record_codec.h"

#include <bit>
#include <cstring>

namespace sos {

static_assert(std::endian::native == std::endian::little, "record format is little-endian");

void RecordWriter::Fixed(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }

void RecordWriter::Str(std::string_view s) {
  U32(static_cast<uint32_t>(s.size()));
  out_.append(s);
}

void RecordWriter::Map(const std::map<std::string, std::string>& m) {
  U32(static_cast<uint32_t>(m.size()));
  for (const auto& [k, v] : m) {
    Str(k);
    Str(v);
  }
}

bool RecordReader::U8(uint8_t* v) {
  if (pos_ + 1 > in_.size()) return false;
  *v = static_cast<uint8_t>(in_[pos_++]);
  return true;
}

bool RecordReader::Fixed(void* p, size_t n) {
  if (pos_ + n > in_.size()) return false;
  std::memcpy(p, in_.data() + pos_, n);
  pos_ += n;
  return true;
}

bool RecordReader::Str(std::string* s) {
  uint32_t n;
  if (!U32(&n) || pos_ + n > in_.size()) return false;
  s->assign(in_.data() + pos_, n);
  pos_ += n;
  return true;
}

bool RecordReader::Map(std::map<std::string, std::string>* m) {
  uint32_t n;
  if (!U32(&n)) return false;
  m->clear();
  for (uint32_t i = 0; i < n; ++i) {
    std::string k, v;
    if (!Str(&k) || !Str(&v)) return false;
    (*m)[std::move(k)] = std::move(v);
  }
  return true;
}

std::string BigEndianKey(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

uint64_t FromBigEndianKey(std::string_view key) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < key.size(); ++i) v = (v << 8) | static_cast<uint8_t>(key[i]);
  return v;
}

}  // namespace sos
