// The additional checksums of S3 (x-amz-checksum-*): CRC32, CRC32C,
// CRC64/NVME, SHA-1 and SHA-256, computed incrementally.
//
// A Checksummer is fed the object bytes in any slicing and yields the value
// as S3 sends it: base64 of the big-endian digest. CRC32/CRC32C use ISA-L,
// the SHAs OpenSSL (crypto.h); CRC64/NVME is table-driven here. The raw CRC
// functions follow the zlib convention: pass the previous result (0 to
// start) to continue. Checksummer objects are not thread-safe; the free
// functions are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sos {

enum class ChecksumAlgorithm { kCrc32, kCrc32c, kCrc64Nvme, kSha1, kSha256 };

// "x-amz-checksum-crc32" (any case) -> kCrc32, ...; nullopt if not one of them.
std::optional<ChecksumAlgorithm> ChecksumAlgorithmFromHeader(std::string_view header_name);
// Values of x-amz-checksum-algorithm / x-amz-sdk-checksum-algorithm:
// "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256" (any case).
std::optional<ChecksumAlgorithm> ChecksumAlgorithmFromName(std::string_view name);
std::string_view ChecksumHeaderName(ChecksumAlgorithm algorithm);     // "x-amz-checksum-crc32"
std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm);  // "CRC32"
size_t ChecksumDigestSize(ChecksumAlgorithm algorithm);               // raw bytes: 4, 4, 8, 20, 32

uint32_t Crc32(std::string_view data, uint32_t previous = 0);
uint32_t Crc32c(std::string_view data, uint32_t previous = 0);
uint64_t Crc64Nvme(std::string_view data, uint64_t previous = 0);

class Checksummer {
 public:
  explicit Checksummer(ChecksumAlgorithm algorithm);
  ~Checksummer();
  Checksummer(Checksummer&&) noexcept;
  Checksummer& operator=(Checksummer&&) noexcept;

  ChecksumAlgorithm algorithm() const { return algorithm_; }
  void Update(std::string_view data);
  // Raw big-endian digest bytes; the object must not be used afterwards.
  std::string FinishRaw();
  // Base64 of FinishRaw(), as in the x-amz-checksum-* headers.
  std::string Finish();

 private:
  struct Sha;
  ChecksumAlgorithm algorithm_;
  uint64_t crc_ = 0;
  std::unique_ptr<Sha> sha_;
};

// Base64 checksum of one buffer.
std::string ComputeChecksum(ChecksumAlgorithm algorithm, std::string_view data);

}  // namespace sos
