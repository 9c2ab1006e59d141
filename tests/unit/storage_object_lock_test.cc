// Object lock in the storage engine: a locked version survives every way of
// deleting it (DeleteObject of the version, an overwrite, a delete marker,
// lifecycle expiry, the bucket's deletion, its organisation's), GOVERNANCE yields only to a
// bypass, COMPLIANCE to nobody, a legal hold until it is lifted; retention
// only grows unless bypassed; versioning cannot be suspended under a lock.
#include <gtest/gtest.h>

#include "daemon/s3api/lifecycle_worker.h"
#include "daemon/storage/object_lock.h"
#include "daemon/storage/storage_engine.h"
#include "tests/support/storage_test_util.h"

namespace sos {
namespace {

using namespace std::chrono_literals;
using testing::PutBytes;

class StorageObjectLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = testing::OpenWithBucket(dir_.path(), "b");
    ASSERT_TRUE(engine_);
    // Object lock needs versioning first.
    EXPECT_EQ(engine_->SetBucketObjectLock("b", "<x/>").s3_code(), "InvalidBucketState");
    ASSERT_TRUE(engine_->SetBucketVersioning("b", "Enabled").ok());
    ASSERT_TRUE(engine_->SetBucketObjectLock("b", "<config/>").ok());
  }
  // A version of k locked as said.
  std::string PutLocked(const std::string& mode, std::chrono::hours for_how_long,
                        bool hold = false) {
    auto put = PutBytes(*engine_, "b", "k", "precious");
    EXPECT_TRUE(put.ok());
    if (!mode.empty()) {
      EXPECT_TRUE(engine_->SetObjectRetention("b", "k", put->version_id, mode,
                                              std::chrono::system_clock::now() + for_how_long,
                                              false)
                      .ok());
    }
    if (hold) EXPECT_TRUE(engine_->SetObjectLegalHold("b", "k", put->version_id, true).ok());
    return put->version_id;
  }
  bool Exists(const std::string& version) { return engine_->HeadObject("b", "k", version).ok(); }

  testing::TempDir dir_;
  std::unique_ptr<StorageEngine> engine_;
};

TEST_F(StorageObjectLockTest, ALockedVersionSurvivesEveryDeletePath) {
  std::vector<std::string> locked;
  for (const char* mode : {"GOVERNANCE", "COMPLIANCE"}) {
    SCOPED_TRACE(mode);
    const std::string v = PutLocked(mode, 24h);
    locked.push_back(v);
    EXPECT_EQ(engine_->DeleteObject("b", "k", v).status().s3_code(), "AccessDenied");
    auto overwrite = PutBytes(*engine_, "b", "k", "overwrite");  // a newer version
    ASSERT_TRUE(overwrite.ok());
    ASSERT_TRUE(engine_->DeleteObject("b", "k").ok());             // a delete marker
    EXPECT_EQ(engine_->DeleteBucket("b").s3_code(), "BucketNotEmpty");
    // Lifecycle: every noncurrent version is due, the locked one stays.
    ASSERT_TRUE(engine_->SetBucketLifecycle(
                           "b", "<LifecycleConfiguration><Rule><Filter><Prefix></Prefix></Filter>"
                                "<Status>Enabled</Status><NoncurrentVersionExpiration>"
                                "<NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration>"
                                "</Rule></LifecycleConfiguration>")
                    .ok());
    s3api::LifecycleWorker::Options o;
    o.clock = [] { return std::chrono::system_clock::now() + 2 * 24h; };
    s3api::LifecycleWorker worker(*engine_, o);
    ASSERT_TRUE(worker.RunOnce().ok());
    EXPECT_FALSE(Exists(overwrite->version_id)) << "the unlocked noncurrent version expired";
    EXPECT_TRUE(Exists(v));
    EXPECT_EQ(*testing::ReadRecord(*engine_, *engine_->HeadObject("b", "k", v)), "precious");
    ASSERT_TRUE(engine_->SetBucketLifecycle("b", "").ok());
  }
  // Versioning stays on under a lock.
  EXPECT_EQ(engine_->SetBucketVersioning("b", "Suspended").s3_code(), "InvalidBucketState");
  // The admin API's one destructive path: deleting the organisation that owns
  // the bucket, refused while it owns one (and the bucket cannot go).
  ASSERT_TRUE(engine_->CreateAccount({"owner", "Owner", std::chrono::system_clock::now()}).ok());
  EXPECT_EQ(engine_->DeleteAccount("owner").s3_code(), "AccountNotEmpty");
  for (const std::string& v : locked) EXPECT_TRUE(Exists(v));
}

TEST_F(StorageObjectLockTest, GovernanceYieldsToABypassComplianceToNobody) {
  const std::string governed = PutLocked("GOVERNANCE", 24h);
  const std::string compliant = PutLocked("COMPLIANCE", 24h);
  EXPECT_EQ(engine_->DeleteObject("b", "k", compliant, /*bypass_governance=*/true)
                .status()
                .s3_code(),
            "AccessDenied");
  EXPECT_TRUE(Exists(compliant));
  ASSERT_TRUE(engine_->DeleteObject("b", "k", governed, /*bypass_governance=*/true).ok());
  EXPECT_FALSE(Exists(governed));
}

TEST_F(StorageObjectLockTest, ALegalHoldHoldsUntilLifted) {
  const std::string v = PutLocked("", 0h, /*hold=*/true);
  EXPECT_EQ(engine_->DeleteObject("b", "k", v, true).status().s3_code(), "AccessDenied");
  ASSERT_TRUE(engine_->SetObjectLegalHold("b", "k", v, false).ok());
  ASSERT_TRUE(engine_->DeleteObject("b", "k", v).ok());
  EXPECT_FALSE(Exists(v));
}

TEST_F(StorageObjectLockTest, RetentionOnlyGrowsUnlessGovernanceIsBypassed) {
  const auto now = std::chrono::system_clock::now();
  const std::string c = PutLocked("COMPLIANCE", 24h);
  EXPECT_TRUE(engine_->SetObjectRetention("b", "k", c, "COMPLIANCE", now + 48h, false).ok());
  for (bool bypass : {false, true}) {
    EXPECT_EQ(engine_->SetObjectRetention("b", "k", c, "COMPLIANCE", now + 1h, bypass).s3_code(),
              "AccessDenied");
    EXPECT_EQ(engine_->SetObjectRetention("b", "k", c, "GOVERNANCE", now + 96h, bypass).s3_code(),
              "AccessDenied");
    EXPECT_EQ(engine_->SetObjectRetention("b", "k", c, "", {}, bypass).s3_code(), "AccessDenied");
  }
  const std::string g = PutLocked("GOVERNANCE", 24h);
  EXPECT_EQ(engine_->SetObjectRetention("b", "k", g, "GOVERNANCE", now + 1h, false).s3_code(),
            "AccessDenied");
  EXPECT_TRUE(engine_->SetObjectRetention("b", "k", g, "GOVERNANCE", now + 1h, true).ok());
  EXPECT_TRUE(engine_->SetObjectRetention("b", "k", g, "COMPLIANCE", now + 2h, false).ok());
  EXPECT_EQ(engine_->SetObjectRetention("b", "k", g, "GOVERNANCE", now - 1h, true).code(),
            StatusCode::kInvalidArgument);  // a date in the past
  // A rebuilt index keeps the locks.
  ASSERT_TRUE(engine_->Rebuild().ok());
  auto kept = engine_->HeadObject("b", "k", g);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->lock_mode, "COMPLIANCE");
  EXPECT_EQ(engine_->DeleteObject("b", "k", g, true).status().s3_code(), "AccessDenied");
}

}  // namespace
}  // namespace sos
