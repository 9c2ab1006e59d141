// sosfs's virtual attributes that bring the object store to the shell
// (user.sos.acl, user.sos.url, user.sos.presign) and the default_acl option,
// against the in-memory S3.
#include <sys/xattr.h>

#include "fuse/fuse_adapter.h"
#include "tests/unit/fs_fixture.h"

namespace sos {
namespace {

class FsXattrTest : public FsFixture {
 protected:
  FilesystemOptions Options() override {
    FilesystemOptions o = FsFixture::Options();
    o.default_acl = default_acl_;
    o.public_url = [](const std::string& key) { return "http://store.test/bkt/" + key; };
    o.presigned_url = [](const std::string& key) -> Result<std::string> {
      return "http://store.test/bkt/" + key + "?X-Amz-Signature=abc";
    };
    return o;
  }
  std::string default_acl_;
};

TEST_F(FsXattrTest, AclReadsAndSetsCannedAcls) {
  ASSERT_TRUE(WriteFile("dir-less.txt", "data").ok());
  Drain();
  uint64_t ino = *Ino("dir-less.txt");
  EXPECT_EQ(*fs_->GetXattr(ino, "user.sos.acl"), "private");
  ASSERT_TRUE(fs_->SetXattr(ino, "user.sos.acl", "public-read", 0).ok());
  EXPECT_EQ(*fs_->GetXattr(ino, "user.sos.acl"), "public-read");
  auto policy = store_.GetAcl("bkt", "dir-less.txt");
  ASSERT_TRUE(policy.ok());
  bool public_read = false;
  for (const Grant& g : policy->grants) {
    public_read |= g.grantee.uri == kAllUsersUri && g.permission == "READ";
  }
  EXPECT_TRUE(public_read);
  ASSERT_TRUE(fs_->SetXattr(ino, "user.sos.acl", "private", 0).ok());
  EXPECT_EQ(*fs_->GetXattr(ino, "user.sos.acl"), "private");
  // Not a canned ACL, a directory: refused, nothing changed.
  EXPECT_EQ(ErrnoFor(fs_->SetXattr(ino, "user.sos.acl", "everyone", 0)), EINVAL);
  EXPECT_EQ(*fs_->GetXattr(ino, "user.sos.acl"), "private");
  ASSERT_TRUE(Mkdir("d").ok());
  EXPECT_EQ(ErrnoFor(fs_->SetXattr(*Ino("d"), "user.sos.acl", "public-read", 0)), EOPNOTSUPP);
  EXPECT_EQ(ErrnoFor(fs_->GetXattr(*Ino("d"), "user.sos.acl").status()), ENODATA);
}

TEST_F(FsXattrTest, AclOfADirtyFileUploadsItFirst) {
  uint64_t parent = *Ino("");
  auto created = fs_->Create(parent, "fresh", S_IFREG | 0644, O_WRONLY | O_CREAT, {});
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(fs_->Write(created->second, 0, "hello", 5).ok());
  // Still open and dirty: the ACL is set on the uploaded object.
  ASSERT_TRUE(fs_->SetXattr(created->first.ino, "user.sos.acl", "public-read", 0).ok());
  EXPECT_EQ(store_.ObjectData("bkt", "fresh").value_or(""), "hello");
  EXPECT_EQ(*fs_->GetXattr(created->first.ino, "user.sos.acl"), "public-read");
  ASSERT_TRUE(fs_->Release(created->second).ok());
}

TEST_F(FsXattrTest, UrlsComeFromTheMountAndAreNotListed) {
  ASSERT_TRUE(Mkdir("sub").ok());
  ASSERT_TRUE(WriteFile("sub/a b.txt", "x").ok());
  uint64_t ino = *Ino("sub/a b.txt");
  EXPECT_EQ(*fs_->GetXattr(ino, "user.sos.url"), "http://store.test/bkt/sub/a b.txt");
  EXPECT_EQ(*fs_->GetXattr(ino, "user.sos.presign"),
            "http://store.test/bkt/sub/a b.txt?X-Amz-Signature=abc");
  EXPECT_EQ(ErrnoFor(fs_->GetXattr(*Ino("sub"), "user.sos.url").status()), ENODATA);
  EXPECT_EQ(ErrnoFor(fs_->SetXattr(ino, "user.sos.url", "x", 0)), EPERM);
  EXPECT_TRUE(fs_->ListXattr(ino)->empty());
}

class FsDefaultAclTest : public FsXattrTest {
 protected:
  FsDefaultAclTest() { default_acl_ = "public-read"; }
};

TEST_F(FsDefaultAclTest, EveryWriteCarriesTheDefaultAcl) {
  ASSERT_TRUE(WriteFile("f", "data").ok());
  ASSERT_TRUE(Mkdir("d").ok());
  Drain();
  EXPECT_EQ(*fs_->GetXattr(*Ino("f"), "user.sos.acl"), "public-read");
  // A chmod rewrites the object by self-copy: the ACL stays the mount's.
  SetAttrRequest chmod;
  chmod.mode = 0600;
  ASSERT_TRUE(fs_->SetAttr(*Ino("f"), chmod).ok());
  EXPECT_EQ(*fs_->GetXattr(*Ino("f"), "user.sos.acl"), "public-read");
  ASSERT_TRUE(fs_->Rename(*Ino(""), "f", *Ino("d"), "g", 0).ok());
  EXPECT_EQ(*fs_->GetXattr(*Ino("d/g"), "user.sos.acl"), "public-read");
}

}  // namespace
}  // namespace sos
