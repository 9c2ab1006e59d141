#include "s3core/crypto.h"

#include <gtest/gtest.h>

namespace sos {
namespace {

TEST(CryptoTest, KnownDigests) {
  EXPECT_EQ(HexEncode(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexEncode(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  // RFC 4231 test case 2.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CryptoTest, StreamingEqualsOneShot) {
  Digest d(DigestAlgorithm::kSha256);
  d.Update("hello ");
  d.Update("world");
  EXPECT_EQ(d.Finish(), Sha256("hello world"));
}

TEST(CryptoTest, Base64) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Decode("Zg=="), "f");
  EXPECT_EQ(Base64Decode("Zm8="), "fo");
  EXPECT_EQ(Base64Decode("Zm9v"), "foo");
  EXPECT_FALSE(Base64Decode("Zm9"));
  EXPECT_FALSE(Base64Decode("Z=9v"));
  EXPECT_FALSE(Base64Decode("Zm9*"));
}

TEST(CryptoTest, Hex) {
  EXPECT_EQ(HexDecode("00ff10"), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(HexDecode("0"));
  EXPECT_FALSE(HexDecode("zz"));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
}

TEST(CryptoTest, RandomStringsUseOnlyTheAlphabetAndDiffer) {
  auto a = RandomString(40, "ABC012");
  auto b = RandomString(40, "ABC012");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 40u);
  EXPECT_EQ(a->find_first_not_of("ABC012"), std::string::npos) << *a;
  EXPECT_NE(*a, *b);
  EXPECT_EQ(RandomBytes(32)->size(), 32u);
  EXPECT_FALSE(RandomString(4, "").ok());
}

}  // namespace
}  // namespace sos
