// StorageEngine: accounts, buckets, objects, listing, concurrency, multipart,
// garbage, on real files in a fresh temporary directory per test.
#include "daemon/storage/storage_engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "s3core/crypto.h"
#include "tests/support/storage_test_util.h"

namespace sos {
namespace {

using testing::BlobFiles;
using testing::DrivePath;
using testing::Pattern;
using testing::PutBytes;
using testing::ReadAll;
using testing::ReadRecord;
using testing::TempDir;
using testing::WriteBlob;

constexpr uint32_t kBlock = 64 << 10;

class StorageEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open(FsyncPolicy fsync = FsyncPolicy::kAlways) {
    engine_.reset();
    StorageOptions o = testing::QuietOptions(dir_.path());
    o.block_size = kBlock;
    o.fsync = fsync;
    o.abandoned_blob_grace = std::chrono::seconds(0);
    auto e = StorageEngine::Open(o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value();
  }

  void MakeBucket(const std::string& name, const std::string& owner = "owner") {
    BucketRecord b;
    b.name = name;
    b.owner_id = owner;
    ASSERT_TRUE(engine_->CreateBucket(b).ok());
  }

  size_t FilesOnDrive(int i) { return BlobFiles(DrivePath(dir_.path(), i)).size(); }
  void ExpectBlobFiles(size_t n) {
    for (int d = 0; d < 3; ++d) EXPECT_EQ(FilesOnDrive(d), n) << "drive " << d;
  }

  std::vector<std::string> ListAllKeys(const std::string& bucket, ListObjectsQuery q) {
    std::vector<std::string> out;
    while (true) {
      auto page = engine_->ListObjects(bucket, q);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) return out;
      // Merge keys and prefixes in order, as S3 clients see them.
      std::vector<std::string> items;
      for (auto& o : page->objects) items.push_back(o.meta.key);
      for (auto& p : page->common_prefixes) items.push_back(p);
      std::sort(items.begin(), items.end());
      out.insert(out.end(), items.begin(), items.end());
      if (!page->is_truncated) return out;
      q.start_after = page->next_start_after;
    }
  }

  TempDir dir_;
  std::unique_ptr<StorageEngine> engine_;
};

TEST_F(StorageEngineTest, AccountsAndKeys) {
  Account a{std::string(64, 'a'), "alice", {}};
  ASSERT_TRUE(engine_->CreateAccount(a).ok());
  EXPECT_EQ(engine_->CreateAccount(a).code(), StatusCode::kAlreadyExists);
  auto got = engine_->GetAccount(a.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->display_name, "alice");
  EXPECT_NE(got->created, TimePoint{});
  EXPECT_EQ(engine_->GetAccount("nobody").status().code(), StatusCode::kNotFound);

  EXPECT_EQ(engine_->AddKey({"AK1", "secret", "nobody", {}}).code(), StatusCode::kNotFound);
  ASSERT_TRUE(engine_->AddKey({"AK1", "secret1", a.id, {}}).ok());
  ASSERT_TRUE(engine_->AddKey({"AK2", "secret2", a.id, {}}).ok());
  EXPECT_EQ(engine_->AddKey({"AK1", "x", a.id, {}}).code(), StatusCode::kAlreadyExists);
  auto k = engine_->LookupKey("AK1");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->secret, "secret1");
  EXPECT_EQ(k->account_id, a.id);
  EXPECT_TRUE(engine_->LookupKey("AK1").ok());  // cached
  auto miss = engine_->LookupKey("AK9");
  EXPECT_EQ(miss.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(miss.status().s3_code(), "InvalidAccessKeyId");
  EXPECT_EQ(engine_->ListKeys(a.id)->size(), 2u);

  ASSERT_TRUE(engine_->RevokeKey("AK1").ok());
  EXPECT_EQ(engine_->LookupKey("AK1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(engine_->RevokeKey("AK1").code(), StatusCode::kNotFound);

  MakeBucket("owned", a.id);
  EXPECT_EQ(engine_->DeleteAccount(a.id).code(), StatusCode::kNotEmpty);
  ASSERT_TRUE(engine_->DeleteBucket("owned").ok());
  ASSERT_TRUE(engine_->DeleteAccount(a.id).ok());
  EXPECT_EQ(engine_->LookupKey("AK2").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(engine_->ListAccounts()->empty());
}

TEST_F(StorageEngineTest, Buckets) {
  MakeBucket("b2", "alice");
  MakeBucket("b1", "alice");
  BucketRecord dup{"b1", "alice", {}, "", ""};
  Status st = engine_->CreateBucket(dup);
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(st.s3_code(), "BucketAlreadyOwnedByYou");
  dup.owner_id = "bob";
  EXPECT_EQ(engine_->CreateBucket(dup).s3_code(), "BucketAlreadyExists");
  auto list = engine_->ListBuckets();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "b1");
  EXPECT_EQ(engine_->GetBucket("nope").status().s3_code(), "NoSuchBucket");
  EXPECT_EQ(engine_->DeleteBucket("nope").s3_code(), "NoSuchBucket");

  ASSERT_TRUE(engine_->SetBucketAcl("b1", "<acl/>").ok());
  ASSERT_TRUE(engine_->SetBucketCors("b1", "<cors/>").ok());
  EXPECT_EQ(engine_->GetBucket("b1")->acl, "<acl/>");
  EXPECT_EQ(engine_->GetBucket("b1")->cors, "<cors/>");

  ASSERT_TRUE(PutBytes(*engine_, "b1", "k", "x").ok());
  EXPECT_EQ(engine_->DeleteBucket("b1").s3_code(), "BucketNotEmpty");
  ASSERT_TRUE(engine_->DeleteObject("b1", "k").ok());
  // Uploads in progress go with the bucket, as on S3, and their parts are freed.
  auto up = engine_->CreateUpload("b1", "u", {});
  ASSERT_TRUE(up.ok());
  auto seg = WriteBlob(*engine_, Pattern(kBlock + 7, 3));
  ASSERT_TRUE(seg.ok());
  ASSERT_TRUE(engine_->PutPart(up->upload_id, PartRecord{1, "\"x\"", kBlock + 7, {}, *seg}).ok());
  ExpectBlobFiles(1);
  EXPECT_TRUE(engine_->DeleteBucket("b1").ok());
  ExpectBlobFiles(0);
  EXPECT_EQ(engine_->ListParts(up->upload_id).status().s3_code(), "NoSuchUpload");
  MakeBucket("b1");
  EXPECT_TRUE(engine_->ListUploads("b1", "")->empty());
}

// More uploads than one commit takes: the bucket goes with all of them.
TEST_F(StorageEngineTest, DeleteBucketWithManyUploads) {
  MakeBucket("many");
  for (int i = 0; i < 1201; ++i) {
    ASSERT_TRUE(engine_->CreateUpload("many", "k" + std::to_string(i), {}).ok());
  }
  EXPECT_TRUE(engine_->DeleteBucket("many").ok());
  EXPECT_EQ(engine_->GetBucket("many").status().s3_code(), "NoSuchBucket");
  EXPECT_EQ(engine_->Stats()->uploads, 0u);
}

// Tags and ACLs go only to the version the caller authorized.
TEST_F(StorageEngineTest, MetadataChangesOfAReplacedVersionAreCancelled) {
  MakeBucket("b");
  ASSERT_TRUE(PutBytes(*engine_, "b", "k", "first").ok());
  const ObjectVersion first = ObjectVersion::Of(engine_->HeadObject("b", "k")->meta);
  ASSERT_TRUE(engine_->SetObjectTags("b", "k", {{"a", "1"}}, first).ok());
  ASSERT_TRUE(PutBytes(*engine_, "b", "k", "second").ok());  // another writer
  EXPECT_EQ(engine_->SetObjectTags("b", "k", {{"a", "2"}}, first).code(), StatusCode::kCancelled);
  EXPECT_EQ(engine_->SetObjectAcl("b", "k", "acl", first).code(), StatusCode::kCancelled);
  auto now = engine_->HeadObject("b", "k");
  ASSERT_TRUE(now.ok());
  EXPECT_TRUE(now->tags.empty());
  EXPECT_EQ(now->acl, "");
  EXPECT_TRUE(engine_->SetObjectTags("b", "k", {{"a", "3"}}).ok());  // no version: the current
  EXPECT_EQ(engine_->HeadObject("b", "k")->tags.at("a"), "3");
}

TEST_F(StorageEngineTest, RoundTrips) {
  MakeBucket("b");
  for (size_t size : {size_t{0}, size_t{1}, size_t{kBlock - 1}, size_t{kBlock}, size_t{kBlock + 1},
                      size_t{3 * kBlock + 7}}) {
    std::string key = "obj-" + std::to_string(size);
    std::string data = Pattern(size, static_cast<uint32_t>(size));
    auto put = PutBytes(*engine_, "b", key, data);
    ASSERT_TRUE(put.ok()) << put.status().ToString();
    EXPECT_EQ(put->meta.size, size);
    EXPECT_EQ(put->meta.etag, testing::QuotedMd5(Md5(data)));
    auto head = engine_->HeadObject("b", key);
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(head->meta.etag, put->meta.etag);
    EXPECT_EQ(head->meta.last_modified, put->meta.last_modified);
    auto got = ReadAll(*engine_, "b", key);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(*got == data) << "size " << size;
    // Ranges inside, across and at the edges of blocks.
    if (size > 2) {
      for (auto [off, len] : std::vector<std::pair<uint64_t, uint64_t>>{
               {1, size - 2}, {size - 1, 1}, {size / 2, size - size / 2}, {0, 1}}) {
        auto part = ReadRecord(*engine_, *head, off, len);
        ASSERT_TRUE(part.ok());
        EXPECT_TRUE(*part == data.substr(off, len)) << size << " " << off << "+" << len;
      }
    }
    auto reader = engine_->OpenObject(*head);
    ASSERT_TRUE(reader.ok());
    std::string ignored;
    EXPECT_EQ((*reader)->Read(size, 1, AppendTo(&ignored)).code(),
              StatusCode::kRangeNotSatisfiable);
  }
  EXPECT_EQ(engine_->HeadObject("b", "missing").status().s3_code(), "NoSuchKey");
  EXPECT_EQ(engine_->HeadObject("nob", "x").status().s3_code(), "NoSuchBucket");
  EXPECT_EQ(PutBytes(*engine_, "nob", "x", "y").status().s3_code(), "NoSuchBucket");
}

TEST_F(StorageEngineTest, Streams20MiBWithDefaultBlocks) {
  engine_.reset();
  StorageOptions o = testing::QuietOptions(dir_.path());
  auto e = StorageEngine::Open(o);
  ASSERT_TRUE(e.ok());
  engine_ = std::move(e).value();
  MakeBucket("b");
  const size_t total = 20 << 20;
  const std::string chunk = Pattern(100003, 7);  // odd-sized writes straddle blocks
  auto w = engine_->NewBlob(BlobUse::kPart);
  ASSERT_TRUE(w.ok());
  Digest md5(DigestAlgorithm::kMd5);
  for (size_t done = 0; done < total;) {
    std::string_view piece(chunk.data(), std::min(chunk.size(), total - done));
    ASSERT_TRUE((*w)->Write(piece).ok());
    md5.Update(piece);
    done += piece.size();
  }
  auto seg = (*w)->Finish();
  ASSERT_TRUE(seg.ok());
  std::string digest = md5.Finish();
  EXPECT_EQ((*w)->md5(), digest);
  EXPECT_EQ((*w)->size(), total);
  ObjectRecord r;
  r.meta.key = "big";
  r.meta.etag = testing::QuotedMd5(digest);
  r.segments = {*seg};
  auto put = engine_->CommitObject("b", r);
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->meta.size, total);
  auto reader = engine_->OpenObject(*put);
  ASSERT_TRUE(reader.ok());
  Digest check(DigestAlgorithm::kMd5);
  size_t got = 0, chunks = 0, largest = 0;
  ASSERT_TRUE((*reader)
                  ->Read(0, total,
                         [&](std::string_view c) {
                           check.Update(c);
                           got += c.size();
                           ++chunks;
                           largest = std::max(largest, c.size());
                           return Status::Ok();
                         })
                  .ok());
  EXPECT_EQ(got, total);
  EXPECT_EQ(check.Finish(), digest);
  EXPECT_LE(largest, size_t{1} << 20);  // streamed block by block
  EXPECT_GE(chunks, 20u);
}

TEST_F(StorageEngineTest, OverwriteAndDeleteFreeBlobs) {
  MakeBucket("b");
  ASSERT_TRUE(PutBytes(*engine_, "b", "k", Pattern(100000, 1)).ok());
  ExpectBlobFiles(1);
  ASSERT_TRUE(PutBytes(*engine_, "b", "k", Pattern(5000, 2)).ok());
  ExpectBlobFiles(1);
  EXPECT_TRUE(*ReadAll(*engine_, "b", "k") == Pattern(5000, 2));
  auto stats = engine_->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->objects, 1u);
  EXPECT_EQ(stats->blobs, 1u);
  EXPECT_EQ(stats->bytes_logical, 5000u);
  ASSERT_TRUE(engine_->DeleteObject("b", "k").ok());
  ExpectBlobFiles(0);
  EXPECT_TRUE(engine_->DeleteObject("b", "k").ok());  // deleting a missing key succeeds
  EXPECT_EQ(engine_->Stats()->bytes_logical, 0u);
}

TEST_F(StorageEngineTest, CopyOfAVersionRefusesASourceReplacedSinceItWasChecked) {
  MakeBucket("b");
  auto old_src = PutBytes(*engine_, "b", "src", Pattern(5000, 1));
  ASSERT_TRUE(old_src.ok());
  const ObjectVersion checked = ObjectVersion::Of(old_src->meta);
  std::string newer = Pattern(7000, 2);
  ASSERT_TRUE(PutBytes(*engine_, "b", "src", newer).ok());  // replaced after the check
  ObjectRecord dst;
  dst.meta.key = "dst";
  auto stale = engine_->CopyObject("b", "src", "b", dst, {}, checked);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), StatusCode::kCancelled) << stale.status().ToString();
  EXPECT_EQ(engine_->HeadObject("b", "dst").status().code(), StatusCode::kNotFound);
  // The current version copies, bytes and ETag together.
  auto current = engine_->HeadObject("b", "src");
  ASSERT_TRUE(current.ok());
  auto fresh = engine_->CopyObject("b", "src", "b", dst, {}, ObjectVersion::Of(current->meta));
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_EQ(fresh->meta.etag, current->meta.etag);
  EXPECT_TRUE(*ReadAll(*engine_, "b", "dst") == newer);
}

TEST_F(StorageEngineTest, CopySharesBlobsAndSurvivesSourceDelete) {
  MakeBucket("b");
  MakeBucket("c");
  std::string data = Pattern(150000, 3);
  auto src = PutBytes(*engine_, "b", "src", data);
  ASSERT_TRUE(src.ok());
  ObjectRecord dst;
  dst.meta.key = "dst";
  dst.meta.content_type = "text/plain";
  dst.meta.user_meta["x"] = "y";
  dst.acl = "public-read";
  auto copy = engine_->CopyObject("b", "src", "c", dst);
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  EXPECT_EQ(copy->meta.etag, src->meta.etag);
  EXPECT_EQ(copy->meta.size, data.size());
  ExpectBlobFiles(1);                                   // shared, not copied
  ASSERT_TRUE(engine_->DeleteObject("b", "src").ok());  // a rename = copy + delete
  ExpectBlobFiles(1);
  auto head = engine_->HeadObject("c", "dst");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->meta.user_meta["x"], "y");
  EXPECT_EQ(head->acl, "public-read");
  EXPECT_TRUE(*ReadAll(*engine_, "c", "dst") == data);
  // Onto itself (a metadata update) keeps the blob.
  dst.meta.content_type = "image/png";
  ASSERT_TRUE(engine_->CopyObject("c", "dst", "c", dst).ok());
  ExpectBlobFiles(1);
  EXPECT_EQ(engine_->HeadObject("c", "dst")->meta.content_type, "image/png");
  ASSERT_TRUE(engine_->SetObjectAcl("c", "dst", "private").ok());
  EXPECT_EQ(engine_->HeadObject("c", "dst")->acl, "private");
  EXPECT_EQ(engine_->CopyObject("b", "src", "c", dst).status().s3_code(), "NoSuchKey");
  ASSERT_TRUE(engine_->DeleteObject("c", "dst").ok());
  ExpectBlobFiles(0);
}

TEST_F(StorageEngineTest, ListingPrefixDelimiterAndPages) {
  MakeBucket("b");
  std::vector<std::string> keys = {"a",
                                   "a/b",
                                   "a/c/d",
                                   "a/c/e",
                                   "b",
                                   "b/x",
                                   "c",
                                   "é",
                                   "z",
                                   "Z",
                                   "a/b/c/d/e",
                                   "photos/2024/1.jpg",
                                   "photos/2024/2.jpg",
                                   "photos/a.jpg",
                                   std::string("nul\0key", 7)};
  // Long keys (over LMDB's 511-byte key limit) sort among the others exactly.
  std::string long_a = "photos/" + std::string(600, 'L') + "/a";
  std::string long_b = "photos/" + std::string(600, 'L') + "/b";
  std::string long_c = std::string(700, 'm');
  keys.insert(keys.end(), {long_b, long_a, long_c});
  for (const std::string& k : keys) ASSERT_TRUE(PutBytes(*engine_, "b", k, k.substr(0, 10)).ok());
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());  // std::string compares bytes like memcmp

  ListObjectsQuery all;
  EXPECT_EQ(ListAllKeys("b", all), sorted);
  for (int page : {1, 2, 3, 7}) {
    ListObjectsQuery q;
    q.max_keys = page;
    EXPECT_EQ(ListAllKeys("b", q), sorted) << "page size " << page;
  }
  ListObjectsQuery q;
  q.delimiter = "/";
  EXPECT_EQ(ListAllKeys("b", q),
            (std::vector<std::string>{"Z", "a", "a/", "b", "b/", "c", long_c,
                                      std::string("nul\0key", 7), "photos/", "z", "é"}));
  q.prefix = "a/";
  EXPECT_EQ(ListAllKeys("b", q), (std::vector<std::string>{"a/b", "a/b/", "a/c/"}));
  q.prefix = "photos/";
  q.max_keys = 1;
  EXPECT_EQ(ListAllKeys("b", q),
            (std::vector<std::string>{"photos/2024/", "photos/" + std::string(600, 'L') + "/",
                                      "photos/a.jpg"}));
  q = {};
  q.prefix = "photos/";
  EXPECT_EQ(ListAllKeys("b", q), (std::vector<std::string>{"photos/2024/1.jpg", "photos/2024/2.jpg",
                                                           long_a, long_b, "photos/a.jpg"}));
  // start_after inside a common prefix skips the rest of it.
  q = {};
  q.delimiter = "/";
  q.start_after = "a/b";
  auto page = engine_->ListObjects("b", q);
  ASSERT_TRUE(page.ok());
  ASSERT_FALSE(page->objects.empty());
  EXPECT_EQ(page->objects[0].meta.key, "b");
  EXPECT_TRUE(page->common_prefixes.size() >= 1 && page->common_prefixes[0] == "b/");
  // Objects in listings carry metadata.
  q = {};
  q.prefix = "c";
  page = engine_->ListObjects("b", q);
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].meta.size, 1u);
  EXPECT_FALSE(page->objects[0].meta.etag.empty());
  // max_keys = 0 returns nothing.
  q.max_keys = 0;
  EXPECT_TRUE(engine_->ListObjects("b", q)->objects.empty());
  EXPECT_EQ(engine_->ListObjects("nob", {}).status().s3_code(), "NoSuchBucket");
}

TEST_F(StorageEngineTest, ListingSkipsAHugePrefixWithOneSeek) {
  Open(FsyncPolicy::kNever);  // 10k commits; durability is not what is tested
  MakeBucket("b");
  auto src = PutBytes(*engine_, "b", "seed", "x");
  ASSERT_TRUE(src.ok());
  constexpr int kFiles = 10000;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kFiles; i += 4) {
        ObjectRecord dst;
        dst.meta.key = "dir/file" + std::to_string(100000 + i);
        if (!engine_->CopyObject("b", "seed", "b", dst).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_TRUE(PutBytes(*engine_, "b", "zzz", "x").ok());
  ExpectBlobFiles(2);

  ListObjectsQuery q;
  q.delimiter = "/";
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    auto page = engine_->ListObjects("b", q);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->common_prefixes, std::vector<std::string>{"dir/"});
    ASSERT_EQ(page->objects.size(), 2u);
  }
  auto per_list = (std::chrono::steady_clock::now() - start) / 20;
  // A key-by-key scan of 10k entries takes milliseconds; one seek, microseconds.
  EXPECT_LT(per_list, std::chrono::milliseconds(2));
  q.prefix = "dir/";
  q.delimiter = "";
  q.max_keys = 1000;
  EXPECT_EQ(ListAllKeys("b", q).size(), size_t{kFiles});
}

TEST_F(StorageEngineTest, ConcurrentIfNoneMatchHasExactlyOneWinner) {
  MakeBucket("b");
  for (int round = 0; round < 5; ++round) {
    std::string key = "k" + std::to_string(round);
    std::atomic<int> won{0}, lost{0}, other{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        WritePrecondition pc;
        pc.if_none_match = "*";
        auto r = PutBytes(*engine_, "b", key, Pattern(20000, t), pc);
        if (r.ok()) {
          ++won;
        } else if (r.status().code() == StatusCode::kPreconditionFailed) {
          ++lost;
        } else {
          ++other;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(won.load(), 1);
    EXPECT_EQ(lost.load(), 7);
    EXPECT_EQ(other.load(), 0);
  }
  ExpectBlobFiles(5);  // the losers' blobs are gone
}

TEST_F(StorageEngineTest, IfMatch) {
  MakeBucket("b");
  WritePrecondition pc;
  pc.if_match = "\"0123\"";
  EXPECT_EQ(PutBytes(*engine_, "b", "k", "1", pc).status().s3_code(), "NoSuchKey");
  auto v1 = PutBytes(*engine_, "b", "k", "1");
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(PutBytes(*engine_, "b", "k", "2", pc).status().code(), StatusCode::kPreconditionFailed);
  pc.if_match = v1->meta.etag;
  EXPECT_TRUE(PutBytes(*engine_, "b", "k", "2", pc).ok());
  pc.if_match = "*";
  EXPECT_TRUE(PutBytes(*engine_, "b", "k", "3", pc).ok());
  WritePrecondition none;
  none.if_none_match = "*";
  EXPECT_EQ(PutBytes(*engine_, "b", "k", "4", none).status().code(),
            StatusCode::kPreconditionFailed);
  EXPECT_EQ(*ReadAll(*engine_, "b", "k"), "3");
  ExpectBlobFiles(1);
}

TEST_F(StorageEngineTest, ReadersNeverSeeMixedBytes) {
  MakeBucket("b");
  const size_t size = 5 * kBlock + 123;
  ASSERT_TRUE(PutBytes(*engine_, "b", "k", std::string(size, 'a')).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0}, bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop) {
        auto head = engine_->HeadObject("b", "k");
        if (!head.ok()) {
          ++bad;
          continue;
        }
        auto data = ReadRecord(*engine_, *head);
        if (!data.ok()) {
          // Replaced between HEAD and open: fine, the old version is gone.
          if (data.status().code() != StatusCode::kNotFound) ++bad;
          continue;
        }
        if (data->size() != size || data->find_first_not_of((*data)[0]) != std::string::npos) {
          ++bad;
        }
        ++reads;
      }
    });
  }
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(
        PutBytes(*engine_, "b", "k", std::string(size, static_cast<char>('a' + i % 26))).ok());
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(reads.load(), 0);

  // A reader opened before an overwrite still reads the old version whole.
  auto old = engine_->HeadObject("b", "k");
  auto reader = engine_->OpenObject(*old);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(PutBytes(*engine_, "b", "k", "new").ok());
  ExpectBlobFiles(2);  // the old blob waits for its reader
  std::string data;
  ASSERT_TRUE((*reader)->Read(0, size, AppendTo(&data)).ok());
  EXPECT_EQ(data.size(), size);
  EXPECT_EQ(data.find_first_not_of(data[0]), std::string::npos);
  reader->reset();
  ExpectBlobFiles(1);
}

// Uploads a client gave up on are aborted once stale, their parts freed; a
// recent one stays.
TEST_F(StorageEngineTest, StaleUploadsAreAbortedAndTheirPartsFreed) {
  MakeBucket("b");
  auto old_up = engine_->CreateUpload("b", "old", {});
  ASSERT_TRUE(old_up.ok());
  std::string md5;
  auto seg = WriteBlob(*engine_, Pattern(kBlock, 5), &md5);
  ASSERT_TRUE(seg.ok());
  PartRecord part;
  part.part_number = 1;
  part.etag = testing::QuotedMd5(md5);
  part.segment = *seg;
  ASSERT_TRUE(engine_->PutPart(old_up->upload_id, part).ok());
  ExpectBlobFiles(1);
  const TimePoint between = std::chrono::system_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto new_up = engine_->CreateUpload("b", "new", {});
  ASSERT_TRUE(new_up.ok());
  auto aborted = engine_->AbortUploadsInitiatedBefore(between);
  ASSERT_TRUE(aborted.ok()) << aborted.status().ToString();
  EXPECT_EQ(*aborted, 1u);
  EXPECT_EQ(engine_->GetUpload("b", "old", old_up->upload_id).status().s3_code(), "NoSuchUpload");
  EXPECT_TRUE(engine_->GetUpload("b", "new", new_up->upload_id).ok());
  ExpectBlobFiles(0);
}

TEST_F(StorageEngineTest, Multipart) {
  MakeBucket("b");
  ObjectRecord meta;
  meta.meta.content_type = "video/mp4";
  meta.meta.user_meta["m"] = "v";
  meta.owner_id = "owner";
  meta.acl = "acl-string";
  auto up = engine_->CreateUpload("b", "movie", meta);
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->bucket, "b");
  EXPECT_FALSE(up->upload_id.empty());
  EXPECT_TRUE(engine_->GetUpload("b", "movie", up->upload_id).ok());
  EXPECT_EQ(engine_->GetUpload("b", "other", up->upload_id).status().s3_code(), "NoSuchUpload");
  const uint64_t min_part = 2 * kBlock;
  std::vector<std::string> data = {Pattern(min_part, 1), Pattern(min_part + 5, 2),
                                   Pattern(1000, 3)};
  auto put_part = [&](int n, const std::string& bytes) {
    std::string md5;
    auto seg = WriteBlob(*engine_, bytes, &md5);
    ASSERT_TRUE(seg.ok());
    PartRecord p;
    p.part_number = n;
    p.etag = testing::QuotedMd5(md5);
    p.segment = *seg;
    ASSERT_TRUE(engine_->PutPart(up->upload_id, p).ok());
  };
  put_part(1, data[0]);
  put_part(2, Pattern(min_part, 99));
  put_part(3, data[2]);
  ExpectBlobFiles(3);
  put_part(2, data[1]);  // replaces part 2 and frees its blob
  ExpectBlobFiles(3);
  auto parts = engine_->ListParts(up->upload_id);
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[1].size, data[1].size());
  EXPECT_EQ((*parts)[1].etag, testing::QuotedMd5(Md5(data[1])));

  std::vector<CompletedPart> done;
  for (const PartRecord& p : *parts) done.push_back({p.part_number, p.etag});
  auto swapped = done;
  std::swap(swapped[0], swapped[1]);
  EXPECT_EQ(engine_->CompleteUpload(up->upload_id, swapped, {}, min_part).status().s3_code(),
            "InvalidPartOrder");
  auto wrong = done;
  wrong[1].etag = "\"00000000000000000000000000000000\"";
  EXPECT_EQ(engine_->CompleteUpload(up->upload_id, wrong, {}, min_part).status().s3_code(),
            "InvalidPart");
  EXPECT_EQ(
      engine_->CompleteUpload(up->upload_id, {{4, done[0].etag}}, {}, min_part).status().s3_code(),
      "InvalidPart");
  EXPECT_EQ(engine_->CompleteUpload(up->upload_id, done, {}, data[0].size() + 1).status().s3_code(),
            "EntityTooSmall");
  EXPECT_EQ(engine_->CompleteUpload(up->upload_id, {}, {}, min_part).status().s3_code(),
            "MalformedXML");

  auto obj = engine_->CompleteUpload(up->upload_id, done, {}, min_part);
  ASSERT_TRUE(obj.ok()) << obj.status().ToString();
  std::string md5s = Md5(data[0]) + Md5(data[1]) + Md5(data[2]);
  EXPECT_EQ(obj->meta.etag, "\"" + HexEncode(Md5(md5s)) + "-3\"");
  EXPECT_EQ(obj->meta.size, data[0].size() + data[1].size() + data[2].size());
  EXPECT_EQ(obj->segments.size(), 3u);
  ExpectBlobFiles(3);  // committed from the parts' blobs, nothing copied
  auto head = engine_->HeadObject("b", "movie");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->meta.content_type, "video/mp4");
  EXPECT_EQ(head->meta.user_meta["m"], "v");
  EXPECT_EQ(head->acl, "acl-string");
  EXPECT_TRUE(*ReadAll(*engine_, "b", "movie") == data[0] + data[1] + data[2]);
  // A range across the part boundaries.
  auto mid = ReadRecord(*engine_, *head, data[0].size() - 10, 20 + data[1].size());
  EXPECT_TRUE(*mid ==
              (data[0] + data[1] + data[2]).substr(data[0].size() - 10, 20 + data[1].size()));
  EXPECT_EQ(engine_->ListParts(up->upload_id).status().s3_code(), "NoSuchUpload");
  EXPECT_TRUE(engine_->ListUploads("b", "")->empty());
  // A retried completion finds what the first one made, while it is still there.
  auto again = engine_->FindCompletedUpload("b", "movie", up->upload_id);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->object.meta.etag, obj->meta.etag);
  EXPECT_EQ(again->upload.object.owner_id, up->object.owner_id);
  EXPECT_EQ(engine_->FindCompletedUpload("b", "other", up->upload_id).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(engine_->FindCompletedUpload("b", "movie", "nope").status().code(),
            StatusCode::kNotFound);

  // Completing with a subset releases the parts left out; abort frees them all.
  auto up2 = engine_->CreateUpload("b", "subset", meta);
  auto up3 = engine_->CreateUpload("b", "aborted", meta);
  auto put_to = [&](const std::string& id, int n, const std::string& bytes) {
    auto seg = WriteBlob(*engine_, bytes);
    PartRecord p;
    p.part_number = n;
    p.etag = testing::QuotedMd5(Md5(bytes));
    p.segment = *seg;
    EXPECT_TRUE(engine_->PutPart(id, p).ok());
    return CompletedPart{n, p.etag};
  };
  auto c1 = put_to(up2->upload_id, 1, data[0]);
  put_to(up2->upload_id, 2, data[1]);
  auto c3 = put_to(up2->upload_id, 3, data[2]);
  put_to(up3->upload_id, 1, data[0]);
  put_to(up3->upload_id, 2, data[1]);
  ExpectBlobFiles(8);
  auto uploads = engine_->ListUploads("b", "");
  ASSERT_EQ(uploads->size(), 2u);
  EXPECT_EQ((*uploads)[0].key, "aborted");
  EXPECT_EQ(engine_->ListUploads("b", "sub")->size(), 1u);
  ASSERT_TRUE(engine_->CompleteUpload(up2->upload_id, {c1, c3}, {}, min_part).ok());
  ExpectBlobFiles(7);
  ASSERT_TRUE(engine_->AbortUpload(up3->upload_id).ok());
  ExpectBlobFiles(5);
  EXPECT_EQ(engine_->AbortUpload(up3->upload_id).s3_code(), "NoSuchUpload");
  EXPECT_EQ(engine_->PutPart("nope", PartRecord{1, "\"x\"", 0, {}, {}}).s3_code(), "NoSuchUpload");
  EXPECT_TRUE(*ReadAll(*engine_, "b", "subset") == data[0] + data[2]);
  ExpectBlobFiles(5);
  ASSERT_TRUE(PutBytes(*engine_, "b", "movie", "replaced").ok());  // the completion is undone
  EXPECT_EQ(engine_->FindCompletedUpload("b", "movie", up->upload_id).status().s3_code(),
            "NoSuchUpload");
}

TEST_F(StorageEngineTest, UncommittedBlobsAreReclaimed) {
  MakeBucket("b");
  {
    auto w = engine_->NewBlob(BlobUse::kPart);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write(Pattern(3 * kBlock, 1)).ok());
  }  // dropped before Finish
  ExpectBlobFiles(0);
  EXPECT_TRUE(testing::BlobFiles(DrivePath(dir_.path(), 0) + "/tmp").empty());
  // A failed commit deletes the blob it names.
  std::string md5;
  auto seg = WriteBlob(*engine_, "data", &md5);
  ASSERT_TRUE(seg.ok());
  ExpectBlobFiles(1);
  ObjectRecord r;
  r.meta.key = "k";
  r.segments = {*seg};
  EXPECT_EQ(engine_->CommitObject("nob", r).status().s3_code(), "NoSuchBucket");
  ExpectBlobFiles(0);
  // Committing a blob twice, or one that does not exist, is refused.
  EXPECT_FALSE(engine_->CommitObject("b", r).ok());
  // Finished but never committed: reclaimed after the grace period (0 here).
  ASSERT_TRUE(WriteBlob(*engine_, "orphan").ok());
  ExpectBlobFiles(1);
  ASSERT_TRUE(engine_->CollectGarbage().ok());
  ExpectBlobFiles(0);
}

TEST_F(StorageEngineTest, SurvivesReopen) {
  MakeBucket("b");
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(PutBytes(*engine_, "b", "k" + std::to_string(i), Pattern(1000 + i, i)).ok());
  }
  ASSERT_TRUE(engine_->DeleteObject("b", "k3").ok());
  Open();
  for (int i = 0; i < 20; ++i) {
    auto got = ReadAll(*engine_, "b", "k" + std::to_string(i));
    if (i == 3) {
      EXPECT_FALSE(got.ok());
    } else {
      ASSERT_TRUE(got.ok());
      EXPECT_TRUE(*got == Pattern(1000 + i, i));
    }
  }
  ASSERT_TRUE(engine_->CollectGarbage().ok());
  ExpectBlobFiles(19);
  auto again = StorageEngine::Open(testing::QuietOptions(dir_.path()));
  EXPECT_EQ(again.status().code(), StatusCode::kUnavailable);  // locked by engine_
}

}  // namespace
}  // namespace sos
