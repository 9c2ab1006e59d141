// Opening a directory lists its subdirectories ahead, in parallel: a walk
// (ls -lR) then finds each listing cached instead of paying a round trip
// per directory, one after the other.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/unit/fs_fixture.h"

namespace sos {
namespace {

using namespace std::chrono_literals;

class FsListingPrefetchTest : public FsFixture {
 protected:
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

TEST_F(FsListingPrefetchTest, AWalkFindsTheSubdirectoriesListedAhead) {
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Put("d" + std::to_string(i) + "/f", "x").ok());
  faulty_.SetLatency(30ms, "List");
  faulty_.ResetCounters();
  auto top = List("");
  ASSERT_TRUE(top.ok());
  ASSERT_EQ(top->size(), 20u);
  // The 20 listings are fetched 8 at a time in the background: about 3 round trips.
  for (int i = 0; i < 200 && faulty_.Calls("List") < 21; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(faulty_.Calls("List"), 21u);
  std::this_thread::sleep_for(100ms);  // the last ones are counted before their answer
  faulty_.ResetCounters();
  for (const std::string& name : *top) EXPECT_EQ(List(name)->size(), 1u) << name;
  EXPECT_EQ(faulty_.Calls("List"), 0u) << "every subdirectory's listing was there already";
}

TEST_F(FsListingPrefetchTest, OffItListsEachDirectoryWhenOpened) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Put("d" + std::to_string(i) + "/f", "x").ok());
  prefetch_ = 0;
  Remount();
  faulty_.ResetCounters();
  Walk();
  EXPECT_EQ(faulty_.Calls("List"), 6u);
}

}  // namespace
}  // namespace sos
