// The adapter's one Status->errno table: every file-system error the
// Filesystem returns reaches the kernel as its POSIX errno.
#include <gtest/gtest.h>

#include <cerrno>

#include "fuse/core/fs_errors.h"
#include "fuse/fuse_adapter.h"

namespace sos {
namespace {

TEST(FsErrno, EveryFileSystemErrorHasItsErrno) {
  EXPECT_EQ(ErrnoFor(Status::Ok()), 0);
  EXPECT_EQ(ErrnoFor(fs::NotFound("a")), ENOENT);
  EXPECT_EQ(ErrnoFor(fs::Exists("a")), EEXIST);
  EXPECT_EQ(ErrnoFor(fs::NotEmpty("d")), ENOTEMPTY);
  EXPECT_EQ(ErrnoFor(fs::NotADirectory("a")), ENOTDIR);
  EXPECT_EQ(ErrnoFor(fs::IsADirectory("d")), EISDIR);
  EXPECT_EQ(ErrnoFor(fs::NameTooLong("n")), ENAMETOOLONG);
  EXPECT_EQ(ErrnoFor(fs::NoAttribute("user.x")), ENODATA);
  EXPECT_EQ(ErrnoFor(fs::ReadOnly()), EROFS);
  EXPECT_EQ(ErrnoFor(fs::NotPermitted("link")), EPERM);
  EXPECT_EQ(ErrnoFor(fs::OutOfRange("buffer")), ERANGE);
  EXPECT_EQ(ErrnoFor(fs::Stale("inode 7")), ESTALE);
  // Store errors by their code; an S3 code riding along changes nothing.
  EXPECT_EQ(ErrnoFor(Status::NotFound("k", "NoSuchKey")), ENOENT);
  EXPECT_EQ(ErrnoFor(Status::PermissionDenied("k")), EACCES);
  EXPECT_EQ(ErrnoFor(Status::NoSpace("cache")), ENOSPC);
  EXPECT_EQ(ErrnoFor(Status::Unavailable("503")), EIO);
}

}  // namespace
}  // namespace sos
