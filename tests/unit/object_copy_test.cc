// CopyObjectAnySize: single CopyObject below the limit, an aborted-on-failure
// multipart copy above it, with the source's metadata or the request's.
#include "s3core/client/object_copy.h"

#include <gtest/gtest.h>

#include "tests/support/faulty_object_store.h"
#include "tests/support/memory_object_store.h"

namespace sos {
namespace {

class ObjectCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.CreateBucket("bkt").ok());
    data_.resize(12 << 20);
    for (size_t i = 0; i < data_.size(); ++i) data_[i] = static_cast<char>((i * 7919) >> 8);
    WriteOptions w;
    w.content_type = "video/mp4";
    w.cache_control = "max-age=60";
    w.user_meta = {{"mode", "33188"}, {"mtime", "1600000000"}};
    StringViewSource body(data_);
    ASSERT_TRUE(store_.Put("bkt", "src", body, w).ok());
  }
  CopyRequest Request(const std::string& dst) {
    CopyRequest r;
    r.src_bucket = r.dst_bucket = "bkt";
    r.src_key = "src";
    r.dst_key = dst;
    return r;
  }
  // A 10 MiB "CopyObject limit" and 5 MiB parts: the 12 MiB source takes 3 parts.
  LargeCopyOptions Small() { return {uint64_t{10} << 20, uint64_t{5} << 20}; }

  MemoryObjectStore store_;
  std::string data_;
};

TEST_F(ObjectCopyTest, LargeCopyKeepsBytesAndSourceMetadata) {
  auto copied = CopyObjectAnySize(store_, Request("dst"), data_.size(), Small());
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_NE(copied->etag.find("-3"), std::string::npos) << copied->etag;  // three parts
  EXPECT_EQ(store_.ObjectData("bkt", "dst"), data_);
  auto head = store_.Head("bkt", "dst");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->content_type, "video/mp4");
  EXPECT_EQ(head->cache_control, "max-age=60");
  EXPECT_EQ(head->user_meta,
            (std::map<std::string, std::string>{{"mode", "33188"}, {"mtime", "1600000000"}}));
}

TEST_F(ObjectCopyTest, LargeSelfCopyWithReplaceTakesTheNewMetadata) {
  CopyRequest r = Request("src");
  r.replace_metadata = true;
  r.options.content_type = "application/octet-stream";
  r.options.user_meta = {{"mode", "33152"}};
  ASSERT_TRUE(CopyObjectAnySize(store_, r, data_.size(), Small()).ok());
  EXPECT_EQ(store_.ObjectData("bkt", "src"), data_);
  auto head = store_.Head("bkt", "src");
  EXPECT_EQ(head->content_type, "application/octet-stream");
  EXPECT_EQ(head->user_meta, (std::map<std::string, std::string>{{"mode", "33152"}}));
}

TEST_F(ObjectCopyTest, SmallCopiesAreOneCopyObject) {
  FaultyObjectStore faulty(store_);
  faulty.FailNthCall("UploadPartCopy", 1);  // would fail a multipart copy
  auto copied = CopyObjectAnySize(faulty, Request("dst"), data_.size());
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_EQ(copied->etag.find('-'), std::string::npos) << copied->etag;
  EXPECT_EQ(store_.ObjectData("bkt", "dst"), data_);
}

// A part is tried three times (multipart_writer.h); one that keeps failing
// aborts the upload.
TEST_F(ObjectCopyTest, AFailedPartAbortsTheUploadAndChangesNothing) {
  FaultyObjectStore faulty(store_);
  faulty.FailAlways("UploadPartCopy");
  auto copied = CopyObjectAnySize(faulty, Request("dst"), data_.size(), Small());
  EXPECT_FALSE(copied.ok());
  EXPECT_FALSE(store_.ObjectData("bkt", "dst").has_value());
  auto uploads = store_.ListMultipartUploads("bkt");
  ASSERT_TRUE(uploads.ok());
  EXPECT_TRUE(uploads->uploads.empty());
}

TEST_F(ObjectCopyTest, AnUnknownSizeIsLookedUp) {
  auto large = CopyObjectAnySize(store_, Request("dst"), kUnknownSize, Small());
  ASSERT_TRUE(large.ok()) << large.status().ToString();
  EXPECT_NE(large->etag.find("-3"), std::string::npos) << large->etag;
  LargeCopyOptions roomy = Small();
  roomy.max_single_copy = uint64_t{20} << 20;
  auto single = CopyObjectAnySize(store_, Request("dst2"), kUnknownSize, roomy);
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->etag.find('-'), std::string::npos) << single->etag;
  EXPECT_EQ(store_.ObjectData("bkt", "dst2"), data_);
}

TEST_F(ObjectCopyTest, SourceConditionsAreChecked) {
  CopyRequest r = Request("dst");
  r.source_conditions.if_match = "\"not-the-etag\"";
  auto copied = CopyObjectAnySize(store_, r, data_.size(), Small());
  EXPECT_FALSE(copied.ok());
  EXPECT_FALSE(store_.ObjectData("bkt", "dst").has_value());
}

}  // namespace
}  // namespace sos
