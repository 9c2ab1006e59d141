// The Filesystem's data path: block fetches, write-back uploads, retries,
// fsync, multipart, crash recovery from the journal, the cache limit.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "fuse/core/filesystem.h"
#include "fuse/core/fs_errors.h"
#include "fuse/fuse_adapter.h"
#include "tests/support/faulty_object_store.h"
#include "tests/support/memory_object_store.h"
#include "tests/unit/fs_fixture.h"

namespace sos {
namespace {

using namespace std::chrono_literals;

constexpr uint64_t kMiB = uint64_t{1} << 20;

// An mtime as s3fs's x-amz-meta-mtime carries it (seconds.nanoseconds).
std::string MtimeMeta(const timespec& t) {
  char text[40];
  std::snprintf(text, sizeof text, "%lld.%09ld", static_cast<long long>(t.tv_sec), t.tv_nsec);
  return text;
}

std::string Random(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

class FsDataTest : public FsFixture {
 protected:
  FsDataTest() : FsFixture(StoreOptions()) {}
  FilesystemOptions Options() override {
    FilesystemOptions o = FsFixture::Options();
    o.multipart_threshold = 4 * kMiB;
    o.part_size = kMiB;
    o.cache_size = cache_size_;
    o.stat_ttl = stat_ttl_;
    return o;
  }

  static MemoryObjectStoreOptions StoreOptions() {
    MemoryObjectStoreOptions o;
    o.min_part_size = kMiB;
    return o;
  }
  Result<uint64_t> OpenFile(const std::string& path, int flags) {
    SOS_ASSIGN_OR_RETURN(uint64_t ino, Ino(path));
    return fs_->Open(ino, flags);
  }
  Status WriteAt(uint64_t fh, uint64_t offset, const std::string& data) {
    return fs_->Write(fh, offset, data.data(), data.size()).status();
  }
  std::string ReadAt(uint64_t fh, uint64_t offset, size_t n) {
    std::string buf(n, '\0');
    auto got = fs_->Read(fh, offset, n, buf.data());
    return got.ok() ? buf.substr(0, *got) : "<error>";
  }

  uint64_t cache_size_ = uint64_t{1} << 30;
  std::chrono::milliseconds stat_ttl_{30000};
};

TEST_F(FsDataTest, RandomWritesFetchOnlyTheTouchedBlocks) {
  std::string data = Random(20 * kMiB, 1);
  ASSERT_TRUE(Put("big", data).ok());
  auto fh = OpenFile("big", O_RDWR);
  ASSERT_TRUE(fh.ok());
  faulty_.ResetCounters();
  struct Change {
    uint64_t offset;
    std::string bytes;
  };
  const std::vector<Change> changes = {
      {3 * kMiB + 100, "hello"},            // inside block 3
      {8 * kMiB - 2, "span"},               // the end of block 7 and the start of 8
      {15 * kMiB, std::string(kMiB, 'z')},  // all of block 15: nothing to fetch
      {20 * kMiB - 3, "end"},               // the tail of block 19
  };
  for (const auto& c : changes) {
    ASSERT_TRUE(WriteAt(*fh, c.offset, c.bytes).ok());
    data.replace(c.offset, c.bytes.size(), c.bytes);
  }
  EXPECT_EQ(faulty_.Calls("Get"), 4u);  // blocks 3, 7, 8 and 19, one ranged GET each
  EXPECT_EQ(ReadAt(*fh, 3 * kMiB + 98, 9), data.substr(3 * kMiB + 98, 9));
  EXPECT_EQ(ReadAt(*fh, 15 * kMiB, 10), std::string(10, 'z'));
  EXPECT_EQ(faulty_.Calls("Get"), 4u);                                // already local
  EXPECT_EQ(faulty_.Calls("Put") + faulty_.Calls("UploadPart"), 0u);  // nothing uploaded yet
  ASSERT_TRUE(fs_->Release(*fh).ok());
  Drain();
  EXPECT_TRUE(store_.ObjectData("bkt", "big") == data);
}

// A rewrite of a few blocks of a big object: the untouched parts are copied
// server-side (UploadPartCopy), never downloaded; the result is exact and
// stays readable (the copied blocks come from the new version).
TEST_F(FsDataTest, UntouchedPartsAreCopiedServerSide) {
  std::string data = Random(10 * kMiB + 123, 2);
  ASSERT_TRUE(Put("big", data).ok());
  auto fh = OpenFile("big", O_RDWR);
  ASSERT_TRUE(fh.ok());
  faulty_.ResetCounters();
  ASSERT_TRUE(WriteAt(*fh, 2 * kMiB + 10, "patch").ok());  // part 3 of 11
  data.replace(2 * kMiB + 10, 5, "patch");
  ASSERT_TRUE(fs_->Release(*fh).ok());
  Drain();
  EXPECT_TRUE(store_.ObjectData("bkt", "big") == data);
  // Part 3 was fetched (its one block) and sent; the ten others, the short
  // last one included, were copied by the server.
  EXPECT_EQ(faulty_.Calls("UploadPartCopy"), 10u);
  EXPECT_EQ(faulty_.Calls("UploadPart"), 1u);
  EXPECT_EQ(faulty_.Calls("Get"), 1u);
  Remount();
  EXPECT_TRUE(*ReadFile("big") == data);
}

// If another client replaced the object before the copies ran, they copied
// its bytes: the upload must fail (the file stays dirty, nothing is mixed).
TEST_F(FsDataTest, CopiesFromAReplacedBaseAreRefused) {
  std::string data = Random(6 * kMiB, 3);
  ASSERT_TRUE(Put("big", data).ok());
  auto fh = OpenFile("big", O_RDWR);
  ASSERT_TRUE(fh.ok());
  ASSERT_TRUE(WriteAt(*fh, 10, "mine").ok());
  const std::string theirs = Random(6 * kMiB, 4);
  ASSERT_TRUE(Put("big", theirs).ok());  // before the upload starts (it waits 200 ms)
  ASSERT_TRUE(fs_->Release(*fh).ok());
  std::this_thread::sleep_for(700ms);  // the delay and a full upload round
  EXPECT_TRUE(store_.ObjectData("bkt", "big") == theirs);
  auto state = fs_->GetXattr(*Ino("big"), "user.sos.state");
  ASSERT_TRUE(state.ok());
  EXPECT_NE(*state, "clean");
}

TEST_F(FsDataTest, ReadsFetchOnlyWhatTheyNeed) {
  std::string data = Random(20 * kMiB, 2);
  ASSERT_TRUE(Put("big", data).ok());
  auto fh = OpenFile("big", O_RDONLY);
  ASSERT_TRUE(fh.ok());
  faulty_.ResetCounters();
  EXPECT_EQ(ReadAt(*fh, 5 * kMiB + 10, 4096), data.substr(5 * kMiB + 10, 4096));
  EXPECT_EQ(faulty_.Calls("Get"), 1u);
  EXPECT_EQ(ReadAt(*fh, 5 * kMiB + 5000, 4096), data.substr(5 * kMiB + 5000, 4096));
  EXPECT_EQ(faulty_.Calls("Get"), 1u);
  // A sequential read of everything: read-ahead makes few, large requests
  // (chunks of fetch_chunk, 4 MiB), not one per block (20) or per read (160).
  faulty_.ResetCounters();
  std::string all;
  while (all.size() < data.size()) all += ReadAt(*fh, all.size(), 128 * 1024);
  EXPECT_TRUE(all == data);
  EXPECT_LE(faulty_.Calls("Get"), 8u);
  ASSERT_TRUE(fs_->Release(*fh).ok());
  // The cached blocks serve the next mount (same ETag).
  Remount();
  faulty_.ResetCounters();
  EXPECT_TRUE(*ReadFile("big") == data);
  EXPECT_EQ(faulty_.Calls("Get"), 0u);
}

// The read-ahead window grows while reads stay sequential and is fetched
// as parallel ranged GETs; an object replaced between two windows is
// followed (a clean file moves to the new version) rather than mixed up.
TEST_F(FsDataTest, SequentialReadAheadGrowsAndFollowsAReplacedObject) {
  std::string data = Random(40 * kMiB, 5);
  ASSERT_TRUE(Put("big", data).ok());
  auto fh = OpenFile("big", O_RDONLY);
  ASSERT_TRUE(fh.ok());
  faulty_.ResetCounters();
  faulty_.SetLatency(20ms, "Get");
  EXPECT_EQ(ReadAt(*fh, 0, 128 * 1024), data.substr(0, 128 * 1024));
  // The read-ahead of the first window runs in the background: let it land
  // (each GET takes 20 ms) before the object is replaced.
  std::this_thread::sleep_for(500ms);
  const uint64_t first_window = faulty_.Calls("Get");  // 9 MiB in 4 MiB chunks
  EXPECT_EQ(first_window, 3u);
  const std::string theirs = Random(40 * kMiB, 6);
  ASSERT_TRUE(Put("big", theirs).ok());  // another client, while we read
  std::string rest;
  for (uint64_t at = 128 * 1024; at < data.size(); at += rest.size()) {
    rest = ReadAt(*fh, at, 128 * 1024);
    ASSERT_NE(rest, "<error>") << at;
    ASSERT_FALSE(rest.empty()) << at;
    // Bytes already fetched are the old version's; the ones after, the new one's.
    const std::string& want = at < 9 * kMiB ? data : theirs;
    ASSERT_EQ(rest, want.substr(at, rest.size())) << "at " << at;
  }
  // GETs of up to 4 MiB ahead (plus the ones the replaced version refused):
  // far fewer than one per 1 MiB block (40).
  EXPECT_LE(faulty_.Calls("Get") - first_window, 20u);
  ASSERT_TRUE(fs_->Release(*fh).ok());
}

// Read-ahead runs in the background and ahead of the reader: once the
// window has grown, a steady reader no longer waits at the end of a window
// for a whole round trip (each GET here takes 300 ms; the reader needs
// 20 ms per MiB; a read-ahead that stops and waits at each window's end
// makes it wait close to 300 ms at 9 and 25 MiB).
TEST_F(FsDataTest, ReadAheadStaysAheadOfASteadyReader) {
  std::string data = Random(32 * kMiB, 8);
  ASSERT_TRUE(Put("big", data).ok());
  auto fh = OpenFile("big", O_RDONLY);
  ASSERT_TRUE(fh.ok());
  faulty_.SetLatency(300ms, "Get");
  using Clock = std::chrono::steady_clock;
  std::chrono::milliseconds longest_wait{0};
  std::string all;
  while (all.size() < data.size()) {
    const auto start = Clock::now();
    std::string got = ReadAt(*fh, all.size(), kMiB);
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    ASSERT_EQ(got.size(), kMiB) << all.size();
    // The first window's GETs started together with the first read's; the
    // ones the reader meets after 18 MiB started a window earlier.
    if (all.size() >= 18 * kMiB) longest_wait = std::max(longest_wait, waited);
    all += got;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(all == data);
  EXPECT_LT(longest_wait, 150ms);
  ASSERT_TRUE(fs_->Release(*fh).ok());
}

TEST_F(FsDataTest, UploadFailuresAreRetriedAndNothingIsLost) {
  faulty_.FailNext("Put", 2);
  ASSERT_TRUE(WriteFile("a", "alpha").ok());
  Drain();
  EXPECT_EQ(*store_.ObjectData("bkt", "a"), "alpha");
  EXPECT_EQ(faulty_.Calls("Put"), 3u);

  // A store that keeps failing: fsync reports it, the data stays local.
  faulty_.FailAlways("Put");
  auto created =
      fs_->Create(InodeTable::kRootIno, "b", S_IFREG | 0644, O_CREAT | O_WRONLY, caller_);
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(WriteAt(created->second, 0, "bravo").ok());
  EXPECT_EQ(ErrnoFor(fs_->Fsync(created->second)), EIO);
  EXPECT_EQ(*fs_->GetXattr(created->first.ino, "user.sos.state"), "dirty");
  EXPECT_EQ(ReadAt(created->second, 0, 10), "bravo");
  ASSERT_TRUE(fs_->Release(created->second).ok());
  faulty_.ClearFaults();
  Drain();
  EXPECT_EQ(*store_.ObjectData("bkt", "b"), "bravo");
}

TEST_F(FsDataTest, FsyncReturnsOnlyOnceTheObjectIsStored) {
  faulty_.SetLatency(100ms, "Put");
  auto created =
      fs_->Create(InodeTable::kRootIno, "f", S_IFREG | 0644, O_CREAT | O_WRONLY, caller_);
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(WriteAt(created->second, 0, "durable").ok());
  EXPECT_FALSE(store_.ObjectData("bkt", "f").has_value());  // write-back
  ASSERT_TRUE(fs_->Fsync(created->second).ok());
  EXPECT_EQ(*store_.ObjectData("bkt", "f"), "durable");
  // Again after more writes; a clean file syncs at once.
  ASSERT_TRUE(WriteAt(created->second, 7, "!").ok());
  ASSERT_TRUE(fs_->Fsync(created->second).ok());
  EXPECT_EQ(*store_.ObjectData("bkt", "f"), "durable!");
  faulty_.ResetCounters();
  ASSERT_TRUE(fs_->Fsync(created->second).ok());
  EXPECT_EQ(faulty_.Calls("Put"), 0u);
  ASSERT_TRUE(fs_->Release(created->second).ok());
}

TEST_F(FsDataTest, MultipartUploadWithParallelRetriedParts) {
  std::string data = Random(9 * kMiB + 5, 3);
  faulty_.FailNext("UploadPart", 2);
  ASSERT_TRUE(WriteFile("mp", data).ok());
  Drain();
  EXPECT_TRUE(store_.ObjectData("bkt", "mp") == data);
  auto head = store_.Head("bkt", "mp");
  ASSERT_TRUE(head.ok());
  EXPECT_NE(head->etag.find("-10"), std::string::npos);  // 10 parts of 1 MiB
  EXPECT_EQ(head->user_meta["mode"], "33188");
  EXPECT_EQ(faulty_.Calls("CreateMultipartUpload"), 1u);
  EXPECT_EQ(store_.UploadCount("bkt"), 0u);
  // Below the threshold: one PUT.
  faulty_.ResetCounters();
  ASSERT_TRUE(WriteFile("small", Random(4 * kMiB - 1, 4)).ok());
  Drain();
  EXPECT_EQ(faulty_.Calls("Put"), 1u);
  EXPECT_EQ(faulty_.Calls("CreateMultipartUpload"), 0u);
}

// Parts of a big new file go up while it is written: each complete part as
// soon as the writer is past it, the rest at close; the upload round sends
// only the last part and completes. Attributes set after close (cp -p, tar)
// are on the object all the same.
TEST_F(FsDataTest, PartsOfABigNewFileGoUpWhileItIsWritten) {
  const std::string data = Random(10 * kMiB + 5, 9);
  auto created =
      fs_->Create(InodeTable::kRootIno, "big", S_IFREG | 0644, O_CREAT | O_WRONLY, caller_);
  ASSERT_TRUE(created.ok());
  const uint64_t fh = created->second;
  for (uint64_t at = 0; at < 6 * kMiB; at += kMiB) ASSERT_TRUE(WriteAt(fh, at, data.substr(at, kMiB)).ok());
  // The file is open and being written: parts 1-6 are on their way.
  for (int i = 0; i < 500 && faulty_.Calls("UploadPart") < 6; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(faulty_.Calls("UploadPart"), 6u);
  EXPECT_EQ(store_.UploadCount("bkt"), 1u);
  EXPECT_FALSE(store_.ObjectData("bkt", "big").has_value());
  for (uint64_t at = 6 * kMiB; at < data.size(); at += kMiB) {
    ASSERT_TRUE(WriteAt(fh, at, data.substr(at, kMiB)).ok());
  }
  SetAttrRequest chmod;  // after the upload began: a later chmod is on the object too
  chmod.mode = 0600;
  ASSERT_TRUE(fs_->SetAttr(created->first.ino, chmod).ok());
  ASSERT_TRUE(fs_->Release(fh).ok());
  Drain();
  EXPECT_TRUE(store_.ObjectData("bkt", "big") == data);
  EXPECT_EQ(faulty_.Calls("CreateMultipartUpload"), 1u);
  EXPECT_EQ(faulty_.Calls("UploadPart"), 11u);  // each part once: 10 full, 1 of 5 bytes
  EXPECT_EQ(store_.UploadCount("bkt"), 0u);
  auto head = store_.Head("bkt", "big");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->user_meta["mode"], std::to_string(S_IFREG | 0600));
  // The mtime of the last write, after the upload began.
  EXPECT_EQ(head->user_meta["mtime"], MtimeMeta(Stat("big")->mtime));
  EXPECT_EQ(*fs_->GetXattr(created->first.ino, "user.sos.state"), "clean");
}

// The completion of a streamed upload lands but its answer is lost, and the
// copy that sets the final attributes fails: the next tries recognise their
// own object (no conflict name), and the object ends with the file's bytes
// and attributes.
TEST_F(FsDataTest, AStreamedUploadWhoseAnswerIsLostIsNotAConflict) {
  const std::string data = Random(6 * kMiB + 7, 11);
  auto created =
      fs_->Create(InodeTable::kRootIno, "lost", S_IFREG | 0644, O_CREAT | O_WRONLY, caller_);
  ASSERT_TRUE(created.ok());
  for (uint64_t at = 0; at < data.size(); at += kMiB) {
    ASSERT_TRUE(WriteAt(created->second, at, data.substr(at, kMiB)).ok());
  }
  for (int i = 0; i < 500 && faulty_.Calls("UploadPart") < 6; ++i) std::this_thread::sleep_for(10ms);
  faulty_.LoseNextAnswer("CompleteMultipartUpload", 1);
  faulty_.FailNext("Copy", 1);
  ASSERT_TRUE(fs_->Release(created->second).ok());
  Drain();
  EXPECT_TRUE(store_.ObjectData("bkt", "lost") == data);
  auto head = store_.Head("bkt", "lost");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->user_meta["mtime"], MtimeMeta(Stat("lost")->mtime));
  ListRequest all;
  all.bucket = "bkt";
  auto listed = store_.List(all);
  ASSERT_TRUE(listed.ok());
  for (const auto& o : listed->objects) EXPECT_EQ(o.key.find("conflict"), std::string::npos) << o.key;
  EXPECT_EQ(store_.UploadCount("bkt"), 0u);
  EXPECT_EQ(*fs_->GetXattr(created->first.ino, "user.sos.state"), "clean");
}

// A part written again after it was sent is sent again; a file that shrinks
// below the multipart threshold goes as one PUT; a file deleted while its
// parts go up leaves no upload behind.
TEST_F(FsDataTest, StreamedPartsFollowRewritesTruncatesAndDeletes) {
  std::string data = Random(8 * kMiB, 10);
  auto created =
      fs_->Create(InodeTable::kRootIno, "re", S_IFREG | 0644, O_CREAT | O_RDWR, caller_);
  ASSERT_TRUE(created.ok());
  for (uint64_t at = 0; at < 6 * kMiB; at += kMiB) {
    ASSERT_TRUE(WriteAt(created->second, at, data.substr(at, kMiB)).ok());
  }
  for (int i = 0; i < 500 && faulty_.Calls("UploadPart") < 6; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(faulty_.Calls("UploadPart"), 6u);
  data.replace(kMiB + kMiB / 2, 10, "0123456789");  // in part 2, sent already
  ASSERT_TRUE(WriteAt(created->second, kMiB + kMiB / 2, "0123456789").ok());
  for (uint64_t at = 6 * kMiB; at < data.size(); at += kMiB) {
    ASSERT_TRUE(WriteAt(created->second, at, data.substr(at, kMiB)).ok());
  }
  ASSERT_TRUE(fs_->Release(created->second).ok());
  Drain();
  EXPECT_TRUE(store_.ObjectData("bkt", "re") == data);
  EXPECT_EQ(faulty_.Calls("UploadPart"), 9u);  // 8 parts, part 2 twice

  faulty_.ResetCounters();
  auto shrunk =
      fs_->Create(InodeTable::kRootIno, "shrunk", S_IFREG | 0644, O_CREAT | O_RDWR, caller_);
  ASSERT_TRUE(shrunk.ok());
  for (uint64_t at = 0; at < 6 * kMiB; at += kMiB) {
    ASSERT_TRUE(WriteAt(shrunk->second, at, data.substr(at, kMiB)).ok());
  }
  SetAttrRequest truncate;
  truncate.size = kMiB;
  truncate.fh = shrunk->second;
  ASSERT_TRUE(fs_->SetAttr(shrunk->first.ino, truncate).ok());
  ASSERT_TRUE(fs_->Release(shrunk->second).ok());
  Drain();
  EXPECT_TRUE(store_.ObjectData("bkt", "shrunk") == data.substr(0, kMiB));
  EXPECT_EQ(faulty_.Calls("Put"), 1u);
  EXPECT_EQ(store_.UploadCount("bkt"), 0u);

  auto gone = fs_->Create(InodeTable::kRootIno, "gone", S_IFREG | 0644, O_CREAT | O_RDWR, caller_);
  ASSERT_TRUE(gone.ok());
  for (uint64_t at = 0; at < 6 * kMiB; at += kMiB) {
    ASSERT_TRUE(WriteAt(gone->second, at, data.substr(at, kMiB)).ok());
  }
  ASSERT_TRUE(fs_->Unlink(InodeTable::kRootIno, "gone").ok());
  ASSERT_TRUE(fs_->Release(gone->second).ok());
  Drain();
  EXPECT_FALSE(store_.ObjectData("bkt", "gone").has_value());
  EXPECT_EQ(store_.UploadCount("bkt"), 0u);

  // Renamed while its parts go up: they were for the old key; the file goes
  // up whole at its new name.
  auto moved = fs_->Create(InodeTable::kRootIno, "mv", S_IFREG | 0644, O_CREAT | O_RDWR, caller_);
  ASSERT_TRUE(moved.ok());
  for (uint64_t at = 0; at < 6 * kMiB; at += kMiB) {
    ASSERT_TRUE(WriteAt(moved->second, at, data.substr(at, kMiB)).ok());
  }
  ASSERT_TRUE(fs_->Rename(InodeTable::kRootIno, "mv", InodeTable::kRootIno, "mv2", 0).ok());
  for (uint64_t at = 6 * kMiB; at < data.size(); at += kMiB) {
    ASSERT_TRUE(WriteAt(moved->second, at, data.substr(at, kMiB)).ok());
  }
  ASSERT_TRUE(fs_->Release(moved->second).ok());
  Drain();
  EXPECT_TRUE(store_.ObjectData("bkt", "mv2") == data);
  EXPECT_FALSE(store_.ObjectData("bkt", "mv").has_value());
  EXPECT_EQ(store_.UploadCount("bkt"), 0u);
}

TEST_F(FsDataTest, AppendAndTruncateFetchOnlyBoundaryBlocks) {
  std::string data = Random(3 * kMiB + 100, 5);
  ASSERT_TRUE(Put("log", data).ok());
  auto fh = OpenFile("log", O_WRONLY);
  ASSERT_TRUE(fh.ok());
  faulty_.ResetCounters();
  ASSERT_TRUE(WriteAt(*fh, data.size(), "tail").ok());  // >>
  EXPECT_EQ(faulty_.Calls("Get"), 1u);                  // block 3 only
  ASSERT_TRUE(fs_->Release(*fh).ok());
  Drain();
  EXPECT_TRUE(store_.ObjectData("bkt", "log") == data + "tail");

  std::string five = Random(5 * kMiB, 6);
  ASSERT_TRUE(Put("cut", five).ok());
  auto cut = OpenFile("cut", O_WRONLY);  // open: no upload before the release
  ASSERT_TRUE(cut.ok());
  faulty_.ResetCounters();
  SetAttrRequest truncate{.size = 2 * kMiB + kMiB / 2};
  truncate.fh = *cut;
  ASSERT_TRUE(fs_->SetAttr(*Ino("cut"), truncate).ok());
  EXPECT_EQ(faulty_.Calls("Get"), 1u);  // block 2, which keeps half of its bytes
  ASSERT_TRUE(fs_->Release(*cut).ok());
  Drain();
  EXPECT_TRUE(store_.ObjectData("bkt", "cut") == five.substr(0, 2 * kMiB + kMiB / 2));
}

TEST_F(FsDataTest, WritesDuringAnUploadAreNotLost) {
  faulty_.SetLatency(50ms, "Put");
  auto created =
      fs_->Create(InodeTable::kRootIno, "f", S_IFREG | 0644, O_CREAT | O_WRONLY, caller_);
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(WriteAt(created->second, 0, "first").ok());
  ASSERT_TRUE(fs_->Flush(created->second).ok());  // the upload starts
  std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(WriteAt(created->second, 5, " second").ok());
  ASSERT_TRUE(fs_->Release(created->second).ok());
  Drain();
  EXPECT_EQ(*store_.ObjectData("bkt", "f"), "first second");
  EXPECT_EQ(*fs_->GetXattr(*Ino("f"), "user.sos.state"), "clean");
}

TEST_F(FsDataTest, UnlinkDuringAnUploadLeavesNothingBehind) {
  faulty_.SetLatency(100ms, "Put");
  ASSERT_TRUE(WriteFile("gone", "x").ok());
  std::this_thread::sleep_for(20ms);  // the upload is in flight
  ASSERT_TRUE(Unlink("gone").ok());
  Drain();
  EXPECT_FALSE(store_.ObjectData("bkt", "gone").has_value());
}

TEST_F(FsDataTest, PendingUploadsResumeOnTheNextMount) {
  faulty_.FailAlways("Put");
  ASSERT_TRUE(WriteFile("j", "journaled", 0600).ok());
  Unmount();  // gives up for now: the file stays in the journal
  EXPECT_FALSE(store_.ObjectData("bkt", "j").has_value());
  faulty_.ClearFaults();
  Mount();
  Drain();
  EXPECT_EQ(*store_.ObjectData("bkt", "j"), "journaled");
  EXPECT_EQ(Meta("j")["mode"], std::to_string(S_IFREG | 0600));
}

TEST_F(FsDataTest, PendingUploadsSurviveACrash) {
  Unmount();
  const std::string cache = dir_ + "/crash-cache";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The "sosfs" that crashes: its store never accepts the upload.
    MemoryObjectStore doomed;
    (void)doomed.CreateBucket("bkt");
    FaultyObjectStore faulty(doomed);
    faulty.FailAlways("Put");
    FilesystemOptions o = Options();
    o.cache_dir = cache;
    Filesystem fs(faulty, o);
    if (!fs.Init().ok()) _exit(2);
    auto created =
        fs.Create(InodeTable::kRootIno, "crash", S_IFREG | 0640, O_CREAT | O_WRONLY, Caller{1, 2});
    if (!created.ok()) _exit(3);
    std::string data = Random(3 * kMiB, 7);
    if (!fs.Write(created->second, 0, data.data(), data.size()).ok()) _exit(4);
    _exit(0);  // no release, no shutdown: a crash
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  FilesystemOptions o = Options();
  o.cache_dir = cache;
  fs_ = std::make_unique<Filesystem>(faulty_, o);
  ASSERT_TRUE(fs_->Init().ok());
  Drain();
  EXPECT_TRUE(store_.ObjectData("bkt", "crash") == Random(3 * kMiB, 7));
  EXPECT_EQ(Meta("crash")["mode"], std::to_string(S_IFREG | 0640));
}

TEST_F(FsDataTest, CleanCacheFollowsRemoteChanges) {
  Unmount();
  stat_ttl_ = 0ms;
  Mount();
  ASSERT_TRUE(Put("f", "version one").ok());
  EXPECT_EQ(*ReadFile("f"), "version one");
  ASSERT_TRUE(Put("f", "version two!").ok());  // another client
  EXPECT_EQ(*ReadFile("f"), "version two!");
}

TEST_F(FsDataTest, CacheLimitEvictsCleanFilesButNeverDirtyOnes) {
  Unmount();
  cache_size_ = 2 * kMiB;
  Mount();
  faulty_.FailAlways("Put");
  std::string dirty = Random(kMiB, 8);
  ASSERT_TRUE(WriteFile("dirty", dirty).ok());
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(Put("clean" + std::to_string(i), Random(kMiB, 10 + i)).ok());
  }
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(*ReadFile("clean" + std::to_string(i)) == Random(kMiB, 10 + i));
  }
  faulty_.ResetCounters();
  EXPECT_TRUE(*ReadFile("clean0") == Random(kMiB, 10));
  EXPECT_EQ(faulty_.Calls("Get"), 1u);  // evicted: fetched again
  faulty_.ClearFaults();
  Drain();
  EXPECT_TRUE(store_.ObjectData("bkt", "dirty") == dirty);
}

TEST_F(FsDataTest, ConcurrentClients) {
  constexpr int kThreads = 8;
  constexpr int kFiles = 12;
  ASSERT_TRUE(Mkdir("shared").ok());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kFiles; ++i) {
        std::string name = "shared/t" + std::to_string(t) + "-" + std::to_string(i);
        std::string data = Random(1000 + (t * 7919 + i * 104729) % (3 * kMiB), t * 100 + i);
        if (!WriteFile(name, data).ok()) ++failures;
        auto back = ReadFile(name);
        if (!back.ok() || *back != data) ++failures;
        if (i % 3 == 0) {
          auto parent = Ino("shared");
          if (!parent.ok() ||
              !fs_->Rename(*parent, BaseName(name), *parent, BaseName(name) + ".moved", 0).ok()) {
            ++failures;
          }
        }
        if (!List("shared").ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  Drain();
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kFiles; ++i) {
      std::string key =
          "shared/t" + std::to_string(t) + "-" + std::to_string(i) + (i % 3 == 0 ? ".moved" : "");
      auto data = store_.ObjectData("bkt", key);
      ASSERT_TRUE(data.has_value()) << key;
      EXPECT_TRUE(*data == Random(1000 + (t * 7919 + i * 104729) % (3 * kMiB), t * 100 + i)) << key;
    }
  }
  EXPECT_EQ(List("shared")->size(), static_cast<size_t>(kThreads * kFiles));
}

}  // namespace
}  // namespace sos
