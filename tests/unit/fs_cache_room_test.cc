// The cache's size limit and free-space floor: clean files are evicted,
// writers wait for uploads while unuploaded data fills the cache, and with
// the remote down they go on (nothing hangs, nothing is lost).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>

#include "tests/unit/fs_fixture.h"

namespace sos {
namespace {

using namespace std::chrono_literals;
constexpr uint64_t kMiB = uint64_t{1} << 20;

class FsCacheRoomTest : public FsFixture {
 protected:
  FilesystemOptions Options() override {
    FilesystemOptions o = FsFixture::Options();
    o.cache_size = 3 * kMiB;
    o.upload_delay = 0ms;
    o.min_disk_free = 10 * kMiB;
    o.disk_free = [this] { return disk_free_.load(); };
    o.backpressure_stall = stall_;
    return o;
  }
  // Bytes the cache's data files take on disk.
  uint64_t CachedBytes() {
    uint64_t bytes = 0;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir_ + "/cache/data", ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      struct stat st {};
      if (::stat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        bytes += static_cast<uint64_t>(st.st_blocks) * 512;
      }
    }
    return bytes;
  }
  static std::string Data(int i) { return std::string(kMiB, static_cast<char>('a' + i)); }

  std::atomic<uint64_t> disk_free_{uint64_t{100} << 30};
  std::chrono::milliseconds stall_ = 10s;
};

TEST_F(FsCacheRoomTest, WritersWaitForUploadsWhileUnuploadedDataFillsTheCache) {
  faulty_.SetLatency(150ms, "Put");
  uint64_t most = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(WriteFile("f" + std::to_string(i), Data(i)).ok());
    most = std::max(most, CachedBytes());
  }
  const auto took = std::chrono::steady_clock::now() - start;
  // Without waiting, 8 MiB would sit in the cache before the first upload ends.
  EXPECT_LE(most, 5 * kMiB) << "the cache grew to " << most << " bytes";
  EXPECT_GE(took, 150ms);  // at least one upload (150 ms each) was waited for
  Drain();
  for (int i = 0; i < 8; ++i) EXPECT_EQ(*store_.ObjectData("bkt", "f" + std::to_string(i)), Data(i));
}

TEST_F(FsCacheRoomTest, WithTheRemoteDownWritersGoOnAndNothingIsLost) {
  stall_ = 300ms;
  Remount();
  faulty_.FailAlways("Put");
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(WriteFile("f" + std::to_string(i), Data(i)).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s) << "writers hung on a down remote";
  EXPECT_GE(CachedBytes(), 6 * kMiB);  // all of it kept: dirty data is never evicted
  faulty_.ClearFaults();
  Drain();
  for (int i = 0; i < 6; ++i) EXPECT_EQ(*store_.ObjectData("bkt", "f" + std::to_string(i)), Data(i));
}

TEST_F(FsCacheRoomTest, UnderTheDiskFloorCleanFilesAreEvictedOldestFirst) {
  Unmount();
  stall_ = 300ms;
  Mount();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(WriteFile("f" + std::to_string(i), Data(i)).ok());
    Drain();
  }
  ASSERT_GE(CachedBytes(), 3 * kMiB);  // uploaded, and still cached
  disk_free_ = 8 * kMiB;               // 2 MiB under the floor: 3 MiB go (a tenth more)
  std::this_thread::sleep_for(150ms);  // evictions run at most every 100 ms
  ASSERT_TRUE(WriteFile("g", Data(9)).ok());
  EXPECT_LE(CachedBytes(), 2 * kMiB);
  EXPECT_FALSE(fs_->MountStatus()->empty());
  // Evicted files read back from the remote.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(*ReadFile("f" + std::to_string(i)), Data(i));
}

}  // namespace
}  // namespace sos
