// Deletes and directory renames as write-back: journalled, hidden at once,
// sent in DeleteObjects batches, finished after a failure or a remount, and
// never sent after a newer write of the same key.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "fuse/core/filesystem.h"
#include "fuse/fuse_adapter.h"
#include "tests/unit/fs_fixture.h"

namespace sos {
namespace {

using namespace std::chrono_literals;

class FsDeleteJournalTest : public FsFixture {
 protected:
  FilesystemOptions Options() override {
    FilesystemOptions o = FsFixture::Options();
    o.upload_delay = upload_delay_;
    o.stat_ttl = stat_ttl_;
    return o;
  }
  Status Rename(const std::string& from, const std::string& to) {
    SOS_ASSIGN_OR_RETURN(uint64_t p, Parent(from));
    SOS_ASSIGN_OR_RETURN(uint64_t np, Parent(to));
    return fs_->Rename(p, BaseName(from), np, BaseName(to), 0);
  }
  void MakeTree(const std::string& dir, int files) {
    ASSERT_TRUE(Mkdir(dir).ok());
    ASSERT_TRUE(Mkdir(dir + "/sub").ok());
    for (int i = 0; i < files; ++i) {
      std::string path = dir + (i % 2 ? "/sub/f" : "/f") + std::to_string(i);
      ASSERT_TRUE(WriteFile(path, "content " + std::to_string(i)).ok());
    }
    Drain();
  }
  Status RemoveTree(const std::string& dir, int files) {
    for (int i = 0; i < files; ++i) {
      SOS_RETURN_IF_ERROR(Unlink(dir + (i % 2 ? "/sub/f" : "/f") + std::to_string(i)));
    }
    SOS_RETURN_IF_ERROR(Rmdir(dir + "/sub"));
    return Rmdir(dir);
  }

  std::chrono::milliseconds upload_delay_ = 200ms;
  std::chrono::milliseconds stat_ttl_ = 30s;
};

TEST_F(FsDeleteJournalTest, RmOfATreeIsHiddenAtOnceAndSentAsOneBatch) {
  constexpr int kFiles = 300;
  MakeTree("d", kFiles);
  upload_delay_ = 1h;  // nothing is sent before the unmount
  Remount();
  ASSERT_EQ(store_.ObjectCount("bkt"), kFiles + 2u);
  faulty_.ResetCounters();
  ASSERT_TRUE(RemoveTree("d", kFiles).ok());
  EXPECT_EQ(ErrnoFor(Stat("d").status()), ENOENT);
  EXPECT_TRUE(List("")->empty());
  EXPECT_EQ(store_.ObjectCount("bkt"), kFiles + 2u) << "nothing sent yet";
  EXPECT_NE(fs_->MountStatus()->find("\"pending_deletes\":302"), std::string::npos)
      << *fs_->MountStatus();
  EXPECT_EQ(faulty_.Calls("Delete"), 0u);
  // A directory of the same name can come back, empty, at once.
  ASSERT_TRUE(Mkdir("d").ok());
  EXPECT_TRUE(List("d")->empty());
  ASSERT_TRUE(Rmdir("d").ok());
  Unmount();
  EXPECT_EQ(store_.ObjectCount("bkt"), 0u);
  EXPECT_EQ(faulty_.Calls("DeleteMany"), 2u);  // before the mkdir, and the rest at unmount
  EXPECT_EQ(faulty_.Calls("Delete"), 0u);
  Mount();
}

TEST_F(FsDeleteJournalTest, DeletesTheRemoteRefusedAreSentAtTheNextMountAndOnlyOnce) {
  MakeTree("d", 20);
  faulty_.FailAlways("DeleteMany");
  ASSERT_TRUE(RemoveTree("d", 20).ok());
  EXPECT_EQ(ErrnoFor(Stat("d").status()), ENOENT);
  Unmount();  // gives up after its rounds: the deletes stay in the journal
  EXPECT_EQ(store_.ObjectCount("bkt"), 22u);
  faulty_.ClearFaults();
  Mount();
  EXPECT_EQ(ErrnoFor(Stat("d").status()), ENOENT);  // still hidden before they are sent
  Drain();
  EXPECT_EQ(store_.ObjectCount("bkt"), 0u);
  // Sent deletes leave the journal: another client's new object survives remounts.
  ASSERT_TRUE(Put("d/f0", "someone else's").ok());
  Remount();
  Drain();
  // The root's listing may have been cached without "d" (if the deletes went
  // before the first lookup); another client's object shows once it expires.
  stat_ttl_ = 0ms;
  Remount();
  EXPECT_EQ(store_.ObjectData("bkt", "d/f0"), "someone else's");
  auto read = ReadFile("d/f0");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, "someone else's");
}

// What is pending counts files: one written, closed and written again is one
// upload waiting, in the log at unmount and in `sosctl mount status`.
TEST_F(FsDeleteJournalTest, AFileClosedSeveralTimesIsOnePendingUpload) {
  upload_delay_ = 1h;
  Remount();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(WriteFile("f", "v" + std::to_string(i)).ok());
  ASSERT_TRUE(WriteFile("g", "other").ok());
  EXPECT_EQ(fs_->PendingChanges(), 2u);
  EXPECT_NE(fs_->MountStatus()->find("\"retrying\":2"), std::string::npos) << *fs_->MountStatus();
  Unmount();
  EXPECT_EQ(*store_.ObjectData("bkt", "f"), "v2");
  EXPECT_EQ(*store_.ObjectData("bkt", "g"), "other");
  Mount();
}

TEST_F(FsDeleteJournalTest, ANewFileAtADeletedNameIsNeverDeletedByIt) {
  ASSERT_TRUE(WriteFile("f", "old").ok());
  Drain();
  upload_delay_ = 1h;
  Remount();
  ASSERT_TRUE(Unlink("f").ok());
  auto created =
      fs_->Create(InodeTable::kRootIno, "f", S_IFREG | 0644, O_WRONLY | O_CREAT, caller_);
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(fs_->Write(created->second, 0, "new", 3).ok());
  ASSERT_TRUE(fs_->Fsync(created->second).ok());  // the delete goes first, then the upload
  EXPECT_EQ(*store_.ObjectData("bkt", "f"), "new");
  ASSERT_TRUE(fs_->Release(created->second).ok());
  Remount();
  EXPECT_EQ(*store_.ObjectData("bkt", "f"), "new");
  EXPECT_EQ(*ReadFile("f"), "new");
}

TEST_F(FsDeleteJournalTest, ADirectoryRenameCutShortByACrashIsFinishedAtTheNextMount) {
  MakeTree("d", 30);
  Unmount();
  // The state a crash leaves seven copies into `mv d e`: the intent in the
  // journal, some copies made, no source deleted.
  {
    CacheOptions co;
    co.dir = dir_ + "/cache";
    co.identity = "bkt/";
    auto cache = Cache::Open(co);
    ASSERT_TRUE(cache.ok()) << cache.status().ToString();
    ASSERT_TRUE((*cache)->names().AddRename("d", "e").ok());
  }
  for (int i = 0; i < 7; ++i) {
    std::string name = (i % 2 ? "sub/f" : "f") + std::to_string(i);
    CopyRequest copy;
    copy.src_bucket = copy.dst_bucket = "bkt";
    copy.src_key = "d/" + name;
    copy.dst_key = "e/" + name;
    ASSERT_TRUE(store_.Copy(copy).ok());
  }
  Mount();  // finishes it
  EXPECT_EQ(ErrnoFor(Stat("d").status()), ENOENT);
  Drain();
  for (int i = 0; i < 30; ++i) {
    std::string name = (i % 2 ? "sub/f" : "f") + std::to_string(i);
    EXPECT_EQ(*ReadFile("e/" + name), "content " + std::to_string(i)) << name;
    EXPECT_FALSE(store_.ObjectData("bkt", "d/" + name).has_value()) << name;
  }
  EXPECT_EQ(store_.ObjectCount("bkt"), 32u);
  Remount();  // the journal is empty: nothing moves again
  EXPECT_EQ(store_.ObjectCount("bkt"), 32u);
  EXPECT_EQ(List("")->size(), 1u);
}

TEST_F(FsDeleteJournalTest, AFailedDirectoryRenameChangesNothingLater) {
  MakeTree("d", 30);
  faulty_.FailNthCall("Copy", 7, Status::IOError("injected copy failure"));
  EXPECT_EQ(ErrnoFor(Rename("d", "e")), EIO);
  faulty_.ClearFaults();
  Remount();  // the caller heard EIO: the next mount does not carry it out
  Drain();
  EXPECT_EQ(*ReadFile("d/f0"), "content 0");
  EXPECT_EQ(*store_.ObjectData("bkt", "d/f0"), "content 0");
}

}  // namespace
}  // namespace sos
