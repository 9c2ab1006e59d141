// The one LMDB layer (s3core/persist/lmdb.h): transactions, cursors, prefix
// scans, the key-size rules and the error map, on a real environment on disk.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "s3core/persist/lmdb.h"

namespace sos {
namespace {

enum class Db { kOne, kTwo };

class LmdbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sos-lmdb-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Reopen();
  }
  void TearDown() override {
    env_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen(uint64_t map_size = uint64_t{64} << 20) {
    env_.reset();
    LmdbEnv::Options o;
    o.dir = dir_;
    o.dbs = {"one", "two"};
    o.map_size = map_size;
    auto env = LmdbEnv::Open(o);
    ASSERT_TRUE(env.ok()) << env.status().ToString();
    env_ = std::move(*env);
  }
  Status Put(Db db, std::string_view k, std::string_view v) {
    return LmdbWrite(*env_, [&](LmdbTxn& t) { return t.Put(db, k, v); });
  }
  std::optional<std::string> Get(Db db, std::string_view k) {
    std::optional<std::string> out;
    EXPECT_TRUE(LmdbRead(*env_, [&](LmdbTxn& t) -> Status {
                  SOS_ASSIGN_OR_RETURN(out, t.GetCopy(db, k));
                  return Status::Ok();
                }).ok());
    return out;
  }
  std::vector<std::string> Keys(Db db, std::string_view prefix) {
    std::vector<std::string> keys;
    EXPECT_TRUE(LmdbRead(*env_, [&](LmdbTxn& t) {
                  return t.ForEachPrefix(db, prefix, [&](std::string_view k, std::string_view) {
                    keys.emplace_back(k);
                    return true;
                  });
                }).ok());
    return keys;
  }

  std::string dir_;
  std::unique_ptr<LmdbEnv> env_;
};

TEST_F(LmdbTest, NamedDatabasesAreSeparateAndSurviveReopening) {
  ASSERT_TRUE(Put(Db::kOne, "k", "one").ok());
  ASSERT_TRUE(Put(Db::kTwo, "k", "two").ok());
  Reopen();
  EXPECT_EQ(Get(Db::kOne, "k"), "one");
  EXPECT_EQ(Get(Db::kTwo, "k"), "two");
  EXPECT_EQ(Get(Db::kOne, "missing"), std::nullopt);
  EXPECT_EQ(std::filesystem::status(dir_ + "/data.mdb").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(LmdbTest, AFailedWriteCommitsNothingAndAnAbortedChildOnlyItself) {
  Status s = LmdbWrite(*env_, [&](LmdbTxn& t) -> Status {
    SOS_RETURN_IF_ERROR(t.Put(Db::kOne, "a", "1"));
    return Status::IOError("stop");
  });
  EXPECT_EQ(s.code(), StatusCode::kIOError);
  EXPECT_EQ(Get(Db::kOne, "a"), std::nullopt);

  auto parent = LmdbTxn::BeginWrite(*env_);
  ASSERT_TRUE(parent.ok());
  ASSERT_TRUE(parent->Put(Db::kOne, "kept", "1").ok());
  {
    auto child = parent->BeginChild();
    ASSERT_TRUE(child.ok());
    ASSERT_TRUE(child->Put(Db::kOne, "dropped", "1").ok());
  }  // aborted by its destructor
  auto count = parent->Count(Db::kOne);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1u);
  ASSERT_TRUE(parent->Commit().ok());
  EXPECT_EQ(Get(Db::kOne, "kept"), "1");
  EXPECT_EQ(Get(Db::kOne, "dropped"), std::nullopt);
}

TEST_F(LmdbTest, PrefixScansAndDeletesStopWhereThePrefixEnds) {
  for (const char* k : {"a", "a/1", "a/2", "a/3", "a0", "b/1"})
    ASSERT_TRUE(Put(Db::kOne, k, k).ok());
  EXPECT_EQ(Keys(Db::kOne, "a/"), (std::vector<std::string>{"a/1", "a/2", "a/3"}));
  EXPECT_EQ(Keys(Db::kOne, "").size(), 6u);
  EXPECT_TRUE(Keys(Db::kOne, std::string(600, 'a')).empty());
  ASSERT_TRUE(LmdbWrite(*env_, [&](LmdbTxn& t) { return t.DeletePrefix(Db::kOne, "a/"); }).ok());
  EXPECT_EQ(Keys(Db::kOne, ""), (std::vector<std::string>{"a", "a0", "b/1"}));
  ASSERT_TRUE(LmdbWrite(*env_, [&](LmdbTxn& t) { return t.Clear(Db::kOne); }).ok());
  EXPECT_TRUE(Keys(Db::kOne, "").empty());
}

TEST_F(LmdbTest, KeysOutsideLmdbsLimitsAreRefusedOnWriteAndAbsentOnRead) {
  const std::string long_key(512, 'k');
  EXPECT_EQ(Put(Db::kOne, long_key, "v").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Put(Db::kOne, "", "v").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Put(Db::kOne, std::string(511, 'k'), "v").ok());
  EXPECT_EQ(Get(Db::kOne, long_key), std::nullopt);
  EXPECT_EQ(Get(Db::kOne, ""), std::nullopt);
  EXPECT_TRUE(LmdbWrite(*env_, [&](LmdbTxn& t) { return t.Del(Db::kOne, long_key); }).ok());
}

TEST_F(LmdbTest, CursorSeeksToTheFirstKeyAtOrAfterAndDeletesInPlace) {
  for (const char* k : {"b", "d", "f"}) ASSERT_TRUE(Put(Db::kOne, k, "v").ok());
  auto txn = LmdbTxn::BeginWrite(*env_);
  ASSERT_TRUE(txn.ok());
  auto cursor = LmdbCursor::Open(*txn, Db::kOne);
  ASSERT_TRUE(cursor.ok());
  auto found = cursor->Seek("c");
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ(cursor->key(), "d");
  ASSERT_TRUE(cursor->DeleteCurrent().ok());
  found = cursor->Next();
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ(cursor->key(), "f");
  found = cursor->Next();
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(*found);
  EXPECT_FALSE(cursor->valid());
  found = cursor->Seek("");
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ(cursor->key(), "b");
}

TEST_F(LmdbTest, AFullMapIsNoSpaceAndTheEnvironmentGoesOn) {
  Reopen(uint64_t{1} << 20);
  const std::string value(4096, 'x');
  Status s;
  for (int i = 0; i < 1000 && s.ok(); ++i) s = Put(Db::kOne, "k" + std::to_string(i), value);
  EXPECT_EQ(s.code(), StatusCode::kNoSpace) << s.ToString();
  EXPECT_NE(s.ToString().find("lmdb"), std::string::npos);
  EXPECT_EQ(Get(Db::kOne, "k0"), value);  // what was committed is still there
}

TEST_F(LmdbTest, ADamagedFileIsCorruption) {
  env_.reset();
  std::ofstream(dir_ + "/data.mdb", std::ios::trunc) << std::string(16384, '\x5a');
  LmdbEnv::Options o;
  o.dir = dir_;
  o.dbs = {"one"};
  auto env = LmdbEnv::Open(o);
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().code(), StatusCode::kCorruption) << env.status().ToString();
}

// RssFile of this process, in KiB (/proc/self/status).
long RssFileKib() {
  std::ifstream in("/proc/self/status");
  std::string key;
  long kib = -1;
  while (in >> key) {
    if (key == "RssFile:") {
      in >> kib;
      return kib;
    }
    in.ignore(1 << 10, '\n');
  }
  return -1;
}

// After a scan of the whole map (a checkpoint's), the pages it faulted in are
// no longer counted in the process's memory, and reads still see every value.
TEST_F(LmdbTest, MappedPagesAreReleasedAfterAScanAndReadBackAfter) {
  Reopen(uint64_t{256} << 20);
  const std::string value(16 << 10, 'v');
  for (int batch = 0; batch < 8; ++batch) {
    ASSERT_TRUE(LmdbWrite(*env_, [&](LmdbTxn& t) -> Status {
                  for (int i = 0; i < 512; ++i) {
                    SOS_RETURN_IF_ERROR(
                        t.Put(Db::kOne, "k" + std::to_string(batch * 512 + i), value));
                  }
                  return Status::Ok();
                }).ok());
  }
  auto scan = [&] {
    size_t bytes = 0;
    EXPECT_TRUE(LmdbRead(*env_, [&](LmdbTxn& t) {
                  return t.ForEachPrefix(Db::kOne, "k", [&](std::string_view, std::string_view v) {
                    for (size_t i = 0; i < v.size(); i += 4096) bytes += v[i] == 'v';
                    return true;
                  });
                }).ok());
    return bytes;
  };
  EXPECT_EQ(scan(), 4096u * 4);
  const long scanned = RssFileKib();
  ASSERT_TRUE(env_->ReleaseMappedPages().ok());
  const long released = RssFileKib();
  EXPECT_GT(scanned - released, 48 << 10) << scanned << " KiB resident before, " << released;
  EXPECT_EQ(Get(Db::kOne, "k4095"), value);
  EXPECT_EQ(scan(), 4096u * 4);
}

TEST(LmdbStatusTest, MapsEveryFamilyOfReturnCode) {
  EXPECT_TRUE(LmdbStatus(MDB_SUCCESS, "x").ok());
  EXPECT_EQ(LmdbStatus(MDB_MAP_FULL, "x").code(), StatusCode::kNoSpace);
  EXPECT_EQ(LmdbStatus(ENOSPC, "x").code(), StatusCode::kNoSpace);
  EXPECT_EQ(LmdbStatus(EDQUOT, "x").code(), StatusCode::kNoSpace);
  EXPECT_EQ(LmdbStatus(MDB_TXN_FULL, "x").code(), StatusCode::kTooLarge);
  EXPECT_EQ(LmdbStatus(MDB_CORRUPTED, "x").code(), StatusCode::kCorruption);
  EXPECT_EQ(LmdbStatus(MDB_PAGE_NOTFOUND, "x").code(), StatusCode::kCorruption);
  EXPECT_EQ(LmdbStatus(MDB_INVALID, "x").code(), StatusCode::kCorruption);
  EXPECT_EQ(LmdbStatus(EIO, "read").code(), StatusCode::kIOError);
  EXPECT_EQ(LmdbStatus(EIO, "read").message().rfind("lmdb read: ", 0), 0u);
}

}  // namespace
}  // namespace sos
