#include "tests/support/faulty_object_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "tests/support/memory_object_store.h"

namespace sos {
namespace {

class FaultyObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(inner_.CreateBucket("bkt").ok()); }

  Result<PutResult> Put(ObjectStore& store, const std::string& key, std::string_view data) {
    StringViewSource src(data);
    return store.Put("bkt", key, src);
  }

  MemoryObjectStore inner_;
  FaultyObjectStore faulty_{inner_, /*seed=*/7};
};

void ExpectInjected503(const Status& s) {
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_EQ(s.s3_code(), "ServiceUnavailable");
  EXPECT_TRUE(s.retryable());
}

TEST_F(FaultyObjectStoreTest, PassesThroughAndCounts) {
  ASSERT_TRUE(Put(faulty_, "k", "hello").ok());
  auto head = faulty_.Head("bkt", "k");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, 5u);
  std::string body;
  ASSERT_TRUE(faulty_.Get({"bkt", "k", std::nullopt, {}}, AppendTo(&body)).ok());
  EXPECT_EQ(body, "hello");
  // Errors of the inner store come through untouched and are not "injected".
  EXPECT_EQ(faulty_.Head("bkt", "missing").status().s3_code(), "NoSuchKey");
  EXPECT_EQ(faulty_.Calls("Put"), 1u);
  EXPECT_EQ(faulty_.Calls("Head"), 2u);
  EXPECT_EQ(faulty_.Calls("Get"), 1u);
  EXPECT_EQ(faulty_.Calls("List"), 0u);
  EXPECT_EQ(faulty_.TotalCalls(), 4u);
  EXPECT_EQ(faulty_.TotalInjectedFailures(), 0u);
  EXPECT_EQ(faulty_.CallCounts(),
            (std::map<std::string, uint64_t>{{"Get", 1}, {"Head", 2}, {"Put", 1}}));
  faulty_.ResetCounters();
  EXPECT_EQ(faulty_.TotalCalls(), 0u);
  EXPECT_EQ(faulty_.Calls("Head"), 0u);
}

TEST_F(FaultyObjectStoreTest, FailNthCallOverall) {
  faulty_.FailNthCall(3);
  ASSERT_TRUE(faulty_.HeadBucket("bkt").ok());  // 1
  ASSERT_TRUE(Put(faulty_, "a", "1").ok());     // 2
  auto third = Put(faulty_, "b", "2");          // 3
  ExpectInjected503(third.status());
  EXPECT_FALSE(inner_.ObjectData("bkt", "b").has_value()) << "a failed call is not forwarded";
  ASSERT_TRUE(Put(faulty_, "b", "2").ok());  // 4: the fault fired once
  EXPECT_EQ(faulty_.InjectedFailures("Put"), 1u);
  EXPECT_EQ(faulty_.Calls("Put"), 3u);
}

TEST_F(FaultyObjectStoreTest, FailNthCallOfOneOperation) {
  faulty_.FailNthCall("Put", 2, Status::Unavailable("slow down", "SlowDown"));
  ASSERT_TRUE(Put(faulty_, "a", "1").ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(faulty_.Head("bkt", "a").ok());  // not counted as Puts
  auto second = Put(faulty_, "b", "2");
  EXPECT_EQ(second.status().s3_code(), "SlowDown");
  EXPECT_TRUE(second.status().retryable());
  EXPECT_TRUE(Put(faulty_, "b", "2").ok());
  EXPECT_EQ(inner_.ObjectCount("bkt"), 2u);
}

TEST_F(FaultyObjectStoreTest, FailNextCallsThenRecover) {
  auto id = faulty_.CreateMultipartUpload("bkt", "big");
  ASSERT_TRUE(id.ok());
  faulty_.FailNext("UploadPart", 2);
  int attempts = 0;
  Result<std::string> etag = Status::Internal("not tried");
  do {
    StringViewSource src("part");
    etag = faulty_.UploadPart("bkt", "big", *id, 1, src);
    ++attempts;
  } while (!etag.ok() && etag.status().retryable() && attempts < 10);
  ASSERT_TRUE(etag.ok());
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(faulty_.InjectedFailures("UploadPart"), 2u);
  EXPECT_TRUE(faulty_.CompleteMultipartUpload("bkt", "big", *id, {{1, *etag}}).ok());
  EXPECT_EQ(inner_.ObjectData("bkt", "big"), "part");
}

TEST_F(FaultyObjectStoreTest, FailAlwaysUntilCleared) {
  ASSERT_TRUE(Put(inner_, "k", "v").ok());
  faulty_.FailAlways("Get", Status::PermissionDenied("nope"));
  for (int i = 0; i < 5; ++i) {
    std::string body;
    auto r = faulty_.Get({"bkt", "k", std::nullopt, {}}, AppendTo(&body));
    EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
    EXPECT_TRUE(body.empty());
  }
  EXPECT_TRUE(faulty_.Head("bkt", "k").ok()) << "other operations are unaffected";
  faulty_.FailAlways("*");
  ExpectInjected503(faulty_.Head("bkt", "k").status());
  ExpectInjected503(faulty_.ListBuckets().status());
  faulty_.ClearFaults();
  std::string body;
  EXPECT_TRUE(faulty_.Get({"bkt", "k", std::nullopt, {}}, AppendTo(&body)).ok());
  EXPECT_EQ(body, "v");
  EXPECT_EQ(faulty_.InjectedFailures("Get"), 5u);
  EXPECT_EQ(faulty_.TotalInjectedFailures(), 7u);
}

std::vector<bool> Outcomes(uint64_t seed, double p, int n) {
  MemoryObjectStore inner;
  EXPECT_TRUE(inner.CreateBucket("bkt").ok());
  FaultyObjectStore faulty(inner, seed);
  faulty.FailFraction(p, "HeadBucket");
  std::vector<bool> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(faulty.HeadBucket("bkt").ok());
    EXPECT_TRUE(faulty.ListBuckets().ok()) << "only HeadBucket is affected";
  }
  return out;
}

TEST_F(FaultyObjectStoreTest, FailFractionIsSeededAndProportional) {
  std::vector<bool> a = Outcomes(1, 0.3, 2000);
  std::vector<bool> b = Outcomes(1, 0.3, 2000);
  std::vector<bool> c = Outcomes(2, 0.3, 2000);
  EXPECT_EQ(a, b) << "same seed, same faults";
  EXPECT_NE(a, c);
  long failures = std::count(a.begin(), a.end(), false);
  EXPECT_GT(failures, 500);  // expected 600, sd ~20
  EXPECT_LT(failures, 700);
  std::vector<bool> never = Outcomes(3, 0.0, 200);
  EXPECT_EQ(std::count(never.begin(), never.end(), false), 0);
  std::vector<bool> always = Outcomes(3, 1.0, 200);
  EXPECT_EQ(std::count(always.begin(), always.end(), true), 0);
}

TEST_F(FaultyObjectStoreTest, LatencyIsAdded) {
  using Clock = std::chrono::steady_clock;
  faulty_.SetLatency(std::chrono::milliseconds(30), "HeadBucket");
  auto start = Clock::now();
  ASSERT_TRUE(faulty_.HeadBucket("bkt").ok());
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(30));
  // An operation-specific latency overrides the one for all operations.
  faulty_.SetLatency(std::chrono::milliseconds(0), "HeadBucket");
  faulty_.SetLatency(std::chrono::milliseconds(20));
  start = Clock::now();
  ASSERT_TRUE(faulty_.ListBuckets().ok());
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(20));
  faulty_.ClearFaults();
  start = Clock::now();
  ASSERT_TRUE(faulty_.ListBuckets().ok());
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(20));
}

TEST_F(FaultyObjectStoreTest, CutGetBodyDeliversAPrefixThenFails) {
  const std::string data(100000, 'z');
  ASSERT_TRUE(Put(inner_, "k", data).ok());
  faulty_.CutGetBody(70000);
  std::string body;
  auto r = faulty_.Get({"bkt", "k", std::nullopt, {}}, AppendTo(&body));
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(r.status().retryable());
  EXPECT_EQ(body.size(), 70000u);
  // The fault is spent: a retry resuming at the cut gets the rest.
  std::string rest;
  auto resumed = faulty_.Get({"bkt", "k", ByteRange::From(body.size()), {}}, AppendTo(&rest));
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ(body + rest, data);
  EXPECT_EQ(faulty_.InjectedFailures("Get"), 1u);

  // A body shorter than the cut still fails: the response never completed.
  faulty_.CutGetBody(1 << 20, 1);
  body.clear();
  EXPECT_FALSE(faulty_.Get({"bkt", "k", std::nullopt, {}}, AppendTo(&body)).ok());
  EXPECT_EQ(body, data);
  // A cut at 0 delivers nothing; count applies to consecutive Gets.
  faulty_.CutGetBody(0, 2);
  for (int i = 0; i < 2; ++i) {
    body.clear();
    EXPECT_FALSE(faulty_.Get({"bkt", "k", std::nullopt, {}}, AppendTo(&body)).ok());
    EXPECT_TRUE(body.empty());
  }
  body.clear();
  EXPECT_TRUE(faulty_.Get({"bkt", "k", std::nullopt, {}}, AppendTo(&body)).ok());
  // Errors from the inner store win over the cut.
  faulty_.CutGetBody(10);
  EXPECT_EQ(faulty_.Get({"bkt", "missing", std::nullopt, {}}, AppendTo(&body)).status().s3_code(),
            "NoSuchKey");
}

TEST_F(FaultyObjectStoreTest, CutPutBodyStoresNothing) {
  ASSERT_TRUE(Put(inner_, "k", "original").ok());
  const std::string data(50000, 'n');
  faulty_.CutUploadBody("Put", 1000);
  auto r = Put(faulty_, "k", data);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(inner_.ObjectData("bkt", "k"), "original") << "a cut upload must not replace data";
  faulty_.CutUploadBody("Put", 1 << 20);  // longer than the body: still cut at the end
  EXPECT_FALSE(Put(faulty_, "new", "short").ok());
  EXPECT_FALSE(inner_.ObjectData("bkt", "new").has_value());
  ASSERT_TRUE(Put(faulty_, "k", data).ok());
  EXPECT_EQ(inner_.ObjectData("bkt", "k"), data);
  EXPECT_EQ(faulty_.Calls("Put"), 3u);
  EXPECT_EQ(faulty_.InjectedFailures("Put"), 2u);
}

TEST_F(FaultyObjectStoreTest, CutUploadPartBodyStoresNoPart) {
  auto id = faulty_.CreateMultipartUpload("bkt", "big");
  ASSERT_TRUE(id.ok());
  faulty_.CutUploadBody("UploadPart", 3);
  StringViewSource src("0123456789");
  EXPECT_FALSE(faulty_.UploadPart("bkt", "big", *id, 1, src).ok());
  EXPECT_TRUE(inner_.ListParts("bkt", "big", *id)->parts.empty());
  src.Rewind();
  auto etag = faulty_.UploadPart("bkt", "big", *id, 1, src);
  ASSERT_TRUE(etag.ok());
  EXPECT_EQ(inner_.ListParts("bkt", "big", *id)->parts.size(), 1u);
}

TEST_F(FaultyObjectStoreTest, ThreadSafeCounting) {
  faulty_.FailFraction(0.5);
  constexpr int kThreads = 8;
  constexpr int kCalls = 500;
  std::atomic<uint64_t> ok{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        Status s =
            i % 2 ? faulty_.HeadBucket("bkt") : Put(faulty_, "t" + std::to_string(t), "x").status();
        (s.ok() ? ok : failed)++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(faulty_.TotalCalls(), uint64_t{kThreads * kCalls});
  EXPECT_EQ(faulty_.Calls("Put") + faulty_.Calls("HeadBucket"), uint64_t{kThreads * kCalls});
  EXPECT_EQ(faulty_.TotalInjectedFailures(), failed.load());
  EXPECT_EQ(ok.load() + failed.load(), uint64_t{kThreads * kCalls});
  EXPECT_GT(failed.load(), 0u);
  EXPECT_GT(ok.load(), 0u);
}

TEST_F(FaultyObjectStoreTest, UnknownOperationNameIsATestBug) {
  EXPECT_DEATH(faulty_.FailAlways("Putt"), "unknown operation 'Putt'");
  EXPECT_DEATH(faulty_.CutUploadBody("Get", 1), "CutUploadBody takes Put or UploadPart");
}

}  // namespace
}  // namespace sos
