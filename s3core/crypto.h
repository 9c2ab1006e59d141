// Hashes, HMAC, encodings and secure random values the S3 protocol needs,
// on OpenSSL.
//
// Digest classes hash a stream incrementally; the free functions hash one
// buffer. Results are raw bytes in a std::string unless the name says Hex or
// Base64. Objects are not thread-safe; free functions are.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "s3core/status.h"

namespace sos {

enum class DigestAlgorithm { kMd5, kSha1, kSha256 };

class Digest {
 public:
  explicit Digest(DigestAlgorithm algorithm);
  ~Digest();
  Digest(Digest&&) noexcept;
  Digest& operator=(Digest&&) noexcept;
  void Update(std::string_view data);
  // Raw digest bytes; the object must not be used afterwards.
  std::string Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string Md5(std::string_view data);
std::string Sha1(std::string_view data);
std::string Sha256(std::string_view data);
std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);
std::string HmacSha1(std::string_view key, std::string_view data);

std::string HexEncode(std::string_view bytes);  // lower case
// True when every character is a hex digit (either case); true for "".
bool IsHexDigits(std::string_view text);
std::optional<std::string> HexDecode(std::string_view hex);
std::string Base64Encode(std::string_view bytes);
// Strict: rejects bad characters and bad padding.
std::optional<std::string> Base64Decode(std::string_view text);

// Cryptographically secure random bytes (RAND_bytes), and n characters drawn
// uniformly from `alphabet` (no modulo bias): keys, secrets, nonces.
Result<std::string> RandomBytes(size_t n);
Result<std::string> RandomString(size_t n, std::string_view alphabet);

// Constant-time comparison, for signatures.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace sos
