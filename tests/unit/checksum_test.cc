#include "s3core/checksum.h"

#include <gtest/gtest.h>

#include <random>

#include "s3core/crypto.h"

namespace sos {
namespace {

constexpr ChecksumAlgorithm kAll[] = {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c,
                                      ChecksumAlgorithm::kCrc64Nvme, ChecksumAlgorithm::kSha1,
                                      ChecksumAlgorithm::kSha256};

std::string BigEndian(uint64_t v, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return out;
}

TEST(ChecksumTest, CheckValues) {
  // The catalogued "check" values of each CRC over "123456789".
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc64Nvme("123456789"), 0xAE8B14860A799888ULL);
  EXPECT_EQ(Crc32(""), 0u);
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc64Nvme(""), 0u);
}

TEST(ChecksumTest, MoreKnownVectors) {
  EXPECT_EQ(Crc32("hello world"), 0x0D4A1185u);
  EXPECT_EQ(Crc32c("hello world"), 0xC99465AAu);
  // RFC 3720 B.4: 32 bytes of zeros and of 0xFF.
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  // AWS's sigv4-streaming-trailers example: 66560 'a' -> CRC32C "sOO8/Q==".
  EXPECT_EQ(ComputeChecksum(ChecksumAlgorithm::kCrc32c, std::string(66560, 'a')), "sOO8/Q==");
}

TEST(ChecksumTest, Base64OfBigEndianDigest) {
  EXPECT_EQ(ComputeChecksum(ChecksumAlgorithm::kCrc32, "123456789"),
            Base64Encode(BigEndian(0xCBF43926u, 4)));
  EXPECT_EQ(ComputeChecksum(ChecksumAlgorithm::kCrc32, "hello world"), "DUoRhQ==");
  EXPECT_EQ(ComputeChecksum(ChecksumAlgorithm::kCrc32c, "hello world"), "yZRlqg==");
  EXPECT_EQ(ComputeChecksum(ChecksumAlgorithm::kCrc64Nvme, "123456789"),
            Base64Encode(BigEndian(0xAE8B14860A799888ULL, 8)));
  EXPECT_EQ(ComputeChecksum(ChecksumAlgorithm::kCrc32, ""), "AAAAAA==");
  EXPECT_EQ(ComputeChecksum(ChecksumAlgorithm::kCrc64Nvme, ""), "AAAAAAAAAAA=");
  EXPECT_EQ(ComputeChecksum(ChecksumAlgorithm::kSha1, "hello world"),
            "Kq5sNclPz7QV2+lfQIuc6R7oRu0=");
  EXPECT_EQ(ComputeChecksum(ChecksumAlgorithm::kSha256, "hello world"),
            "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=");
}

// A bit-at-a-time reference for CRC-64/NVME, to check the sliced tables on
// every alignment and length.
uint64_t Crc64NvmeBitwise(std::string_view data) {
  uint64_t crc = ~0ULL;
  for (unsigned char c : data) {
    crc ^= c;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ ((crc & 1) ? 0x9A6C9329AC4BC9B5ULL : 0);
  }
  return ~crc;
}

TEST(ChecksumTest, Crc64MatchesBitwiseReference) {
  std::mt19937 rng(42);
  std::string data(1000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t offset = 0; offset < 9; ++offset) {
    for (size_t len : {0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 500, 991}) {
      std::string_view slice(data.data() + offset, len);
      ASSERT_EQ(Crc64Nvme(slice), Crc64NvmeBitwise(slice)) << offset << "+" << len;
    }
  }
}

TEST(ChecksumTest, IncrementalEqualsOneShotForEveryAlgorithm) {
  std::mt19937 rng(7);
  std::string data(100000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (ChecksumAlgorithm a : kAll) {
    Checksummer c(a);
    size_t pos = 0;
    while (pos < data.size()) {
      size_t n = std::min<size_t>(rng() % 3000, data.size() - pos);
      c.Update(std::string_view(data).substr(pos, n));
      pos += n;
    }
    EXPECT_EQ(c.Finish(), ComputeChecksum(a, data)) << ChecksumAlgorithmName(a);
    // Byte by byte as well, on a shorter prefix.
    Checksummer b(a);
    for (size_t i = 0; i < 777; ++i) b.Update(std::string_view(data).substr(i, 1));
    EXPECT_EQ(b.Finish(), ComputeChecksum(a, data.substr(0, 777))) << ChecksumAlgorithmName(a);
  }
  // The raw functions continue from a previous value too.
  EXPECT_EQ(Crc32c("56789", Crc32c("1234")), 0xE3069283u);
  EXPECT_EQ(Crc32("56789", Crc32("1234")), 0xCBF43926u);
  EXPECT_EQ(Crc64Nvme("56789", Crc64Nvme("1234")), 0xAE8B14860A799888ULL);
}

TEST(ChecksumTest, DigestSizes) {
  for (ChecksumAlgorithm a : kAll) {
    Checksummer c(a);
    c.Update("x");
    EXPECT_EQ(c.FinishRaw().size(), ChecksumDigestSize(a)) << ChecksumAlgorithmName(a);
  }
}

TEST(ChecksumTest, ParsesHeaderAndAlgorithmNames) {
  EXPECT_EQ(ChecksumAlgorithmFromHeader("x-amz-checksum-crc32"), ChecksumAlgorithm::kCrc32);
  EXPECT_EQ(ChecksumAlgorithmFromHeader("X-Amz-Checksum-CRC32C"), ChecksumAlgorithm::kCrc32c);
  EXPECT_EQ(ChecksumAlgorithmFromHeader("x-amz-checksum-crc64nvme"), ChecksumAlgorithm::kCrc64Nvme);
  EXPECT_EQ(ChecksumAlgorithmFromHeader("x-amz-checksum-sha1"), ChecksumAlgorithm::kSha1);
  EXPECT_EQ(ChecksumAlgorithmFromHeader("x-amz-checksum-sha256"), ChecksumAlgorithm::kSha256);
  EXPECT_FALSE(ChecksumAlgorithmFromHeader("x-amz-checksum-md5"));
  EXPECT_FALSE(ChecksumAlgorithmFromHeader("x-amz-checksum-algorithm"));
  EXPECT_EQ(ChecksumAlgorithmFromName("CRC32"), ChecksumAlgorithm::kCrc32);
  EXPECT_EQ(ChecksumAlgorithmFromName("crc32c"), ChecksumAlgorithm::kCrc32c);
  EXPECT_EQ(ChecksumAlgorithmFromName("CRC64NVME"), ChecksumAlgorithm::kCrc64Nvme);
  EXPECT_EQ(ChecksumAlgorithmFromName("SHA1"), ChecksumAlgorithm::kSha1);
  EXPECT_EQ(ChecksumAlgorithmFromName("SHA256"), ChecksumAlgorithm::kSha256);
  EXPECT_FALSE(ChecksumAlgorithmFromName("MD5"));
  for (ChecksumAlgorithm a : kAll) {
    EXPECT_EQ(ChecksumAlgorithmFromHeader(ChecksumHeaderName(a)), a);
    EXPECT_EQ(ChecksumAlgorithmFromName(ChecksumAlgorithmName(a)), a);
  }
}

}  // namespace
}  // namespace sos
