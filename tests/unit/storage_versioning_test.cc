// Versioned buckets in the storage engine: versions kept on overwrite,
// delete markers, deletes of one version (and what becomes current), the null
// version of suspended buckets, listings with markers, copies of a version,
// the space of deleted versions given back, and an index rebuilt from the
// drives that keeps every version.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "daemon/storage/storage_engine.h"
#include "tests/support/storage_test_util.h"

namespace sos {
namespace {

using testing::PutBytes;
using testing::ReadRecord;
using testing::TempDir;

class StorageVersioningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = testing::OpenWithBucket(dir_.path(), "b");
    ASSERT_TRUE(engine_);
  }

  std::string Put(const std::string& key, const std::string& data) {
    auto r = PutBytes(*engine_, "b", key, data);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->version_id : "";
  }
  // The bytes of key (its current version, or version_id).
  std::string Get(const std::string& key, const std::string& version_id = "") {
    auto r = engine_->HeadObject("b", key, version_id);
    if (!r.ok()) return "<" + std::string(r.status().s3_code()) + ">";
    if (r->delete_marker) return "<marker>";
    auto data = ReadRecord(*engine_, *r);
    return data.ok() ? *data : "<" + data.status().ToString() + ">";
  }
  // Every version as "key:id-or-null:data-or-marker:latest", one page at a time.
  std::vector<std::string> Versions(int page_size = 1000, const std::string& prefix = "") {
    std::vector<std::string> out;
    ListVersionsQuery q;
    q.prefix = prefix;
    q.max_keys = page_size;
    for (int pages = 0; pages < 100; ++pages) {
      auto page = engine_->ListObjectVersions("b", q);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      for (const VersionEntry& v : page->versions) {
        const std::string id = v.record.version_id.empty() ? "null" : v.record.version_id;
        out.push_back(v.record.meta.key + ":" + id + ":" +
                      (v.record.delete_marker ? "marker" : Get(v.record.meta.key, id)) +
                      (v.is_latest ? ":latest" : ""));
      }
      if (!page->is_truncated) break;
      q.key_marker = page->next_key_marker;
      q.version_id_marker = page->next_version_id_marker;
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<StorageEngine> engine_;
};

TEST_F(StorageVersioningTest, AnOverwriteKeepsTheVersionItReplaces) {
  ASSERT_TRUE(engine_->SetBucketVersioning("b", "Enabled").ok());
  EXPECT_EQ(engine_->GetBucket("b")->versioning, "Enabled");
  const std::string v1 = Put("k", "one");
  const std::string v2 = Put("k", "two");
  ASSERT_EQ(v1.size(), 32u);
  ASSERT_NE(v1, v2);
  EXPECT_EQ(Get("k"), "two");
  EXPECT_EQ(Get("k", v1), "one");
  EXPECT_EQ(Get("k", v2), "two");
  EXPECT_EQ(Versions(), (std::vector<std::string>{"k:" + v2 + ":two:latest", "k:" + v1 + ":one"}));
  // Listings of current objects are as before.
  auto page = engine_->ListObjects("b", {});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->objects.size(), 1u);
  // Ids sosd never made, and ids it did not make for this key.
  EXPECT_EQ(Get("k", "nonsense"), "<InvalidArgument>");
  std::string other = v1;
  other[31] = other[31] == 'a' ? 'b' : 'a';
  EXPECT_EQ(Get("k", other), "<NoSuchVersion>");
  EXPECT_EQ(Get("k", "null"), "<NoSuchVersion>");
}

TEST_F(StorageVersioningTest, ADeleteLeavesAMarkerAndDeletingTheMarkerUndeletes) {
  ASSERT_TRUE(engine_->SetBucketVersioning("b", "Enabled").ok());
  const std::string v1 = Put("k", "one");
  auto deleted = engine_->DeleteObject("b", "k");
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_TRUE(deleted->delete_marker);
  const std::string marker = deleted->version_id;
  ASSERT_EQ(marker.size(), 32u);
  EXPECT_EQ(Get("k"), "<NoSuchKey>");
  EXPECT_EQ(Get("k", marker), "<marker>");
  EXPECT_EQ(Get("k", v1), "one");
  EXPECT_EQ(Versions(),
            (std::vector<std::string>{"k:" + marker + ":marker:latest", "k:" + v1 + ":one"}));
  EXPECT_TRUE(engine_->ListObjects("b", {})->objects.empty());
  EXPECT_EQ(engine_->DeleteBucket("b").s3_code(), "BucketNotEmpty");

  auto undeleted = engine_->DeleteObject("b", "k", marker);
  ASSERT_TRUE(undeleted.ok());
  EXPECT_TRUE(undeleted->delete_marker);
  EXPECT_EQ(Get("k"), "one");
  EXPECT_EQ(Versions(), (std::vector<std::string>{"k:" + v1 + ":one:latest"}));
}

TEST_F(StorageVersioningTest, DeletingTheCurrentVersionMakesTheNextCurrent) {
  ASSERT_TRUE(engine_->SetBucketVersioning("b", "Enabled").ok());
  const std::string v1 = Put("k", "one");
  const std::string v2 = Put("k", "two");
  const std::string v3 = Put("k", "three");
  ASSERT_TRUE(engine_->DeleteObject("b", "k", v2).ok());  // a middle one
  EXPECT_EQ(Get("k"), "three");
  ASSERT_TRUE(engine_->DeleteObject("b", "k", v3).ok());  // the current one
  EXPECT_EQ(Get("k"), "one");
  EXPECT_EQ(Versions(), (std::vector<std::string>{"k:" + v1 + ":one:latest"}));
  // A version that is not there: success, nothing changes.
  ASSERT_TRUE(engine_->DeleteObject("b", "k", v3).ok());
  ASSERT_TRUE(engine_->DeleteObject("b", "k", v1).ok());
  EXPECT_EQ(Get("k"), "<NoSuchKey>");
  EXPECT_TRUE(Versions().empty());
  ASSERT_TRUE(engine_->DeleteBucket("b").ok());
}

TEST_F(StorageVersioningTest, TheNullVersionBeforeEnablingAndWhileSuspended) {
  Put("k", "plain");  // before versioning: the null version
  ASSERT_TRUE(engine_->SetBucketVersioning("b", "Enabled").ok());
  const std::string v1 = Put("k", "one");
  EXPECT_EQ(Get("k", "null"), "plain");
  ASSERT_TRUE(engine_->SetBucketVersioning("b", "Suspended").ok());
  EXPECT_EQ(Put("k", "suspended"), "");  // replaces the null version, keeps v1
  EXPECT_EQ(Versions(),
            (std::vector<std::string>{"k:null:suspended:latest", "k:" + v1 + ":one"}));
  EXPECT_EQ(Put("k", "again"), "");
  EXPECT_EQ(Versions(), (std::vector<std::string>{"k:null:again:latest", "k:" + v1 + ":one"}));
  // A delete while suspended: a null delete marker in the null version's place.
  auto deleted = engine_->DeleteObject("b", "k");
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(deleted->delete_marker);
  EXPECT_EQ(deleted->version_id, "null");
  EXPECT_EQ(Versions(), (std::vector<std::string>{"k:null:marker:latest", "k:" + v1 + ":one"}));
}

TEST_F(StorageVersioningTest, PagesOfVersionsResumeInsideAKey) {
  ASSERT_TRUE(engine_->SetBucketVersioning("b", "Enabled").ok());
  for (const char* key : {"a", "b/x", "b/y", "c"}) {
    Put(key, std::string(key) + "1");
    Put(key, std::string(key) + "2");
  }
  ASSERT_TRUE(engine_->DeleteObject("b", "c").ok());
  const std::vector<std::string> all = Versions();
  ASSERT_EQ(all.size(), 9u);
  for (int size : {1, 2, 3, 4}) EXPECT_EQ(Versions(size), all) << "pages of " << size;
  EXPECT_EQ(Versions(1000, "b/").size(), 4u);
  // A delimiter rolls b/ up into one prefix.
  ListVersionsQuery q;
  q.delimiter = "/";
  auto page = engine_->ListObjectVersions("b", q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->common_prefixes, std::vector<std::string>{"b/"});
  EXPECT_EQ(page->versions.size(), 5u);
}

TEST_F(StorageVersioningTest, ACopyOfAnOldVersionBecomesTheNewest) {
  ASSERT_TRUE(engine_->SetBucketVersioning("b", "Enabled").ok());
  const std::string v1 = Put("k", "one");
  Put("k", "two");
  ObjectRecord dst;
  dst.meta.key = "k";
  dst.owner_id = "owner";
  auto copied = engine_->CopyObject("b", "k", "b", dst, {}, std::nullopt, v1);
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_EQ(Get("k"), "one");
  EXPECT_EQ(Versions().size(), 3u);
}

TEST_F(StorageVersioningTest, DeletedVersionsGiveTheirSpaceBackAndARebuildKeepsEveryVersion) {
  ASSERT_TRUE(engine_->SetBucketVersioning("b", "Enabled").ok());
  const std::string v1 = Put("k", std::string(100000, 'a'));
  Put("k", std::string(100000, 'b'));
  ASSERT_TRUE(engine_->DeleteObject("b", "k").ok());
  Put("other", "x");
  const std::vector<std::string> before = Versions();
  ASSERT_EQ(before.size(), 4u);
  ASSERT_TRUE(engine_->Rebuild().ok());
  EXPECT_EQ(Versions(), before);
  EXPECT_EQ(engine_->GetBucket("b")->versioning, "Enabled");

  // Every version of k deleted for good: its blobs go.
  auto page = engine_->ListObjectVersions("b", {});
  ASSERT_TRUE(page.ok());
  for (const VersionEntry& v : page->versions) {
    if (v.record.meta.key != "k") continue;
    ASSERT_TRUE(engine_->DeleteObject("b", "k", v.record.version_id).ok());
  }
  ASSERT_TRUE(engine_->CollectGarbage().ok());
  auto stats = engine_->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->blobs, 1u);  // only "other"'s
  EXPECT_EQ(testing::BlobFiles(testing::DrivePath(dir_.path(), 0)).size(), 1u);
  EXPECT_EQ(Versions().size(), 1u);
}

}  // namespace
}  // namespace sos
