#include "s3core/persist/record_codec.h"

namespace sos {

void PutFixed32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
void PutFixed64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
uint32_t GetFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}
uint64_t GetFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}

std::string BigEndianKey(uint64_t v, int bytes) {
  std::string out(static_cast<size_t>(bytes), '\0');
  for (int i = bytes - 1; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

uint64_t FromBigEndianKey(std::string_view key) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < key.size(); ++i) v = (v << 8) | static_cast<uint8_t>(key[i]);
  return v;
}

void Encoder::Varint(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void Encoder::Fixed32(uint32_t v) {
  char b[4];
  PutFixed32(b, v);
  out_.append(b, 4);
}

void Encoder::Fixed64(uint64_t v) {
  char b[8];
  PutFixed64(b, v);
  out_.append(b, 8);
}

void Encoder::String(std::string_view s) {
  Varint(s.size());
  out_.append(s);
}

void Encoder::Map(const std::map<std::string, std::string>& m) {
  Varint(m.size());
  for (const auto& [k, v] : m) {
    String(k);
    String(v);
  }
}

void Encoder::Time(TimePoint t) { Fixed64(static_cast<uint64_t>(t.time_since_epoch().count())); }

bool Decoder::Byte(uint8_t* b) {
  if (in_.empty()) return false;
  *b = static_cast<uint8_t>(in_[0]);
  in_.remove_prefix(1);
  return true;
}

bool Decoder::Varint(uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in_.empty()) return false;
    uint8_t b = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    result |= uint64_t{b & 0x7fu} << shift;
    if ((b & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

bool Decoder::Fixed32(uint32_t* v) {
  if (in_.size() < 4) return false;
  *v = GetFixed32(in_.data());
  in_.remove_prefix(4);
  return true;
}

bool Decoder::Fixed64(uint64_t* v) {
  if (in_.size() < 8) return false;
  *v = GetFixed64(in_.data());
  in_.remove_prefix(8);
  return true;
}

bool Decoder::Bytes(uint64_t n, std::string_view* s) {
  if (n > in_.size()) return false;
  *s = in_.substr(0, n);
  in_.remove_prefix(n);
  return true;
}

bool Decoder::StringView(std::string_view* s) {
  uint64_t n;
  return Varint(&n) && Bytes(n, s);
}

bool Decoder::String(std::string* s) {
  std::string_view v;
  if (!StringView(&v)) return false;
  s->assign(v);
  return true;
}

bool Decoder::Map(std::map<std::string, std::string>* m) {
  uint64_t n;
  if (!Varint(&n)) return false;
  m->clear();
  for (uint64_t i = 0; i < n; ++i) {  // each pair consumes input, so n is bounded by it
    std::string k, v;
    if (!String(&k) || !String(&v)) return false;
    (*m)[std::move(k)] = std::move(v);
  }
  return true;
}

bool Decoder::Time(TimePoint* t) {
  uint64_t raw;
  if (!Fixed64(&raw)) return false;
  *t = TimePoint(TimePoint::duration(static_cast<int64_t>(raw)));
  return true;
}

}  // namespace sos
