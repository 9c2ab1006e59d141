#include "s3core/uri.h"

#include <gtest/gtest.h>

namespace sos {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(UriTest, EncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(UriEncode("AZaz09-._~", true), "AZaz09-._~");
  EXPECT_EQ(UriEncode("a b+c=d&e", true), "a%20b%2Bc%3Dd%26e");
  EXPECT_EQ(UriEncode("/a/b c/", false), "/a/b%20c/");
  EXPECT_EQ(UriEncode("/a/b", true), "%2Fa%2Fb");
  EXPECT_EQ(UriEncode("*!'()", true), "%2A%21%27%28%29");
  // UTF-8 is encoded byte-wise, upper-case hex.
  EXPECT_EQ(UriEncode("\xE1\x88\xB4", true), "%E1%88%B4");
  EXPECT_EQ(UriEncode(std::string_view("\0\xff", 2), true), "%00%FF");
}

TEST(UriTest, DecodeIsStrict) {
  EXPECT_EQ(UriDecode("a%20b%2fc%2F"), "a b/c/");
  EXPECT_EQ(UriDecode("%E1%88%b4"), "\xE1\x88\xB4");
  EXPECT_EQ(UriDecode("a+b"), "a+b");  // paths keep '+'
  EXPECT_EQ(UriDecode("a+b", /*plus_is_space=*/true), "a b");
  EXPECT_EQ(UriDecode("raw space ok"), "raw space ok");
  EXPECT_FALSE(UriDecode("%"));
  EXPECT_FALSE(UriDecode("%2"));
  EXPECT_FALSE(UriDecode("abc%4"));
  EXPECT_FALSE(UriDecode("%zz"));
  EXPECT_FALSE(UriDecode("%g0"));
}

TEST(UriTest, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(UriDecode(UriEncode(all, true)), all);
  EXPECT_EQ(UriDecode(UriEncode(all, false)), all);
}

TEST(UriTest, SplitTarget) {
  EXPECT_EQ(SplitTarget("/a/b?x=1&y").first, "/a/b");
  EXPECT_EQ(SplitTarget("/a/b?x=1&y").second, "x=1&y");
  EXPECT_EQ(SplitTarget("/a?b?c").second, "b?c");
  EXPECT_EQ(SplitTarget("/plain").second, "");
}

TEST(UriTest, ParseQueryKeepsOrderEmptyValuesAndBareKeys) {
  auto q = ParseQuery("b=2&a=1&acl&empty=&x=%20y+z&&e%3D=%26");
  ASSERT_TRUE(q);
  EXPECT_EQ(
      *q, (Pairs{{"b", "2"}, {"a", "1"}, {"acl", ""}, {"empty", ""}, {"x", " y z"}, {"e=", "&"}}));
  EXPECT_EQ(ParseQuery("")->size(), 0u);
  EXPECT_FALSE(ParseQuery("a=%zz"));
  EXPECT_FALSE(ParseQuery("%=1"));
}

TEST(UriTest, CanonicalQueryStringSortsByEncodedNameThenValue) {
  EXPECT_EQ(CanonicalQueryString({{"b", "2"}, {"a", "y"}, {"a", "x"}, {"acl", ""}}),
            "a=x&a=y&acl=&b=2");
  // Sorting happens on the encoded form: "%E1..." < "P" because '%' < 'P'.
  EXPECT_EQ(CanonicalQueryString({{"Param", "v"}, {"\xE1\x88\xB4", "w"}}), "%E1%88%B4=w&Param=v");
  // Upper case sorts before lower case (byte order).
  EXPECT_EQ(CanonicalQueryString({{"a", "1"}, {"B", "2"}}), "B=2&a=1");
  EXPECT_EQ(CanonicalQueryString({{"k", "a b/c+d"}}), "k=a%20b%2Fc%2Bd");
  EXPECT_EQ(CanonicalQueryString({}), "");
}

}  // namespace
}  // namespace sos
