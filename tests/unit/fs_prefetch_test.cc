// Work done ahead of a walk: opening a directory lists its subdirectories
// in parallel, so that ls -lR finds each listing cached; reading a small file
// fetches the next small files of its directory, so that cat of many files
// does not wait for one GET after another.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "tests/unit/fs_fixture.h"

namespace sos {
namespace {

using namespace std::chrono_literals;

class FsPrefetchTest : public FsFixture {
 protected:
  // A server without sosd's listing of directory markers: they are HEADed.
  FsPrefetchTest() : FsFixture(StoreOptions()) {}
  static MemoryObjectStoreOptions StoreOptions() {
    MemoryObjectStoreOptions o;
    o.list_prefix_markers = false;
    return o;
  }
  FilesystemOptions Options() override {
    FilesystemOptions o = FsFixture::Options();
    o.cache_dir = dir_ + "/" + cache_name_;
    o.list_prefetch = prefetch_;
    return o;
  }
  void Walk() {
    auto top = List("");
    ASSERT_TRUE(top.ok());
    for (const std::string& name : *top) ASSERT_TRUE(List(name).ok()) << name;
  }
  std::string cache_name_ = "cache";
  int prefetch_ = 64;
};

TEST_F(FsPrefetchTest, AWalkFindsTheSubdirectoriesListedAhead) {
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Put("d" + std::to_string(i) + "/f", "x").ok());
  faulty_.SetLatency(30ms, "List");
  faulty_.ResetCounters();
  auto top = List("");
  ASSERT_TRUE(top.ok());
  ASSERT_EQ(top->size(), 20u);
  // The 20 listings are fetched in the background, 32 at a time.
  for (int i = 0; i < 200 && faulty_.Calls("List") < 21; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(faulty_.Calls("List"), 21u);
  std::this_thread::sleep_for(100ms);  // the last ones are counted before their answer
  faulty_.ResetCounters();
  for (const std::string& name : *top) EXPECT_EQ(List(name)->size(), 1u) << name;
  EXPECT_EQ(faulty_.Calls("List"), 0u) << "every subdirectory's listing was there already";
}

// The subdirectories' listings start as soon as the parent's listing
// arrives, while the HEADs of their markers are still out; listings made
// ahead do not list further ahead themselves (a walk of the whole bucket).
TEST_F(FsPrefetchTest, SubdirectoriesAreListedWhileTheirMarkersAreHeaded) {
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Put("d" + std::to_string(i) + "/sub/f", "x").ok());
  faulty_.SetLatency(300ms, "Head");
  faulty_.ResetCounters();
  std::thread lister([&] { EXPECT_EQ(List("")->size(), 20u); });
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(faulty_.Calls("List"), 21u) << "listings ahead wait for the parent's HEADs";
  lister.join();
  std::this_thread::sleep_for(700ms);  // any HEADs of the listings ahead end too
  EXPECT_EQ(faulty_.Calls("List"), 21u) << "a listing made ahead listed further ahead";
}

// Against sosd, a listing carries its directories' markers: no HEAD per
// subdirectory, and their attributes are the markers'.
TEST_F(FsFixture, DirectoryMarkersComeWithTheListing) {
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Mkdir("d" + std::to_string(i), 0700 + i % 8).ok());
  ASSERT_TRUE(Put("plain/f", "x").ok());  // a directory without a marker
  Unmount();
  std::filesystem::remove_all(dir_ + "/cache");  // nothing listed yet
  Mount();
  faulty_.ResetCounters();
  auto top = List("");
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(top->size(), 21u);
  EXPECT_EQ(faulty_.Calls("Head"), 0u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(Stat("d" + std::to_string(i))->mode & 07777, 0700u + i % 8) << i;
  }
  EXPECT_TRUE(Stat("plain")->IsDir());
  EXPECT_EQ(faulty_.Calls("Head"), 0u);
}

TEST_F(FsPrefetchTest, OffItListsEachDirectoryWhenOpened) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Put("d" + std::to_string(i) + "/f", "x").ok());
  prefetch_ = 0;
  Remount();
  faulty_.ResetCounters();
  Walk();
  EXPECT_EQ(faulty_.Calls("List"), 6u);
}

TEST_F(FsPrefetchTest, ReadingSmallFilesInOrderFindsTheNextOnesFetched) {
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(Put("d/f" + std::to_string(10 + i), "content " + std::to_string(i)).ok());
  }
  ASSERT_TRUE(Put("d/g-big", std::string(2 << 20, 'b')).ok());  // not small: not fetched
  ASSERT_EQ(List("d")->size(), 13u);
  faulty_.SetLatency(20ms, "Get");
  faulty_.ResetCounters();
  EXPECT_EQ(*ReadFile("d/f10"), "content 0");  // fetches f11..f18 ahead
  for (int i = 0; i < 200 && faulty_.Calls("Get") < 9; ++i) std::this_thread::sleep_for(5ms);
  std::this_thread::sleep_for(60ms);  // the last answers
  EXPECT_EQ(faulty_.Calls("Get"), 9u);
  faulty_.ResetCounters();
  for (int i = 1; i <= 8; ++i) {
    EXPECT_EQ(*ReadFile("d/f" + std::to_string(10 + i)), "content " + std::to_string(i));
  }
  // Reading f11..f18 fetched ahead the files after them, never g-big.
  EXPECT_LE(faulty_.Calls("Get"), 3u);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(*ReadFile("d/f21"), "content 11");
}

}  // namespace
}  // namespace sos
