// Uploads are conditional on the version a file was based on: a file that
// someone else changed on the server meanwhile is never overwritten, and the
// local version is never dropped (it is kept under a conflict name).
#include <fcntl.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fuse/core/filesystem.h"
#include "tests/unit/fs_fixture.h"

namespace sos {
namespace {

class FsConflictTest : public FsFixture {
 protected:
  // Keys of the store that start with prefix.
  std::vector<std::string> Keys(const std::string& prefix) {
    ListRequest r;
    r.bucket = "bkt";
    r.prefix = prefix;
    std::vector<std::string> keys;
    auto listed = store_.List(r);
    for (const auto& o : listed->objects) keys.push_back(o.key);
    return keys;
  }
  // After a conflict: the server's version at path, the local one alone
  // under a conflict name.
  void ExpectKeptApart(const std::string& path, const std::string& theirs,
                       const std::string& mine) {
    EXPECT_EQ(*store_.ObjectData("bkt", path), theirs);
    auto conflicts = Keys(path + ".conflict-");
    ASSERT_EQ(conflicts.size(), 1u);
    EXPECT_EQ(*store_.ObjectData("bkt", conflicts[0]), mine);
  }
  // Opens path, writes data at 0 and keeps it open; the caller releases.
  uint64_t OpenAndWrite(const std::string& path, const std::string& data, int flags) {
    auto created = fs_->Create(InodeTable::kRootIno, path, S_IFREG | 0644, flags, caller_);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    EXPECT_TRUE(fs_->Write(created->second, 0, data.data(), data.size()).ok());
    return created->second;
  }
};

TEST_F(FsConflictTest, AFileChangedOnTheServerMeanwhileIsKeptUnderAConflictName) {
  ASSERT_TRUE(WriteFile("report.txt", "version 1").ok());
  Drain();
  uint64_t fh = OpenAndWrite("report.txt", "local edit", O_WRONLY | O_TRUNC);
  ASSERT_TRUE(Put("report.txt", "their edit").ok());  // another client, before the upload
  ASSERT_TRUE(fs_->Release(fh).ok());
  Drain();
  EXPECT_EQ(*store_.ObjectData("bkt", "report.txt"), "their edit");
  auto conflicts = Keys("report.txt.conflict-");
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(*store_.ObjectData("bkt", conflicts[0]), "local edit");
  EXPECT_NE(fs_->MountStatus()->find("report.txt"), std::string::npos) << "the status names it";
  // Both show in the mount, each with its own bytes.
  Remount();
  EXPECT_EQ(*ReadFile("report.txt"), "their edit");
  EXPECT_EQ(*ReadFile(conflicts[0]), "local edit");
  EXPECT_EQ(List("")->size(), 2u);
}

// Ceph RGW on a versioned bucket answers 412 to an If-Match that holds: the
// object unchanged, the upload goes again without the condition, and no
// conflict copy appears.
TEST_F(FsConflictTest, AConditionRefusedThoughItHoldsIsNotAConflict) {
  ASSERT_TRUE(WriteFile("report.txt", "version 1").ok());
  Drain();
  faulty_.FailNext("Put", 1, Status::PreconditionFailed("injected: If-Match not evaluated"));
  ASSERT_TRUE(WriteFile("report.txt", "version 2").ok());
  Drain();
  EXPECT_EQ(*store_.ObjectData("bkt", "report.txt"), "version 2");
  EXPECT_TRUE(Keys("report.txt.conflict-").empty());
}

TEST_F(FsConflictTest, ANewFileCreatedOnTheServerMeanwhileIsNotOverwritten) {
  uint64_t fh = OpenAndWrite("new.txt", "mine", O_WRONLY | O_CREAT);
  ASSERT_TRUE(Put("new.txt", "theirs").ok());
  ASSERT_TRUE(fs_->Release(fh).ok());
  Drain();
  ExpectKeptApart("new.txt", "theirs", "mine");
}

TEST_F(FsConflictTest, AFileDeletedOnTheServerMeanwhileIsUploadedAgain) {
  ASSERT_TRUE(WriteFile("f", "one").ok());
  Drain();
  uint64_t fh = OpenAndWrite("f", "two", O_WRONLY | O_TRUNC);
  ASSERT_TRUE(store_.Delete("bkt", "f").ok());
  ASSERT_TRUE(fs_->Release(fh).ok());
  Drain();
  EXPECT_EQ(*store_.ObjectData("bkt", "f"), "two");
  EXPECT_TRUE(Keys("f.conflict-").empty());
}

TEST_F(FsConflictTest, ADirectoryRenameMeetingAConflictBelowReturns) {
  // The rename waits for the upload below it, which finds a conflict: the
  // rename fails (EIO, nothing moved) instead of waiting for ever, and the
  // conflict is kept by the next round.
  ASSERT_TRUE(Mkdir("d").ok());
  ASSERT_TRUE(WriteFile("d/f", "v1").ok());
  Drain();
  uint64_t d = *Ino("d");
  auto created = fs_->Create(d, "f", S_IFREG | 0644, O_WRONLY | O_TRUNC, caller_);
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(fs_->Write(created->second, 0, "mine", 4).ok());
  ASSERT_TRUE(fs_->Release(created->second).ok());
  ASSERT_TRUE(Put("d/f", "theirs").ok());
  Status renamed = fs_->Rename(InodeTable::kRootIno, "d", InodeTable::kRootIno, "e", 0);
  EXPECT_FALSE(renamed.ok());
  Drain();
  ExpectKeptApart("d/f", "theirs", "mine");
}

TEST_F(FsConflictTest, OwnChangesNeverLookLikeConflicts) {
  // Rewrites, renames of clean and dirty files, a directory rename with a
  // file changed after it, an overwrite by rename: no conflict name appears.
  ASSERT_TRUE(Mkdir("d").ok());
  ASSERT_TRUE(WriteFile("d/a", "a1").ok());
  ASSERT_TRUE(WriteFile("b", "b1").ok());
  Drain();
  ASSERT_TRUE(WriteFile("d/a", "a2").ok());
  ASSERT_TRUE(WriteFile("b", "b2").ok());
  Drain();
  ASSERT_TRUE(fs_->Rename(InodeTable::kRootIno, "b", *Ino("d"), "b", 0).ok());
  ASSERT_TRUE(WriteFile("d/b", "b3").ok());
  ASSERT_TRUE(fs_->Rename(InodeTable::kRootIno, "d", InodeTable::kRootIno, "e", 0).ok());
  ASSERT_TRUE(WriteFile("e/a", "a3").ok());
  ASSERT_TRUE(WriteFile("c", "c1").ok());
  ASSERT_TRUE(fs_->Rename(InodeTable::kRootIno, "c", *Ino("e"), "a", 0).ok());
  Drain();
  Remount();
  ASSERT_TRUE(WriteFile("e/a", "a4").ok());
  Drain();
  EXPECT_EQ(*store_.ObjectData("bkt", "e/a"), "a4");
  EXPECT_EQ(*store_.ObjectData("bkt", "e/b"), "b3");
  for (const std::string& key : Keys("")) {
    EXPECT_EQ(key.find("conflict"), std::string::npos) << key;
  }
}

}  // namespace
}  // namespace sos
