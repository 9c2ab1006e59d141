#include "s3core/checksum.h"

#include <isa-l/crc.h>

#include <array>
#include <cstring>

#include "s3core/crypto.h"
#include "s3core/http_request_head.h"

namespace sos {
namespace {

struct AlgorithmInfo {
  ChecksumAlgorithm algorithm;
  std::string_view name;
  std::string_view header;
  size_t size;
};

constexpr AlgorithmInfo kAlgorithms[] = {
    {ChecksumAlgorithm::kCrc32, "CRC32", "x-amz-checksum-crc32", 4},
    {ChecksumAlgorithm::kCrc32c, "CRC32C", "x-amz-checksum-crc32c", 4},
    {ChecksumAlgorithm::kCrc64Nvme, "CRC64NVME", "x-amz-checksum-crc64nvme", 8},
    {ChecksumAlgorithm::kSha1, "SHA1", "x-amz-checksum-sha1", 20},
    {ChecksumAlgorithm::kSha256, "SHA256", "x-amz-checksum-sha256", 32},
};

const AlgorithmInfo& Info(ChecksumAlgorithm algorithm) {
  for (const auto& info : kAlgorithms) {
    if (info.algorithm == algorithm) return info;
  }
  return kAlgorithms[0];
}

// ISA-L 2.30 (Debian 12) has no CRC-64/NVME and no packaged library does, so
// it is computed here: reflected poly 0xAD93D23594C93659, slice-by-8 tables.
constexpr uint64_t kCrc64NvmeReflectedPoly = 0x9A6C9329AC4BC9B5ULL;

using Crc64Tables = std::array<std::array<uint64_t, 256>, 8>;

constexpr Crc64Tables MakeCrc64Tables() {
  Crc64Tables t{};
  for (uint64_t i = 0; i < 256; ++i) {
    uint64_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? kCrc64NvmeReflectedPoly : 0);
    t[0][i] = crc;
  }
  for (size_t k = 1; k < 8; ++k) {
    for (size_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFF];
  }
  return t;
}

constexpr Crc64Tables kCrc64Tables = MakeCrc64Tables();

}  // namespace

std::optional<ChecksumAlgorithm> ChecksumAlgorithmFromHeader(std::string_view header_name) {
  for (const auto& info : kAlgorithms) {
    if (EqualsIgnoreCase(header_name, info.header)) return info.algorithm;
  }
  return std::nullopt;
}

std::optional<ChecksumAlgorithm> ChecksumAlgorithmFromName(std::string_view name) {
  for (const auto& info : kAlgorithms) {
    if (EqualsIgnoreCase(name, info.name)) return info.algorithm;
  }
  return std::nullopt;
}

std::string_view ChecksumHeaderName(ChecksumAlgorithm algorithm) { return Info(algorithm).header; }
std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm) { return Info(algorithm).name; }
size_t ChecksumDigestSize(ChecksumAlgorithm algorithm) { return Info(algorithm).size; }

uint32_t Crc32(std::string_view data, uint32_t previous) {
  // crc32_gzip_refl does the pre- and post-inversion itself (zlib convention).
  return crc32_gzip_refl(previous, reinterpret_cast<const unsigned char*>(data.data()),
                         data.size());
}

uint32_t Crc32c(std::string_view data, uint32_t previous) {
  // crc32_iscsi is the raw register update: invert on the way in and out,
  // and feed it at most INT_MAX bytes at a time (its length is an int).
  uint32_t crc = ~previous;
  auto* p = reinterpret_cast<unsigned char*>(const_cast<char*>(data.data()));
  size_t left = data.size();
  while (left > 0) {
    int n = left > (1u << 30) ? (1 << 30) : static_cast<int>(left);
    crc = crc32_iscsi(p, n, crc);
    p += n;
    left -= static_cast<size_t>(n);
  }
  return ~crc;
}

uint64_t Crc64Nvme(std::string_view data, uint64_t previous) {
  const auto& t = kCrc64Tables;
  uint64_t crc = ~previous;
  auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  while (n >= 8) {
    uint64_t word = 0;
    for (int i = 7; i >= 0; --i) word = (word << 8) | p[i];  // little-endian load
    crc ^= word;
    crc = t[7][crc & 0xFF] ^ t[6][(crc >> 8) & 0xFF] ^ t[5][(crc >> 16) & 0xFF] ^
          t[4][(crc >> 24) & 0xFF] ^ t[3][(crc >> 32) & 0xFF] ^ t[2][(crc >> 40) & 0xFF] ^
          t[1][(crc >> 48) & 0xFF] ^ t[0][crc >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xFF];
  return ~crc;
}

struct Checksummer::Sha {
  explicit Sha(DigestAlgorithm a) : digest(a) {}
  Digest digest;
};

Checksummer::Checksummer(ChecksumAlgorithm algorithm) : algorithm_(algorithm) {
  if (algorithm == ChecksumAlgorithm::kSha1) sha_ = std::make_unique<Sha>(DigestAlgorithm::kSha1);
  if (algorithm == ChecksumAlgorithm::kSha256) {
    sha_ = std::make_unique<Sha>(DigestAlgorithm::kSha256);
  }
}
Checksummer::~Checksummer() = default;
Checksummer::Checksummer(Checksummer&&) noexcept = default;
Checksummer& Checksummer::operator=(Checksummer&&) noexcept = default;

void Checksummer::Update(std::string_view data) {
  switch (algorithm_) {
    case ChecksumAlgorithm::kCrc32:
      crc_ = Crc32(data, static_cast<uint32_t>(crc_));
      break;
    case ChecksumAlgorithm::kCrc32c:
      crc_ = Crc32c(data, static_cast<uint32_t>(crc_));
      break;
    case ChecksumAlgorithm::kCrc64Nvme:
      crc_ = Crc64Nvme(data, crc_);
      break;
    case ChecksumAlgorithm::kSha1:
    case ChecksumAlgorithm::kSha256:
      sha_->digest.Update(data);
      break;
  }
}

std::string Checksummer::FinishRaw() {
  if (sha_) return sha_->digest.Finish();
  size_t size = ChecksumDigestSize(algorithm_);
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    out[i] = static_cast<char>((crc_ >> (8 * (size - 1 - i))) & 0xFF);
  }
  return out;
}

std::string Checksummer::Finish() { return Base64Encode(FinishRaw()); }

std::string ComputeChecksum(ChecksumAlgorithm algorithm, std::string_view data) {
  Checksummer c(algorithm);
  c.Update(data);
  return c.Finish();
}

}  // namespace sos
