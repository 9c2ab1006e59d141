// Inline objects: a whole object of at most kInlineBytes is kept in its own
// record (no blob files), read back whole and by ranges, copied, overwritten
// and deleted like any object, kept across a restart, and never served when
// its bytes in the index are damaged. Rebuilding them from the drives'
// journals and snapshots is in storage_rebuild_test.
#include <gtest/gtest.h>

#include <filesystem>

#include "daemon/storage/blob_store.h"
#include "daemon/storage/index_records.h"
#include "daemon/storage/lmdb_index.h"
#include "daemon/storage/storage_engine.h"
#include "daemon/storage/storage_engine_impl.h"
#include "s3core/crypto.h"
#include "tests/support/storage_test_util.h"

namespace sos {
namespace {

using storage::kInlineBytes;
using testing::Pattern;
using testing::PutBytes;

std::string Got(const Result<std::string>& r) {
  return r.ok() ? *r : "<" + r.status().ToString() + ">";
}

Result<ObjectRecord> PutObject(StorageEngine& e, const std::string& key, const std::string& data) {
  return PutBytes(e, "b", key, data, {}, BlobUse::kObject);
}

TEST(StorageInline, SmallObjectsHaveNoBlobFilesAndReadBackWholeAndByRanges) {
  testing::TempDir dir;
  auto e = testing::OpenWithBucket(dir.path(), "b");
  ASSERT_TRUE(e);
  const std::string small = Pattern(4096, 1);
  const std::string edge = Pattern(kInlineBytes, 2);
  auto put = PutObject(*e, "small", small);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put->meta.etag, testing::QuotedMd5(Md5(small)));
  ASSERT_TRUE(PutObject(*e, "edge", edge).ok());
  EXPECT_EQ(testing::BlobFileCount(dir.path()), 0u);

  EXPECT_EQ(Got(testing::ReadAll(*e, "b", "small")), small);
  EXPECT_EQ(Got(testing::ReadAll(*e, "b", "edge")), edge);
  auto head = e->HeadObject("b", "small");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(Got(testing::ReadRecord(*e, *head, 100, 1000)), small.substr(100, 1000));
  EXPECT_EQ(Got(testing::ReadRecord(*e, *head, 4095, 1)), small.substr(4095));
  EXPECT_FALSE(testing::ReadRecord(*e, *head, 4000, 200).ok());  // beyond the end

  // One byte more is a blob on every drive, as before.
  ASSERT_TRUE(PutObject(*e, "over", Pattern(kInlineBytes + 1, 3)).ok());
  EXPECT_EQ(testing::BlobFileCount(dir.path()), 3u);
  EXPECT_EQ(Got(testing::ReadAll(*e, "b", "over")), Pattern(kInlineBytes + 1, 3));

  // A listing does not carry the bytes.
  auto page = e->ListObjects("b", {});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->objects.size(), 3u);
  for (const ObjectRecord& o : page->objects) {
    for (const Segment& s : o.segments) EXPECT_TRUE(s.data.empty()) << o.meta.key;
  }
}

TEST(StorageInline, CopiedOverwrittenDeletedAndKeptAcrossARestart) {
  testing::TempDir dir;
  auto e = testing::OpenWithBucket(dir.path(), "b");
  ASSERT_TRUE(e);
  ASSERT_TRUE(PutObject(*e, "a", Pattern(3000, 1)).ok());
  ObjectRecord dst;
  dst.meta.key = "copy";
  ASSERT_TRUE(e->CopyObject("b", "a", "b", dst).ok());
  ASSERT_TRUE(PutObject(*e, "a", Pattern(2000, 2)).ok());  // overwrite the source
  ASSERT_TRUE(e->DeleteObject("b", "a").ok());
  EXPECT_EQ(Got(testing::ReadAll(*e, "b", "copy")), Pattern(3000, 1));
  EXPECT_EQ(e->HeadObject("b", "a").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(PutObject(*e, "empty", "").ok());
  ASSERT_TRUE(PutObject(*e, "kept", Pattern(9000, 4)).ok());
  EXPECT_EQ(testing::BlobFileCount(dir.path()), 0u);

  e.reset();
  auto reopened = StorageEngine::Open(testing::QuietOptions(dir.path()));
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(Got(testing::ReadAll(**reopened, "b", "copy")), Pattern(3000, 1));
  EXPECT_EQ(Got(testing::ReadAll(**reopened, "b", "kept")), Pattern(9000, 4));
  EXPECT_EQ(Got(testing::ReadAll(**reopened, "b", "empty")), "");
}

// The index has no checksums of its own: the bytes carry an XXH3, checked at
// every decode, so a damaged record is an error, never wrong bytes.
TEST(StorageInline, DamagedInlineBytesAreNeverDecoded) {
  ObjectRecord o;
  o.meta.key = "k";
  o.meta.size = 5000;
  Segment s;
  s.length = 5000;
  s.data = Pattern(5000, 7);
  o.segments = {s};
  const std::string good = storage::EncodeObject(o);
  auto back = storage::DecodeObject(good, "k");
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->segments.size(), 1u);
  EXPECT_TRUE(back->segments[0].is_inline());
  EXPECT_EQ(back->segments[0].data, s.data);

  const size_t at = good.find(s.data.substr(0, 64));
  ASSERT_NE(at, std::string::npos);
  for (size_t flip : {at, at + 2500, at + 4999}) {
    std::string bad = good;
    bad[flip] ^= 0x10;
    EXPECT_EQ(storage::DecodeObject(bad, "k").status().code(), StatusCode::kCorruption) << flip;
  }
}

// Flips one byte of the inline data of every object record in a closed
// store's index; returns how many records it changed.
int DamageInlineBytesInIndex(const std::string& dir, const std::string& marker) {
  auto env = storage::OpenIndex(dir + "/index", uint64_t{1} << 30, true);
  EXPECT_TRUE(env.ok());
  if (!env.ok()) return 0;
  auto txn = storage::Txn::BeginWrite(**env);
  EXPECT_TRUE(txn.ok());
  std::vector<std::pair<std::string, std::string>> damaged;
  {
    auto c = storage::Cursor::Open(*txn, storage::Table::kObjects);
    EXPECT_TRUE(c.ok());
    for (auto ok = c->First(); ok.ok() && *ok; ok = c->Next()) {
      std::string value(c->value());
      const size_t at = value.find(marker);
      if (at == std::string::npos) continue;
      value[at + marker.size() / 2] ^= 0x01;
      damaged.emplace_back(std::string(c->key()), std::move(value));
    }
  }
  for (const auto& [k, v] : damaged) EXPECT_TRUE(txn->Put(storage::Table::kObjects, k, v).ok());
  EXPECT_TRUE(txn->Commit().ok());
  return static_cast<int>(damaged.size());
}

// A bit flipped in the index is an error when read, never wrong bytes; a
// checkpoint refuses to copy it into the drives' snapshots (which would
// replace the good copies in the journals), and a rebuild from the drives
// brings the good bytes back.
TEST(StorageInline, DamageInTheIndexIsRefusedByCheckpointsAndRepairedByARebuild) {
  testing::TempDir dir;
  const std::string data = Pattern(6000, 11);
  {
    auto e = testing::OpenWithBucket(dir.path(), "b");
    ASSERT_TRUE(e);
    ASSERT_TRUE(PutObject(*e, "k", data).ok());
  }
  ASSERT_EQ(DamageInlineBytesInIndex(dir.path(), data.substr(1000, 64)), 1);

  auto opened = StorageEngineImpl::Open(testing::QuietOptions(dir.path()));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  StorageEngineImpl& e = **opened;
  EXPECT_EQ(e.HeadObject("b", "k").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(e.Checkpoint().code(), StatusCode::kCorruption);

  std::filesystem::remove_all(dir.path() + "/index");
  ASSERT_TRUE(e.Rebuild().ok());
  EXPECT_EQ(Got(testing::ReadAll(e, "b", "k")), data);
  EXPECT_TRUE(e.Checkpoint().ok());
}

}  // namespace
}  // namespace sos
