// The one multipart writer: part sizes within S3's limits, parts retried,
// the upload aborted (nothing left behind) when a part or the last check
// fails, and completion under the write's conditions.
#include "s3core/client/multipart_writer.h"

#include <gtest/gtest.h>

#include <atomic>

#include "tests/support/faulty_object_store.h"
#include "tests/support/memory_object_store.h"

namespace sos {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

TEST(MultipartWriter, PartSizesFitFiveTebibytesInTenThousandParts) {
  EXPECT_EQ(PartSizeFor(0, 8 * kMiB, kMiB), 8 * kMiB);
  EXPECT_EQ(PartSizeFor(20 * kMiB, 8 * kMiB, kMiB), 8 * kMiB);
  EXPECT_EQ(PartSizeFor(8 * kMiB * kMaxParts, 8 * kMiB, kMiB), 8 * kMiB);
  for (uint64_t size : {8 * kMiB * kMaxParts + 1, uint64_t{1} << 40, kMaxObjectSize}) {
    for (uint64_t align : {uint64_t{1}, kMiB, 4 * kMiB}) {
      uint64_t part = PartSizeFor(size, 8 * kMiB, align);
      EXPECT_GT(part, 8 * kMiB);
      EXPECT_EQ(part % align, 0u);
      EXPECT_LE(part, kMaxPartSize);
      EXPECT_LE(PartCountFor(size, part), kMaxParts) << size;
    }
  }
  EXPECT_EQ(PartCountFor(0, 8 * kMiB), 1);
  EXPECT_EQ(PartCountFor(8 * kMiB + 1, 8 * kMiB), 2);
}

class MultipartWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MemoryObjectStoreOptions o;
    o.min_part_size = 1;
    memory_ = std::make_unique<MemoryObjectStore>(o);
    faulty_ = std::make_unique<FaultyObjectStore>(*memory_);
    ASSERT_TRUE(memory_->CreateBucket("bkt").ok());
    data_.resize(10 * 1000 + 7);
    for (size_t i = 0; i < data_.size(); ++i) data_[i] = static_cast<char>('a' + i % 23);
  }
  FillPart Uploader() {
    return [this](const std::string& upload_id, const PartSpan& part) {
      StringViewSource body(std::string_view(data_).substr(part.offset, part.length));
      return faulty_->UploadPart("bkt", "k", upload_id, part.number, body);
    };
  }
  MultipartOptions Small() {
    MultipartOptions o;
    o.min_part_size = 1000;
    o.align = 1;
    o.retry_delay = std::chrono::milliseconds(1);
    return o;
  }
  std::string Stored() {
    std::string out;
    auto got = memory_->Get({"bkt", "k", std::nullopt, {}}, [&](std::string_view chunk) {
      out.append(chunk);
      return Status::Ok();
    });
    return got.ok() ? out : "<" + got.status().ToString() + ">";
  }
  size_t PendingUploads() {
    auto list = memory_->ListMultipartUploads("bkt");
    return list.ok() ? list->uploads.size() : 99;
  }

  std::unique_ptr<MemoryObjectStore> memory_;
  std::unique_ptr<FaultyObjectStore> faulty_;
  std::string data_;
};

TEST_F(MultipartWriterTest, PartsInParallelMakeTheObject) {
  std::string created;
  MultipartOptions o = Small();
  o.on_created = [&](const std::string& id) { created = id; };
  auto done = WriteMultipart(*faulty_, "bkt", "k", data_.size(), {}, Uploader(), o);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->parts, 11);
  EXPECT_FALSE(created.empty());
  EXPECT_EQ(Stored(), data_);
  EXPECT_EQ(PendingUploads(), 0u);
}

TEST_F(MultipartWriterTest, AFailingPartIsRetried) {
  faulty_->FailNthCall("UploadPart", 3);
  auto done = WriteMultipart(*faulty_, "bkt", "k", data_.size(), {}, Uploader(), Small());
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(Stored(), data_);
}

TEST_F(MultipartWriterTest, APartThatKeepsFailingAbortsTheUpload) {
  std::atomic<int> calls{0};
  FillPart fill = [&](const std::string& upload_id, const PartSpan& part) -> Result<std::string> {
    ++calls;
    if (part.number == 5) return Status::IOError("disk gone");
    return Uploader()(upload_id, part);
  };
  auto done = WriteMultipart(*faulty_, "bkt", "k", data_.size(), {}, fill, Small());
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.status().code(), StatusCode::kIOError);
  EXPECT_EQ(PendingUploads(), 0u) << "a failed upload is aborted";
  EXPECT_EQ(Stored().rfind("<", 0), 0u) << "nothing was written";
  EXPECT_LE(calls.load(), 11 + 2) << "part 5 tried 3 times, no part twice otherwise";
}

TEST_F(MultipartWriterTest, TheLastCheckCanStopTheCompletion) {
  MultipartOptions o = Small();
  o.before_complete = [] { return Status::IOError("the base changed"); };
  auto done = WriteMultipart(*faulty_, "bkt", "k", data_.size(), {}, Uploader(), o);
  EXPECT_EQ(done.status().message(), "the base changed");
  EXPECT_EQ(PendingUploads(), 0u);
}

TEST_F(MultipartWriterTest, CompletesUnderTheWritesConditions) {
  WriteOptions write;
  write.conditions.if_none_match = "*";
  ASSERT_TRUE(WriteMultipart(*faulty_, "bkt", "k", data_.size(), write, Uploader(), Small()).ok());
  auto again = WriteMultipart(*faulty_, "bkt", "k", data_.size(), write, Uploader(), Small());
  EXPECT_EQ(again.status().code(), StatusCode::kPreconditionFailed);
  EXPECT_EQ(PendingUploads(), 0u);
}

TEST_F(MultipartWriterTest, RefusesObjectsOverFiveTebibytes) {
  auto done =
      WriteMultipart(*faulty_, "bkt", "k", kMaxObjectSize + 1, {}, Uploader(), MultipartOptions{});
  EXPECT_EQ(done.status().s3_code(), "EntityTooLarge");
  EXPECT_EQ(PendingUploads(), 0u);
}

}  // namespace
}  // namespace sos
