#include <gtest/gtest.h>

#include "fuse/core/inode_table.h"

namespace sos {
namespace {

TEST(InodeTableTest, RootAndPaths) {
  InodeTable t;
  EXPECT_EQ(*t.PathOf(InodeTable::kRootIno), "");
  uint64_t a = t.Acquire("a", 1);
  EXPECT_GT(a, InodeTable::kRootIno);
  EXPECT_EQ(t.Acquire("a", 1), a);  // same path, same number
  EXPECT_EQ(*t.PathOf(a), "a");
  EXPECT_EQ(*t.Find("a"), a);
  uint64_t b = t.Acquire("a/b", 1);
  EXPECT_NE(a, b);
  t.Forget(InodeTable::kRootIno, 100);  // the root is never forgotten
  EXPECT_TRUE(t.Known(InodeTable::kRootIno));
}

TEST(InodeTableTest, LookupCountsAndForget) {
  InodeTable t;
  uint64_t a = t.Acquire("a", 2);
  t.Forget(a, 1);
  EXPECT_TRUE(t.Known(a));
  t.Forget(a, 1);
  EXPECT_FALSE(t.Known(a));
  uint64_t again = t.Acquire("a", 1);
  EXPECT_NE(again, a);  // numbers are never reused
}

TEST(InodeTableTest, PinsKeepListedInodes) {
  InodeTable t;
  uint64_t a = t.Acquire("a", 0, 1);  // listed, not looked up
  EXPECT_TRUE(t.Known(a));
  t.AddLookups(a, 1);  // readdirplus handed it to the kernel
  t.Unpin({a});
  EXPECT_TRUE(t.Known(a));
  t.Forget(a, 1);
  EXPECT_FALSE(t.Known(a));
  uint64_t b = t.Acquire("b", 0, 1);
  t.Unpin({b});
  EXPECT_FALSE(t.Known(b));
}

TEST(InodeTableTest, RenameKeepsNumbersOfTheWholeTree) {
  InodeTable t;
  uint64_t d = t.Acquire("d", 1);
  uint64_t f = t.Acquire("d/f", 1);
  uint64_t g = t.Acquire("d/sub/g", 1);
  uint64_t other = t.Acquire("dx", 1);  // shares the prefix "d" but is not below d/
  uint64_t victim = t.Acquire("e", 1);
  t.Rename("d", "e");
  EXPECT_EQ(*t.PathOf(d), "e");
  EXPECT_EQ(*t.PathOf(f), "e/f");
  EXPECT_EQ(*t.PathOf(g), "e/sub/g");
  EXPECT_EQ(*t.PathOf(other), "dx");
  EXPECT_FALSE(t.PathOf(victim).has_value());  // replaced: detached, still known
  EXPECT_TRUE(t.Known(victim));
  EXPECT_FALSE(t.Find("d").has_value());
  EXPECT_EQ(*t.Find("e/f"), f);
}

TEST(InodeTableTest, DetachKeepsTheInodeUntilForgotten) {
  InodeTable t;
  uint64_t a = t.Acquire("a", 1);
  t.Detach("a");
  EXPECT_FALSE(t.PathOf(a).has_value());
  EXPECT_TRUE(t.Known(a));
  EXPECT_NE(t.Acquire("a", 1), a);  // a new file with the old name
  t.Forget(a, 1);
  EXPECT_FALSE(t.Known(a));
}

TEST(InodeTableTest, PathHelpers) {
  EXPECT_EQ(JoinPath("", "a"), "a");
  EXPECT_EQ(JoinPath("a/b", "c"), "a/b/c");
  EXPECT_EQ(ParentPath("a/b/c"), "a/b");
  EXPECT_EQ(ParentPath("a"), "");
  EXPECT_EQ(BaseName("a/b/c"), "c");
  EXPECT_TRUE(IsBelow("a/b", "a"));
  EXPECT_FALSE(IsBelow("ab", "a"));
  EXPECT_FALSE(IsBelow("a", "a"));
  EXPECT_TRUE(IsBelow("x", ""));
}

}  // namespace
}  // namespace sos
