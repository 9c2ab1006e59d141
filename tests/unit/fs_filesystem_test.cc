// The Filesystem's operations against an in-memory S3, no kernel involved.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <chrono>
#include <filesystem>
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

class FsTest : public FsFixture {
 protected:
};

TEST_F(FsTest, CreateWriteReadAndUploadWithS3fsHeaders) {
  ASSERT_TRUE(WriteFile("hello.txt", "hello world", 0644).ok());
  EXPECT_EQ(*ReadFile("hello.txt"), "hello world");
  auto attr = Stat("hello.txt");
  ASSERT_TRUE(attr.ok());
  EXPECT_EQ(attr->mode, S_IFREG | 0644u);
  EXPECT_EQ(attr->size, 11u);
  EXPECT_EQ(attr->uid, 1234u);
  Drain();
  EXPECT_EQ(*store_.ObjectData("bkt", "hello.txt"), "hello world");
  auto meta = Meta("hello.txt");
  EXPECT_EQ(meta["mode"], "33188");  // decimal S_IFREG|0644, as s3fs writes it
  EXPECT_EQ(meta["uid"], "1234");
  EXPECT_EQ(meta["gid"], "5678");
  EXPECT_EQ(meta["mtime"], FormatTime(attr->mtime));
  EXPECT_TRUE(meta.count("ctime") && meta.count("atime"));
  Remount();
  EXPECT_EQ(*ReadFile("hello.txt"), "hello world");
  EXPECT_EQ(Stat("hello.txt")->mode, S_IFREG | 0644u);
  EXPECT_EQ(Stat("hello.txt")->mtime.tv_nsec, attr->mtime.tv_nsec);
}

TEST_F(FsTest, OpenReadOnlyWithCreateCreates) {
  auto created =
      fs_->Create(InodeTable::kRootIno, "empty", S_IFREG | 0600, O_RDONLY | O_CREAT, caller_);
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(fs_->Release(created->second).ok());
  Drain();
  EXPECT_EQ(*store_.ObjectData("bkt", "empty"), "");
  EXPECT_EQ(Meta("empty")["mode"], std::to_string(S_IFREG | 0600));
  // O_EXCL on an existing name.
  auto again =
      fs_->Create(InodeTable::kRootIno, "empty", S_IFREG | 0600, O_CREAT | O_EXCL, caller_);
  EXPECT_EQ(ErrnoFor(again.status()), EEXIST);
}

TEST_F(FsTest, NamesUpTo255Bytes) {
  std::string ok(255, 'n');
  std::string long_name(256, 'n');
  EXPECT_TRUE(WriteFile(ok, "x").ok());
  EXPECT_EQ(ErrnoFor(fs_->Lookup(InodeTable::kRootIno, long_name).status()), ENAMETOOLONG);
  EXPECT_EQ(ErrnoFor(fs_->Create(InodeTable::kRootIno, long_name, 0644, O_CREAT, caller_).status()),
            ENAMETOOLONG);
  EXPECT_EQ(ErrnoFor(fs_->MkDir(InodeTable::kRootIno, long_name, 0755, caller_).status()),
            ENAMETOOLONG);
  EXPECT_EQ(ErrnoFor(fs_->Lookup(InodeTable::kRootIno, "missing").status()), ENOENT);
}

TEST_F(FsTest, MkdirWritesAMarkerAndRmdir) {
  ASSERT_TRUE(Mkdir("d", 0750).ok());
  auto marker = store_.Head("bkt", "d/");
  ASSERT_TRUE(marker.ok());
  EXPECT_EQ(marker->content_type, "application/x-directory");
  EXPECT_EQ(marker->user_meta["mode"], std::to_string(S_IFDIR | 0750));  // 16872
  EXPECT_EQ(Stat("d")->mode, S_IFDIR | 0750u);
  EXPECT_EQ(ErrnoFor(Mkdir("d")), EEXIST);
  ASSERT_TRUE(WriteFile("d/f", "1").ok());
  EXPECT_EQ(ErrnoFor(Rmdir("d")), ENOTEMPTY);  // not even uploaded yet
  Drain();
  EXPECT_EQ(ErrnoFor(Rmdir("d")), ENOTEMPTY);
  EXPECT_EQ(ErrnoFor(Rmdir("d/f")), ENOTDIR);
  EXPECT_EQ(ErrnoFor(Unlink("d")), EISDIR);
  ASSERT_TRUE(Unlink("d/f").ok());
  ASSERT_TRUE(Rmdir("d").ok());
  EXPECT_EQ(ErrnoFor(Stat("d").status()), ENOENT);  // at once, before the deletes are sent
  Drain();
  EXPECT_EQ(store_.ObjectCount("bkt"), 0u);
  EXPECT_EQ(ErrnoFor(Stat("d").status()), ENOENT);
}

TEST_F(FsTest, ImplicitDirectories) {
  ASSERT_TRUE(Put("a/b/c.txt", "abc").ok());
  ASSERT_TRUE(Put("top.txt", "t").ok());
  auto a = Stat("a");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->IsDir());
  EXPECT_EQ(a->mode, S_IFDIR | 0755u);  // dir_mode default
  EXPECT_EQ(*List(""), (std::vector<std::string>{"a", "top.txt"}));
  EXPECT_EQ(*List("a"), (std::vector<std::string>{"b"}));
  EXPECT_EQ(*ReadFile("a/b/c.txt"), "abc");
  EXPECT_EQ(Stat("a/b/c.txt")->mode, S_IFREG | 0644u);  // file_mode default
  EXPECT_EQ(Stat("a/b/c.txt")->uid, 1000u);             // uid default
  // chmod of an implicit directory creates its marker.
  ASSERT_TRUE(fs_->SetAttr(*Ino("a"), SetAttrRequest{.mode = 0700}).ok());
  EXPECT_EQ(Meta("a/")["mode"], std::to_string(S_IFDIR | 0700));
}

TEST_F(FsTest, ReadsObjectsWrittenWithOtherMetadataStyles) {
  ASSERT_TRUE(Put("octal", "1", {{"mode", "0100600"}, {"uid", "7"}, {"mtime", "1600000000"}}).ok());
  ASSERT_TRUE(Put("rclone", "2", {{"mtime", "1600000000.25"}}).ok());
  ASSERT_TRUE(Put("plain", "3").ok());
  EXPECT_EQ(Stat("octal")->mode, S_IFREG | 0600u);
  EXPECT_EQ(Stat("octal")->uid, 7u);
  EXPECT_EQ(Stat("octal")->mtime.tv_sec, 1600000000);
  EXPECT_EQ(Stat("rclone")->mtime.tv_nsec, 250000000);
  auto plain = Stat("plain");
  EXPECT_EQ(plain->mode, S_IFREG | 0644u);
  EXPECT_GT(plain->mtime.tv_sec, 1600000000);  // Last-Modified
}

TEST_F(FsTest, SymlinksInS3fsFormat) {
  auto e = fs_->Symlink("../target/file", InodeTable::kRootIno, "link", caller_);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->attr.IsSymlink());
  EXPECT_EQ(*store_.ObjectData("bkt", "link"), "../target/file");
  EXPECT_EQ(Meta("link")["mode"], "41471");  // S_IFLNK|0777
  EXPECT_EQ(*fs_->ReadLink(e->ino), "../target/file");
  Remount();
  EXPECT_TRUE(Stat("link")->IsSymlink());
  EXPECT_EQ(Stat("link")->size, 14u);
  EXPECT_EQ(*fs_->ReadLink(*Ino("link")), "../target/file");
  EXPECT_EQ(ErrnoFor(fs_->Symlink("x", InodeTable::kRootIno, "link", caller_).status()), EEXIST);
}

TEST_F(FsTest, FifosSocketsAndDevicesInS3fsFormat) {
  auto fifo = fs_->Mknod(InodeTable::kRootIno, "pipe", S_IFIFO | 0640, 0, caller_);
  ASSERT_TRUE(fifo.ok()) << fifo.status().ToString();
  EXPECT_TRUE(S_ISFIFO(fifo->attr.mode));
  EXPECT_EQ(*store_.ObjectData("bkt", "pipe"), "");
  EXPECT_EQ(Meta("pipe")["mode"], std::to_string(S_IFIFO | 0640));  // 4512, as s3fs writes it
  const uint64_t dev = makedev(1, 3);
  auto chr = fs_->Mknod(InodeTable::kRootIno, "null", S_IFCHR | 0666, dev, caller_);
  ASSERT_TRUE(chr.ok()) << chr.status().ToString();
  EXPECT_EQ(Meta("null")["rdev"], std::to_string(dev));
  ASSERT_TRUE(fs_->Mknod(InodeTable::kRootIno, "sock", S_IFSOCK | 0600, 0, caller_).ok());
  ASSERT_TRUE(fs_->Mknod(InodeTable::kRootIno, "plain", S_IFREG | 0600, 0, caller_).ok());
  Remount();  // read back from the objects alone
  EXPECT_TRUE(S_ISFIFO(Stat("pipe")->mode));
  EXPECT_EQ(Stat("pipe")->mode & 07777, 0640u);
  EXPECT_TRUE(S_ISCHR(Stat("null")->mode));
  EXPECT_EQ(Stat("null")->rdev, dev);
  EXPECT_TRUE(S_ISSOCK(Stat("sock")->mode));
  EXPECT_TRUE(S_ISREG(Stat("plain")->mode));
  EXPECT_EQ(Stat("plain")->size, 0u);
  // chmod of a FIFO keeps its type; it can be renamed and removed as a file.
  SetAttrRequest r;
  r.mode = 0600;
  auto changed = fs_->SetAttr(*Ino("pipe"), r);
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_EQ(changed->attr.mode, S_IFIFO | 0600u);
  ASSERT_TRUE(fs_->Rename(InodeTable::kRootIno, "pipe", InodeTable::kRootIno, "pipe2", 0).ok());
  EXPECT_TRUE(S_ISFIFO(Stat("pipe2")->mode));
  ASSERT_TRUE(fs_->Unlink(InodeTable::kRootIno, "pipe2").ok());
  Drain();
  EXPECT_FALSE(store_.ObjectData("bkt", "pipe2").has_value());
  // Existing names and directory types are refused.
  EXPECT_EQ(ErrnoFor(fs_->Mknod(InodeTable::kRootIno, "sock", S_IFIFO, 0, caller_).status()),
            EEXIST);
  EXPECT_EQ(ErrnoFor(fs_->Mknod(InodeTable::kRootIno, "d", S_IFDIR | 0755, 0, caller_).status()),
            EINVAL);
}

TEST_F(FsTest, ChmodChownUtimensOfACleanFileBySelfCopy) {
  ASSERT_TRUE(WriteFile("f", "data").ok());
  Drain();
  faulty_.ResetCounters();
  uint64_t ino = *Ino("f");
  SetAttrRequest r;
  r.mode = 0600;
  r.uid = 42;
  r.gid = 43;
  r.mtime = timespec{1500000000, 0};
  r.atime = timespec{1500000001, 0};
  auto e = fs_->SetAttr(ino, r);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->attr.mode, S_IFREG | 0600u);
  EXPECT_EQ(faulty_.Calls("Copy"), 1u);
  EXPECT_EQ(faulty_.Calls("Put"), 0u);
  auto meta = Meta("f");
  EXPECT_EQ(meta["mode"], std::to_string(S_IFREG | 0600));
  EXPECT_EQ(meta["uid"], "42");
  EXPECT_EQ(meta["gid"], "43");
  EXPECT_EQ(meta["mtime"], "1500000000");
  EXPECT_EQ(meta["atime"], "1500000001");
  EXPECT_EQ(*store_.ObjectData("bkt", "f"), "data");
  Remount();
  EXPECT_EQ(Stat("f")->mode, S_IFREG | 0600u);
  EXPECT_EQ(Stat("f")->mtime.tv_sec, 1500000000);
}

TEST_F(FsTest, MetadataChangesOfADirtyFileGoUpWithItsData) {
  faulty_.FailAlways("Put");  // keep it dirty
  ASSERT_TRUE(WriteFile("f", "data").ok());
  uint64_t ino = *Ino("f");
  SetAttrRequest r;
  r.mode = 0640;
  r.mtime = timespec{1500000000, 7};
  ASSERT_TRUE(fs_->SetAttr(ino, r).ok());
  ASSERT_TRUE(fs_->SetXattr(ino, "user.color", "blue", 0).ok());
  EXPECT_EQ(*fs_->GetXattr(ino, "user.sos.state"), "dirty");
  EXPECT_EQ(faulty_.Calls("Copy"), 0u);
  faulty_.ClearFaults();
  Drain();
  auto meta = Meta("f");
  EXPECT_EQ(meta["mode"], std::to_string(S_IFREG | 0640));
  EXPECT_EQ(meta["mtime"], "1500000000.000000007");
  EXPECT_EQ(meta["color"], "blue");
  EXPECT_EQ(*fs_->GetXattr(ino, "user.sos.state"), "clean");
  EXPECT_EQ(faulty_.Calls("Copy"), 0u);
}

TEST_F(FsTest, TruncateAClosedFile) {
  ASSERT_TRUE(WriteFile("f", "0123456789").ok());
  Drain();
  ASSERT_TRUE(fs_->SetAttr(*Ino("f"), SetAttrRequest{.size = 4}).ok());
  Drain();
  EXPECT_EQ(*store_.ObjectData("bkt", "f"), "0123");
  ASSERT_TRUE(fs_->SetAttr(*Ino("f"), SetAttrRequest{.size = 6}).ok());
  Drain();
  EXPECT_EQ(*store_.ObjectData("bkt", "f"), std::string("0123\0\0", 6));
  EXPECT_EQ(ErrnoFor(fs_->SetAttr(InodeTable::kRootIno, SetAttrRequest{.size = 0}).status()),
            EISDIR);
}

TEST_F(FsTest, UnlinkedOpenFileStaysReadable) {
  ASSERT_TRUE(WriteFile("f", "still here").ok());
  Drain();
  uint64_t ino = *Ino("f");
  auto fh = fs_->Open(ino, O_RDWR);
  ASSERT_TRUE(fh.ok());
  ASSERT_TRUE(Unlink("f").ok());
  EXPECT_EQ(ErrnoFor(Stat("f").status()), ENOENT);
  Drain();
  EXPECT_FALSE(store_.ObjectData("bkt", "f").has_value());
  std::string buf(32, '\0');
  auto n = fs_->Read(*fh, 0, buf.size(), buf.data());
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(buf.substr(0, *n), "still here");
  EXPECT_TRUE(fs_->GetAttr(ino).ok());  // fstat on the open file
  ASSERT_TRUE(fs_->Write(*fh, 0, "x", 1).ok());
  ASSERT_TRUE(fs_->Release(*fh).ok());
  Drain();
  EXPECT_FALSE(store_.ObjectData("bkt", "f").has_value());  // never resurrected
  EXPECT_EQ(ErrnoFor(Unlink("f")), ENOENT);
}

TEST_F(FsTest, ExtendedAttributes) {
  ASSERT_TRUE(WriteFile("f", "x").ok());
  Drain();
  uint64_t ino = *Ino("f");
  ASSERT_TRUE(fs_->SetXattr(ino, "user.color", "blue", 0).ok());
  EXPECT_EQ(Meta("f")["color"], "blue");
  EXPECT_EQ(Meta("f")["mode"], "33188");  // attributes kept by the self-copy
  EXPECT_EQ(*fs_->GetXattr(ino, "user.color"), "blue");
  EXPECT_EQ(*fs_->ListXattr(ino), (std::vector<std::string>{"user.color"}));
  EXPECT_EQ(ErrnoFor(fs_->SetXattr(ino, "user.color", "red", XATTR_CREATE)), EEXIST);
  EXPECT_EQ(ErrnoFor(fs_->SetXattr(ino, "user.size", "1", XATTR_REPLACE)), ENODATA);
  EXPECT_EQ(ErrnoFor(fs_->GetXattr(ino, "user.nothing").status()), ENODATA);
  EXPECT_EQ(ErrnoFor(fs_->GetXattr(ino, "security.selinux").status()), EOPNOTSUPP);
  EXPECT_EQ(ErrnoFor(fs_->GetXattr(ino, "system.posix_acl_access").status()), EOPNOTSUPP);
  EXPECT_EQ(ErrnoFor(fs_->SetXattr(ino, "trusted.x", "1", 0)), EOPNOTSUPP);
  EXPECT_EQ(ErrnoFor(fs_->SetXattr(ino, "user.sos.state", "dirty", 0)), EPERM);
  EXPECT_EQ(ErrnoFor(fs_->SetXattr(ino, "user.mode", "1", 0)), EPERM);
  EXPECT_EQ(*fs_->GetXattr(ino, "user.sos.etag"), store_.Head("bkt", "f")->etag);
  EXPECT_EQ(*fs_->GetXattr(ino, "user.sos.state"), "clean");
  Remount();
  ino = *Ino("f");
  EXPECT_EQ(*fs_->GetXattr(ino, "user.color"), "blue");
  ASSERT_TRUE(fs_->RemoveXattr(ino, "user.color").ok());
  EXPECT_EQ(Meta("f").count("color"), 0u);
  EXPECT_EQ(ErrnoFor(fs_->RemoveXattr(ino, "user.color")), ENODATA);
  // On a directory too.
  ASSERT_TRUE(Mkdir("d").ok());
  ASSERT_TRUE(fs_->SetXattr(*Ino("d"), "user.tag", "t", 0).ok());
  EXPECT_EQ(Meta("d/")["tag"], "t");
}

TEST_F(FsTest, LinkStatfsAndReadOnly) {
  ASSERT_TRUE(WriteFile("f", "x").ok());
  EXPECT_EQ(ErrnoFor(fs_->Link(*Ino("f"), InodeTable::kRootIno, "g")), EPERM);
  FsStats s = fs_->StatFs();
  EXPECT_GT(s.blocks, uint64_t{1} << 30);
  EXPECT_EQ(s.blocks_free, s.blocks);
  EXPECT_EQ(s.name_max, 255u);
  Drain();
  Unmount();
  FilesystemOptions o = Options();
  o.read_only = true;
  fs_ = std::make_unique<Filesystem>(faulty_, o);
  ASSERT_TRUE(fs_->Init().ok());
  EXPECT_EQ(*ReadFile("f"), "x");
  EXPECT_EQ(ErrnoFor(WriteFile("g", "y")), EROFS);
  EXPECT_EQ(ErrnoFor(Mkdir("d")), EROFS);
  EXPECT_EQ(ErrnoFor(fs_->Open(*Ino("f"), O_WRONLY).status()), EROFS);
}

TEST_F(FsTest, ListingShowsLocalFilesBeforeTheirUpload) {
  faulty_.FailAlways("Put");
  ASSERT_TRUE(Put("remote.txt", "r").ok());
  ASSERT_TRUE(WriteFile("local.txt", "12345").ok());
  EXPECT_EQ(*List(""), (std::vector<std::string>{"local.txt", "remote.txt"}));
  EXPECT_EQ(Stat("local.txt")->size, 5u);
  faulty_.ClearFaults();
  Drain();
  EXPECT_EQ(*List(""), (std::vector<std::string>{"local.txt", "remote.txt"}));
}

TEST_F(FsTest, NegativeLookupsAreCached) {
  faulty_.ResetCounters();
  EXPECT_EQ(ErrnoFor(fs_->Lookup(InodeTable::kRootIno, "nope").status()), ENOENT);
  uint64_t calls = faulty_.TotalCalls();
  EXPECT_GT(calls, 0u);
  EXPECT_EQ(ErrnoFor(fs_->Lookup(InodeTable::kRootIno, "nope").status()), ENOENT);
  EXPECT_EQ(faulty_.TotalCalls(), calls);
  ASSERT_TRUE(WriteFile("nope", "now it exists").ok());  // creation clears it
  EXPECT_TRUE(fs_->Lookup(InodeTable::kRootIno, "nope").ok());
}

// Listings on a clock the test moves (stat_ttl 30 s).
class FsListingTtlTest : public FsFixture {
 protected:
  FilesystemOptions Options() override {
    FilesystemOptions o = FsFixture::Options();
    o.stat_ttl = std::chrono::seconds(30);
    o.cache_clock = [this] { return now_ns_; };
    return o;
  }
  void Advance(std::chrono::seconds by) { now_ns_ += by.count() * 1'000'000'000; }
  int64_t now_ns_ = int64_t{1'700'000'000} * 1'000'000'000;
};

// A listing served from the cache costs no request, and expires stat_ttl after
// it was fetched however often it is read meanwhile: another client's new
// object shows once that time has passed.
TEST_F(FsListingTtlTest, AListingReadOftenStillExpires) {
  ASSERT_TRUE(Put("d/a", "x").ok());
  EXPECT_EQ(*List("d"), (std::vector<std::string>{"a"}));
  ASSERT_TRUE(Put("d/b", "x").ok());  // another client
  for (int i = 0; i < 3; ++i) {
    Advance(std::chrono::seconds(9));
    faulty_.ResetCounters();
    EXPECT_EQ(*List("d"), (std::vector<std::string>{"a"}));
    EXPECT_EQ(faulty_.Calls("List"), 0u);
  }
  Advance(std::chrono::seconds(4));  // 31 s after the fetch
  EXPECT_EQ(*List("d"), (std::vector<std::string>{"a", "b"}));
}

TEST_F(FsTest, ListingHeadsInParallelOrNotAtAll) {
  for (int i = 0; i < 48; ++i) ASSERT_TRUE(Put("plain/f" + std::to_string(i), "x").ok());
  faulty_.SetLatency(20ms, "Head");
  faulty_.ResetCounters();
  auto t0 = std::chrono::steady_clock::now();
  auto names = List("plain");
  auto elapsed = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->size(), 48u);
  EXPECT_GE(faulty_.Calls("Head"), 48u);  // no user metadata in the listing
  EXPECT_LT(elapsed, 48 * 20ms / 3);      // not one round trip after the other
  // Objects whose metadata the listing carries (sosd's extension) need no HEAD.
  for (int i = 0; i < 48; ++i) {
    ASSERT_TRUE(Put("meta/f" + std::to_string(i), "x", {{"mode", "33152"}}).ok());
  }
  faulty_.ResetCounters();
  auto listed = List("meta");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 48u);
  EXPECT_LE(faulty_.Calls("Head"), 2u);  // at most the directory itself
  EXPECT_EQ(Stat("meta/f7")->mode, S_IFREG | 0600u);
}

TEST_F(FsTest, InodesAreStableAndForgotten) {
  ASSERT_TRUE(Mkdir("d").ok());
  ASSERT_TRUE(WriteFile("d/f", "x").ok());
  uint64_t d = *Ino("d");
  uint64_t f = *Ino("d/f");
  EXPECT_EQ(*Ino("d/f"), f);
  auto listed = fs_->OpenDir(d);
  ASSERT_TRUE(listed.ok());
  auto entries = fs_->DirEntries(*listed);
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].name, ".");
  EXPECT_EQ((*entries)[0].ino, d);
  EXPECT_EQ((*entries)[1].ino, InodeTable::kRootIno);
  EXPECT_EQ((*entries)[2].ino, f);
  fs_->ReleaseDir(*listed);
  EXPECT_EQ(ErrnoFor(fs_->GetAttr(999999).status()), ESTALE);
}

}  // namespace
}  // namespace sos
