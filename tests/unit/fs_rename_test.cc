// Renames: files clean and dirty, whole directories, the POSIX corner cases.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
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

class FsRenameTest : public FsFixture {
 protected:
  Status Rename(const std::string& from, const std::string& to, unsigned flags = 0) {
    SOS_ASSIGN_OR_RETURN(uint64_t p, Parent(from));
    SOS_ASSIGN_OR_RETURN(uint64_t np, Parent(to));
    return fs_->Rename(p, BaseName(from), np, BaseName(to), flags);
  }
  std::vector<std::string> Keys() {
    ListRequest r;
    r.bucket = "bkt";
    std::vector<std::string> keys;
    auto listed = store_.List(r);
    for (const auto& o : listed->objects) keys.push_back(o.key);
    return keys;
  }
};

TEST_F(FsRenameTest, DirectoryWithFiftyFiles) {
  ASSERT_TRUE(Mkdir("d").ok());
  ASSERT_TRUE(Mkdir("d/sub").ok());
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(WriteFile("d/f" + std::to_string(i), "content " + std::to_string(i)).ok());
  }
  ASSERT_TRUE(WriteFile("d/sub/deep", "deep").ok());
  Drain();
  uint64_t d_ino = *Ino("d");
  uint64_t f7_ino = *Ino("d/f7");
  uint64_t deep_ino = *Ino("d/sub/deep");
  faulty_.ResetCounters();
  ASSERT_TRUE(Rename("d", "e").ok());
  EXPECT_EQ(faulty_.Calls("Copy"), 53u);            // 50 files, one deep file, two markers
  EXPECT_EQ(ErrnoFor(Stat("d").status()), ENOENT);  // at once, before the deletes are sent
  Drain();
  EXPECT_EQ(faulty_.Calls("DeleteMany"), 1u);  // one batch for all 54 keys
  // Inode numbers survive the rename.
  EXPECT_EQ(*Ino("e"), d_ino);
  EXPECT_EQ(*Ino("e/f7"), f7_ino);
  EXPECT_EQ(*Ino("e/sub/deep"), deep_ino);
  EXPECT_EQ(ErrnoFor(Stat("d").status()), ENOENT);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(*store_.ObjectData("bkt", "e/f" + std::to_string(i)), "content " + std::to_string(i));
    EXPECT_FALSE(store_.ObjectData("bkt", "d/f" + std::to_string(i)).has_value());
  }
  EXPECT_TRUE(store_.ObjectData("bkt", "e/").has_value());
  EXPECT_EQ(Meta("e/f3")["mode"], "33188");  // metadata copied along
  EXPECT_EQ(List("e")->size(), 51u);
  EXPECT_EQ(*ReadFile("e/sub/deep"), "deep");
  Remount();
  EXPECT_EQ(List("e")->size(), 51u);
  EXPECT_EQ(*ReadFile("e/f49"), "content 49");
}

TEST_F(FsRenameTest, DirectoryWithDirtyFiles) {
  ASSERT_TRUE(Mkdir("d").ok());
  faulty_.SetLatency(20ms, "Put");
  ASSERT_TRUE(WriteFile("d/new", "not uploaded yet").ok());
  ASSERT_TRUE(Rename("d", "e").ok());
  EXPECT_EQ(*ReadFile("e/new"), "not uploaded yet");
  Drain();
  EXPECT_EQ(*store_.ObjectData("bkt", "e/new"), "not uploaded yet");
  EXPECT_FALSE(store_.ObjectData("bkt", "d/new").has_value());
  EXPECT_FALSE(store_.ObjectData("bkt", "d/").has_value());
}

TEST_F(FsRenameTest, Files) {
  // A clean file: a server-side copy and a delete.
  ASSERT_TRUE(WriteFile("a", "alpha").ok());
  Drain();
  faulty_.ResetCounters();
  ASSERT_TRUE(Rename("a", "b").ok());
  EXPECT_EQ(faulty_.Calls("Copy"), 1u);
  EXPECT_EQ(*store_.ObjectData("bkt", "b"), "alpha");
  Drain();
  EXPECT_FALSE(store_.ObjectData("bkt", "a").has_value());
  // A dirty file that never reached the store: nothing to copy (rsync's
  // temporary files).
  faulty_.FailAlways("Put");
  ASSERT_TRUE(WriteFile(".tmp.c", "charlie").ok());
  faulty_.ResetCounters();
  ASSERT_TRUE(Rename(".tmp.c", "c").ok());
  EXPECT_EQ(faulty_.Calls("Copy"), 0u);
  faulty_.ClearFaults();
  Drain();
  EXPECT_EQ(*store_.ObjectData("bkt", "c"), "charlie");
  EXPECT_FALSE(store_.ObjectData("bkt", ".tmp.c").has_value());
  // Over an existing file.
  ASSERT_TRUE(Rename("c", "b").ok());
  Drain();
  EXPECT_EQ(*store_.ObjectData("bkt", "b"), "charlie");
  EXPECT_EQ(Keys(), (std::vector<std::string>{"b"}));
  // Into another directory, and a symlink.
  ASSERT_TRUE(Mkdir("dir").ok());
  ASSERT_TRUE(Rename("b", "dir/b").ok());
  ASSERT_TRUE(fs_->Symlink("dir/b", InodeTable::kRootIno, "ln", caller_).ok());
  ASSERT_TRUE(Rename("ln", "dir/ln").ok());
  EXPECT_EQ(*fs_->ReadLink(*Ino("dir/ln")), "dir/b");
  EXPECT_EQ(*ReadFile("dir/b"), "charlie");
}

// A rename moves the file's ctime (as on a local disk) and keeps the rest
// of its metadata, whether the file is clean on the server only, clean and
// open, or dirty; the new ctime is on the server (a fresh mount sees it).
// A file that sosfs never cached renamed over a dirty local one: the local
// one's record goes with it. Left behind, it named a cache file that was
// removed, and the next mount failed to resume it, or resurrected the old
// bytes at the name, over the renamed file.
TEST_F(FsRenameTest, ARenameOverADirtyFileLeavesNoRecordOfIt) {
  ASSERT_TRUE(Put("y", "the renamed file").ok());
  ASSERT_TRUE(WriteFile("x", "the local file, not uploaded yet").ok());
  ASSERT_TRUE(Rename("y", "x").ok());
  EXPECT_EQ(*ReadFile("x"), "the renamed file");
  Remount();
  Drain();
  auto read = ReadFile("x");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, "the renamed file");
  EXPECT_EQ(*store_.ObjectData("bkt", "x"), "the renamed file");
  EXPECT_FALSE(store_.ObjectData("bkt", "y").has_value());
}

TEST_F(FsRenameTest, RenameMovesCtimeAndKeepsTheOtherMetadata) {
  ASSERT_TRUE(Put("remote", "r").ok());       // never opened here
  ASSERT_TRUE(WriteFile("clean", "c").ok());  // uploaded, then opened
  Drain();
  ASSERT_TRUE(fs_->SetXattr(*Ino("clean"), "user.tag", "kept", 0).ok());
  Drain();
  auto open_fh = fs_->Open(*Ino("clean"), O_RDONLY);
  ASSERT_TRUE(open_fh.ok());
  ASSERT_TRUE(WriteFile("dirty", "d").ok());  // not uploaded yet
  std::map<std::string, NodeAttr> before;
  for (const char* name : {"remote", "clean", "dirty"}) before[name] = *Stat(name);
  std::this_thread::sleep_for(20ms);
  for (const char* name : {"remote", "clean", "dirty"}) {
    ASSERT_TRUE(Rename(name, std::string(name) + ".moved").ok()) << name;
  }
  ASSERT_TRUE(fs_->Release(*open_fh).ok());
  Drain();
  Remount();
  for (const char* name : {"remote", "clean", "dirty"}) {
    const NodeAttr& was = before[name];
    auto now = Stat(std::string(name) + ".moved");
    ASSERT_TRUE(now.ok()) << name;
    EXPECT_GT(NsFromTimespec(now->ctime), NsFromTimespec(was.ctime)) << name;
    EXPECT_EQ(NsFromTimespec(now->mtime), NsFromTimespec(was.mtime)) << name;
    EXPECT_EQ(now->mode, was.mode) << name;
    EXPECT_EQ(*ReadFile(std::string(name) + ".moved"), std::string(1, name[0])) << name;
  }
  EXPECT_EQ(*fs_->GetXattr(*Ino("clean.moved"), "user.tag"), "kept");
}

TEST_F(FsRenameTest, ADirtyFileWithRemoteBlocksKeepsThem) {
  std::string big(3 << 20, 'q');
  ASSERT_TRUE(Put("big", big).ok());
  uint64_t ino = *Ino("big");
  auto fh = fs_->Open(ino, O_RDWR);
  ASSERT_TRUE(fh.ok());
  ASSERT_TRUE(fs_->Write(*fh, 10, "XYZ", 3).ok());  // fetches block 0 only
  ASSERT_TRUE(Rename("big", "moved").ok());
  ASSERT_TRUE(fs_->Release(*fh).ok());
  Drain();
  big.replace(10, 3, "XYZ");
  EXPECT_TRUE(store_.ObjectData("bkt", "moved") == big);
  EXPECT_FALSE(store_.ObjectData("bkt", "big").has_value());
  EXPECT_EQ(*Ino("moved"), ino);
}

// A change persisted beside a rename must not write the file's record back
// at the old name: that ghost would upload the file a second time there.
TEST_F(FsRenameTest, AChangeBesideARenameLeavesNoGhost) {
  ASSERT_TRUE(Mkdir("d").ok());
  ASSERT_TRUE(WriteFile("d/a", "the one file").ok());
  Drain();
  auto opened = fs_->Open(*Ino("d/a"), O_RDWR);  // open: no upload starts meanwhile
  ASSERT_TRUE(opened.ok());
  ASSERT_TRUE(fs_->Write(*opened, 0, "THE", 3).ok());
  const uint64_t ino = *Ino("d/a");
  std::atomic<bool> stop{false};
  std::thread chmods([&] {
    for (uint32_t mode = 0600; !stop; mode ^= 0040) {
      SetAttrRequest r;
      r.mode = mode;
      (void)fs_->SetAttr(ino, r);
    }
  });
  // Each to a fresh name: a ghost left at any of them shows at the end.
  std::string file = "d/a";
  for (int i = 0; i < 100; ++i) {
    const std::string next = "d/a" + std::to_string(i);
    ASSERT_TRUE(Rename(file, next).ok());
    file = next;
  }
  std::string dir = "d";
  for (int i = 0; i < 100; ++i) {
    const std::string next = "d" + std::to_string(i);
    ASSERT_TRUE(Rename(dir, next).ok());
    dir = next;
  }
  stop = true;
  chmods.join();
  ASSERT_TRUE(fs_->Release(*opened).ok());
  Remount();  // uploads everything, and resumes whatever the journal still lists
  Drain();
  EXPECT_EQ(Keys(), std::vector<std::string>({"d99/", "d99/a99"}));
  EXPECT_EQ(*List(""), std::vector<std::string>({"d99"}));
  EXPECT_EQ(*List("d99"), std::vector<std::string>({"a99"}));
  EXPECT_EQ(*ReadFile("d99/a99"), "THE one file");
}

TEST_F(FsRenameTest, CornerCases) {
  ASSERT_TRUE(WriteFile("f", "1").ok());
  ASSERT_TRUE(WriteFile("g", "2").ok());
  ASSERT_TRUE(Mkdir("d").ok());
  ASSERT_TRUE(Mkdir("empty").ok());
  ASSERT_TRUE(Mkdir("full").ok());
  ASSERT_TRUE(WriteFile("full/x", "x").ok());
  EXPECT_EQ(ErrnoFor(Rename("f", "g", kRenameNoReplace)), EEXIST);
  EXPECT_EQ(ErrnoFor(Rename("f", "g", kRenameExchange)), EINVAL);
  EXPECT_EQ(ErrnoFor(Rename("f", "d")), EISDIR);
  EXPECT_EQ(ErrnoFor(Rename("d", "f")), ENOTDIR);
  EXPECT_EQ(ErrnoFor(Rename("d", "full")), ENOTEMPTY);
  EXPECT_EQ(ErrnoFor(Rename("d", "d/inside")), EINVAL);
  EXPECT_EQ(ErrnoFor(Rename("missing", "x")), ENOENT);
  EXPECT_EQ(ErrnoFor(Rename("f", std::string(256, 'l'))), ENAMETOOLONG);
  EXPECT_TRUE(Rename("f", "f").ok());
  EXPECT_TRUE(Rename("f", "h", kRenameNoReplace).ok());
  ASSERT_TRUE(Rename("d", "empty").ok());  // onto an empty directory
  EXPECT_TRUE(Stat("empty")->IsDir());
  EXPECT_EQ(ErrnoFor(Stat("d").status()), ENOENT);
  Drain();
  EXPECT_EQ(*store_.ObjectData("bkt", "h"), "1");
}

// Objects over S3's 5 GiB CopyObject limit (here lowered to 6 MiB) are moved
// and re-attributed with multipart copies; bytes and attributes survive.
class FsLargeCopyTest : public FsRenameTest {
 protected:
  FilesystemOptions Options() override {
    FilesystemOptions o = FsRenameTest::Options();
    o.large_copy.max_single_copy = uint64_t{6} << 20;
    o.large_copy.part_size = uint64_t{5} << 20;
    return o;
  }
};

TEST_F(FsLargeCopyTest, RenameChmodAndDirectoryMoveOfABigFile) {
  std::string data(11 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 >> 9);
  ASSERT_TRUE(Mkdir("d").ok());
  ASSERT_TRUE(WriteFile("d/big", data, 0640).ok());
  Drain();
  Remount();  // clean and not in memory: everything happens server-side
  ASSERT_TRUE(Rename("d/big", "d/moved").ok());
  EXPECT_NE(store_.Head("bkt", "d/moved")->etag.find("-3"), std::string::npos);
  SetAttrRequest chmod;
  chmod.mode = 0600;
  ASSERT_TRUE(fs_->SetAttr(*Ino("d/moved"), chmod).ok());
  ASSERT_TRUE(Rename("d", "e").ok());
  Drain();
  EXPECT_EQ(Keys(), (std::vector<std::string>{"e/", "e/moved"}));
  EXPECT_EQ(store_.ObjectData("bkt", "e/moved"), data);
  Remount();
  EXPECT_EQ(Stat("e/moved")->mode & 07777, 0600u);
  EXPECT_EQ(*ReadFile("e/moved"), data);
}

}  // namespace
}  // namespace sos
