#include "cache/cache.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "cache/metadata_cache.h"

namespace sos {
namespace {

class MetadataCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sos-cache-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    Open(std::chrono::seconds(10));
  }
  void TearDown() override {
    cache_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open(std::chrono::nanoseconds ttl) {
    cache_.reset();
    CacheOptions o;
    o.dir = dir_;
    o.stat_ttl = ttl;
    o.clock = [this] { return now_; };
    auto c = Cache::Open(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cache_ = std::move(*c);
  }
  MetadataCache& meta() { return cache_->meta(); }

  std::string dir_;
  int64_t now_ = int64_t{1700000000} * 1000000000;
  std::unique_ptr<Cache> cache_;
};

RemoteEntry File(uint64_t size) {
  RemoteEntry e;
  e.size = size;
  e.etag = "\"abc\"";
  e.last_modified_ns = 5;
  e.content_type = "text/plain";
  e.user_meta = {{"mode", "33188"}, {"color", "red"}};
  return e;
}

TEST_F(MetadataCacheTest, PositiveNegativeAndExpiry) {
  RemoteEntry got;
  EXPECT_EQ(meta().GetAttr("a", &got), MetadataCache::Hit::kMiss);
  meta().PutAttr("a", File(7));
  ASSERT_EQ(meta().GetAttr("a", &got), MetadataCache::Hit::kPositive);
  EXPECT_EQ(got, File(7));
  meta().PutNegative("b");
  EXPECT_EQ(meta().GetAttr("b", &got), MetadataCache::Hit::kNegative);
  now_ += int64_t{11} * 1000000000;  // past the TTL
  EXPECT_EQ(meta().GetAttr("a", &got), MetadataCache::Hit::kMiss);
  EXPECT_EQ(meta().GetAttr("b", &got), MetadataCache::Hit::kMiss);
}

TEST_F(MetadataCacheTest, RootAndInvalidation) {
  RemoteEntry dir;
  dir.is_dir = true;
  meta().PutAttr("", dir);  // the root: the empty path
  meta().PutAttr("d", dir);
  meta().PutAttr("d/x", File(1));
  meta().PutAttr("d/sub/y", File(2));
  meta().PutAttr("dx", File(3));  // not below d/
  meta().PutDir("d", {{"x", File(1)}});
  meta().InvalidateTree("d");
  RemoteEntry got;
  EXPECT_EQ(meta().GetAttr("d", &got), MetadataCache::Hit::kMiss);
  EXPECT_EQ(meta().GetAttr("d/x", &got), MetadataCache::Hit::kMiss);
  EXPECT_EQ(meta().GetAttr("d/sub/y", &got), MetadataCache::Hit::kMiss);
  EXPECT_FALSE(meta().GetDir("d").has_value());
  EXPECT_EQ(meta().GetAttr("dx", &got), MetadataCache::Hit::kPositive);
  EXPECT_EQ(meta().GetAttr("", &got), MetadataCache::Hit::kPositive);
  meta().InvalidateAttr("dx");
  EXPECT_EQ(meta().GetAttr("dx", &got), MetadataCache::Hit::kMiss);
}

TEST_F(MetadataCacheTest, ListingsStoreTheirChildren) {
  RemoteEntry sub;
  sub.is_dir = true;
  meta().PutDir("", {{"a", File(1)}, {"sub", sub}});
  auto listing = meta().GetDir("");
  ASSERT_TRUE(listing.has_value());
  EXPECT_EQ(*listing, (std::vector<DirChild>{{"a", false}, {"sub", true}}));
  RemoteEntry got;
  EXPECT_EQ(meta().GetAttr("a", &got), MetadataCache::Hit::kPositive);
  EXPECT_EQ(meta().GetAttr("sub", &got), MetadataCache::Hit::kPositive);
  EXPECT_TRUE(got.is_dir);
  meta().InvalidateDir("");
  EXPECT_FALSE(meta().GetDir("").has_value());
  now_ += int64_t{11} * 1000000000;
  meta().PutDir("x", {});
  EXPECT_TRUE(meta().GetDir("x").has_value());  // an empty listing is a listing
}

TEST_F(MetadataCacheTest, PersistsAcrossReopenAndZeroTtlDisables) {
  meta().PutAttr("a", File(9));
  Open(std::chrono::seconds(10));
  RemoteEntry got;
  EXPECT_EQ(meta().GetAttr("a", &got), MetadataCache::Hit::kPositive);
  Open(std::chrono::seconds(0));
  EXPECT_EQ(meta().GetAttr("a", &got), MetadataCache::Hit::kMiss);
  meta().PutNegative("z");
  EXPECT_EQ(meta().GetAttr("z", &got), MetadataCache::Hit::kMiss);
}

TEST_F(MetadataCacheTest, DirChildUpdatesKeepTheListingAndItsExpiry) {
  meta().UpdateDirChild("d", "x", false);  // nothing cached: stays unknown
  EXPECT_FALSE(meta().GetDir("d").has_value());
  RemoteEntry dir;
  dir.is_dir = true;
  meta().PutDir("d", {{"b", File(1)}, {"sub", dir}});
  now_ += int64_t{6} * 1000000000;
  meta().UpdateDirChild("d", "a", false);
  meta().UpdateDirChild("d", "sub", std::nullopt);
  meta().UpdateDirChild("d", "c", true);
  auto listing = meta().GetDir("d");
  ASSERT_TRUE(listing.has_value());
  EXPECT_EQ(*listing, (std::vector<DirChild>{{"a", false}, {"b", false}, {"c", true}}));
  now_ += int64_t{5} * 1000000000;  // 11 s after PutDir: the update did not extend it
  EXPECT_FALSE(meta().GetDir("d").has_value());
}

TEST(DirListingCodecTest, RoundTripsAndRefusesACorruptCount) {
  DirListing listing{42, {{"a", false}, {"dir", true}}};
  auto decoded = DecodeDirListing(EncodeDirListing(listing));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->expires, 42);
  EXPECT_EQ(decoded->children, listing.children);
  // A count of 2^32-1 children with none stored (found by listing_fuzz): a
  // miss, not an attempt to allocate 4G entries. The count is the last byte.
  std::string corrupt = EncodeDirListing({42, {}});
  corrupt.replace(corrupt.size() - 1, 1, "\xff\xff\xff\xff\x0f");
  EXPECT_FALSE(DecodeDirListing(corrupt));
  EXPECT_FALSE(DecodeDirListing(corrupt + std::string(100, 'x')));
}

}  // namespace
}  // namespace sos
