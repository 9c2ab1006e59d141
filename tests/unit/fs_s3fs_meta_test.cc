#include <gtest/gtest.h>

#include "fuse/core/s3fs_meta.h"

namespace sos {
namespace {

MountDefaults Defaults() {
  MountDefaults d;
  d.uid = 1000;
  d.gid = 100;
  d.file_mode = 0640;
  d.dir_mode = 0750;
  d.mount_time_ns = int64_t{1600000000} * 1000000000;
  return d;
}

TEST(S3fsMetaTest, EncodesExactlyLikeS3fs) {
  NodeAttr a;
  a.mode = S_IFREG | 0644;
  a.uid = 1000;
  a.gid = 1001;
  a.mtime = {1700000000, 0};
  a.ctime = {1700000001, 5};
  a.atime = {1700000002, 123456789};
  std::map<std::string, std::string> m{{"color", "blue"}};
  EncodeAttr(a, &m);
  EXPECT_EQ(m.at("mode"), "33188");  // decimal st_mode with S_IFREG
  EXPECT_EQ(m.at("uid"), "1000");
  EXPECT_EQ(m.at("gid"), "1001");
  EXPECT_EQ(m.at("mtime"), "1700000000");
  EXPECT_EQ(m.at("ctime"), "1700000001.000000005");
  EXPECT_EQ(m.at("atime"), "1700000002.123456789");
  EXPECT_EQ(m.at("color"), "blue");
  EXPECT_EQ(m.size(), 7u);

  NodeAttr dir;
  dir.mode = S_IFDIR | 0755;
  std::map<std::string, std::string> d;
  EncodeAttr(dir, &d);
  EXPECT_EQ(d.at("mode"), "16877");
  NodeAttr link;
  link.mode = S_IFLNK | 0777;
  std::map<std::string, std::string> l;
  EncodeAttr(link, &l);
  EXPECT_EQ(l.at("mode"), "41471");
}

TEST(S3fsMetaTest, RoundTrips) {
  NodeAttr a;
  a.mode = S_IFREG | 0600;
  a.uid = 7;
  a.gid = 8;
  a.size = 42;
  a.mtime = {1700000000, 999999999};
  a.ctime = {1700000001, 0};
  a.atime = {1, 1};
  RemoteEntry e;
  e.size = 42;
  EncodeAttr(a, &e.user_meta);
  NodeAttr b = DecodeAttr(e, Defaults());
  EXPECT_EQ(b.mode, a.mode);
  EXPECT_EQ(b.uid, 7u);
  EXPECT_EQ(b.gid, 8u);
  EXPECT_EQ(b.size, 42u);
  EXPECT_EQ(b.mtime.tv_sec, a.mtime.tv_sec);
  EXPECT_EQ(b.mtime.tv_nsec, a.mtime.tv_nsec);
  EXPECT_EQ(b.ctime.tv_sec, a.ctime.tv_sec);
  EXPECT_EQ(b.atime.tv_nsec, 1);
}

TEST(S3fsMetaTest, ReadsOtherStyles) {
  RemoteEntry e;
  e.size = 3;
  e.last_modified_ns = int64_t{1650000000} * 1000000000;
  e.user_meta = {{"mode", "0100600"}};  // octal
  EXPECT_EQ(DecodeAttr(e, Defaults()).mode, S_IFREG | 0600u);
  e.user_meta = {{"mode", "0x81a4"}};  // hex
  EXPECT_EQ(DecodeAttr(e, Defaults()).mode, S_IFREG | 0644u);
  e.user_meta = {{"mode", "420"}};  // decimal 0644 without type bits
  EXPECT_EQ(DecodeAttr(e, Defaults()).mode, S_IFREG | 0644u);
  e.user_meta = {{"mode", "garbage"}};
  EXPECT_EQ(DecodeAttr(e, Defaults()).mode, S_IFREG | 0640u);  // file_mode default

  // rclone's float mtime.
  e.user_meta = {{"mtime", "1700000000.5"}};
  NodeAttr a = DecodeAttr(e, Defaults());
  EXPECT_EQ(a.mtime.tv_sec, 1700000000);
  EXPECT_EQ(a.mtime.tv_nsec, 500000000);
  EXPECT_EQ(a.ctime.tv_sec, 1700000000);  // ctime/atime follow mtime when missing

  // Nothing at all: mount options and Last-Modified.
  e.user_meta.clear();
  a = DecodeAttr(e, Defaults());
  EXPECT_EQ(a.mode, S_IFREG | 0640u);
  EXPECT_EQ(a.uid, 1000u);
  EXPECT_EQ(a.gid, 100u);
  EXPECT_EQ(a.mtime.tv_sec, 1650000000);
  EXPECT_EQ(a.size, 3u);

  // A symlink in s3fs's format.
  e.user_meta = {{"mode", "41471"}};
  EXPECT_TRUE(DecodeAttr(e, Defaults()).IsSymlink());

  // Directories: a marker with meta, a marker without, an implicit one.
  RemoteEntry d;
  d.is_dir = true;
  d.has_marker = true;
  d.last_modified_ns = int64_t{1650000000} * 1000000000;
  EXPECT_EQ(DecodeAttr(d, Defaults()).mode, S_IFDIR | 0750u);
  EXPECT_EQ(DecodeAttr(d, Defaults()).mtime.tv_sec, 1650000000);
  d.user_meta = {{"mode", "16832"}};  // S_IFDIR|0700
  EXPECT_EQ(DecodeAttr(d, Defaults()).mode, S_IFDIR | 0700u);
  d.user_meta = {{"mode", "33188"}};  // a file mode on a marker: still a directory
  EXPECT_EQ(DecodeAttr(d, Defaults()).mode, S_IFDIR | 0644u);
  RemoteEntry implicit;
  implicit.is_dir = true;
  EXPECT_EQ(DecodeAttr(implicit, Defaults()).mtime.tv_sec, 1600000000);

  // umask masks everything.
  MountDefaults masked = Defaults();
  masked.umask = 0077;
  e.user_meta = {{"mode", "33279"}};  // 0777
  EXPECT_EQ(DecodeAttr(e, masked).mode, S_IFREG | 0700u);
}

TEST(S3fsMetaTest, SpecialFilesKeepTheirTypeAndDevicesTheirNumber) {
  RemoteEntry e;
  e.user_meta = {{"mode", std::to_string(S_IFIFO | 0620)}, {"rdev", "263"}};
  NodeAttr fifo = DecodeAttr(e, Defaults());
  EXPECT_EQ(fifo.mode, S_IFIFO | 0620u);
  EXPECT_EQ(fifo.rdev, 0u);  // only devices have a number
  e.user_meta = {{"mode", std::to_string(S_IFBLK | 0660)}, {"rdev", "2049"}};
  NodeAttr blk = DecodeAttr(e, Defaults());
  EXPECT_EQ(blk.mode, S_IFBLK | 0660u);
  EXPECT_EQ(blk.rdev, 2049u);
  std::map<std::string, std::string> meta;
  EncodeAttr(blk, &meta);
  EXPECT_EQ(meta["rdev"], "2049");
  EXPECT_EQ(meta["mode"], std::to_string(S_IFBLK | 0660));
  EXPECT_TRUE(IsAttrMetaName("rdev"));  // not a user xattr
  // A directory stays a directory whatever its mode claims.
  e.is_dir = true;
  e.user_meta = {{"mode", std::to_string(S_IFIFO | 0755)}};
  EXPECT_EQ(DecodeAttr(e, Defaults()).mode, S_IFDIR | 0755u);
}

TEST(S3fsMetaTest, ParsesTimes) {
  EXPECT_EQ(ParseTime("12")->tv_sec, 12);
  EXPECT_EQ(ParseTime("12.000000034")->tv_nsec, 34);
  EXPECT_EQ(ParseTime("12.25")->tv_nsec, 250000000);
  EXPECT_EQ(ParseTime(" 12 ")->tv_sec, 12);
  EXPECT_FALSE(ParseTime("").has_value());
  EXPECT_FALSE(ParseTime("abc").has_value());
  EXPECT_FALSE(ParseTime("1.2.3").has_value());
  EXPECT_EQ(FormatTime({5, 0}), "5");
  EXPECT_EQ(FormatTime({5, 7}), "5.000000007");
  EXPECT_EQ(*ParseMode("33188"), 33188u);
  EXPECT_EQ(*ParseMode("0755"), 0755u);
  EXPECT_FALSE(ParseMode("-1").has_value());
  EXPECT_TRUE(IsAttrMetaName("mode"));
  EXPECT_FALSE(IsAttrMetaName("color"));
  EXPECT_EQ(XattrsOf({{"mode", "1"}, {"color", "red"}}),
            (std::map<std::string, std::string>{{"color", "red"}}));
}

// Found by s3fs_meta_fuzz: a negative time with nanoseconds (before 1970)
// printed as "-2.750000000" for -1.25 s, which reads back as -2.75 s.
TEST(S3fsMetaTest, NegativeTimesRoundTrip) {
  auto t = ParseTime("-1.25");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->tv_sec, -2);
  EXPECT_EQ(t->tv_nsec, 750000000);
  EXPECT_EQ(FormatTime(*t), "-1.250000000");
  for (timespec v : {timespec{-1, 1}, timespec{-2, 999999999}, timespec{-5, 0}, timespec{0, 5}}) {
    auto again = ParseTime(FormatTime(v));
    ASSERT_TRUE(again) << FormatTime(v);
    EXPECT_EQ(again->tv_sec, v.tv_sec) << FormatTime(v);
    EXPECT_EQ(again->tv_nsec, v.tv_nsec) << FormatTime(v);
  }
}

// Found by s3fs_meta_fuzz: seconds whose nanoseconds overflow int64_t (past
// the year 2262) were undefined behaviour; such a time is unreadable.
TEST(S3fsMetaTest, TimesPastInt64NanosecondsAreUnreadable) {
  EXPECT_FALSE(ParseTime("24294967295").has_value());
  EXPECT_FALSE(ParseTime("-9223372036.5").has_value());
  EXPECT_FALSE(ParseTime("18446744073709551615").has_value());
  ASSERT_TRUE(ParseTime("9223372035.999999999"));
  EXPECT_EQ(ParseTime("9223372035.999999999")->tv_sec, 9223372035);
}

}  // namespace
}  // namespace sos
