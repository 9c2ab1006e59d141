// Scrubber (daemon/storage/scrubber.h) over hooks that stand for the index and
// the drives: passes cover every blob once, the rate caps hold, progress is
// saved and a new scrubber resumes where the old one stopped.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "daemon/storage/scrubber.h"
#include "tests/support/storage_test_util.h"

namespace sos::storage {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A fake store of `n` blobs of 1,000 bytes; records what was verified.
struct FakeBlobs {
  explicit FakeBlobs(int n) {
    for (int i = 0; i < n; ++i) {
      char id[8];
      std::snprintf(id, sizeof(id), "b%04d", i);
      ids.push_back(id);
    }
  }
  Scrubber::Hooks Hooks() {
    Scrubber::Hooks h;
    h.list = [this](const std::string& after, size_t max) -> Result<std::vector<std::string>> {
      std::vector<std::string> out;
      for (const std::string& id : ids) {
        if (id > after && out.size() < max) out.push_back(id);
      }
      return out;
    };
    h.verify = [this](const std::string& id) {
      std::lock_guard lock(mu);
      verified.push_back(id);
      if (delay.count() > 0) std::this_thread::sleep_for(delay);
      return Scrubber::BlobResult{1000, bad.count(id) ? 1u : 0u};
    };
    return h;
  }
  std::vector<std::string> ids;
  std::set<std::string> bad;
  std::mutex mu;
  std::vector<std::string> verified;
  std::chrono::milliseconds delay{0};
};

ScrubLimits Unlimited() {
  ScrubLimits l;
  l.bytes_per_second = 0;
  l.blobs_per_second = 0;
  l.interval = std::chrono::hours(24);
  return l;
}

TEST(ScrubberTest, APassVerifiesEveryBlobOnceAndCountsFaults) {
  testing::TempDir dir;
  FakeBlobs blobs(600);  // more than one page
  blobs.bad = {"b0007", "b0599"};
  Scrubber scrubber(dir / "scrub-state", Unlimited(), blobs.Hooks());
  ASSERT_TRUE(scrubber.RunPassNow().ok());
  EXPECT_EQ(blobs.verified, blobs.ids);
  ScrubProgress p = scrubber.Progress();
  EXPECT_FALSE(p.running);
  EXPECT_EQ(p.passes_completed, 1u);
  EXPECT_EQ(p.blobs_done, 600u);
  EXPECT_EQ(p.bytes_done, 600'000u);
  EXPECT_EQ(p.faults_found, 2u);
  EXPECT_EQ(p.faults_total, 2u);
  EXPECT_GT(p.last_pass_completed.time_since_epoch().count(), 0);
}

TEST(ScrubberTest, TheBlobRateCapHolds) {
  testing::TempDir dir;
  FakeBlobs blobs(30);
  ScrubLimits limits = Unlimited();
  limits.blobs_per_second = 40;  // 30 blobs: at least 0.7 s
  Scrubber scrubber(dir / "scrub-state", limits, blobs.Hooks());
  const auto start = Clock::now();
  scrubber.Start();  // never scrubbed: a pass starts at once
  while (scrubber.Progress().passes_completed == 0 && Clock::now() - start < 10s) {
    std::this_thread::sleep_for(10ms);
  }
  const auto took = Clock::now() - start;
  scrubber.Stop();
  EXPECT_EQ(scrubber.Progress().passes_completed, 1u);
  EXPECT_GE(took, 700ms);
  EXPECT_LT(took, 5s);
}

TEST(ScrubberTest, TheByteRateCapHolds) {
  testing::TempDir dir;
  FakeBlobs blobs(20);  // 20,000 bytes at 25,000 a second: at least 0.75 s
  ScrubLimits limits = Unlimited();
  limits.bytes_per_second = 25'000;
  Scrubber scrubber(dir / "scrub-state", limits, blobs.Hooks());
  const auto start = Clock::now();
  scrubber.Start();
  while (scrubber.Progress().passes_completed == 0 && Clock::now() - start < 10s) {
    std::this_thread::sleep_for(10ms);
  }
  const auto took = Clock::now() - start;
  scrubber.Stop();
  EXPECT_EQ(scrubber.Progress().passes_completed, 1u);
  EXPECT_GE(took, 750ms);
}

TEST(ScrubberTest, ARestartedScrubberResumesWhereTheLastStopped) {
  testing::TempDir dir;
  FakeBlobs blobs(2000);
  ScrubLimits limits = Unlimited();
  limits.blobs_per_second = 500;  // a pass takes 4 s
  {
    Scrubber first(dir / "scrub-state", limits, blobs.Hooks());
    first.Start();
    const auto deadline = Clock::now() + 10s;
    while (first.Progress().blobs_done < 100 && Clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    first.Stop();  // mid-pass: saves the cursor
    EXPECT_TRUE(first.Progress().running);
  }
  const size_t before = blobs.verified.size();
  ASSERT_GE(before, 100u);
  ASSERT_LT(before, 2000u);
  Scrubber second(dir / "scrub-state", Unlimited(), blobs.Hooks());
  EXPECT_TRUE(second.Progress().running);
  ASSERT_TRUE(second.RunPassNow().ok());
  // Every blob once in all: the second scrubber began after the last one done.
  std::vector<std::string> sorted = blobs.verified;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, blobs.ids);
  EXPECT_EQ(second.Progress().passes_completed, 1u);
  EXPECT_EQ(second.Progress().blobs_done, 2000u);
}

TEST(ScrubberTest, ANewPassStartsOnRequest) {
  testing::TempDir dir;
  FakeBlobs blobs(5);
  Scrubber scrubber(dir / "scrub-state", Unlimited(), blobs.Hooks());  // interval: a day
  ASSERT_TRUE(scrubber.RunPassNow().ok());
  scrubber.Start();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(scrubber.Progress().passes_completed, 1u);  // not due for a day
  scrubber.RequestPass();
  const auto start = Clock::now();
  while (scrubber.Progress().passes_completed < 2 && Clock::now() - start < 5s) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(scrubber.Progress().passes_completed, 2u);
  scrubber.Stop();
}

TEST(ScrubberTest, ANewPassStartsAfterTheInterval) {
  testing::TempDir dir;
  FakeBlobs blobs(5);
  ScrubLimits limits = Unlimited();
  limits.interval = std::chrono::seconds(1);
  Scrubber scrubber(dir / "scrub-state", limits, blobs.Hooks());
  ASSERT_TRUE(scrubber.RunPassNow().ok());
  scrubber.Start();
  const auto start = Clock::now();
  while (scrubber.Progress().passes_completed < 2 && Clock::now() - start < 70s) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_GE(scrubber.Progress().passes_completed, 2u);
  EXPECT_GE(Clock::now() - start, 900ms);
  scrubber.Stop();
}

// A request at full speed lifts the caps: a pass that would take 20 s paced
// is done at once.
TEST(ScrubberTest, AFullSpeedRequestLiftsTheCaps) {
  testing::TempDir dir;
  FakeBlobs blobs(200);
  ScrubLimits limits = Unlimited();
  limits.blobs_per_second = 10;
  Scrubber scrubber(dir / "scrub-state", limits, blobs.Hooks());
  scrubber.Start();  // a paced first pass begins
  std::this_thread::sleep_for(200ms);
  scrubber.RequestPass(/*at_full_speed=*/true);
  const auto start = Clock::now();
  while (scrubber.Progress().passes_completed < 2 && Clock::now() - start < 15s) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(scrubber.Progress().passes_completed, 2u);  // the one under way, then a whole one
  EXPECT_LT(Clock::now() - start, 10s);
  scrubber.Stop();
}

// A pass asked for (a drive came back) and not yet run is still owed after a
// restart.
TEST(ScrubberTest, ARequestSurvivesARestart) {
  testing::TempDir dir;
  FakeBlobs blobs(5);
  {
    Scrubber first(dir / "scrub-state", Unlimited(), blobs.Hooks());  // interval: a day
    ASSERT_TRUE(first.RunPassNow().ok());
    first.RequestPass();  // never started: no thread
  }
  Scrubber second(dir / "scrub-state", Unlimited(), blobs.Hooks());
  second.Start();
  const auto start = Clock::now();
  while (second.Progress().passes_completed < 2 && Clock::now() - start < 5s) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(second.Progress().passes_completed, 2u);
  second.Stop();
}

TEST(ScrubberTest, AnUnreadableStateFileStartsOver) {
  testing::TempDir dir;
  { std::ofstream(dir / "scrub-state") << "{not json"; }
  FakeBlobs blobs(3);
  Scrubber scrubber(dir / "scrub-state", Unlimited(), blobs.Hooks());
  EXPECT_EQ(scrubber.Progress().passes_completed, 0u);
  ASSERT_TRUE(scrubber.RunPassNow().ok());
  EXPECT_EQ(blobs.verified.size(), 3u);
}

}  // namespace
}  // namespace sos::storage
