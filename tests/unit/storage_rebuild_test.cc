// Rebuild: with the index directory deleted, the drives alone recreate
// accounts, keys, buckets (ACL, CORS), objects (copies, multipart, long keys,
// metadata, ACL strings), uploads in progress and blob refcounts, byte for
// byte; also across journal checkpoints and with one drive's journal lost.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "daemon/storage/blob_store.h"
#include "daemon/storage/storage_engine.h"
#include "daemon/storage/storage_engine_impl.h"
#include "s3core/crypto.h"
#include "tests/support/storage_test_util.h"

namespace sos {
namespace {

using testing::Pattern;
using testing::PutBytes;
using testing::TempDir;

constexpr uint32_t kBlock = 16 << 10;

std::string Describe(const ObjectRecord& r) {
  std::ostringstream o;
  const ObjectMeta& m = r.meta;
  o << m.key << "|" << m.size << "|" << m.etag << "|" << m.last_modified.time_since_epoch().count()
    << "|" << m.content_type << "|" << m.cache_control << "|" << m.content_disposition << "|"
    << m.content_encoding << "|" << m.content_language << "|" << m.expires << "|" << m.storage_class
    << "|" << (m.owner ? m.owner->id + "/" + m.owner->display_name : "-");
  for (const auto& [k, v] : m.user_meta) o << "|" << k << "=" << v;
  o << "|" << r.owner_id << "|" << r.acl;
  for (const auto& [k, v] : r.tags) o << "|tag " << k << "=" << v;
  for (const Segment& s : r.segments) o << "|" << s.blob_id << ":" << s.offset << "+" << s.length;
  return o.str();
}

// Everything a client or admin can observe, as one string.
std::string Observe(StorageEngine& e) {
  std::ostringstream o;
  auto accounts = e.ListAccounts();
  EXPECT_TRUE(accounts.ok());
  for (const Account& a : *accounts) {
    o << "account " << a.id << " " << a.display_name << " " << a.created.time_since_epoch().count()
      << "\n";
    auto keys = e.ListKeys(a.id);
    for (const AccessKey& k : *keys) {
      o << " key " << k.access_key_id << " " << k.secret << " "
        << k.created.time_since_epoch().count() << "\n";
    }
  }
  auto buckets = e.ListBuckets();
  for (const BucketRecord& b : *buckets) {
    o << "bucket " << b.name << " " << b.owner_id << " " << b.created.time_since_epoch().count()
      << " acl=" << b.acl << " cors=" << b.cors << "\n";
    ListObjectsQuery q;
    q.max_keys = 7;
    while (true) {
      auto page = e.ListObjects(b.name, q);
      EXPECT_TRUE(page.ok());
      for (const ObjectRecord& listed : page->objects) {
        auto full = e.HeadObject(b.name, listed.meta.key);
        EXPECT_TRUE(full.ok());
        auto data = testing::ReadRecord(e, *full);
        EXPECT_TRUE(data.ok()) << data.status().ToString();
        o << " object " << Describe(*full) << " md5=" << HexEncode(Md5(data.ok() ? *data : ""))
          << "\n";
      }
      if (!page->is_truncated) break;
      q.start_after = page->next_start_after;
    }
    auto uploads = e.ListUploads(b.name, "");
    for (const UploadRecord& u : *uploads) {
      o << " upload " << u.upload_id << " " << u.key << " "
        << u.initiated.time_since_epoch().count() << " " << Describe(u.object) << "\n";
      auto parts = e.ListParts(u.upload_id);
      for (const PartRecord& p : *parts) {
        o << "  part " << p.part_number << " " << p.etag << " " << p.size << " "
          << p.segment.blob_id << "\n";
      }
    }
  }
  auto s = e.Stats();
  o << "stats objects=" << s->objects << " blobs=" << s->blobs << " bytes=" << s->bytes_logical
    << " uploads=" << s->uploads << "\n";
  return o.str();
}

class StorageRebuildTest : public ::testing::Test {
 protected:
  void Open(uint64_t checkpoint_bytes = uint64_t{64} << 20) {
    engine_.reset();
    StorageOptions o = testing::QuietOptions(dir_.path(), &log_);
    o.block_size = kBlock;
    o.checkpoint_bytes = checkpoint_bytes;
    auto e = StorageEngineImpl::Open(o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value();
  }

  // A store with a bit of everything; `checkpoint` starts journal generations
  // in between.
  void Populate(bool checkpoint) {
    StorageEngineImpl& e = *engine_;
    ASSERT_TRUE(e.CreateAccount({std::string(64, '1'), "One", {}}).ok());
    ASSERT_TRUE(e.CreateAccount({std::string(64, '2'), "Two", {}}).ok());
    ASSERT_TRUE(e.AddKey({"AKONE", "s1", std::string(64, '1'), {}}).ok());
    ASSERT_TRUE(e.AddKey({"AKONE2", "s1b", std::string(64, '1'), {}}).ok());
    ASSERT_TRUE(e.AddKey({"AKTWO", "s2", std::string(64, '2'), {}}).ok());
    ASSERT_TRUE(e.AddKey({"AKGONE", "s3", std::string(64, '2'), {}}).ok());
    ASSERT_TRUE(e.RevokeKey("AKGONE").ok());
    ASSERT_TRUE(
        e.CreateBucket({"alpha", std::string(64, '1'), {}, "<AccessControlPolicy a/>", ""}).ok());
    ASSERT_TRUE(e.CreateBucket({"beta", std::string(64, '2'), {}, "", ""}).ok());
    ASSERT_TRUE(e.CreateBucket({"gone", std::string(64, '2'), {}, "", ""}).ok());
    ASSERT_TRUE(e.SetBucketCors("beta", "<CORSConfiguration><x/></CORSConfiguration>").ok());
    ASSERT_TRUE(e.DeleteBucket("gone").ok());
    if (checkpoint) {
      ASSERT_TRUE(e.Checkpoint().ok());
    }
    for (int i = 0; i < 30; ++i) {
      ASSERT_TRUE(PutBytes(e, "alpha", "dir/f" + std::to_string(i), Pattern(100 * i, i)).ok());
      // Small objects kept inline: their bytes live in the journal alone.
      ASSERT_TRUE(PutBytes(e, "beta", "inline/f" + std::to_string(i), Pattern(500 * i, 300 + i), {},
                           BlobUse::kObject)
                      .ok());
    }
    std::string md5;
    auto seg = testing::WriteBlob(e, Pattern(3 * kBlock + 5, 77), &md5);
    ASSERT_TRUE(seg.ok());
    ObjectRecord rich;
    rich.meta.key = "rich/" + std::string(700, 'k');  // a long key
    rich.meta.etag = testing::QuotedMd5(md5);
    rich.meta.content_type = "text/x";
    rich.meta.cache_control = "no-cache";
    rich.meta.content_disposition = "inline";
    rich.meta.content_encoding = "gzip";
    rich.meta.content_language = "fr";
    rich.meta.expires = "Thu, 01 Jan 2037 00:00:00 GMT";
    rich.meta.storage_class = "STANDARD";
    rich.meta.owner = Owner{"id", "name"};
    rich.meta.user_meta = {{"a", "1"}, {"b", "é"}};
    rich.owner_id = std::string(64, '1');
    rich.acl = std::string("<AccessControlPolicy>\0binary\xff</AccessControlPolicy>", 49);
    rich.tags = {{"project", "sos"}, {"empty", ""}};
    rich.segments = {*seg};
    ASSERT_TRUE(e.CommitObject("alpha", rich).ok());
    for (int i = 0; i < 10; i += 2) {
      ASSERT_TRUE(PutBytes(e, "alpha", "dir/f" + std::to_string(i), Pattern(50 + i, 100 + i)).ok());
    }
    ASSERT_TRUE(e.DeleteObject("alpha", "dir/f3").ok());
    ASSERT_TRUE(e.DeleteObject("beta", "inline/f3").ok());
    ASSERT_TRUE(
        PutBytes(e, "beta", "inline/f4", Pattern(storage::kInlineBytes, 9), {}, BlobUse::kObject)
            .ok());
    if (checkpoint) {
      ASSERT_TRUE(e.Checkpoint().ok());
    }
    ObjectRecord dst;
    dst.meta.key = "copy-of-rich";
    dst.acl = "copy-acl";
    ASSERT_TRUE(e.CopyObject("alpha", rich.meta.key, "beta", dst).ok());
    dst.meta.key = "renamed";
    ASSERT_TRUE(e.CopyObject("alpha", "dir/f5", "beta", dst).ok());
    ASSERT_TRUE(e.DeleteObject("alpha", "dir/f5").ok());
    ASSERT_TRUE(e.SetObjectAcl("alpha", "dir/f7", "object-acl").ok());
    ASSERT_TRUE(e.SetObjectTags("alpha", "dir/f7", {{"k", "v"}}).ok());
    EXPECT_EQ(e.SetObjectTags("alpha", "dir/f3", {}).s3_code(), "NoSuchKey");
    // A completed multipart object and one in progress.
    for (const char* key : {"mp-done", "mp-open"}) {
      auto up = e.CreateUpload("beta", key, rich);
      ASSERT_TRUE(up.ok());
      std::vector<CompletedPart> parts;
      for (int n = 1; n <= 3; ++n) {
        std::string bytes = Pattern(n == 3 ? 10 : kBlock, n);
        auto part_seg = testing::WriteBlob(e, bytes);
        ASSERT_TRUE(part_seg.ok());
        PartRecord p{n, testing::QuotedMd5(Md5(bytes)), 0, {}, *part_seg};
        ASSERT_TRUE(e.PutPart(up->upload_id, p).ok());
        parts.push_back({n, p.etag});
      }
      if (std::string(key) == "mp-done") {
        ASSERT_TRUE(e.CompleteUpload(up->upload_id, parts, {}, kBlock).ok());
      }
    }
  }

  // Closes the store, deletes its index and every journal but drive `keep`'s,
  // and opens it again: a rebuild from that one drive.
  void ReopenFromDriveAlone(int keep) {
    engine_.reset();
    std::filesystem::remove_all(dir_.path() + "/index");
    for (int d = 0; d < 3; ++d) {
      if (d != keep) std::filesystem::remove_all(testing::DrivePath(dir_.path(), d) + "/journal");
    }
    Open();
  }

  TempDir dir_;
  testing::LogCapture log_;
  std::unique_ptr<StorageEngineImpl> engine_;
};

TEST_F(StorageRebuildTest, RebuildOnALiveEngineAfterTheIndexIsDeleted) {
  Open();
  Populate(false);
  const std::string before = Observe(*engine_);
  const size_t files = testing::BlobFileCount(dir_.path());
  std::filesystem::remove_all(dir_.path() + "/index");
  ASSERT_TRUE(engine_->Rebuild().ok());
  EXPECT_EQ(Observe(*engine_), before);
  EXPECT_EQ(testing::BlobFileCount(dir_.path()),
            files);  // the GC after rebuild kept every referenced blob
  EXPECT_TRUE(engine_->LookupKey("AKTWO").ok());
  EXPECT_FALSE(engine_->LookupKey("AKGONE").ok());
  // Still fully working: writes, and the in-progress upload completes.
  ASSERT_TRUE(PutBytes(*engine_, "beta", "after", "x").ok());
  auto uploads = engine_->ListUploads("beta", "");
  ASSERT_EQ(uploads->size(), 1u);
  auto parts = engine_->ListParts((*uploads)[0].upload_id);
  std::vector<CompletedPart> done;
  for (const PartRecord& p : *parts) done.push_back({p.part_number, p.etag});
  ASSERT_TRUE(engine_->CompleteUpload((*uploads)[0].upload_id, done, {}, kBlock).ok());
  // And what was rebuilt survives a reopen.
  const std::string after = Observe(*engine_);
  Open();
  EXPECT_EQ(Observe(*engine_), after);
}

TEST_F(StorageRebuildTest, OpenRebuildsAMissingIndexAcrossCheckpoints) {
  Open(/*checkpoint_bytes=*/1024);
  Populate(true);
  ASSERT_TRUE(engine_->RunMaintenance().ok());  // one more, by size
  const std::string before = Observe(*engine_);
  const size_t files = testing::BlobFileCount(dir_.path());
  engine_.reset();
  std::filesystem::remove_all(dir_.path() + "/index");
  Open();
  EXPECT_EQ(Observe(*engine_), before);
  EXPECT_EQ(testing::BlobFileCount(dir_.path()), files);
  bool logged = false;
  for (const std::string& l : log_.lines) logged = logged || l.find("rebuil") != std::string::npos;
  EXPECT_TRUE(logged);
}

TEST_F(StorageRebuildTest, OneDrivesJournalIsEnough) {
  Open();
  Populate(true);
  const std::string before = Observe(*engine_);
  ReopenFromDriveAlone(1);
  EXPECT_EQ(Observe(*engine_), before);
  // The journals were rewritten on every drive: another rebuild from drive 0 alone works.
  ReopenFromDriveAlone(0);
  EXPECT_EQ(Observe(*engine_), before);
}

// The newest "<gen>.<ext>" file name in a journal directory ("" if none).
std::string Newest(const std::string& dir, const std::string& ext) {
  std::string newest;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.size() == 17 + ext.size() && name.substr(16) == "." + ext && name > newest) {
      newest = name;
    }
  }
  return newest;
}

// A snapshot that missed a healthy drive leaves the journal degraded, so the
// next maintenance pass writes another, which reaches that drive too.
TEST_F(StorageRebuildTest, ASnapshotThatMissedADriveIsWrittenAgain) {
  Open();
  Populate(false);
  const std::string before = Observe(*engine_);
  const std::string journal1 = testing::DrivePath(dir_.path(), 1) + "/journal";
  const std::string log = Newest(journal1, "log");
  ASSERT_FALSE(log.empty());
  char blocker[40];
  std::snprintf(blocker, sizeof blocker, "%016llx.snap.tmp",
                static_cast<unsigned long long>(std::stoull(log.substr(0, 16), nullptr, 16) + 1));
  // The next snapshot cannot be created on drive 1: a directory is in its way.
  ASSERT_TRUE(std::filesystem::create_directory(journal1 + "/" + blocker));
  ASSERT_TRUE(engine_->Checkpoint().ok());  // on drives 0 and 2
  const std::string missed = Newest(testing::DrivePath(dir_.path(), 0) + "/journal", "snap");
  ASSERT_FALSE(missed.empty());
  EXPECT_NE(Newest(journal1, "snap"), missed);
  std::filesystem::remove(journal1 + "/" + blocker);
  ASSERT_TRUE(engine_->RunMaintenance().ok());
  const std::string again = Newest(testing::DrivePath(dir_.path(), 0) + "/journal", "snap");
  EXPECT_GT(again, missed);
  EXPECT_EQ(Newest(journal1, "snap"), again);
  // Drive 1 alone now holds everything.
  ReopenFromDriveAlone(1);
  EXPECT_EQ(Observe(*engine_), before);
}

TEST_F(StorageRebuildTest, TornJournalTailIsIgnored) {
  Open();
  Populate(false);
  const std::string before = Observe(*engine_);
  engine_.reset();
  // Garbage after the last record, as a torn append would leave.
  for (int d = 0; d < 3; ++d) {
    std::string dir = testing::DrivePath(dir_.path(), d) + "/journal";
    for (const auto& f : std::filesystem::directory_iterator(dir)) {
      if (f.path().extension() == ".log") {
        std::FILE* fp = std::fopen(f.path().c_str(), "ab");
        std::fputs("SOSR\x10garbage", fp);
        std::fclose(fp);
      }
    }
  }
  std::filesystem::remove_all(dir_.path() + "/index");
  Open();
  EXPECT_EQ(Observe(*engine_), before);
}

}  // namespace
}  // namespace sos
