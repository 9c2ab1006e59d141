// Bucket lifecycle rules: the document's checks, and the worker applying
// them to a real engine under a clock the test moves.
#include <gtest/gtest.h>

#include "daemon/s3api/lifecycle_worker.h"
#include "s3core/xml_codec.h"
#include "tests/support/storage_test_util.h"

namespace sos {
namespace {

using namespace std::chrono_literals;
using s3api::LifecycleWorker;

std::string Rules(const std::string& rules) {
  return "<LifecycleConfiguration>" + rules + "</LifecycleConfiguration>";
}

TEST(LifecycleDocumentTest, RulesRoundTripAndBadOnesAreRefused) {
  const std::string xml = Rules(
      "<Rule><ID>old-logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status>"
      "<Expiration><Days>30</Days></Expiration>"
      "<AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation>"
      "</AbortIncompleteMultipartUpload></Rule>"
      "<Rule><Filter><And><Prefix>tmp/</Prefix><Tag><Key>kind</Key><Value>scratch</Value></Tag>"
      "</And></Filter><Status>Disabled</Status>"
      "<Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration></Rule>"
      "<Rule><Prefix>legacy/</Prefix><Status>Enabled</Status>"
      "<NoncurrentVersionExpiration><NoncurrentDays>3</NoncurrentDays>"
      "</NoncurrentVersionExpiration></Rule>");
  auto config = DecodeLifecycleConfiguration(xml);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_EQ(config->rules.size(), 3u);
  EXPECT_EQ(config->rules[0].prefix, "logs/");
  EXPECT_EQ(config->rules[0].expiration_days, 30);
  EXPECT_EQ(config->rules[0].abort_incomplete_days, 7);
  EXPECT_FALSE(config->rules[1].enabled);
  EXPECT_EQ(config->rules[1].tags.at("kind"), "scratch");
  EXPECT_TRUE(config->rules[1].expiration_date.has_value());
  EXPECT_EQ(config->rules[2].prefix, "legacy/");
  auto again = DecodeLifecycleConfiguration(EncodeLifecycleConfiguration(*config));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(EncodeLifecycleConfiguration(*again), EncodeLifecycleConfiguration(*config));

  const std::string enabled = "<Status>Enabled</Status>";
  for (const std::string& bad : {
           Rules(""),
           Rules("<Rule>" + enabled + "</Rule>"),  // no action
           Rules("<Rule><Status>On</Status><Expiration><Days>1</Days></Expiration></Rule>"),
           Rules("<Rule>" + enabled + "<Expiration><Days>0</Days></Expiration></Rule>"),
           Rules("<Rule>" + enabled + "<Expiration><Days>-3</Days></Expiration></Rule>"),
           Rules("<Rule>" + enabled +
                 "<Expiration><Date>2030-01-01T12:00:00Z</Date></Expiration></Rule>"),
           Rules("<Rule>" + enabled +
                 "<Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration></Rule>"),
       }) {
    EXPECT_FALSE(DecodeLifecycleConfiguration(bad).ok()) << bad;
  }
  auto transition = DecodeLifecycleConfiguration(
      Rules("<Rule>" + enabled + "<Transition><Days>1</Days><StorageClass>GLACIER</StorageClass>"
            "</Transition></Rule>"));
  EXPECT_EQ(transition.status().code(), StatusCode::kNotSupported);
}

class LifecycleWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = StorageEngine::Open(testing::QuietOptions(dir_.path()));
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value();
    BucketRecord b;
    b.name = "b";
    ASSERT_TRUE(engine_->CreateBucket(b).ok());
    LifecycleWorker::Options o;
    o.clock = [this] { return now_; };
    o.on_counts = [this](const LifecycleWorker::Counts& c) { runs_.push_back(c); };
    worker_ = std::make_unique<LifecycleWorker>(*engine_, o);
  }
  bool Exists(const std::string& key) { return engine_->HeadObject("b", key).ok(); }

  testing::TempDir dir_;
  std::unique_ptr<StorageEngine> engine_;
  std::unique_ptr<LifecycleWorker> worker_;
  TimePoint now_ = std::chrono::system_clock::now();
  std::vector<LifecycleWorker::Counts> runs_;
};

TEST_F(LifecycleWorkerTest, ExpiresAndAbortsWhatTheRulesSayWhenTheirTimeComes) {
  for (const char* key : {"logs/a", "logs/b", "keep/c", "tmp/d", "tmp/e"}) {
    ASSERT_TRUE(testing::PutBytes(*engine_, "b", key, "x").ok());
  }
  ASSERT_TRUE(engine_->SetObjectTags("b", "tmp/d", {{"kind", "scratch"}}).ok());
  ASSERT_TRUE(engine_->CreateUpload("b", "logs/big", {}).ok());
  ASSERT_TRUE(engine_->CreateUpload("b", "keep/big", {}).ok());
  ASSERT_TRUE(engine_->SetBucketLifecycle(
                  "b", Rules("<Rule><Filter><Prefix>logs/</Prefix></Filter>"
                             "<Status>Enabled</Status><Expiration><Days>30</Days></Expiration>"
                             "<AbortIncompleteMultipartUpload><DaysAfterInitiation>7"
                             "</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>"
                             "<Rule><Filter><And><Prefix>tmp/</Prefix><Tag><Key>kind</Key>"
                             "<Value>scratch</Value></Tag></And></Filter><Status>Enabled</Status>"
                             "<Expiration><Days>1</Days></Expiration></Rule>"
                             "<Rule><Filter><Prefix>keep/</Prefix></Filter><Status>Disabled"
                             "</Status><Expiration><Days>1</Days></Expiration></Rule>"))
                  .ok());

  auto run = worker_->RunOnce();  // nothing is old enough yet
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->expired + run->aborted, 0u);

  now_ += 2 * 24h;  // the tagged scratch file, only
  run = worker_->RunOnce();
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->expired, 1u);
  EXPECT_FALSE(Exists("tmp/d"));
  EXPECT_TRUE(Exists("tmp/e"));  // not tagged

  now_ += 6 * 24h;  // the logs/ upload is 8 days old
  run = worker_->RunOnce();
  EXPECT_EQ(run->aborted, 1u);
  auto uploads = engine_->ListUploads("b", "");
  ASSERT_EQ(uploads->size(), 1u);
  EXPECT_EQ((*uploads)[0].key, "keep/big");

  now_ += 30 * 24h;  // the logs themselves; the disabled rule does nothing
  run = worker_->RunOnce();
  EXPECT_EQ(run->expired, 2u);
  EXPECT_FALSE(Exists("logs/a"));
  EXPECT_FALSE(Exists("logs/b"));
  EXPECT_TRUE(Exists("keep/c"));
  EXPECT_EQ(runs_.size(), 4u);

  ASSERT_TRUE(engine_->SetBucketLifecycle("b", "").ok());  // removed: nothing more happens
  now_ += 365 * 24h;
  EXPECT_EQ(worker_->RunOnce()->expired, 0u);
  EXPECT_TRUE(Exists("tmp/e"));
}

TEST_F(LifecycleWorkerTest, ADateExpiresEverythingUnderThePrefixFromThatDayOn) {
  for (int i = 0; i < 1100; ++i) {  // more than one listing page
    ASSERT_TRUE(testing::PutBytes(*engine_, "b", "old/" + std::to_string(i), "x").ok());
  }
  ASSERT_TRUE(testing::PutBytes(*engine_, "b", "new/1", "x").ok());
  ASSERT_TRUE(engine_->SetBucketLifecycle(
                  "b", Rules("<Rule><Filter><Prefix>old/</Prefix></Filter><Status>Enabled"
                             "</Status><Expiration><Date>2020-01-01T00:00:00Z</Date>"
                             "</Expiration></Rule>"))
                  .ok());
  auto run = worker_->RunOnce();
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->expired, 1100u);
  EXPECT_TRUE(Exists("new/1"));
  EXPECT_EQ(engine_->Stats()->objects, 1u);
}

TEST_F(LifecycleWorkerTest, NoncurrentVersionsAndLoneDeleteMarkersExpire) {
  ASSERT_TRUE(engine_->SetBucketVersioning("b", "Enabled").ok());
  auto v1 = testing::PutBytes(*engine_, "b", "k", "one");
  ASSERT_TRUE(v1.ok());
  ASSERT_TRUE(testing::PutBytes(*engine_, "b", "k", "two").ok());
  auto gone = testing::PutBytes(*engine_, "b", "gone", "x");
  ASSERT_TRUE(gone.ok());
  ASSERT_TRUE(engine_->DeleteObject("b", "gone").ok());
  ASSERT_TRUE(engine_->DeleteObject("b", "gone", gone->version_id).ok());  // only its marker left
  ASSERT_TRUE(engine_->SetBucketLifecycle(
                  "b", Rules("<Rule><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>"
                             "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker>"
                             "</Expiration><NoncurrentVersionExpiration><NoncurrentDays>3"
                             "</NoncurrentDays></NoncurrentVersionExpiration></Rule>"))
                  .ok());
  auto run = worker_->RunOnce();  // the marker goes at once; v1 is not old enough
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->expired, 1u);
  EXPECT_EQ(engine_->HeadObject("b", "k", v1->version_id)->meta.size, 3u);
  now_ += 4 * 24h;
  run = worker_->RunOnce();
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->expired, 1u);
  EXPECT_EQ(engine_->HeadObject("b", "k", v1->version_id).status().s3_code(), "NoSuchVersion");
  auto versions = engine_->ListObjectVersions("b", {});
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->versions.size(), 1u);  // k's current version, and nothing of "gone"
  EXPECT_EQ(versions->versions[0].record.meta.key, "k");
}

}  // namespace
}  // namespace sos
