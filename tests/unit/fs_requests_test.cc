// How many S3 requests common tool patterns cost: what tar x does (mkdir,
// lookups of names that do not exist yet, create, write, close, then chmod
// and utimens) must cost one PUT per file and per directory, and nothing
// else: no HEAD/LIST for names inside a directory sosfs just made, no copy
// for attributes changed right after close.
#include "tests/unit/fs_fixture.h"

namespace sos {
namespace {

class FsRequestsTest : public FsFixture {};

TEST_F(FsRequestsTest, UntarPatternCostsOnePutPerNode) {
  faulty_.ResetCounters();
  ASSERT_TRUE(Mkdir("dir").ok());
  uint64_t dir = *Ino("dir");
  for (int i = 0; i < 20; ++i) {
    const std::string name = "file" + std::to_string(i);
    // The kernel looks the name up before it creates it.
    EXPECT_EQ(fs_->Lookup(dir, name).status().code(), StatusCode::kNotFound);
    auto created = fs_->Create(dir, name, S_IFREG | 0644, O_WRONLY | O_CREAT | O_EXCL, caller_);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    ASSERT_TRUE(fs_->Write(created->second, 0, name.data(), name.size()).ok());
    ASSERT_TRUE(fs_->Flush(created->second).ok());
    ASSERT_TRUE(fs_->Release(created->second).ok());
    SetAttrRequest attrs;
    attrs.mode = 0600;
    attrs.mtime = timespec{1600000000 + i, 0};
    attrs.atime = attrs.mtime;
    ASSERT_TRUE(fs_->SetAttr(created->first.ino, attrs).ok());
  }
  Drain();
  auto calls = faulty_.CallCounts();
  EXPECT_EQ(calls["Put"], 21u);  // 20 files and the directory marker
  EXPECT_EQ(calls["Copy"], 0u);
  EXPECT_EQ(calls["Head"], 1u);  // mkdir's own lookup of "dir" in the root
  EXPECT_LE(calls["List"], 1u);
  EXPECT_EQ(Meta("dir/file7")["mode"], std::to_string(S_IFREG | 0600));
  EXPECT_EQ(Meta("dir/file7")["mtime"], "1600000007");
  // The listing kept up to date is the truth: every file is there.
  auto names = List("dir");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->size(), 20u);
}

TEST_F(FsRequestsTest, ListingStaysRightAcrossUnlinkAndRename) {
  ASSERT_TRUE(Mkdir("d").ok());
  ASSERT_TRUE(WriteFile("d/a", "1").ok());
  ASSERT_TRUE(WriteFile("d/b", "2").ok());
  Drain();
  ASSERT_TRUE(Unlink("d/a").ok());
  ASSERT_TRUE(fs_->Rename(*Ino("d"), "b", *Ino("d"), "c", 0).ok());
  ASSERT_TRUE(Mkdir("d/sub").ok());
  EXPECT_EQ(*List("d"), (std::vector<std::string>{"c", "sub"}));
  Remount();  // and the store agrees
  EXPECT_EQ(*List("d"), (std::vector<std::string>{"c", "sub"}));
}

}  // namespace
}  // namespace sos
