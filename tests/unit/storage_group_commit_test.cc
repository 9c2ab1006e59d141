// Group commit: small blobs are made durable by the commit batch that
// references them (one sync for the batch), large ones by their own fsyncs;
// concurrent PUTs share batches; nothing is synced without fsync.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>
#include <vector>

#include "daemon/storage/storage_engine.h"
#include "tests/support/storage_test_util.h"

namespace sos {
namespace {

using testing::Pattern;

StorageStats StatsOf(StorageEngine& engine) {
  auto stats = engine.Stats();
  EXPECT_TRUE(stats.ok()) << stats.status().ToString();
  return stats.ok() ? *stats : StorageStats{};
}

TEST(StorageGroupCommitTest, ASmallBlobIsSyncedByItsCommitALargeOneByItself) {
  testing::TempDir dir;
  auto engine = testing::OpenWithBucket(dir.path(), "b");
  ASSERT_TRUE(engine);
  const StorageStats before = StatsOf(*engine);
  ASSERT_TRUE(testing::PutBytes(*engine, "b", "small", Pattern(4096, 1)).ok());
  const StorageStats after_small = StatsOf(*engine);
  EXPECT_EQ(after_small.blob_syncs, before.blob_syncs + 1);
  EXPECT_EQ(after_small.commit_batches, before.commit_batches + 1);
  EXPECT_EQ(after_small.commit_changes, before.commit_changes + 1);

  // Above 128 KiB: its replicas were fdatasync'd by the writer, nothing is
  // left for the commit to sync.
  ASSERT_TRUE(testing::PutBytes(*engine, "b", "large", Pattern(200 << 10, 2)).ok());
  const StorageStats after_large = StatsOf(*engine);
  EXPECT_EQ(after_large.blob_syncs, after_small.blob_syncs);
  EXPECT_EQ(after_large.commit_batches, after_small.commit_batches + 1);

  // A delete writes no blob: no sync either.
  ASSERT_TRUE(engine->DeleteObject("b", "small").ok());
  EXPECT_EQ(StatsOf(*engine).blob_syncs, after_small.blob_syncs);
  EXPECT_EQ(*testing::ReadAll(*engine, "b", "large"), Pattern(200 << 10, 2));
}

TEST(StorageGroupCommitTest, ConcurrentSmallPutsShareBatchesAndSyncs) {
  testing::TempDir dir;
  auto engine = testing::OpenWithBucket(dir.path(), "b");
  ASSERT_TRUE(engine);
  const StorageStats before = StatsOf(*engine);
  constexpr int kThreads = 16, kPuts = 20;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPuts; ++i) {
        const std::string key = "k" + std::to_string(t) + "-" + std::to_string(i);
        auto put = testing::PutBytes(*engine, "b", key, Pattern(1000 + i, t * 100 + i));
        EXPECT_TRUE(put.ok()) << put.status().ToString();
      }
    });
  }
  for (auto& t : threads) t.join();
  const StorageStats after = StatsOf(*engine);
  const uint64_t batches = after.commit_batches - before.commit_batches;
  const uint64_t syncs = after.blob_syncs - before.blob_syncs;
  EXPECT_EQ(after.commit_changes - before.commit_changes, uint64_t{kThreads * kPuts});
  EXPECT_GE(syncs, 1u);
  EXPECT_LE(syncs, batches);  // at most one per batch, however many blobs it holds
  // 16 writers waiting on fsyncs: batches hold several PUTs each.
  EXPECT_LT(batches, uint64_t{kThreads * kPuts});
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPuts; ++i) {
      const std::string key = "k" + std::to_string(t) + "-" + std::to_string(i);
      EXPECT_EQ(*testing::ReadAll(*engine, "b", key), Pattern(1000 + i, t * 100 + i)) << key;
    }
  }
}

TEST(StorageGroupCommitTest, WithoutFsyncNothingIsSynced) {
  testing::TempDir dir;
  StorageOptions o = testing::QuietOptions(dir.path());
  o.fsync = FsyncPolicy::kNever;
  auto engine = StorageEngine::Open(o);
  ASSERT_TRUE(engine.ok());
  ASSERT_TRUE((*engine)->CreateBucket({"b", "owner", {}, "", ""}).ok());
  ASSERT_TRUE(testing::PutBytes(**engine, "b", "small", Pattern(4096, 1)).ok());
  EXPECT_EQ(StatsOf(**engine).blob_syncs, 0u);
  EXPECT_EQ(*testing::ReadAll(**engine, "b", "small"), Pattern(4096, 1));
}

// Blob directories remembered as existing, then removed under the engine (a
// drive's blobs wiped): writes there make them again. 2,000 blobs before and
// after spread over 65,536 directories: about 60 of the later ones land in
// a remembered directory that went.
TEST(StorageGroupCommitTest, RememberedBlobDirectoriesThatWentAreMadeAgain) {
  testing::TempDir dir;
  StorageOptions o = testing::QuietOptions(dir.path());
  o.fsync = FsyncPolicy::kNever;  // only the directories matter here
  auto engine = StorageEngine::Open(o);
  ASSERT_TRUE(engine.ok());
  ASSERT_TRUE((*engine)->CreateBucket({"b", "owner", {}, "", ""}).ok());
  constexpr int kBlobs = 2000;
  for (int i = 0; i < kBlobs; ++i) {
    ASSERT_TRUE(testing::PutBytes(**engine, "b", "old" + std::to_string(i), "x").ok());
  }
  for (const DriveStats& d : StatsOf(**engine).drives) {
    std::filesystem::remove_all(d.path + "/blobs");
  }
  for (int i = 0; i < kBlobs; ++i) {
    auto put = testing::PutBytes(**engine, "b", "k" + std::to_string(i), Pattern(100, i));
    ASSERT_TRUE(put.ok()) << put.status().ToString();
  }
  for (int i = 0; i < kBlobs; ++i) {
    ASSERT_EQ(*testing::ReadAll(**engine, "b", "k" + std::to_string(i)), Pattern(100, i));
  }
  for (const DriveStats& d : StatsOf(**engine).drives) EXPECT_TRUE(d.ok) << d.path;
}

}  // namespace
}  // namespace sos
