// BlockHash must give XXH3-64's values whatever code path it takes: blobs
// written before (or on another CPU) are verified with it.
#include "daemon/storage/block_hash.h"

#include <gtest/gtest.h>

#include <string>

namespace sos::storage {
namespace {

TEST(BlockHashTest, EqualsPlainXxh3ForEverySizeClass) {
  std::string data(3 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
  // The vector code paths start at different lengths (16, 128, 240 bytes, stripes, blocks).
  for (size_t size : {0, 1, 3, 16, 17, 128, 129, 240, 241, 1000, 1024, 4096, 65535, 1 << 20,
                      (1 << 20) + 13, 3 << 20}) {
    for (size_t offset : {0, 1, 7}) {
      if (offset + size > data.size()) continue;
      const char* p = data.data() + offset;
      EXPECT_EQ(BlockHash(p, size), XXH3_64bits(p, size)) << "size " << size << " offset " << offset;
    }
  }
  // A fixed value pins the algorithm itself (XXH3-64, seed 0, of "abc"): a
  // different hash would make every stored blob fail verification.
  EXPECT_EQ(BlockHash("abc", 3), uint64_t{0x78af5f94892f3950});
  EXPECT_NE(BlockHash("abc", 3), BlockHash("abd", 3));
}

}  // namespace
}  // namespace sos::storage
