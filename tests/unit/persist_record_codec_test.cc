// The one record codec (s3core/persist/record_codec.h): every primitive round
// trips, and a decoder refuses every truncation of a valid record.
#include <gtest/gtest.h>

#include <limits>

#include "s3core/persist/record_codec.h"

namespace sos {
namespace {

std::string Sample() {
  Encoder e;
  e.Byte(7);
  e.Varint(0);
  e.Varint(127);
  e.Varint(128);
  e.Varint(std::numeric_limits<uint64_t>::max());
  e.Fixed32(0xdeadbeef);
  e.Fixed64(0x0123456789abcdefULL);
  e.String("");
  e.String(std::string(300, 's'));
  e.Map({{"a", "1"}, {"b", ""}});
  e.Time(Encoder::TimePoint(std::chrono::nanoseconds(-5)));
  return e.Take();
}

bool DecodeSample(std::string_view in) {
  Decoder d(in);
  uint8_t b;
  uint64_t v0, v1, v2, v3, f64;
  uint32_t f32;
  std::string empty, longer;
  std::map<std::string, std::string> m;
  Decoder::TimePoint t;
  if (!d.Byte(&b) || !d.Varint(&v0) || !d.Varint(&v1) || !d.Varint(&v2) || !d.Varint(&v3) ||
      !d.Fixed32(&f32) || !d.Fixed64(&f64) || !d.String(&empty) || !d.String(&longer) ||
      !d.Map(&m) || !d.Time(&t)) {
    return false;
  }
  EXPECT_EQ(b, 7);
  EXPECT_EQ(v0, 0u);
  EXPECT_EQ(v1, 127u);
  EXPECT_EQ(v2, 128u);
  EXPECT_EQ(v3, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(f32, 0xdeadbeefu);
  EXPECT_EQ(f64, 0x0123456789abcdefULL);
  EXPECT_EQ(empty, "");
  EXPECT_EQ(longer, std::string(300, 's'));
  EXPECT_EQ(m, (std::map<std::string, std::string>{{"a", "1"}, {"b", ""}}));
  EXPECT_EQ(t.time_since_epoch(), std::chrono::nanoseconds(-5));
  return d.done();
}

TEST(RecordCodecTest, EveryPrimitiveRoundTrips) {
  std::string s = Sample();
  EXPECT_TRUE(DecodeSample(s));
  // Fixed-width integers are little-endian whatever the host.
  Encoder e;
  e.Fixed32(1);
  EXPECT_EQ(e.Take(), std::string("\x01\x00\x00\x00", 4));
}

TEST(RecordCodecTest, EveryTruncationIsRefused) {
  std::string s = Sample();
  for (size_t n = 0; n < s.size(); ++n) EXPECT_FALSE(DecodeSample(s.substr(0, n))) << n;
}

TEST(RecordCodecTest, HugeCountsAndOverlongVarintsFailWithoutAllocating) {
  Encoder e;
  e.Varint(std::numeric_limits<uint64_t>::max());  // a map of 2^64-1 pairs, none stored
  std::map<std::string, std::string> m;
  EXPECT_FALSE(Decoder(e.out()).Map(&m));
  std::string s;
  EXPECT_FALSE(Decoder(e.out()).String(&s));  // a string longer than the input
  uint64_t v;
  EXPECT_FALSE(Decoder(std::string(11, '\x80')).Varint(&v));  // never terminates
  std::string_view bytes;
  Decoder d("abc");
  EXPECT_FALSE(d.Bytes(4, &bytes));
  EXPECT_TRUE(d.Bytes(3, &bytes));
  EXPECT_EQ(bytes, "abc");
}

TEST(RecordCodecTest, BigEndianKeysSortNumerically) {
  EXPECT_LT(BigEndianKey(255), BigEndianKey(256));
  EXPECT_LT(BigEndianKey(1, 4), BigEndianKey(0x01000000, 4));
  EXPECT_EQ(BigEndianKey(0x0102, 2), std::string("\x01\x02", 2));
  EXPECT_EQ(FromBigEndianKey(BigEndianKey(0x0123456789abcdefULL)), 0x0123456789abcdefULL);
}

}  // namespace
}  // namespace sos
