#include "s3core/xml_codec.h"

#include <gtest/gtest.h>

#include <pugixml.hpp>
#include <string>

#include "s3core/time_format.h"

namespace sos {
namespace {

TimePoint T(const char* iso) {
  auto t = ParseIso8601Extended(iso);
  EXPECT_TRUE(t.has_value()) << iso;
  return t.value_or(TimePoint{});
}

void ExpectMalformed(const Status& s, const char* code = "MalformedXML") {
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_EQ(s.s3_code(), code) << s.ToString();
}

ObjectMeta Obj(std::string key, uint64_t size, std::string etag, const char* when) {
  ObjectMeta m;
  m.key = std::move(key);
  m.size = size;
  m.etag = std::move(etag);
  m.last_modified = T(when);
  m.storage_class = "STANDARD";
  return m;
}

void ExpectSameObjects(const std::vector<ObjectMeta>& a, const std::vector<ObjectMeta>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].key, b[i].key);
    EXPECT_EQ(a[i].size, b[i].size);
    EXPECT_EQ(a[i].etag, b[i].etag);
    EXPECT_EQ(a[i].last_modified, b[i].last_modified);
    EXPECT_EQ(a[i].storage_class, b[i].storage_class);
    EXPECT_EQ(a[i].owner.has_value(), b[i].owner.has_value());
    if (a[i].owner && b[i].owner) {
      EXPECT_EQ(a[i].owner->id, b[i].owner->id);
      EXPECT_EQ(a[i].owner->display_name, b[i].owner->display_name);
    }
    EXPECT_EQ(a[i].user_meta, b[i].user_meta);
  }
}

// Keys that stress escaping: XML specials, quotes, UTF-8, whitespace, a
// carriage return (which XML parsers normalise unless escaped) and a tab.
const std::vector<std::string> kNastyKeys = {
    "a&b<c>d\"e'f",
    "dir/\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E.txt",  // 日本語
    " lead and trail ",
    "cr\rlf\r\nnl\ttab",
    "]]>cdata-end",
    "100%+plus sign",
    " "};

// ---- Buckets ---------------------------------------------------------------

TEST(XmlCodecTest, ListAllMyBucketsRoundTrip) {
  ListAllMyBucketsXml in;
  in.owner = {"owner-id", "Owner & Co"};
  in.buckets = {{"alpha", T("2020-01-02T03:04:05.678Z")}, {"beta", T("2021-06-07T08:09:10.000Z")}};
  std::string xml = EncodeListAllMyBucketsResult(in);
  EXPECT_NE(xml.find("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), std::string::npos);
  EXPECT_NE(xml.find("<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"),
            std::string::npos);
  EXPECT_NE(xml.find("<CreationDate>2020-01-02T03:04:05.678Z</CreationDate>"), std::string::npos);
  auto out = DecodeListAllMyBucketsResult(xml);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->owner.id, "owner-id");
  EXPECT_EQ(out->owner.display_name, "Owner & Co");
  ASSERT_EQ(out->buckets.size(), 2u);
  EXPECT_EQ(out->buckets[0].name, "alpha");
  EXPECT_EQ(out->buckets[0].creation_date, in.buckets[0].creation_date);
  EXPECT_EQ(out->buckets[1].name, "beta");
}

TEST(XmlCodecTest, ListAllMyBucketsAwsSample) {
  // From the ListBuckets page of the Amazon S3 API reference (note the
  // namespace without its trailing slash, as printed there).
  const char* xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01">
  <Owner>
    <ID>bcaf1ffd86f461ca5fb16fd081034f</ID>
    <DisplayName>webfile</DisplayName>
  </Owner>
  <Buckets>
    <Bucket>
      <Name>quotes</Name>
      <CreationDate>2006-02-03T16:45:09.000Z</CreationDate>
    </Bucket>
    <Bucket>
      <Name>samples</Name>
      <CreationDate>2006-02-03T16:41:58.000Z</CreationDate>
    </Bucket>
  </Buckets>
</ListAllMyBucketsResult>)";
  auto out = DecodeListAllMyBucketsResult(xml);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->owner.id, "bcaf1ffd86f461ca5fb16fd081034f");
  EXPECT_EQ(out->owner.display_name, "webfile");
  ASSERT_EQ(out->buckets.size(), 2u);
  EXPECT_EQ(out->buckets[1].name, "samples");
  EXPECT_EQ(FormatIso8601Extended(out->buckets[1].creation_date), "2006-02-03T16:41:58.000Z");
}

TEST(XmlCodecTest, BucketWithoutNameIsRejected) {
  ExpectMalformed(DecodeListAllMyBucketsResult(
                      "<ListAllMyBucketsResult><Buckets><Bucket><CreationDate>2006-02-03T16:45:"
                      "09.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>")
                      .status());
}

TEST(XmlCodecTest, LocationVersioningCreateBucket) {
  auto loc = DecodeLocationConstraint(EncodeLocationConstraint("eu-west-1"));
  ASSERT_TRUE(loc.ok());
  EXPECT_EQ(*loc, "eu-west-1");
  auto empty = DecodeLocationConstraint(EncodeLocationConstraint(""));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
  // AWS sample for GetBucketLocation.
  auto sample = DecodeLocationConstraint(
      R"(<?xml version="1.0" encoding="UTF-8"?>
<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">Europe</LocationConstraint>)");
  ASSERT_TRUE(sample.ok());
  EXPECT_EQ(*sample, "Europe");

  auto cfg = DecodeCreateBucketConfiguration(EncodeCreateBucketConfiguration("ap-south-1"));
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(*cfg, "ap-south-1");
  auto aws_cfg = DecodeCreateBucketConfiguration(
      R"(<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <LocationConstraint>Europe</LocationConstraint>
</CreateBucketConfiguration>)");
  ASSERT_TRUE(aws_cfg.ok());
  EXPECT_EQ(*aws_cfg, "Europe");

  std::string never = EncodeVersioningConfiguration({});
  EXPECT_NE(never.find("<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                       "</VersioningConfiguration>"),
            std::string::npos);
  auto v0 = DecodeVersioningConfiguration(never);
  ASSERT_TRUE(v0.ok());
  EXPECT_EQ(v0->status, "");
  auto v1 = DecodeVersioningConfiguration(EncodeVersioningConfiguration({"Suspended", "Disabled"}));
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->status, "Suspended");
  EXPECT_EQ(v1->mfa_delete, "Disabled");
  ExpectMalformed(DecodeVersioningConfiguration(
                      "<VersioningConfiguration><Status>On</Status></VersioningConfiguration>")
                      .status());
}

// ---- ListBucketResult ------------------------------------------------------

ListBucketXml SampleListing(bool v2) {
  ListBucketXml doc;
  doc.v2 = v2;
  doc.name = "bucket";
  doc.prefix = "photos/";
  doc.delimiter = "/";
  doc.max_keys = 3;
  ObjectMeta a = Obj("photos/a.jpg", 434234, "\"fba9dede5f27731c9771645a39863328\"",
                     "2009-10-12T17:50:30.000Z");
  a.owner = Owner{"75aa57f0", "mtd"};
  ObjectMeta b =
      Obj("photos/b.jpg", 0, "\"d41d8cd98f00b204e9800998ecf8427e\"", "2019-01-01T00:00:00.123Z");
  b.storage_class = "STANDARD_IA";
  doc.page.objects = {a, b};
  doc.page.common_prefixes = {"photos/2006/"};
  doc.page.is_truncated = true;
  if (v2) {
    doc.continuation_token = "tok-1";
    doc.start_after = "photos/0";
    doc.page.next_token = "tok-2";
  } else {
    doc.marker = "photos/";
    doc.page.next_token = "photos/2006/";
  }
  return doc;
}

TEST(XmlCodecTest, ListBucketV2RoundTrip) {
  ListBucketXml in = SampleListing(true);
  std::string xml = EncodeListBucketResult(in);
  EXPECT_NE(xml.find("<KeyCount>3</KeyCount>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<NextContinuationToken>tok-2</NextContinuationToken>"), std::string::npos);
  EXPECT_EQ(xml.find("<Marker>"), std::string::npos);
  EXPECT_EQ(xml.find("EncodingType"), std::string::npos);
  auto out = DecodeListBucketResult(xml);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(out->v2);
  EXPECT_EQ(out->name, "bucket");
  EXPECT_EQ(out->prefix, "photos/");
  EXPECT_EQ(out->delimiter, "/");
  EXPECT_EQ(out->max_keys, 3);
  EXPECT_EQ(out->key_count, 3);
  EXPECT_EQ(out->continuation_token, "tok-1");
  EXPECT_EQ(out->start_after, "photos/0");
  EXPECT_TRUE(out->page.is_truncated);
  EXPECT_EQ(out->page.next_token, "tok-2");
  ExpectSameObjects(out->page.objects, in.page.objects);
  EXPECT_EQ(out->page.common_prefixes, in.page.common_prefixes);
}

TEST(XmlCodecTest, ListBucketV1RoundTrip) {
  ListBucketXml in = SampleListing(false);
  std::string xml = EncodeListBucketResult(in);
  EXPECT_NE(xml.find("<Marker>photos/</Marker>"), std::string::npos);
  EXPECT_NE(xml.find("<NextMarker>photos/2006/</NextMarker>"), std::string::npos);
  EXPECT_EQ(xml.find("KeyCount"), std::string::npos);
  auto out = DecodeListBucketResult(xml);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_FALSE(out->v2);
  EXPECT_EQ(out->marker, "photos/");
  EXPECT_EQ(out->page.next_token, "photos/2006/");
  ExpectSameObjects(out->page.objects, in.page.objects);
}

TEST(XmlCodecTest, TruncatedV1WithoutNextMarkerContinuesAfterLastEntry) {
  const char* xml = R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><Prefix/><Marker/><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>
  <Contents><Key>a</Key><Size>1</Size></Contents>
  <Contents><Key>b</Key><Size>1</Size></Contents>
</ListBucketResult>)";
  auto out = DecodeListBucketResult(xml);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->page.next_token, "b");
  // A truncated v2 page must carry its token.
  ExpectMalformed(DecodeListBucketResult("<ListBucketResult><KeyCount>0</KeyCount><IsTruncated>"
                                         "true</IsTruncated></ListBucketResult>")
                      .status());
}

TEST(XmlCodecTest, ListObjectsV1AwsSample) {
  const char* xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
    <Name>bucket</Name>
    <Prefix/>
    <Marker/>
    <MaxKeys>1000</MaxKeys>
    <IsTruncated>false</IsTruncated>
    <Contents>
        <Key>my-image.jpg</Key>
        <LastModified>2009-10-12T17:50:30.000Z</LastModified>
        <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>
        <Size>434234</Size>
        <StorageClass>STANDARD</StorageClass>
        <Owner>
            <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
            <DisplayName>mtd@amazon.com</DisplayName>
        </Owner>
    </Contents>
    <Contents>
       <Key>my-third-image.jpg</Key>
         <LastModified>2009-10-12T17:50:30.000Z</LastModified>
        <ETag>&quot;1b2cf535f27731c974343645a3985328&quot;</ETag>
        <Size>64994</Size>
        <StorageClass>STANDARD_IA</StorageClass>
        <Owner>
            <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
            <DisplayName>mtd@amazon.com</DisplayName>
        </Owner>
    </Contents>
</ListBucketResult>)";
  auto out = DecodeListBucketResult(xml);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_FALSE(out->v2);
  EXPECT_EQ(out->name, "bucket");
  EXPECT_EQ(out->prefix, "");
  EXPECT_EQ(out->max_keys, 1000);
  EXPECT_FALSE(out->page.is_truncated);
  ASSERT_EQ(out->page.objects.size(), 2u);
  const ObjectMeta& m = out->page.objects[0];
  EXPECT_EQ(m.key, "my-image.jpg");
  EXPECT_EQ(m.etag, "\"fba9dede5f27731c9771645a39863328\"");
  EXPECT_EQ(m.size, 434234u);
  EXPECT_EQ(FormatIso8601Extended(m.last_modified), "2009-10-12T17:50:30.000Z");
  ASSERT_TRUE(m.owner.has_value());
  EXPECT_EQ(m.owner->display_name, "mtd@amazon.com");
  EXPECT_EQ(out->page.objects[1].storage_class, "STANDARD_IA");
}

TEST(XmlCodecTest, ListObjectsV1DelimiterAwsSample) {
  const char* xml = R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>example-bucket</Name>
  <Prefix>photos/2006/</Prefix>
  <Marker></Marker>
  <MaxKeys>1000</MaxKeys>
  <Delimiter>/</Delimiter>
  <IsTruncated>false</IsTruncated>
  <CommonPrefixes>
    <Prefix>photos/2006/February/</Prefix>
  </CommonPrefixes>
  <CommonPrefixes>
    <Prefix>photos/2006/January/</Prefix>
  </CommonPrefixes>
</ListBucketResult>)";
  auto out = DecodeListBucketResult(xml);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->prefix, "photos/2006/");
  EXPECT_EQ(out->delimiter, "/");
  EXPECT_TRUE(out->page.objects.empty());
  EXPECT_EQ(out->page.common_prefixes,
            (std::vector<std::string>{"photos/2006/February/", "photos/2006/January/"}));
}

TEST(XmlCodecTest, ListObjectsV2AwsSamples) {
  const char* start_after = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>quotes</Name>
  <Prefix>E</Prefix>
  <StartAfter>ExampleGuide.pdf</StartAfter>
  <KeyCount>1</KeyCount>
  <MaxKeys>3</MaxKeys>
  <IsTruncated>false</IsTruncated>
  <Contents>
    <Key>ExampleObject.txt</Key>
    <LastModified>2013-09-17T18:07:53.000Z</LastModified>
    <ETag>"599bab3ed2c697f1d26842727561fd94"</ETag>
    <Size>857</Size>
    <StorageClass>REDUCED_REDUNDANCY</StorageClass>
  </Contents>
</ListBucketResult>)";
  auto out = DecodeListBucketResult(start_after);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(out->v2);
  EXPECT_EQ(out->start_after, "ExampleGuide.pdf");
  EXPECT_EQ(out->key_count, 1);
  EXPECT_EQ(out->max_keys, 3);
  ASSERT_EQ(out->page.objects.size(), 1u);
  EXPECT_EQ(out->page.objects[0].key, "ExampleObject.txt");
  EXPECT_EQ(out->page.objects[0].etag, "\"599bab3ed2c697f1d26842727561fd94\"");
  EXPECT_EQ(out->page.objects[0].storage_class, "REDUCED_REDUNDANCY");

  const char* continued = R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name>
  <Prefix></Prefix>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
  <KeyCount>1000</KeyCount>
  <MaxKeys>1000</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <Contents>
    <Key>happyface.jpg</Key>
    <LastModified>2014-11-21T19:40:05.000Z</LastModified>
    <ETag>"70ee1738b6b21e2c8a43f3a5ab0eee71"</ETag>
    <Size>11</Size>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
</ListBucketResult>)";
  auto page = DecodeListBucketResult(continued);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(page->page.is_truncated);
  EXPECT_EQ(page->page.next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
}

TEST(XmlCodecTest, SpecialCharactersAndUtf8RoundTripWithoutUrlEncoding) {
  ListBucketXml in;
  in.name = "b";
  in.prefix = "a&b<";
  for (const std::string& key : kNastyKeys) {
    in.page.objects.push_back(Obj(key, 1, "\"e\"", "2020-01-01T00:00:00.000Z"));
  }
  in.page.common_prefixes = {"x&y/", "\xC3\xA9t\xC3\xA9/"};
  std::string xml = EncodeListBucketResult(in);
  EXPECT_EQ(xml.find('\r'), std::string::npos) << "a raw CR would be normalised away";
  auto out = DecodeListBucketResult(xml);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->prefix, "a&b<");
  ExpectSameObjects(out->page.objects, in.page.objects);
  EXPECT_EQ(out->page.common_prefixes, in.page.common_prefixes);
}

TEST(XmlCodecTest, UrlEncodingTypeRoundTrip) {
  ListBucketXml in;
  in.v2 = true;
  in.name = "b";
  in.prefix = "dir one/";
  in.delimiter = "/";
  in.start_after = "dir one/a b";
  std::vector<std::string> keys = kNastyKeys;
  keys.push_back(std::string("ctrl\x01\x02\x1f") + "end");  // not representable in XML 1.0
  for (const std::string& key : keys) {
    in.page.objects.push_back(Obj(key, 1, "\"e\"", "2020-01-01T00:00:00.000Z"));
  }
  in.page.common_prefixes = {"dir one/sub+dir/"};
  ListEncodeOptions options;
  options.encode_url = true;
  std::string xml = EncodeListBucketResult(in, options);
  EXPECT_NE(xml.find("<EncodingType>url</EncodingType>"), std::string::npos);
  EXPECT_NE(xml.find("<Prefix>dir%20one/</Prefix>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<Prefix>dir%20one/sub%2Bdir/</Prefix>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<Key>ctrl%01%02%1Fend</Key>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<Key>100%25%2Bplus%20sign</Key>"), std::string::npos) << xml;
  auto out = DecodeListBucketResult(xml);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->encoding_type, "url");
  EXPECT_EQ(out->prefix, "dir one/");
  EXPECT_EQ(out->start_after, "dir one/a b");
  ExpectSameObjects(out->page.objects, in.page.objects);
  EXPECT_EQ(out->page.common_prefixes, in.page.common_prefixes);
}

TEST(XmlCodecTest, UrlDecodingFollowsS3PlusForSpace) {
  // S3 writes spaces as '+' under encoding-type=url and '+' itself as %2B.
  const char* xml = R"(<ListBucketResult><Name>b</Name><Prefix>my+dir%2F</Prefix>
<KeyCount>1</KeyCount><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>
<Contents><Key>my+dir%2Fa%2Bb%C3%A9</Key><Size>3</Size></Contents></ListBucketResult>)";
  auto out = DecodeListBucketResult(xml);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->prefix, "my dir/");
  ASSERT_EQ(out->page.objects.size(), 1u);
  EXPECT_EQ(out->page.objects[0].key, "my dir/a+b\xC3\xA9");
  // Without EncodingType the same text is taken literally.
  std::string literal = xml;
  literal.replace(literal.find("<EncodingType>url</EncodingType>"), 32, "");
  auto raw = DecodeListBucketResult(literal);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->page.objects[0].key, "my+dir%2Fa%2Bb%C3%A9");
  // Broken escapes are malformed.
  for (const char* bad : {"a%2", "a%zz", "%"}) {
    std::string doc =
        std::string("<ListBucketResult><EncodingType>url</EncodingType><Contents><Key>") + bad +
        "</Key></Contents></ListBucketResult>";
    ExpectMalformed(DecodeListBucketResult(doc).status());
  }
}

TEST(XmlCodecTest, UserMetadataExtensionOnlyWhenRequested) {
  ListBucketXml in;
  in.name = "b";
  ObjectMeta m = Obj("file", 10, "\"e\"", "2020-01-01T00:00:00.000Z");
  m.user_meta = {{"mode", "0100644"},
                 {"uid", "1000"},
                 {"gid", "1000"},
                 {"mtime", "1700000000.5"},
                 {"note", "a&b<c>"}};
  in.page.objects = {m, Obj("plain", 1, "\"f\"", "2020-01-01T00:00:00.000Z")};

  std::string plain = EncodeListBucketResult(in);
  EXPECT_EQ(plain.find("UserMetadata"), std::string::npos);
  auto without = DecodeListBucketResult(plain);
  ASSERT_TRUE(without.ok());
  EXPECT_TRUE(without->page.objects[0].user_meta.empty());

  ListEncodeOptions options;
  options.include_user_meta = true;
  std::string xml = EncodeListBucketResult(in, options);
  EXPECT_NE(xml.find("<UserMetadata><Items><Key>gid</Key><Value>1000</Value></Items>"),
            std::string::npos)
      << xml;
  auto out = DecodeListBucketResult(xml);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->page.objects[0].user_meta, m.user_meta);
  EXPECT_TRUE(out->page.objects[1].user_meta.empty());

  // Names decode lower-cased (the model's convention); an item needs a Key.
  auto upper = DecodeListBucketResult(
      "<ListBucketResult><Contents><Key>k</Key><UserMetadata><Items><Key>Mode</Key><Value>1</"
      "Value></Items></UserMetadata></Contents></ListBucketResult>");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->page.objects[0].user_meta.at("mode"), "1");
  ExpectMalformed(DecodeListBucketResult(
                      "<ListBucketResult><Contents><Key>k</Key><UserMetadata><Items><Value>1</"
                      "Value></Items></UserMetadata></Contents></ListBucketResult>")
                      .status());

  // Directory markers ride along with their common prefixes; a marker
  // without a Key is malformed.
  ListBucketXml dirs;
  dirs.v2 = true;
  dirs.name = "b";
  dirs.delimiter = "/";
  dirs.page.common_prefixes = {"a/", "b/"};
  ObjectMeta marker = Obj("a/", 0, "\"d\"", "2020-01-01T00:00:00.000Z");
  marker.user_meta = {{"mode", "16877"}};
  dirs.page.prefix_markers["a/"] = marker;
  dirs.page.markers_listed = true;
  EXPECT_EQ(EncodeListBucketResult(dirs).find("SosMarker"), std::string::npos);
  auto listed = DecodeListBucketResult(EncodeListBucketResult(dirs, options));
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_TRUE(listed->page.markers_listed);
  EXPECT_EQ(listed->page.common_prefixes, dirs.page.common_prefixes);
  ASSERT_EQ(listed->page.prefix_markers.size(), 1u);
  EXPECT_EQ(listed->page.prefix_markers.at("a/").user_meta.at("mode"), "16877");
  EXPECT_EQ(listed->page.prefix_markers.at("a/").etag, "\"d\"");
  ExpectMalformed(DecodeListBucketResult(
                      "<ListBucketResult><CommonPrefixes><Prefix>a/</Prefix><SosMarker><Size>0"
                      "</Size></SosMarker></CommonPrefixes></ListBucketResult>")
                      .status());
}

TEST(XmlCodecTest, ListBucketRejectsBadValues) {
  ExpectMalformed(
      DecodeListBucketResult("<ListBucketResult><MaxKeys>ten</MaxKeys></ListBucketResult>")
          .status());
  ExpectMalformed(
      DecodeListBucketResult("<ListBucketResult><MaxKeys>-1</MaxKeys></ListBucketResult>")
          .status());
  ExpectMalformed(
      DecodeListBucketResult("<ListBucketResult><IsTruncated>yes</IsTruncated></ListBucketResult>")
          .status());
  ExpectMalformed(
      DecodeListBucketResult("<ListBucketResult><Contents><Key>k</Key><Size>12a</Size></Contents></"
                             "ListBucketResult>")
          .status());
  ExpectMalformed(
      DecodeListBucketResult("<ListBucketResult><Contents><Key>k</Key><Size>-5</Size></Contents></"
                             "ListBucketResult>")
          .status());
  ExpectMalformed(
      DecodeListBucketResult("<ListBucketResult><Contents><Key>k</Key><LastModified>yesterday</"
                             "LastModified></Contents></ListBucketResult>")
          .status());
  ExpectMalformed(DecodeListBucketResult("<ListBucketResult><Contents><Size>1</Size></Contents></"
                                         "ListBucketResult>")
                      .status());
  ExpectMalformed(DecodeListBucketResult("<ListBucketResult><CommonPrefixes></CommonPrefixes></"
                                         "ListBucketResult>")
                      .status());
}

// ---- ListVersionsResult ----------------------------------------------------

TEST(XmlCodecTest, ListVersionsRoundTrip) {
  ListVersionsXml in;
  in.name = "bucket";
  in.prefix = "p ";
  in.key_marker = "p a";
  in.is_truncated = true;
  in.next_key_marker = "p z";
  in.next_version_id_marker = "null";
  ObjectVersionXml v;
  v.meta = Obj("p b&c", 5, "\"abc\"", "2022-02-02T02:02:02.000Z");
  v.meta.owner = Owner{"id", "name"};
  in.versions = {v};
  in.common_prefixes = {"p d/"};
  ListEncodeOptions options;
  options.encode_url = true;
  std::string xml = EncodeListVersionsResult(in, options);
  EXPECT_NE(xml.find("<Version><Key>p%20b%26c</Key><VersionId>null</VersionId><IsLatest>true</"
                     "IsLatest>"),
            std::string::npos)
      << xml;
  EXPECT_EQ(xml.find("DeleteMarker"), std::string::npos);
  auto out = DecodeListVersionsResult(xml);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->prefix, "p ");
  EXPECT_EQ(out->key_marker, "p a");
  EXPECT_EQ(out->next_key_marker, "p z");
  EXPECT_EQ(out->next_version_id_marker, "null");
  EXPECT_TRUE(out->is_truncated);
  ASSERT_EQ(out->versions.size(), 1u);
  EXPECT_EQ(out->versions[0].version_id, "null");
  EXPECT_TRUE(out->versions[0].is_latest);
  ExpectSameObjects({out->versions[0].meta}, {v.meta});
  EXPECT_EQ(out->common_prefixes, in.common_prefixes);
}

TEST(XmlCodecTest, ListVersionsAwsSample) {
  const char* xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01">
    <Name>bucket</Name>
    <Prefix>my</Prefix>
    <KeyMarker/>
    <VersionIdMarker/>
    <MaxKeys>5</MaxKeys>
    <IsTruncated>false</IsTruncated>
    <Version>
        <Key>my-image.jpg</Key>
        <VersionId>3/L4kqtJl40Nr8X8gdRQBpUMLUo</VersionId>
        <IsLatest>true</IsLatest>
         <LastModified>2009-10-12T17:50:30.000Z</LastModified>
        <ETag>"fba9dede5f27731c9771645a39863328"</ETag>
        <Size>434234</Size>
        <StorageClass>STANDARD</StorageClass>
        <Owner>
            <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
            <DisplayName>mtd@amazon.com</DisplayName>
        </Owner>
    </Version>
    <DeleteMarker>
        <Key>my-second-image.jpg</Key>
        <VersionId>03jpff543dhffds434rfdsFDN943fdsFkdmqnh892</VersionId>
        <IsLatest>true</IsLatest>
        <LastModified>2009-11-12T17:50:30.000Z</LastModified>
        <Owner>
            <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
            <DisplayName>mtd@amazon.com</DisplayName>
        </Owner>
    </DeleteMarker>
    <Version>
        <Key>my-second-image.jpg</Key>
        <VersionId>QUpfdndhfd8438MNFDN93jdnJFkdmqnh893</VersionId>
        <IsLatest>false</IsLatest>
        <LastModified>2009-10-10T17:50:30.000Z</LastModified>
        <ETag>"9b2cf535f27731c974343645a3985328"</ETag>
        <Size>166434</Size>
        <StorageClass>STANDARD</StorageClass>
        <Owner>
            <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
            <DisplayName>mtd@amazon.com</DisplayName>
        </Owner>
    </Version>
</ListVersionsResult>)";
  auto out = DecodeListVersionsResult(xml);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->prefix, "my");
  EXPECT_EQ(out->max_keys, 5);
  ASSERT_EQ(out->versions.size(), 2u);
  EXPECT_EQ(out->versions[0].version_id, "3/L4kqtJl40Nr8X8gdRQBpUMLUo");
  EXPECT_TRUE(out->versions[0].is_latest);
  EXPECT_FALSE(out->versions[1].is_latest);
  EXPECT_EQ(out->versions[1].meta.size, 166434u);
  ASSERT_EQ(out->delete_markers.size(), 1u);
  EXPECT_EQ(out->delete_markers[0].key, "my-second-image.jpg");
  EXPECT_EQ(FormatIso8601Extended(out->delete_markers[0].last_modified),
            "2009-11-12T17:50:30.000Z");
}

// ---- Multipart -------------------------------------------------------------

TEST(XmlCodecTest, InitiateMultipartUpload) {
  auto out = DecodeInitiateMultipartUploadResult(
      EncodeInitiateMultipartUploadResult({"b", "dir/k&1", "upload+id/=="}));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->bucket, "b");
  EXPECT_EQ(out->key, "dir/k&1");
  EXPECT_EQ(out->upload_id, "upload+id/==");
  auto sample = DecodeInitiateMultipartUploadResult(R"(<?xml version="1.0" encoding="UTF-8"?>
<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>example-bucket</Bucket>
  <Key>example-object</Key>
  <UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>
</InitiateMultipartUploadResult>)");
  ASSERT_TRUE(sample.ok());
  EXPECT_EQ(sample->upload_id, "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA");
  ExpectMalformed(
      DecodeInitiateMultipartUploadResult("<InitiateMultipartUploadResult><Bucket>b</Bucket></"
                                          "InitiateMultipartUploadResult>")
          .status());
}

TEST(XmlCodecTest, CompleteMultipartUploadRequest) {
  std::vector<CompletedPart> in = {{1, "\"a54357aff0632cce46d942af68356b38\""},
                                   {2, "\"0c78aef83f66abc1fa1e8477f296d394\""},
                                   {10000, "\"acbd18db4cc2f85cedef654fccc4a4d8\""}};
  std::string xml = EncodeCompleteMultipartUpload(in);
  EXPECT_NE(xml.find("<Part><PartNumber>1</PartNumber><ETag>\"a54357aff0632cce46d942af68356b38\""
                     "</ETag></Part>"),
            std::string::npos)
      << xml;
  auto out = DecodeCompleteMultipartUpload(xml);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 3u);
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ((*out)[i].part_number, in[i].part_number);
    EXPECT_EQ((*out)[i].etag, in[i].etag);
  }
  auto sample = DecodeCompleteMultipartUpload(R"(<CompleteMultipartUpload>
  <Part>
    <PartNumber>1</PartNumber>
    <ETag>"a54357aff0632cce46d942af68356b38"</ETag>
  </Part>
  <Part>
    <PartNumber>2</PartNumber>
    <ETag>"0c78aef83f66abc1fa1e8477f296d394"</ETag>
  </Part>
  <Part>
    <PartNumber>3</PartNumber>
    <ETag>"acbd18db4cc2f85cedef654fccc4a4d8"</ETag>
  </Part>
</CompleteMultipartUpload>)");
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  ASSERT_EQ(sample->size(), 3u);
  EXPECT_EQ((*sample)[2].part_number, 3);
  ExpectMalformed(DecodeCompleteMultipartUpload("<CompleteMultipartUpload/>").status());
  ExpectMalformed(
      DecodeCompleteMultipartUpload("<CompleteMultipartUpload><Part><ETag>x</ETag></Part></"
                                    "CompleteMultipartUpload>")
          .status());
  ExpectMalformed(DecodeCompleteMultipartUpload(
                      "<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>x</ETag></"
                      "Part></CompleteMultipartUpload>")
                      .status());
  ExpectMalformed(DecodeCompleteMultipartUpload(
                      "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></"
                      "CompleteMultipartUpload>")
                      .status());
}

TEST(XmlCodecTest, CompleteMultipartUploadResult) {
  CompleteMultipartUploadResultXml in{"http://h/b/k", "b", "k",
                                      "\"3858f62230ac3c915f300c664312c11f-9\""};
  auto out = DecodeCompleteMultipartUploadResult(EncodeCompleteMultipartUploadResult(in));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->location, in.location);
  EXPECT_EQ(out->etag, in.etag);
  auto sample = DecodeCompleteMultipartUploadResult(R"(<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Location>http://Example-Bucket.s3.Region.amazonaws.com/Example-Object</Location>
  <Bucket>Example-Bucket</Bucket>
  <Key>Example-Object</Key>
  <ETag>"3858f62230ac3c915f300c664312c11f-9"</ETag>
</CompleteMultipartUploadResult>)");
  ASSERT_TRUE(sample.ok());
  EXPECT_EQ(sample->bucket, "Example-Bucket");
  EXPECT_EQ(sample->etag, "\"3858f62230ac3c915f300c664312c11f-9\"");
}

TEST(XmlCodecTest, ErrorBodyInsteadOfResultBecomesItsStatus) {
  // S3 can answer 200 OK and then an <Error> body (AWS API reference sample).
  const char* internal = R"(<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>InternalError</Code>
  <Message>We encountered an internal error. Please try again.</Message>
  <RequestId>656c76696e6727732072657175657374</RequestId>
  <HostId>Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/C1NPcfTWAtRPfTaOFg==</HostId>
</Error>)";
  auto complete = DecodeCompleteMultipartUploadResult(internal);
  ASSERT_FALSE(complete.ok());
  EXPECT_EQ(complete.status().s3_code(), "InternalError");
  EXPECT_TRUE(complete.status().retryable());
  auto copy =
      DecodeCopyObjectResult("<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>");
  ASSERT_FALSE(copy.ok());
  EXPECT_EQ(copy.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(copy.status().s3_code(), "NoSuchKey");
}

TEST(XmlCodecTest, ListPartsRoundTripAndAwsSample) {
  ListPartsXml in;
  in.bucket = "b";
  in.key = "k";
  in.upload_id = "u1";
  in.initiator = {"init", "Init"};
  in.owner = {"own", "Own"};
  in.part_number_marker = 1;
  in.max_parts = 2;
  in.page.is_truncated = true;
  in.page.next_part_number_marker = 3;
  in.page.parts = {{2, "\"e2\"", 5242880, T("2010-11-10T20:48:34.000Z")},
                   {3, "\"e3\"", 7, T("2010-11-10T20:48:33.500Z")}};
  auto out = DecodeListPartsResult(EncodeListPartsResult(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->upload_id, "u1");
  EXPECT_EQ(out->initiator.id, "init");
  EXPECT_EQ(out->owner.display_name, "Own");
  EXPECT_EQ(out->storage_class, "STANDARD");
  EXPECT_EQ(out->part_number_marker, 1);
  EXPECT_EQ(out->max_parts, 2);
  EXPECT_TRUE(out->page.is_truncated);
  EXPECT_EQ(out->page.next_part_number_marker, 3);
  ASSERT_EQ(out->page.parts.size(), 2u);
  EXPECT_EQ(out->page.parts[1].part_number, 3);
  EXPECT_EQ(out->page.parts[1].etag, "\"e3\"");
  EXPECT_EQ(out->page.parts[1].size, 7u);
  EXPECT_EQ(out->page.parts[1].last_modified, in.page.parts[1].last_modified);

  auto sample = DecodeListPartsResult(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>example-bucket</Bucket>
  <Key>example-object</Key>
  <UploadId>XXBsb2FkIElEIGZvciBlbHZpbmcncyVcdS1tb3ZpZS5tMnRzEEEwbG9hZA</UploadId>
  <Initiator>
      <ID>arn:aws:iam::111122223333:user/some-user-11116a31-17b5-4fb7-9df5-b288870f11xx</ID>
      <DisplayName>umat-user-11116a31-17b5-4fb7-9df5-b288870f11xx</DisplayName>
  </Initiator>
  <Owner>
    <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
    <DisplayName>someName</DisplayName>
  </Owner>
  <StorageClass>STANDARD</StorageClass>
  <PartNumberMarker>1</PartNumberMarker>
  <NextPartNumberMarker>3</NextPartNumberMarker>
  <MaxParts>2</MaxParts>
  <IsTruncated>true</IsTruncated>
  <Part>
    <PartNumber>2</PartNumber>
    <LastModified>2010-11-10T20:48:34.000Z</LastModified>
    <ETag>"7778aef83f66abc1fa1e8477f296d394"</ETag>
    <Size>10485760</Size>
  </Part>
  <Part>
    <PartNumber>3</PartNumber>
    <LastModified>2010-11-10T20:48:33.000Z</LastModified>
    <ETag>"aaaa18db4cc2f85cedef654fccc4a4x8"</ETag>
    <Size>10485760</Size>
  </Part>
</ListPartsResult>)");
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  EXPECT_EQ(sample->initiator.display_name, "umat-user-11116a31-17b5-4fb7-9df5-b288870f11xx");
  ASSERT_EQ(sample->page.parts.size(), 2u);
  EXPECT_EQ(sample->page.parts[0].part_number, 2);
  EXPECT_EQ(sample->page.parts[0].size, 10485760u);
  EXPECT_EQ(sample->page.next_part_number_marker, 3);
}

TEST(XmlCodecTest, ListMultipartUploadsRoundTripAndAwsSample) {
  ListMultipartUploadsXml in;
  in.bucket = "b";
  in.prefix = "p/";
  in.owner = {"o", "Owner"};
  in.page.uploads = {{"p/a", "id1", T("2010-11-10T20:48:33.000Z")},
                     {"p/a", "id2", T("2010-11-10T20:49:33.000Z")}};
  in.page.common_prefixes = {"p/d/"};
  in.page.is_truncated = true;
  in.page.next_key_marker = "p/a";
  in.page.next_upload_id_marker = "id2";
  auto out = DecodeListMultipartUploadsResult(EncodeListMultipartUploadsResult(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->prefix, "p/");
  EXPECT_EQ(out->owner.id, "o");
  ASSERT_EQ(out->page.uploads.size(), 2u);
  EXPECT_EQ(out->page.uploads[1].upload_id, "id2");
  EXPECT_EQ(out->page.uploads[1].initiated, in.page.uploads[1].initiated);
  EXPECT_EQ(out->page.common_prefixes, in.page.common_prefixes);
  EXPECT_TRUE(out->page.is_truncated);
  EXPECT_EQ(out->page.next_upload_id_marker, "id2");

  auto sample = DecodeListMultipartUploadsResult(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>bucket</Bucket>
  <KeyMarker></KeyMarker>
  <UploadIdMarker></UploadIdMarker>
  <NextKeyMarker>my-movie.m2ts</NextKeyMarker>
  <NextUploadIdMarker>YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ</NextUploadIdMarker>
  <MaxUploads>3</MaxUploads>
  <IsTruncated>true</IsTruncated>
  <Upload>
    <Key>my-divisor</Key>
    <UploadId>XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5nIG11Y2ggbHVjaw</UploadId>
    <Initiator>
      <ID>arn:aws:iam::111122223333:user/user1-11111a31-17b5-4fb7-9df5-b111111f13de</ID>
      <DisplayName>user1-11111a31-17b5-4fb7-9df5-b111111f13de</DisplayName>
    </Initiator>
    <Owner>
      <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
      <DisplayName>OwnerDisplayName</DisplayName>
    </Owner>
    <StorageClass>STANDARD</StorageClass>
    <Initiated>2010-11-10T20:48:33.000Z</Initiated>
  </Upload>
  <Upload>
    <Key>my-movie.m2ts</Key>
    <UploadId>VXBsb2FkIElEIGZvciBlbHZpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>
    <Initiator>
      <ID>b1d16700c70b0b05597d7acd6a3f92be</ID>
      <DisplayName>InitiatorDisplayName</DisplayName>
    </Initiator>
    <Owner>
      <ID>b1d16700c70b0b05597d7acd6a3f92be</ID>
      <DisplayName>OwnerDisplayName</DisplayName>
    </Owner>
    <StorageClass>STANDARD</StorageClass>
    <Initiated>2010-11-10T20:48:33.000Z</Initiated>
  </Upload>
  <Upload>
    <Key>my-movie.m2ts</Key>
    <UploadId>YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ</UploadId>
    <Initiator>
      <ID>arn:aws:iam::444455556666:user/user1-22222a31-17b5-4fb7-9df5-b222222f13de</ID>
      <DisplayName>user1-22222a31-17b5-4fb7-9df5-b222222f13de</DisplayName>
    </Initiator>
    <Owner>
      <ID>b1d16700c70b0b05597d7acd6a3f92be</ID>
      <DisplayName>OwnerDisplayName</DisplayName>
    </Owner>
    <StorageClass>STANDARD</StorageClass>
    <Initiated>2010-11-10T20:49:33.000Z</Initiated>
  </Upload>
</ListMultipartUploadsResult>)");
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  EXPECT_EQ(sample->max_uploads, 3);
  EXPECT_EQ(sample->page.next_key_marker, "my-movie.m2ts");
  ASSERT_EQ(sample->page.uploads.size(), 3u);
  EXPECT_EQ(sample->page.uploads[0].key, "my-divisor");
  EXPECT_EQ(FormatIso8601Extended(sample->page.uploads[2].initiated), "2010-11-10T20:49:33.000Z");
  EXPECT_EQ(sample->owner.id, "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a");
}

// ---- Copy ------------------------------------------------------------------

TEST(XmlCodecTest, CopyResults) {
  CopyResult in{"\"9b2cf535f27731c974343645a3985328\"", T("2009-10-28T22:32:00.000Z")};
  std::string obj = EncodeCopyObjectResult(in);
  EXPECT_NE(obj.find("<CopyObjectResult xmlns="), std::string::npos);
  auto a = DecodeCopyObjectResult(obj);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->etag, in.etag);
  EXPECT_EQ(a->last_modified, in.last_modified);
  auto b = DecodeCopyPartResult(EncodeCopyPartResult(in));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->etag, in.etag);
  // The roots are not interchangeable.
  ExpectMalformed(DecodeCopyPartResult(obj).status());
  // AWS samples print LastModified without milliseconds or zone.
  auto sample = DecodeCopyObjectResult(R"(<CopyObjectResult>
   <LastModified>2009-10-28T22:32:00</LastModified>
   <ETag>"9b2cf535f27731c974343645a3985328"</ETag>
</CopyObjectResult>)");
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  EXPECT_EQ(sample->last_modified, in.last_modified);
  auto part = DecodeCopyPartResult(R"(<CopyPartResult>
   <LastModified>2009-10-28T22:32:00</LastModified>
   <ETag>"9b2cf535f27731c974343645a3985328"</ETag>
</CopyPartResult>)");
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(part->etag, "\"9b2cf535f27731c974343645a3985328\"");
}

// ---- Delete ----------------------------------------------------------------

TEST(XmlCodecTest, DeleteRequestRoundTripAndAwsSample) {
  DeleteRequestXml in;
  in.quiet = true;
  for (const std::string& key : kNastyKeys) in.objects.push_back({key, ""});
  in.objects.push_back({"versioned", "null"});
  auto out = DecodeDeleteRequest(EncodeDeleteRequest(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(out->quiet);
  ASSERT_EQ(out->objects.size(), in.objects.size());
  for (size_t i = 0; i < in.objects.size(); ++i) {
    EXPECT_EQ(out->objects[i].key, in.objects[i].key);
    EXPECT_EQ(out->objects[i].version_id, in.objects[i].version_id);
  }
  auto sample = DecodeDeleteRequest(R"(<?xml version="1.0" encoding="UTF-8"?>
<Delete>
    <Quiet>true</Quiet>
    <Object>
         <Key>Key</Key>
    </Object>
    <Object>
         <Key>Key</Key>
         <VersionId>Version</VersionId>
    </Object>
</Delete>)");
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  EXPECT_TRUE(sample->quiet);
  ASSERT_EQ(sample->objects.size(), 2u);
  EXPECT_EQ(sample->objects[1].version_id, "Version");
  auto loud = DecodeDeleteRequest("<Delete><Object><Key>a</Key></Object></Delete>");
  ASSERT_TRUE(loud.ok());
  EXPECT_FALSE(loud->quiet);
}

TEST(XmlCodecTest, DeleteRequestLimits) {
  auto build = [](size_t n) {
    DeleteRequestXml doc;
    for (size_t i = 0; i < n; ++i) doc.objects.push_back({"key-" + std::to_string(i), ""});
    return EncodeDeleteRequest(doc);
  };
  auto thousand = DecodeDeleteRequest(build(1000));
  ASSERT_TRUE(thousand.ok());
  EXPECT_EQ(thousand->objects.size(), 1000u);
  ExpectMalformed(DecodeDeleteRequest(build(1001)).status());
  ExpectMalformed(DecodeDeleteRequest("<Delete></Delete>").status());
  ExpectMalformed(DecodeDeleteRequest("<Delete><Object></Object></Delete>").status());
  ExpectMalformed(DecodeDeleteRequest("<Delete><Object><Key></Key></Object></Delete>").status());
  ExpectMalformed(
      DecodeDeleteRequest("<Delete><Quiet>maybe</Quiet><Object><Key>a</Key></Object></Delete>")
          .status());
  // Two keys in one Object: ambiguous, so nothing is deleted.
  ExpectMalformed(
      DecodeDeleteRequest("<Delete><Object><Key>a</Key><Key>b</Key></Object></Delete>").status());
}

TEST(XmlCodecTest, DeleteResultRoundTripAndAwsSample) {
  DeleteManyResult in;
  in.deleted = {"a", "b&c"};
  in.errors = {{"d", "AccessDenied", "Access Denied"}};
  auto out = DecodeDeleteResult(EncodeDeleteResult(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->deleted, in.deleted);
  ASSERT_EQ(out->errors.size(), 1u);
  EXPECT_EQ(out->errors[0].key, "d");
  EXPECT_EQ(out->errors[0].code, "AccessDenied");
  EXPECT_EQ(out->errors[0].message, "Access Denied");

  auto sample = DecodeDeleteResult(R"(<?xml version="1.0" encoding="UTF-8"?>
<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Deleted>
    <Key>sample1.txt</Key>
  </Deleted>
  <Error>
    <Key>sample2.txt</Key>
    <Code>AccessDenied</Code>
    <Message>Access Denied</Message>
  </Error>
</DeleteResult>)");
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  EXPECT_EQ(sample->deleted, std::vector<std::string>{"sample1.txt"});
  ASSERT_EQ(sample->errors.size(), 1u);
  EXPECT_EQ(sample->errors[0].key, "sample2.txt");
  ExpectMalformed(
      DecodeDeleteResult("<DeleteResult><Error><Key>k</Key></Error></DeleteResult>").status());
}

// ---- ACL -------------------------------------------------------------------

TEST(XmlCodecTest, AccessControlPolicyRoundTrip) {
  AccessControlPolicy in;
  in.owner = {"owner-id", "Owner"};
  Grant user;
  user.grantee.type = Grantee::Type::kCanonicalUser;
  user.grantee.id = "owner-id";
  user.grantee.display_name = "Owner";
  user.permission = "FULL_CONTROL";
  Grant group;
  group.grantee.type = Grantee::Type::kGroup;
  group.grantee.uri = kAllUsersUri;
  group.permission = "READ";
  Grant email;
  email.grantee.type = Grantee::Type::kEmail;
  email.grantee.email = "x@example.com";
  email.permission = "WRITE_ACP";
  in.grants = {user, group, email};
  std::string xml = EncodeAccessControlPolicy(in);
  EXPECT_NE(xml.find("<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                     "xsi:type=\"Group\"><URI>http://acs.amazonaws.com/groups/global/AllUsers</"
                     "URI></Grantee>"),
            std::string::npos)
      << xml;
  auto out = DecodeAccessControlPolicy(xml);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->owner.id, "owner-id");
  ASSERT_EQ(out->grants.size(), 3u);
  EXPECT_EQ(out->grants[0].grantee.type, Grantee::Type::kCanonicalUser);
  EXPECT_EQ(out->grants[0].grantee.id, "owner-id");
  EXPECT_EQ(out->grants[0].grantee.display_name, "Owner");
  EXPECT_EQ(out->grants[0].permission, "FULL_CONTROL");
  EXPECT_EQ(out->grants[1].grantee.type, Grantee::Type::kGroup);
  EXPECT_EQ(out->grants[1].grantee.uri, kAllUsersUri);
  EXPECT_EQ(out->grants[2].grantee.type, Grantee::Type::kEmail);
  EXPECT_EQ(out->grants[2].grantee.email, "x@example.com");
  EXPECT_EQ(out->grants[2].permission, "WRITE_ACP");
}

TEST(XmlCodecTest, AccessControlPolicyAwsSample) {
  // The PutObjectAcl request sample, with its xmlns="" resets.
  const char* xml = R"(<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Owner>
    <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
    <DisplayName>CustomersName@amazon.com</DisplayName>
  </Owner>
  <AccessControlList>
    <Grant>
      <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">
        <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
        <DisplayName>CustomerName@amazon.com</DisplayName>
      </Grantee>
      <Permission>FULL_CONTROL</Permission>
    </Grant>
    <Grant>
      <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group">
        <URI xmlns="">http://acs.amazonaws.com/groups/global/AllUsers</URI>
      </Grantee>
      <Permission xmlns="">READ</Permission>
    </Grant>
    <Grant>
      <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="AmazonCustomerByEmail">
        <EmailAddress xmlns="">xyz@amazon.com</EmailAddress>
      </Grantee>
      <Permission xmlns="">WRITE_ACP</Permission>
    </Grant>
  </AccessControlList>
</AccessControlPolicy>)";
  auto out = DecodeAccessControlPolicy(xml);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->owner.display_name, "CustomersName@amazon.com");
  ASSERT_EQ(out->grants.size(), 3u);
  EXPECT_EQ(out->grants[1].grantee.uri, "http://acs.amazonaws.com/groups/global/AllUsers");
  EXPECT_EQ(out->grants[1].permission, "READ");
  EXPECT_EQ(out->grants[2].grantee.email, "xyz@amazon.com");
  // Another prefix bound to the XSI namespace works the same.
  auto other_prefix = DecodeAccessControlPolicy(
      "<AccessControlPolicy><Owner><ID>o</ID></Owner><AccessControlList><Grant><Grantee "
      "xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" i:type=\"Group\"><URI>u</URI></"
      "Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>");
  ASSERT_TRUE(other_prefix.ok()) << other_prefix.status().ToString();
  EXPECT_EQ(other_prefix->grants[0].grantee.type, Grantee::Type::kGroup);
}

TEST(XmlCodecTest, MalformedAclsUseMalformedAclError) {
  const char* kAcl = "MalformedACLError";
  auto wrap = [](const std::string& grants) {
    return "<AccessControlPolicy><Owner><ID>o</ID></Owner><AccessControlList>" + grants +
           "</AccessControlList></AccessControlPolicy>";
  };
  const char* xsi = "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";
  ExpectMalformed(DecodeAccessControlPolicy("<AccessControlPolicy>").status(), kAcl);
  ExpectMalformed(DecodeAccessControlPolicy("<AccessControlList/>").status(), kAcl);
  ExpectMalformed(DecodeAccessControlPolicy("<AccessControlPolicy/>").status(), kAcl);
  ExpectMalformed(
      DecodeAccessControlPolicy("<AccessControlPolicy><Owner/></AccessControlPolicy>").status(),
      kAcl);
  ExpectMalformed(
      DecodeAccessControlPolicy(wrap("<Grant><Permission>READ</Permission></Grant>")).status(),
      kAcl);
  ExpectMalformed(
      DecodeAccessControlPolicy(wrap(std::string("<Grant><Grantee ") + xsi +
                                     " xsi:type=\"Robot\"><ID>x</ID></Grantee><Permission>READ</"
                                     "Permission></Grant>"))
          .status(),
      kAcl);
  ExpectMalformed(DecodeAccessControlPolicy(
                      wrap(std::string("<Grant><Grantee ") + xsi +
                           " xsi:type=\"CanonicalUser\"><ID>x</ID></Grantee><Permission>OWN</"
                           "Permission></Grant>"))
                      .status(),
                  kAcl);
  ExpectMalformed(
      DecodeAccessControlPolicy(wrap(std::string("<Grant><Grantee ") + xsi +
                                     " xsi:type=\"Group\"><ID>x</ID></Grantee><Permission>READ</"
                                     "Permission></Grant>"))
          .status(),
      kAcl);
  ExpectMalformed(
      DecodeAccessControlPolicy(wrap(std::string("<Grant><Grantee ") + xsi +
                                     " xsi:type=\"CanonicalUser\"><ID>x</ID></Grantee></Grant>"))
          .status(),
      kAcl);
}

// ---- CORS ------------------------------------------------------------------

TEST(XmlCodecTest, CorsRoundTripAndAwsSample) {
  CorsConfiguration in;
  CorsRule r1;
  r1.id = "rule-1";
  r1.allowed_origins = {"http://www.example.com", "https://*.example.org"};
  r1.allowed_methods = {"PUT", "POST", "DELETE"};
  r1.allowed_headers = {"*"};
  r1.expose_headers = {"x-amz-server-side-encryption", "ETag"};
  r1.max_age_seconds = 3000;
  CorsRule r2;
  r2.allowed_origins = {"*"};
  r2.allowed_methods = {"GET", "HEAD"};
  in.rules = {r1, r2};
  auto out = DecodeCorsConfiguration(EncodeCorsConfiguration(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->rules.size(), 2u);
  EXPECT_EQ(out->rules[0].id, "rule-1");
  EXPECT_EQ(out->rules[0].allowed_origins, r1.allowed_origins);
  EXPECT_EQ(out->rules[0].allowed_methods, r1.allowed_methods);
  EXPECT_EQ(out->rules[0].allowed_headers, r1.allowed_headers);
  EXPECT_EQ(out->rules[0].expose_headers, r1.expose_headers);
  EXPECT_EQ(out->rules[0].max_age_seconds, 3000);
  EXPECT_FALSE(out->rules[1].max_age_seconds.has_value());
  EXPECT_TRUE(out->rules[1].allowed_headers.empty());

  auto sample = DecodeCorsConfiguration(R"(<CORSConfiguration>
 <CORSRule>
   <AllowedOrigin>http://www.example.com</AllowedOrigin>
   <AllowedMethod>PUT</AllowedMethod>
   <AllowedMethod>POST</AllowedMethod>
   <AllowedMethod>DELETE</AllowedMethod>
   <AllowedHeader>*</AllowedHeader>
   <MaxAgeSeconds>3000</MaxAgeSeconds>
   <ExposeHeader>x-amz-server-side-encryption</ExposeHeader>
 </CORSRule>
 <CORSRule>
   <AllowedOrigin>*</AllowedOrigin>
   <AllowedMethod>GET</AllowedMethod>
   <AllowedHeader>*</AllowedHeader>
   <MaxAgeSeconds>3000</MaxAgeSeconds>
 </CORSRule>
</CORSConfiguration>)");
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  ASSERT_EQ(sample->rules.size(), 2u);
  EXPECT_EQ(sample->rules[0].allowed_methods.size(), 3u);
  EXPECT_EQ(sample->rules[0].expose_headers,
            std::vector<std::string>{"x-amz-server-side-encryption"});
  EXPECT_EQ(sample->rules[1].allowed_origins, std::vector<std::string>{"*"});
}

TEST(XmlCodecTest, CorsValidation) {
  auto rule = [](const std::string& body) {
    return "<CORSConfiguration><CORSRule>" + body + "</CORSRule></CORSConfiguration>";
  };
  ExpectMalformed(DecodeCorsConfiguration("<CORSConfiguration/>").status());
  ExpectMalformed(DecodeCorsConfiguration(rule("<AllowedMethod>GET</AllowedMethod>")).status());
  ExpectMalformed(DecodeCorsConfiguration(rule("<AllowedOrigin>*</AllowedOrigin>")).status());
  ExpectMalformed(DecodeCorsConfiguration(rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>"
                                               "GET</AllowedMethod><MaxAgeSeconds>soon</"
                                               "MaxAgeSeconds>"))
                      .status());
  ExpectMalformed(DecodeCorsConfiguration(
                      rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod>"))
                      .status(),
                  "InvalidRequest");
  CorsConfiguration many;
  for (int i = 0; i < 101; ++i) many.rules.push_back({"", {"*"}, {"GET"}, {}, {}, std::nullopt});
  ExpectMalformed(DecodeCorsConfiguration(EncodeCorsConfiguration(many)).status());
  many.rules.pop_back();
  EXPECT_TRUE(DecodeCorsConfiguration(EncodeCorsConfiguration(many)).ok());
}

// ---- Error -----------------------------------------------------------------

TEST(XmlCodecTest, ErrorRoundTripAndAwsSample) {
  ErrorResponse in{"NoSuchKey", "The specified key does not exist.", "/b/k<1>", "REQ1", "b",
                   "k<1>"};
  std::string xml = EncodeError(in);
  EXPECT_NE(xml.find("<Error><Code>NoSuchKey</Code>"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("xmlns"), std::string::npos);
  auto out = DecodeError(xml);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->code, in.code);
  EXPECT_EQ(out->message, in.message);
  EXPECT_EQ(out->resource, in.resource);
  EXPECT_EQ(out->request_id, in.request_id);
  EXPECT_EQ(out->bucket_name, in.bucket_name);
  EXPECT_EQ(out->key, in.key);

  auto sample = DecodeError(R"(<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>NoSuchKey</Code>
  <Message>The resource you requested does not exist</Message>
  <Resource>/mybucket/myfoto.jpg</Resource>
  <RequestId>4442587FB7D0A2F9</RequestId>
</Error>)");
  ASSERT_TRUE(sample.ok());
  EXPECT_EQ(sample->code, "NoSuchKey");
  EXPECT_EQ(sample->resource, "/mybucket/myfoto.jpg");
  EXPECT_EQ(sample->request_id, "4442587FB7D0A2F9");
  ExpectMalformed(DecodeError("<Error><Message>no code</Message></Error>").status());
}

// ---- Malformed and hostile input -------------------------------------------

TEST(XmlCodecTest, MalformedDocumentsAreRejected) {
  const std::string good = EncodeError({"NoSuchKey", "m", "r", "i", "", ""});
  ASSERT_TRUE(DecodeError(good).ok());
  ExpectMalformed(DecodeError("").status());
  ExpectMalformed(DecodeError("not xml at all").status());
  ExpectMalformed(DecodeError("{\"Code\": \"NoSuchKey\"}").status());
  // Every truncation of a valid document is rejected.
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(DecodeError(good.substr(0, n)).ok()) << good.substr(0, n);
  }
  ExpectMalformed(
      DecodeError("<Error><Code>A</Code></Error><Error><Code>B</Code></Error>").status());
  ExpectMalformed(DecodeError("<Error><Code>A</Code></Error>trailing").status());
  ExpectMalformed(DecodeError("<Error><Code>A</Code></Rrror>").status());
  ExpectMalformed(DecodeError("<Error><Code a=1>A</Code></Error>").status());
  // Wrong root element.
  ExpectMalformed(DecodeError("<ErrorResponse><Code>A</Code></ErrorResponse>").status());
  ExpectMalformed(DecodeListBucketResult(good).status());
  ExpectMalformed(
      DecodeDeleteRequest("<DeleteResult><Object><Key>a</Key></Object></DeleteResult>").status());
  // Invalid UTF-8: a lone continuation byte, an overlong '/', a surrogate.
  ExpectMalformed(DecodeError("<Error><Code>\x80</Code></Error>").status());
  ExpectMalformed(DecodeError("<Error><Code>\xC0\xAF</Code></Error>").status());
  ExpectMalformed(DecodeError("<Error><Code>\xED\xA0\x80</Code></Error>").status());
  // A namespace prefix on the root is fine; comments and CDATA are too.
  auto prefixed = DecodeError(
      "<s3:Error xmlns:s3=\"x\"><!-- c --><s3:Code><![CDATA[A<B]]></s3:Code></s3:Error>");
  ASSERT_TRUE(prefixed.ok()) << prefixed.status().ToString();
  EXPECT_EQ(prefixed->code, "A<B");
}

TEST(XmlCodecTest, InputSizeIsBounded) {
  std::string padding(2 << 20, ' ');
  std::string big = "<Error><Code>A</Code><Message>" + padding + "x</Message></Error>";
  Status s = DecodeError(big).status();
  ExpectMalformed(s);
  EXPECT_NE(s.message().find("exceeds"), std::string::npos);
  // The limit is a parameter.
  EXPECT_TRUE(DecodeError(big, big.size()).ok());
  ExpectMalformed(DecodeError(EncodeError({"A", "", "", "", "", ""}), 10).status());
  ExpectMalformed(DecodeAccessControlPolicy(big).status(), "MalformedACLError");
  // Listings get the large default: a full page of 1000 long keys decodes.
  ListBucketXml page;
  for (int i = 0; i < 1000; ++i) {
    page.page.objects.push_back(
        Obj(std::to_string(i) + std::string(1000, 'k'), 1, "\"e\"", "2020-01-01T00:00:00.000Z"));
  }
  std::string xml = EncodeListBucketResult(page, {true, false});
  EXPECT_GT(xml.size(), kMaxXmlBytes);
  auto out = DecodeListBucketResult(xml);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->page.objects.size(), 1000u);
}

constexpr const char* kBillionLaughs = R"(<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Delete><Object><Key>&lol9;</Key></Object></Delete>)";

TEST(XmlCodecTest, BillionLaughsIsInertInPugixml) {
  // The library itself never expands custom entities: the reference stays
  // literal text, 6 bytes instead of 3 * 10^9.
  pugi::xml_document doc;
  pugi::xml_parse_result r =
      doc.load_string(kBillionLaughs, pugi::parse_default | pugi::parse_doctype);
  ASSERT_TRUE(r) << r.description();
  EXPECT_STREQ(doc.child("Delete").child("Object").child_value("Key"), "&lol9;");
  // Also without the DOCTYPE node kept.
  pugi::xml_document doc2;
  ASSERT_TRUE(doc2.load_string(kBillionLaughs));
  EXPECT_STREQ(doc2.child("Delete").child("Object").child_value("Key"), "&lol9;");
}

TEST(XmlCodecTest, DoctypeIsRejectedAndUndeclaredEntitiesStayLiteral) {
  Status s = DecodeDeleteRequest(kBillionLaughs).status();
  ExpectMalformed(s);
  EXPECT_NE(s.message().find("DOCTYPE"), std::string::npos) << s.ToString();
  // External entities (XXE) are refused the same way.
  ExpectMalformed(DecodeError("<?xml version=\"1.0\"?><!DOCTYPE e [<!ENTITY xxe SYSTEM "
                              "\"file:///etc/passwd\">]><Error><Code>&xxe;</Code></Error>")
                      .status());
  // Without a DOCTYPE an entity reference is just text.
  auto inert = DecodeError("<Error><Code>&xxe;</Code></Error>");
  ASSERT_TRUE(inert.ok()) << inert.status().ToString();
  EXPECT_EQ(inert->code, "&xxe;");
  // Predefined entities and character references do decode.
  auto refs = DecodeError("<Error><Code>&lt;&amp;&#x41;&#66;&quot;&apos;&gt;</Code></Error>");
  ASSERT_TRUE(refs.ok());
  EXPECT_EQ(refs->code, "<&AB\"'>");
}

// Found by xml_fuzz: a character reference to a lone surrogate decoded to text
// that is not UTF-8, so a Delete key, an ACL grantee or a CORS origin came out
// of the decoder as something its own encoding could not bring back (a stored
// ACL or CORS configuration would then be unreadable).
TEST(XmlCodecTest, CharacterReferencesMustSpellUtf8) {
  ExpectMalformed(
      DecodeDeleteRequest("<Delete><Object><Key>&#xD800;</Key></Object></Delete>").status());
  ExpectMalformed(DecodeError("<Error><Code>&#57343;</Code></Error>").status());
  EXPECT_EQ(DecodeAccessControlPolicy(
                "<AccessControlPolicy><Owner><ID>&#xDC00;</ID></Owner></AccessControlPolicy>")
                .status()
                .s3_code(),
            "MalformedACLError");
  auto ok = DecodeError("<Error><Code>&#x10FFFF;&#xE9;&#13;</Code></Error>");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->code, "\xF4\x8F\xBF\xBF\xC3\xA9\r");
}

}  // namespace
}  // namespace sos
