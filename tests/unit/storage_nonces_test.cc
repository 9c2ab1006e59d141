// StorageEngine single-use nonces (X-Sos-Once): one consumer wins, also under
// concurrency; nonces survive a reopen and a Rebuild from the journals; expired
// ones are purged.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/support/storage_test_util.h"

namespace sos::testing {
namespace {

using std::chrono::hours;

TEST(StorageNoncesTest, ConsumedOnceEvenConcurrently) {
  TempDir dir;
  auto engine = StorageEngine::Open(QuietOptions(dir.path()));
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  const TimePoint later = std::chrono::system_clock::now() + hours(1);
  ASSERT_TRUE((*engine)->ConsumeNonce("nonce-aaaaaaaaaaaaaaaa", later).ok());
  EXPECT_EQ((*engine)->ConsumeNonce("nonce-aaaaaaaaaaaaaaaa", later).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ((*engine)->ConsumeNonce("", later).code(), StatusCode::kInvalidArgument);

  std::atomic<int> won{0}, lost{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&] {
      Status s = (*engine)->ConsumeNonce("nonce-concurrent-0001", later);
      if (s.ok()) {
        ++won;
      } else if (s.code() == StatusCode::kAlreadyExists) {
        ++lost;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), 19);
}

TEST(StorageNoncesTest, SurviveReopenAndRebuildAndArePurgedAfterExpiry) {
  TempDir dir;
  const TimePoint now = std::chrono::system_clock::now();
  {
    auto engine = StorageEngine::Open(QuietOptions(dir.path()));
    ASSERT_TRUE(engine.ok());
    ASSERT_TRUE((*engine)->ConsumeNonce("expires-soon-000001", now + hours(1)).ok());
    ASSERT_TRUE((*engine)->ConsumeNonce("expires-later-00001", now + hours(48)).ok());
  }
  auto engine = StorageEngine::Open(QuietOptions(dir.path()));
  ASSERT_TRUE(engine.ok());
  EXPECT_EQ((*engine)->ConsumeNonce("expires-soon-000001", now + hours(1)).code(),
            StatusCode::kAlreadyExists);
  ASSERT_TRUE((*engine)->Rebuild().ok());
  EXPECT_EQ((*engine)->ConsumeNonce("expires-later-00001", now + hours(48)).code(),
            StatusCode::kAlreadyExists);
  // Nothing expired yet; two hours on, the first one is gone (and usable again:
  // its URL is expired by then, so nobody can present it).
  auto none = (*engine)->PurgeNonces(now);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0u);
  auto one = (*engine)->PurgeNonces(now + hours(2));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, 1u);
  EXPECT_TRUE((*engine)->ConsumeNonce("expires-soon-000001", now + hours(3)).ok());
  EXPECT_EQ((*engine)->ConsumeNonce("expires-later-00001", now + hours(48)).code(),
            StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace sos::testing
