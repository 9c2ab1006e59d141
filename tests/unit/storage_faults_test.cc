// StorageEngine under faults: corrupt, truncated and missing replicas, lost
// drives, a full disk (and the 507 the S3 layer makes of it).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "daemon/s3api/s3_error_table.h"
#include "daemon/storage/blob_store.h"
#include "daemon/storage/storage_engine.h"
#include "tests/support/storage_test_util.h"

namespace sos {
namespace {

using testing::BlobFilePath;
using testing::BlobFiles;
using testing::DrivePath;
using testing::Pattern;
using testing::PutBytes;
using testing::ReadAll;
using testing::TempDir;

constexpr uint32_t kBlock = 64 << 10;

void FlipByte(const std::string& path, uint64_t offset) {
  int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0) << path;
  char c;
  ASSERT_EQ(::pread(fd, &c, 1, static_cast<off_t>(offset)), 1);
  c = static_cast<char>(c ^ 0x5a);
  ASSERT_EQ(::pwrite(fd, &c, 1, static_cast<off_t>(offset)), 1);
  ::close(fd);
}

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class StorageFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    engine_.reset();
    StorageOptions o = testing::QuietOptions(dir_.path(), &log_);
    o.block_size = kBlock;
    auto e = StorageEngine::Open(o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value();
    BucketRecord b;
    b.name = "b";
    Status st = engine_->CreateBucket(b);
    ASSERT_TRUE(st.ok() || st.code() == StatusCode::kAlreadyExists);
  }

  std::string Drive(int i) { return DrivePath(dir_.path(), i); }
  StorageStats Stats() {
    auto s = engine_->Stats();
    EXPECT_TRUE(s.ok());
    return *s;
  }

  TempDir dir_;
  testing::LogCapture log_;
  std::unique_ptr<StorageEngine> engine_;
};

TEST_F(StorageFaultsTest, CorruptReplicaIsReadElsewhereCountedAndRepaired) {
  std::string data = Pattern(3 * kBlock + 100, 1);
  auto put = PutBytes(*engine_, "b", "k", data);
  ASSERT_TRUE(put.ok());
  const std::string id = put->segments[0].blob_id;
  const size_t first = storage::PreferredReplica(id, 3);
  const std::string bad = BlobFilePath(Drive(static_cast<int>(first)), id);
  const std::string good = BlobFilePath(Drive(static_cast<int>((first + 1) % 3)), id);
  FlipByte(bad, storage::kBlobHeaderSize + kBlock + 17);  // in block 1

  auto got = ReadAll(*engine_, "b", "k");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == data);
  StorageStats s = Stats();
  EXPECT_EQ(s.drives[first].read_faults, 1u);
  EXPECT_EQ(s.pending_repairs, 1u);
  EXPECT_TRUE(s.drive_ok[first]);  // a bad block is not a bad drive

  ASSERT_TRUE(engine_->Scrub().ok());  // also runs the pending repairs
  EXPECT_EQ(FileBytes(bad), FileBytes(good));
  s = Stats();
  EXPECT_EQ(s.drives[first].repairs, 1u);
  EXPECT_EQ(s.pending_repairs, 0u);
  EXPECT_TRUE(*ReadAll(*engine_, "b", "k") == data);
  EXPECT_EQ(Stats().drives[first].read_faults, 1u);  // nothing new
}

TEST_F(StorageFaultsTest, CorruptInEveryReplicaIsCorruption) {
  std::string data = Pattern(2 * kBlock, 2);
  auto put = PutBytes(*engine_, "b", "k", data);
  ASSERT_TRUE(put.ok());
  const std::string id = put->segments[0].blob_id;
  for (int d = 0; d < 3; ++d) FlipByte(BlobFilePath(Drive(d), id), storage::kBlobHeaderSize + 5);
  auto got = ReadAll(*engine_, "b", "k");
  EXPECT_EQ(got.status().code(), StatusCode::kCorruption) << got.status().ToString();
  // The second block is still readable: only the bad block fails.
  auto head = engine_->HeadObject("b", "k");
  auto tail = testing::ReadRecord(*engine_, *head, kBlock, kBlock);
  ASSERT_TRUE(tail.ok());
  EXPECT_TRUE(*tail == data.substr(kBlock));
}

TEST_F(StorageFaultsTest, TruncatedMissingAndBadHeaderReplicas) {
  std::string data = Pattern(kBlock + 1, 3);
  auto put = PutBytes(*engine_, "b", "k", data);
  ASSERT_TRUE(put.ok());
  const std::string id = put->segments[0].blob_id;
  ::truncate(BlobFilePath(Drive(0), id).c_str(), 200);
  ::unlink(BlobFilePath(Drive(1), id).c_str());
  auto got = ReadAll(*engine_, "b", "k");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == data);
  ASSERT_TRUE(engine_->Scrub().ok());
  for (int d = 0; d < 2; ++d) {
    EXPECT_EQ(FileBytes(BlobFilePath(Drive(d), id)), FileBytes(BlobFilePath(Drive(2), id)));
  }
  StorageStats s = Stats();
  EXPECT_EQ(s.drives[0].repairs + s.drives[1].repairs, 2u);
  // A replica whose header is damaged.
  FlipByte(BlobFilePath(Drive(2), id), 20);
  got = ReadAll(*engine_, "b", "k");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(*got == data);
}

// A drive that fails its health probe before any write reaches it still
// shows a write fault, once per failure, not once per probe.
TEST_F(StorageFaultsTest, FailedProbeCountsOneWriteFault) {
  std::filesystem::remove_all(Drive(1) + "/tmp");
  ASSERT_TRUE(engine_->Heal().ok());
  ASSERT_TRUE(engine_->Heal().ok());
  StorageStats s = Stats();
  EXPECT_FALSE(s.drive_ok[1]);
  EXPECT_EQ(s.drives[1].write_faults, 1u);
  EXPECT_EQ(s.drives[0].write_faults, 0u);
}

TEST_F(StorageFaultsTest, LostDriveDirectory) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(PutBytes(*engine_, "b", "k" + std::to_string(i), Pattern(kBlock + i, i)).ok());
  }
  std::filesystem::remove_all(Drive(1));
  for (int i = 0; i < 5; ++i) {
    auto got = ReadAll(*engine_, "b", "k" + std::to_string(i));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(*got == Pattern(kBlock + i, i));
  }
  // Writes go on with 2 of 3 replicas (the quorum).
  for (int i = 5; i < 8; ++i) {
    auto put = PutBytes(*engine_, "b", "k" + std::to_string(i), Pattern(kBlock + i, i));
    ASSERT_TRUE(put.ok()) << put.status().ToString();
  }
  EXPECT_FALSE(Stats().drive_ok[1]);
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(ReadAll(*engine_, "b", "k" + std::to_string(i)).ok());

  // Reopen: the drive comes back empty, reads fall back, scrub refills it.
  Open();
  EXPECT_TRUE(Stats().drive_ok[1]);
  for (int i = 0; i < 8; ++i) {
    auto got = ReadAll(*engine_, "b", "k" + std::to_string(i));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(*got == Pattern(kBlock + i, i));
  }
  ASSERT_TRUE(engine_->Scrub().ok());
  EXPECT_EQ(BlobFiles(Drive(1)).size(), 8u);
  EXPECT_EQ(BlobFiles(Drive(0)).size(), 8u);

  // Two lost drives: below the quorum, writes fail as Unavailable (503: retry
  // later, nothing acknowledged), reads still work from the last copy.
  std::filesystem::remove_all(Drive(0));
  std::filesystem::remove_all(Drive(2));
  auto put = PutBytes(*engine_, "b", "new", "data");
  EXPECT_EQ(put.status().code(), StatusCode::kUnavailable) << put.status().ToString();
  EXPECT_EQ(engine_->HeadObject("b", "new").status().code(), StatusCode::kNotFound);
  for (int i = 0; i < 8; ++i) {
    auto got = ReadAll(*engine_, "b", "k" + std::to_string(i));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
  }
}

// A tmpfs of a few MiB makes a real ENOSPC (root only; skipped otherwise).
class StorageFullDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_ = dir_ / "tmpfs";
    std::filesystem::create_directories(mount_);
    if (::mount("tmpfs", mount_.c_str(), "tmpfs", 0, "size=4m") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
    }
    mounted_ = true;
  }
  void TearDown() override {
    engine_.reset();
    if (mounted_) ::umount2(mount_.c_str(), MNT_DETACH);
  }

  TempDir dir_;
  std::string mount_;
  bool mounted_ = false;
  std::unique_ptr<StorageEngine> engine_;
};

TEST_F(StorageFullDiskTest, NoSpaceAndNothingHalfVisible) {
  StorageOptions o = testing::QuietOptions(mount_);  // index and drives on the tmpfs
  o.block_size = kBlock;
  o.map_size = 64 << 20;
  auto e = StorageEngine::Open(o);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  engine_ = std::move(e).value();
  ASSERT_TRUE(engine_->CreateBucket({"b", "o", {}, "", ""}).ok());
  int stored = 0;
  Status last;
  for (int i = 0; i < 20; ++i) {
    auto put = PutBytes(*engine_, "b", "k" + std::to_string(i), Pattern(300 << 10, i));
    if (!put.ok()) {
      last = put.status();
      EXPECT_EQ(engine_->HeadObject("b", "k" + std::to_string(i)).status().code(),
                StatusCode::kNotFound);
      break;
    }
    ++stored;
  }
  ASSERT_FALSE(last.ok()) << "the tmpfs never filled up";
  EXPECT_EQ(last.code(), StatusCode::kNoSpace) << last.ToString();
  EXPECT_GT(stored, 0);
  // The detail names the full drive, for the log; the 507 a client reads does not.
  EXPECT_NE(last.message().find(mount_), std::string::npos) << last.ToString();
  S3Error error = S3ErrorFor(last);
  EXPECT_EQ(error.http_status, 507);
  const std::string body =
      S3ErrorXml(error, S3ErrorMessage(error, last), "/b/k", "0123456789ABCDEF");
  EXPECT_EQ(body.find(mount_), std::string::npos) << body;
  EXPECT_EQ(body.find("No space left"), std::string::npos) << body;
  // Exactly the acknowledged objects have blobs; no temp files are left.
  for (int d = 0; d < 3; ++d) {
    std::string drive = mount_ + "/drive" + std::to_string(d);
    EXPECT_LE(BlobFiles(drive).size(), static_cast<size_t>(stored));
    EXPECT_TRUE(std::filesystem::is_empty(drive + "/tmp"));
  }
  for (int i = 0; i < stored; ++i) {
    auto got = ReadAll(*engine_, "b", "k" + std::to_string(i));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(*got == Pattern(300 << 10, i));
  }
  // Space freed is usable again, and the drives were not declared failed.
  ASSERT_TRUE(engine_->DeleteObject("b", "k0").ok());
  ASSERT_TRUE(engine_->DeleteObject("b", "k1").ok());
  auto again = PutBytes(*engine_, "b", "again", Pattern(100 << 10, 99));
  EXPECT_TRUE(again.ok()) << again.status().ToString();
  auto stats = engine_->Stats();
  for (bool ok : stats->drive_ok) EXPECT_TRUE(ok);
  // And it all survives a reopen.
  engine_.reset();
  e = StorageEngine::Open(o);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  engine_ = std::move(e).value();
  for (int i = 2; i < stored; ++i)
    EXPECT_TRUE(ReadAll(*engine_, "b", "k" + std::to_string(i)).ok());
  EXPECT_TRUE(ReadAll(*engine_, "b", "again").ok());
}

TEST_F(StorageFullDiskTest, SmallObjectsUntilFull) {
  StorageOptions o = testing::QuietOptions(mount_);
  o.block_size = kBlock;
  o.map_size = 64 << 20;
  auto e = StorageEngine::Open(o);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  engine_ = std::move(e).value();
  ASSERT_TRUE(engine_->CreateBucket({"b", "o", {}, "", ""}).ok());
  int stored = 0;
  Status last;
  for (int i = 0; i < 5000 && last.ok(); ++i) {
    std::string key = "small/" + std::string(200, 'k') + std::to_string(i);  // fat index entries
    auto put = PutBytes(*engine_, "b", key, Pattern(1500, i));
    if (put.ok()) {
      ++stored;
      continue;
    }
    last = put.status();
    EXPECT_EQ(engine_->HeadObject("b", key).status().code(), StatusCode::kNotFound);
  }
  ASSERT_FALSE(last.ok()) << "the tmpfs never filled up";
  EXPECT_EQ(last.code(), StatusCode::kNoSpace) << last.ToString();
  auto verify = [&] {
    for (int i = 0; i < stored; i += 7) {
      std::string key = "small/" + std::string(200, 'k') + std::to_string(i);
      auto got = ReadAll(*engine_, "b", key);
      ASSERT_TRUE(got.ok()) << key << ": " << got.status().ToString();
      EXPECT_TRUE(*got == Pattern(1500, i));
    }
  };
  verify();
  engine_.reset();
  e = StorageEngine::Open(o);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  engine_ = std::move(e).value();
  verify();
  auto stats = engine_->Stats();
  EXPECT_EQ(stats->objects, static_cast<uint64_t>(stored));
}

}  // namespace
}  // namespace sos
