// Object tags: the x-amz-tagging header, the Tagging document and S3's limits.
#include <gtest/gtest.h>

#include "daemon/s3api/object_tags.h"
#include "s3core/xml_codec.h"

namespace sos::s3api {
namespace {

TEST(ObjectTagsTest, HeaderIsAUrlQuery) {
  auto tags = ParseTaggingHeader("project=sos&note=a+b%26c&empty=&bare");
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  EXPECT_EQ(*tags, (ObjectTags{{"project", "sos"}, {"note", "a b&c"}, {"empty", ""}, {"bare", ""}}));
  EXPECT_TRUE(ParseTaggingHeader("")->empty());
  EXPECT_EQ(ParseTaggingHeader("a=1&a=2").status().s3_code(), "InvalidTag");
  EXPECT_EQ(ParseTaggingHeader("a=%zz").status().s3_code(), "InvalidTag");
  EXPECT_EQ(ParseTaggingHeader("=v").status().s3_code(), "InvalidTag");
}

TEST(ObjectTagsTest, LimitsAreS3s) {
  ObjectTags ten;
  for (int i = 0; i < 10; ++i) ten["k" + std::to_string(i)] = "v";
  EXPECT_TRUE(ValidateObjectTags(ten).ok());
  ten["k10"] = "v";
  EXPECT_EQ(ValidateObjectTags(ten).s3_code(), "BadRequest");
  std::string header;
  for (int i = 0; i < 100; ++i) header += "k" + std::to_string(i) + "=v&";
  EXPECT_EQ(ParseTaggingHeader(header).status().s3_code(), "BadRequest");

  // Lengths count characters, not bytes: 128 two-byte characters fit a key.
  std::string e_acute;
  for (int i = 0; i < 128; ++i) e_acute += "\xC3\xA9";
  EXPECT_TRUE(ValidateObjectTags({{e_acute, std::string(256, 'v')}}).ok());
  EXPECT_EQ(ValidateObjectTags({{e_acute + "x", "v"}}).s3_code(), "InvalidTag");
  EXPECT_EQ(ValidateObjectTags({{"k", std::string(257, 'v')}}).s3_code(), "InvalidTag");
  EXPECT_EQ(ValidateObjectTags({{"aws:owner", "v"}}).s3_code(), "InvalidTag");
  EXPECT_EQ(ValidateObjectTags({{"k", "\xFF"}}).s3_code(), "InvalidTag");
  EXPECT_EQ(ParseTaggingHeader("k=a%00b").status().s3_code(), "InvalidTag");
  EXPECT_EQ(ParseTaggingHeader("k%01=v").status().s3_code(), "InvalidTag");
  EXPECT_EQ(ParseTaggingHeader("k=tab%09").status().s3_code(), "InvalidTag");
}

TEST(ObjectTagsTest, TaggingDocumentRoundTrips) {
  const ObjectTags tags = {{"a", "1"}, {"b <&>", ""}};
  auto back = DecodeTagging(EncodeTagging(tags));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, tags);
  EXPECT_TRUE(DecodeTagging(EncodeTagging({}))->empty());
  const std::string twice =
      "<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag>"
      "<Tag><Key>a</Key><Value>2</Value></Tag></TagSet></Tagging>";
  EXPECT_EQ(DecodeTagging(twice).status().s3_code(), "InvalidTag");
  EXPECT_EQ(DecodeTagging("<Tagging/>").status().s3_code(), "MalformedXML");
  EXPECT_EQ(DecodeTagging("<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>")
                .status()
                .s3_code(),
            "MalformedXML");
}

}  // namespace
}  // namespace sos::s3api
