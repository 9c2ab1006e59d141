// The sosfs command line and the adapter's Status→errno table.
#include <gtest/gtest.h>

#include <cerrno>

#include "fuse/core/fs_errors.h"
#include "fuse/fuse_adapter.h"
#include "fuse/mount_options.h"

namespace sos {
namespace {

Result<MountConfig> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "sosfs");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return ParseMountArgs(static_cast<int>(argv.size()), argv.data());
}

TEST(MountOptionsTest, Defaults) {
  auto c = Parse({"bucket", "/mnt/x"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->bucket, "bucket");
  EXPECT_EQ(c->prefix, "");
  EXPECT_EQ(c->mountpoint, "/mnt/x");
  EXPECT_EQ(c->endpoint, "http://127.0.0.1:8000");
  EXPECT_TRUE(c->path_style);
  EXPECT_FALSE(c->foreground);
  EXPECT_FALSE(c->read_only);
  EXPECT_TRUE(c->fuse_options.empty());
}

TEST(MountOptionsTest, EveryOption) {
  auto c = Parse({"bucket:/some/prefix/", "/mnt/x", "-o",
                  "endpoint=https://sos.example:443,region=ch-gva-2,profile=p,passwd_file=/etc/pw,"
                  "virtual_host,allow_other,uid=1000,gid=100,umask=022,file_mode=0640,"
                  "dir_mode=0750,ro,cache_dir=/var/cache/x,cache_size=2G,stat_ttl=5,writeback_delay=2s,"
                  "ensure_diskfree=100,foreground"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->prefix, "some/prefix/");
  EXPECT_EQ(c->endpoint, "https://sos.example:443");
  EXPECT_EQ(c->region, "ch-gva-2");
  EXPECT_EQ(c->profile, "p");
  EXPECT_EQ(c->passwd_file, "/etc/pw");
  EXPECT_FALSE(c->path_style);
  EXPECT_TRUE(c->allow_other);
  EXPECT_EQ(*c->uid, 1000u);
  EXPECT_EQ(*c->gid, 100u);
  EXPECT_EQ(*c->umask, 022u);
  EXPECT_EQ(*c->file_mode, 0640u);
  EXPECT_EQ(*c->dir_mode, 0750u);
  EXPECT_TRUE(c->read_only);
  EXPECT_EQ(c->cache_dir, "/var/cache/x");
  EXPECT_EQ(c->cache_size, uint64_t{2} << 30);
  EXPECT_EQ(c->stat_ttl, std::chrono::seconds(5));
  EXPECT_EQ(c->writeback_delay, std::chrono::seconds(2));
  EXPECT_EQ(c->min_disk_free, uint64_t{100} << 20);
  EXPECT_EQ(Parse({"b", "/m", "-o", "stat_ttl=250ms"})->stat_ttl, std::chrono::milliseconds(250));
  EXPECT_EQ(Parse({"b", "/m", "-o", "stat_ttl=2m"})->stat_ttl, std::chrono::minutes(2));
  EXPECT_EQ(Parse({"b", "/m", "-o", "stat_ttl=1h30m"})->stat_ttl, std::chrono::minutes(90));
  EXPECT_EQ(Parse({"b", "/m", "-o", "stat_ttl=0"})->stat_ttl, std::chrono::milliseconds(0));
  EXPECT_EQ(c->default_acl, "");
  EXPECT_EQ(c->log_level, "info");
  EXPECT_EQ(Parse({"b", "/m", "-o", "log_level=debug"})->log_level, "debug");
  EXPECT_EQ(Parse({"b", "/m", "-o", "default_acl=public-read"})->default_acl, "public-read");
  auto bad_acl = Parse({"b", "/m", "-o", "default_acl=world"});
  ASSERT_FALSE(bad_acl.ok());
  EXPECT_NE(bad_acl.status().message().find("canned ACL"), std::string::npos);
  EXPECT_TRUE(c->foreground);
  // allow_other makes the kernel check permissions.
  EXPECT_EQ(c->fuse_options,
            (std::vector<std::string>{"allow_other", "ro", "default_permissions"}));
}

TEST(MountOptionsTest, MountFuse3AndFstabShapes) {
  // mount -t fuse.sosfs bucket /mnt/x -o rw,_netdev,... runs
  // "sosfs bucket /mnt/x -o rw,_netdev,..." (options after the positionals).
  auto c = Parse({"bucket", "/mnt/x", "-o",
                  "rw,_netdev,nofail,dev,suid,exec,auto,noauto,user,nouser,"
                  "x-systemd.automount,x-systemd.requires=network-online.target,nosuid,nodev"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->fuse_options, (std::vector<std::string>{"nosuid", "nodev"}));
  // Options first, and the legacy "sosfs#bucket" source.
  auto d = Parse({"-o", "allow_root", "-f", "sosfs#bucket", "/mnt/x", "-d"});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->bucket, "bucket");
  EXPECT_TRUE(d->allow_root);
  EXPECT_TRUE(d->foreground);
  EXPECT_TRUE(d->debug);
  auto e = Parse({"bucket", "/mnt/x", "-o", "debug"});
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->debug);
  EXPECT_TRUE(e->foreground);
}

TEST(MountOptionsTest, AnS3fsFstabLineParses) {
  auto c = Parse({"mybucket", "/mnt/x", "-o",
                  "_netdev,allow_other,url=https://sos.example,use_path_request_style,"
                  "use_cache=/var/cache/s3fs,stat_cache_expire=60,nonempty,multireq_max=20,"
                  "parallel_count=8,multipart_size=64,endpoint=eu-central-1"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->endpoint, "https://sos.example");
  EXPECT_EQ(c->region, "eu-central-1");  // s3fs's endpoint= is a region
  EXPECT_TRUE(c->path_style);
  EXPECT_EQ(DefaultCacheDir(*c).rfind("/var/cache/s3fs/sosfs-mybucket-", 0), 0u)
      << DefaultCacheDir(*c);  // a directory of its own below s3fs's shared one
  EXPECT_EQ(c->stat_ttl, std::chrono::seconds(60));
  EXPECT_EQ(c->notices.size(), 5u);  // four tuning options and the region
  EXPECT_TRUE(c->allow_other);
  EXPECT_FALSE(Parse({"b", "/m", "-o", "url=s3.example.com"}).ok());
  EXPECT_FALSE(Parse({"b", "/m", "-o", "stat_cache_expire=soon"}).ok());
  EXPECT_FALSE(Parse({"b", "/m", "-o", "endpoint=a/b"}).ok());
  EXPECT_FALSE(Parse({"b", "/m", "-o", "endpoint=s3.example.com"}).ok());  // a host, not a region
}

TEST(MountOptionsTest, TlsOptions) {
  auto c = Parse({"b", "/m", "-o", "url=https://s3.example,ca_file=/etc/sos/ca.pem"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->ca_file, "/etc/sos/ca.pem");
  EXPECT_TRUE(c->verify_tls);
  for (const char* insecure : {"insecure", "no_check_certificate"}) {
    auto i = Parse({"b", "/m", "-o", insecure});
    ASSERT_TRUE(i.ok()) << insecure;
    EXPECT_FALSE(i->verify_tls) << insecure;
    ASSERT_EQ(i->notices.size(), 1u);  // said out loud in the log
    EXPECT_NE(i->notices[0].find("NOT verified"), std::string::npos);
  }
  EXPECT_FALSE(Parse({"b", "/m", "-o", "ca_file="}).ok());
}

TEST(MountOptionsTest, RejectsUnknownAndMalformedOptions) {
  for (const auto& bad :
       std::vector<std::vector<std::string>>{{"bucket", "/mnt/x", "-o", "bogus"},
                                             {"bucket", "/mnt/x", "-o", "uid=abc"},
                                             {"bucket", "/mnt/x", "-o", "uid=-1"},
                                             {"bucket", "/mnt/x", "-o", "umask=999"},
                                             {"bucket", "/mnt/x", "-o", "file_mode=08"},
                                             {"bucket", "/mnt/x", "-o", "cache_size=lots"},
                                             {"bucket", "/mnt/x", "-o", "cache_size=0"},
                                             {"bucket", "/mnt/x", "-o", "stat_ttl=-3"},
                                             {"bucket", "/mnt/x", "-o", "stat_ttl=400d"},
                                             {"bucket", "/mnt/x", "-o", "log_level=loud"},
                                             {"bucket", "/mnt/x", "-o", "endpoint=ftp://x"},
                                             {"bucket", "/mnt/x", "-o", "region="},
                                             {"bucket"},
                                             {"bucket", "/mnt/x", "extra"},
                                             {":/prefix", "/mnt/x"}}) {
    auto c = Parse(bad);
    EXPECT_FALSE(c.ok()) << bad.back();
    EXPECT_FALSE(c.status().message().empty());
  }
  EXPECT_NE(Parse({"b", "/m", "-o", "bogus"}).status().message().find("bogus"), std::string::npos);
  EXPECT_TRUE(Parse({"--help"})->show_help);
  EXPECT_TRUE(Parse({"-V"})->show_version);
}

TEST(MountOptionsTest, SizesAndDefaultCacheDir) {
  MountConfig a;
  a.bucket = "b";
  MountConfig b = a;
  b.prefix = "x/y/";
  MountConfig c = a;
  c.endpoint = "http://elsewhere:9000";
  EXPECT_NE(DefaultCacheDir(a), DefaultCacheDir(b));
  EXPECT_NE(DefaultCacheDir(a), DefaultCacheDir(c));
  EXPECT_NE(DefaultCacheDir(b).find("b@x_y"), std::string::npos);
}

TEST(ErrnoTableTest, MapsEveryStatus) {
  EXPECT_EQ(ErrnoFor(Status::Ok()), 0);
  EXPECT_EQ(ErrnoFor(Status::NotFound("x", "NoSuchKey")), ENOENT);
  EXPECT_EQ(ErrnoFor(Status::AlreadyExists("x")), EEXIST);
  EXPECT_EQ(ErrnoFor(Status::PermissionDenied("x")), EACCES);
  EXPECT_EQ(ErrnoFor(Status::Unauthenticated("x")), EACCES);
  EXPECT_EQ(ErrnoFor(Status::InvalidArgument("x")), EINVAL);
  EXPECT_EQ(ErrnoFor(Status::NotEmpty("x")), ENOTEMPTY);
  EXPECT_EQ(ErrnoFor(Status::NotSupported("x")), EOPNOTSUPP);
  EXPECT_EQ(ErrnoFor(Status::Unavailable("x")), EIO);
  EXPECT_EQ(ErrnoFor(Status::Timeout("x")), EIO);
  EXPECT_EQ(ErrnoFor(Status::IOError("x")), EIO);
  EXPECT_EQ(ErrnoFor(Status::NoSpace("x")), ENOSPC);
  EXPECT_EQ(ErrnoFor(Status::TooLarge("x")), EFBIG);
  EXPECT_EQ(ErrnoFor(Status::Cancelled("x")), EINTR);
  EXPECT_EQ(ErrnoFor(Status::PreconditionFailed("x")), EIO);
  EXPECT_EQ(ErrnoFor(fs::NotADirectory("x")), ENOTDIR);
  EXPECT_EQ(ErrnoFor(fs::IsADirectory("x")), EISDIR);
  EXPECT_EQ(ErrnoFor(fs::NameTooLong("x")), ENAMETOOLONG);
  EXPECT_EQ(ErrnoFor(fs::NoAttribute("x")), ENODATA);
  EXPECT_EQ(ErrnoFor(fs::ReadOnly()), EROFS);
  EXPECT_EQ(ErrnoFor(fs::NotPermitted("x")), EPERM);
  EXPECT_EQ(ErrnoFor(fs::OutOfRange("x")), ERANGE);
  EXPECT_EQ(ErrnoFor(fs::Stale("x")), ESTALE);
}

// Found by mount_options_fuzz: numbers went to strtoull, which skips leading
// whitespace and wraps a '-': "cache_size=\t-1" was a 16 EiB cache.
TEST(MountOptionsTest, NumbersAreDigitsOnly) {
  EXPECT_FALSE(Parse({"bucket", "/mnt/x", "-o", "cache_size=\t-1"}).ok());
  EXPECT_FALSE(Parse({"bucket", "/mnt/x", "-o", "uid=\t7"}).ok());
  EXPECT_FALSE(Parse({"bucket", "/mnt/x", "-o", "umask=\v022"}).ok());
}

}  // namespace
}  // namespace sos
