#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include "cache/block_index.h"
#include "cache/cache.h"
#include "cache/cache_dir_lock.h"
#include "cache/file_index.h"

namespace sos {
namespace {

class FileIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sos-cache-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    Open();
  }
  void TearDown() override {
    cache_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open(const std::string& identity = "ep/bkt/", uint64_t limit = uint64_t{1} << 30) {
    cache_.reset();
    CacheOptions o;
    o.dir = dir_;
    o.identity = identity;
    o.size_limit = limit;
    auto c = Cache::Open(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cache_ = std::move(*c);
  }
  FileIndex& files() { return cache_->files(); }

  std::string dir_;
  std::unique_ptr<Cache> cache_;
};

FileRecord Record(uint64_t id, bool dirty) {
  FileRecord r;
  r.file_id = id;
  r.etag = "\"e\"";
  r.base_size = 10;
  r.size = 12;
  r.dirty = dirty;
  r.content_type = "text/plain";
  r.user_meta = {{"mode", "33188"}};
  return r;
}

TEST_F(FileIndexTest, RecordsAndJournalSurviveReopen) {
  ASSERT_TRUE(files().Put("a", Record(1, true)).ok());
  ASSERT_TRUE(files().Put("b", Record(2, false)).ok());
  ASSERT_TRUE(files().Put("c/d", Record(3, true)).ok());
  Open();  // as after a crash and restart
  auto dirty = files().Dirty();
  ASSERT_TRUE(dirty.ok());
  ASSERT_EQ(dirty->size(), 2u);
  EXPECT_EQ((*dirty)[0].first, "a");
  EXPECT_EQ((*dirty)[0].second, Record(1, true));
  EXPECT_EQ((*dirty)[1].first, "c/d");
  auto b = files().Get("b");
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ(**b, Record(2, false));
  // Clean again: out of the journal.
  ASSERT_TRUE(files().Put("a", Record(1, false)).ok());
  EXPECT_EQ(files().Dirty()->size(), 1u);
  ASSERT_TRUE(files().Remove("c/d").ok());
  EXPECT_EQ(files().Dirty()->size(), 0u);
  EXPECT_FALSE(files().Get("c/d")->has_value());
  EXPECT_EQ(files().All()->size(), 2u);
}

TEST_F(FileIndexTest, MovesRecordsAndTrees) {
  ASSERT_TRUE(files().Put("d/x", Record(1, true)).ok());
  ASSERT_TRUE(files().Put("d/sub/y", Record(2, false)).ok());
  ASSERT_TRUE(files().Put("dx", Record(3, false)).ok());
  ASSERT_TRUE(files().Put("e/old", Record(4, false)).ok());
  ASSERT_TRUE(files().Move("d", "e", /*tree=*/true).ok());
  EXPECT_FALSE(files().Get("d/x")->has_value());
  EXPECT_EQ((*files().Get("e/x"))->file_id, 1u);
  EXPECT_EQ((*files().Get("e/sub/y"))->file_id, 2u);
  EXPECT_EQ((*files().Get("dx"))->file_id, 3u);
  auto dirty = files().Dirty();
  ASSERT_EQ(dirty->size(), 1u);
  EXPECT_EQ((*dirty)[0].first, "e/x");
  ASSERT_TRUE(files().Move("dx", "e/old").ok());  // replaces
  EXPECT_EQ((*files().Get("e/old"))->file_id, 3u);
  EXPECT_FALSE(files().Get("dx")->has_value());
}

TEST(FileRecordCodecTest, RoundTripsAndStillReadsTheFixedWidthFormat) {
  FileRecord r{42, "\"etag\"", 10, 20, true, "upload-1", -3, "text/plain", {{"k", "v"}}};
  FileRecord back;
  ASSERT_TRUE(DecodeFileRecord(EncodeFileRecord(r), &back));
  EXPECT_EQ(back, r);
  // A record as sosfs wrote it before the one record codec (version 1:
  // fixed-width little-endian integers, u32-length strings): a cache holding
  // unsent writes must survive the upgrade.
  auto u32 = [](uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); };
  auto u64 = [](uint64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); };
  auto str = [&](const std::string& s) { return u32(static_cast<uint32_t>(s.size())) + s; };
  std::string v1 = std::string(1, '\x01') + u64(42) + str("\"etag\"") + u64(10) + u64(20) +
                   std::string(1, '\x01') + str("upload-1") + u64(static_cast<uint64_t>(-3)) +
                   str("text/plain") + u32(1) + str("k") + str("v");
  FileRecord old;
  ASSERT_TRUE(DecodeFileRecord(v1, &old));
  EXPECT_EQ(old, r);
  for (size_t n = 0; n < v1.size(); ++n) EXPECT_FALSE(DecodeFileRecord(v1.substr(0, n), &old));
  EXPECT_FALSE(DecodeFileRecord(std::string(1, '\x03') + v1.substr(1), &old));
}

TEST(FileRecordCodecTest, TheExpectedVersionIsALateOptionalField) {
  FileRecord r{7, "\"e\"", 1, 2, true, "", 5, "", {}};
  for (std::optional<std::string> expected : {std::optional<std::string>(),
                                              std::optional<std::string>(""),
                                              std::optional<std::string>("\"v1\"")}) {
    r.expected_etag = expected;
    FileRecord back;
    ASSERT_TRUE(DecodeFileRecord(EncodeFileRecord(r), &back));
    EXPECT_EQ(back.expected_etag, expected);
  }
  // A version-2 record written before the field existed: unknown, no condition.
  r.expected_etag.reset();
  std::string without = EncodeFileRecord(r);
  without.pop_back();  // the "absent" flag byte
  FileRecord old;
  old.expected_etag = "stale";
  ASSERT_TRUE(DecodeFileRecord(without, &old));
  EXPECT_FALSE(old.expected_etag.has_value());
  // Cut inside the field: refused.
  r.expected_etag = "\"v1\"";
  std::string with = EncodeFileRecord(r);
  EXPECT_FALSE(DecodeFileRecord(with.substr(0, with.size() - 2), &old));
}

TEST_F(FileIndexTest, FileIdsAreUnique) {
  uint64_t a = *files().NewFileId();
  uint64_t b = *files().NewFileId();
  Open();
  uint64_t c = *files().NewFileId();
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

TEST_F(FileIndexTest, BlockIndex) {
  BlockIndex& blocks = cache_->blocks();
  ASSERT_TRUE(
      blocks.Set(7, {{0, BlockIndex::kPresent}, {3, BlockIndex::kPresent | BlockIndex::kDirty}})
          .ok());
  ASSERT_TRUE(blocks.Set(8, {{1, BlockIndex::kPresent}}).ok());
  auto f = blocks.Load(7);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, (std::vector<uint8_t>{1, 0, 0, 3}));
  ASSERT_TRUE(blocks.Set(7, {{3, 0}}).ok());
  EXPECT_EQ(*blocks.Load(7), (std::vector<uint8_t>{1}));
  ASSERT_TRUE(blocks.Replace(7, {0, 1, 1}).ok());
  EXPECT_EQ(*blocks.Load(7), (std::vector<uint8_t>{0, 1, 1}));
  ASSERT_TRUE(blocks.Clear(7).ok());
  EXPECT_TRUE(blocks.Load(7)->empty());
  EXPECT_EQ(*blocks.Load(8), (std::vector<uint8_t>{0, 1}));
}

TEST_F(FileIndexTest, AnotherMountsCacheIsWipedOnlyWhenClean) {
  ASSERT_TRUE(files().Put("a", Record(1, false)).ok());
  Open("ep/other/");  // clean: wiped and claimed
  EXPECT_TRUE(files().All()->empty());
  ASSERT_TRUE(files().Put("b", Record(2, true)).ok());
  cache_.reset();
  CacheOptions o;
  o.dir = dir_;
  o.identity = "ep/bkt/";
  auto refused = Cache::Open(o);
  EXPECT_EQ(refused.status().code(), StatusCode::kAlreadyExists);
}

TEST_F(FileIndexTest, AnotherMountsUnsentDeletesAndRenamesAreNotWiped) {
  ASSERT_TRUE(cache_->names().AddDeletes({"k1", "k2"}).ok());
  ASSERT_TRUE(cache_->names().AddRename("d", "e").ok());
  cache_.reset();
  CacheOptions o;
  o.dir = dir_;
  o.identity = "ep/other/";
  auto refused = Cache::Open(o);
  EXPECT_EQ(refused.status().code(), StatusCode::kAlreadyExists);
  Open("ep/bkt/");  // its own mount reads them back, in order
  auto deletes = cache_->names().Deletes();
  ASSERT_TRUE(deletes.ok());
  ASSERT_EQ(deletes->size(), 2u);
  EXPECT_EQ((*deletes)[0].second, "k1");
  EXPECT_EQ((*deletes)[1].second, "k2");
  EXPECT_EQ(cache_->names().Renames()->size(), 1u);
}

TEST_F(FileIndexTest, EvictsLeastRecentlyUsedCleanFilesOnly) {
  Open("ep/bkt/", 4 << 20);  // 4 MiB; eviction goes down to 90%
  std::string mib(1 << 20, 'x');
  for (uint64_t id = 1; id <= 5; ++id) {
    auto fd = cache_->data().Open(id, true);
    ASSERT_TRUE(fd.ok());
    ASSERT_EQ(pwrite(*fd, mib.data(), mib.size(), 0), static_cast<ssize_t>(mib.size()));
    close(*fd);
    FileRecord r = Record(id, /*dirty=*/id == 1);
    r.last_access_ns = static_cast<int64_t>(id);  // 1 is the oldest
    ASSERT_TRUE(files().Put("f" + std::to_string(id), r).ok());
    cache_->AddUsage(mib.size());
  }
  EXPECT_TRUE(cache_->OverLimit());
  // f2 is in use; f1 is dirty: neither may go.
  ASSERT_TRUE(cache_->Evict([](const std::string& p) { return p == "f2"; }).ok());
  EXPECT_TRUE(files().Get("f1")->has_value());
  EXPECT_TRUE(files().Get("f2")->has_value());
  EXPECT_FALSE(files().Get("f3")->has_value());
  EXPECT_FALSE(files().Get("f4")->has_value());
  EXPECT_TRUE(files().Get("f5")->has_value());
  EXPECT_EQ(cache_->data().DiskUsage(3), 0u);
  EXPECT_FALSE(cache_->OverLimit());
}

TEST_F(FileIndexTest, TheCacheDirIsPrivateAndTheMountsOwn) {
  const std::string fresh = dir_ + "/fresh";
  ASSERT_TRUE(MakePrivateCacheDir(fresh).ok());
  EXPECT_EQ(std::filesystem::status(fresh).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
  const std::string open = dir_ + "/open";
  std::filesystem::create_directories(open);
  std::filesystem::permissions(open, std::filesystem::perms::all);
  ASSERT_TRUE(MakePrivateCacheDir(open).ok());  // made private
  EXPECT_EQ(std::filesystem::status(open).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
  // Planted in a shared directory: a link, or a directory of another user.
  std::filesystem::create_directory_symlink(fresh, dir_ + "/link");
  EXPECT_EQ(MakePrivateCacheDir(dir_ + "/link").code(), StatusCode::kInvalidArgument);
  const std::string foreign = dir_ + "/foreign";
  std::filesystem::create_directories(foreign);
  ASSERT_EQ(::chown(foreign.c_str(), ::geteuid() + 1, ::getegid()), 0);  // tests run as root
  EXPECT_EQ(MakePrivateCacheDir(foreign).code(), StatusCode::kPermissionDenied);
  CacheOptions o;
  o.dir = foreign;
  EXPECT_FALSE(Cache::Open(o).ok());
}

TEST_F(FileIndexTest, CacheDirLockIsExclusive) {
  auto first = CacheDirLock::Acquire(dir_, std::chrono::milliseconds(0));
  ASSERT_TRUE(first.ok());
  auto second = CacheDirLock::Acquire(dir_, std::chrono::milliseconds(200));
  EXPECT_EQ(second.status().code(), StatusCode::kAlreadyExists);
  first->reset();
  EXPECT_TRUE(CacheDirLock::Acquire(dir_, std::chrono::milliseconds(0)).ok());
}

}  // namespace
}  // namespace sos
