// End-to-end: the built sosfs binary mounting a bucket on a temporary
// directory, and the tools people use on disks (cp, ls, mkdir, mv, rm, tar,
// rsync, dd, chmod, chown, touch, ln, setfattr/getfattr, df) run on the
// mount; then an unmount, a remount, and a check that everything persisted.
// Every test runs twice: against sosd (the real binary) and against a real
// Ceph RGW, so sosfs never depends on sosd-only behaviour. Needs root and
// /dev/fuse. Every wait is bounded; mounts are unmounted (lazily if need be)
// and the servers stopped even when a test fails.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "s3core/client/curl_object_store.h"
#include "tests/e2e/sosd_process.h"
#include "tests/fuse/sosfs_harness.h"
#include "tests/support/notify_socket.h"
#include "tests/support/rgw_cluster.h"

namespace sos::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kBucket = "e2e";

// An S3 server the tests mount from.
struct Backend {
  std::string endpoint;
  std::string access_key;
  std::string secret_key;
  CurlObjectStore::Options StoreOptions() const {
    CurlObjectStore::Options o;
    o.endpoint = endpoint;
    o.credentials.access_key_id = access_key;
    o.credentials.secret_access_key = secret_key;
    return o;
  }
};
std::map<std::string, Backend> g_backends;  // "sosd", "rgw"
SosdProcess* g_sosd = nullptr;              // its request log tells what sosfs sent

class BackendsEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto sosd = SosdProcess::Start();
    ASSERT_TRUE(sosd.ok()) << "cannot start sosd: " << sosd.status().ToString();
    sosd_ = std::move(sosd).value();
    g_sosd = sosd_.get();
    Add("sosd", {sosd_->endpoint(), sosd_->access_key(), sosd_->secret_key()});
    auto rgw = RgwCluster::Start();
    ASSERT_TRUE(rgw.ok()) << "cannot start Ceph RGW: " << rgw.status().ToString();
    rgw_ = std::move(rgw).value();
    Add("rgw", {rgw_->endpoint(), rgw_->access_key(), rgw_->secret_key()});
  }
  void TearDown() override {
    g_backends.clear();
    g_sosd = nullptr;
    rgw_.reset();
    if (sosd_) sosd_->StopAndCleanUp();
    sosd_.reset();
  }

 private:
  static void Add(const std::string& name, Backend backend) {
    CurlObjectStore store(backend.StoreOptions());
    Status s = store.CreateBucket(kBucket);
    ASSERT_TRUE(s.ok()) << name << ": " << s.ToString();
    g_backends[name] = std::move(backend);
  }
  std::unique_ptr<SosdProcess> sosd_;
  std::unique_ptr<RgwCluster> rgw_;
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new BackendsEnvironment);

class SosfsE2eTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_EQ(g_backends.count(GetParam()), 1u) << "the " << GetParam() << " server did not start";
    server_ = g_backends[GetParam()];
    char tmpl[] = "/tmp/sosfs-e2e-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    work_ = tmpl;
    mnt_ = work_ + "/mnt";
    ASSERT_EQ(mkdir(mnt_.c_str(), 0755), 0);
    creds_ = "AWS_ACCESS_KEY_ID=" + server_.access_key +
             " AWS_SECRET_ACCESS_KEY=" + server_.secret_key + " ";
  }
  void TearDown() override {
    mount_.reset();  // unmounts
    if (!IsMounted(mnt_)) std::filesystem::remove_all(work_);
  }
  std::string SosfsCommand(const std::string& extra_options, const std::string& source = kBucket) {
    return creds_ + SOSFS_BINARY + " " + source + " " + mnt_ + " -o endpoint=" + server_.endpoint +
           ",cache_dir=" + work_ + "/cache" + extra_options;
  }
  // The keys the server holds under prefix (read directly, not through a mount).
  std::vector<std::string> ServerKeys(const std::string& prefix) {
    CurlObjectStore store(server_.StoreOptions());
    ListRequest req;
    req.bucket = kBucket;
    req.prefix = prefix;
    std::vector<std::string> keys;
    auto listed = store.List(req);
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    if (listed.ok()) {
      for (const auto& o : listed->objects) keys.push_back(o.key);
    }
    return keys;
  }
  // Runs a command that must succeed; returns its output.
  std::string Sh(const std::string& command) {
    RunResult r = RunCommand(command, 300s);
    EXPECT_EQ(r.status, 0) << command << "\n" << r.output;
    return r.output;
  }

  Backend server_;
  std::string work_;
  std::string mnt_;
  std::string creds_;
  std::unique_ptr<SosfsMount> mount_;
};

TEST_P(SosfsE2eTest, RealToolsThenRemount) {
  const std::string& m = mnt_;
  const std::string src = work_ + "/src";
  mount_ = std::make_unique<SosfsMount>(mnt_);
  RunResult mounted = mount_->Mount(SosfsCommand(""));
  ASSERT_EQ(mounted.status, 0) << mounted.output;
  ASSERT_TRUE(IsMounted(mnt_));
  ASSERT_GT(mount_->daemon(), 0) << "sosfs did not daemonise";

  // cp of a 30 MiB file, in and back out.
  Sh("mkdir -p " + src + " && head -c 31457280 /dev/urandom > " + work_ + "/big.bin");
  Sh("cp " + work_ + "/big.bin " + m + "/big.bin");
  Sh("cmp " + work_ + "/big.bin " + m + "/big.bin");
  Sh("cp " + m + "/big.bin " + work_ + "/big.back && cmp " + work_ + "/big.bin " + work_ +
     "/big.back");
  std::string ls = Sh("ls -l " + m);
  EXPECT_NE(ls.find("31457280"), std::string::npos) << ls;
  EXPECT_NE(ls.find("big.bin"), std::string::npos) << ls;

  // find sees the tree as written.
  Sh("mkdir -p " + m + "/found/a/b && touch " + m + "/found/a/one " + m + "/found/a/b/two");
  EXPECT_EQ(Sh("cd " + m + "/found && find . | sort"), ".\n./a\n./a/b\n./a/b/two\n./a/one\n");
  EXPECT_EQ(Sh("cd " + m + "/found && find . -type f -name 't*'"), "./a/b/two\n");
  // Hard links are refused clearly, never half made.
  RunResult link = RunCommand("ln " + m + "/found/a/one " + m + "/found/a/hard");
  EXPECT_NE(link.status, 0);
  EXPECT_NE(link.output.find("not permitted"), std::string::npos) << link.output;
  Sh("test ! -e " + m + "/found/a/hard");

  // mkdir -p, mv of a directory, rm -r.
  Sh("mkdir -p " + m + "/x/y/z && echo one > " + m + "/x/y/z/f && echo two > " + m + "/x/g");
  Sh("mv " + m + "/x " + m + "/moved");
  EXPECT_EQ(Sh("cat " + m + "/moved/y/z/f"), "one\n");
  Sh("test ! -e " + m + "/x");
  Sh("rm -r " + m + "/moved && test ! -e " + m + "/moved");

  // tar c | tar x of a tree.
  Sh("mkdir -p " + src + "/tree/sub/deeper && cd " + src +
     "/tree && "
     "head -c 200000 /dev/urandom > sub/r1 && head -c 1500000 /dev/urandom > sub/deeper/r2 && "
     "echo text > t.txt && ln -s t.txt link && chmod 600 sub/r1");
  Sh("mkdir " + m + "/tarred && tar c -C " + src + "/tree . | tar x -C " + m + "/tarred");
  Sh("diff -r --no-dereference " + src + "/tree " + m + "/tarred");

  // rsync -a twice: the second run transfers nothing.
  Sh("rsync -a " + src + "/tree/ " + m + "/rsynced/");
  std::string stats = Sh("rsync -a --stats " + src + "/tree/ " + m + "/rsynced/");
  EXPECT_NE(stats.find("Number of regular files transferred: 0"), std::string::npos) << stats;
  Sh("diff -r --no-dereference " + src + "/tree " + m + "/rsynced");

  // dd with seek into an existing file, the same done locally.
  Sh("cp " + work_ + "/big.bin " + work_ + "/big.local");
  Sh("head -c 8192 /dev/urandom > " + work_ + "/patch");
  for (const std::string& target : {m + "/big.bin", work_ + "/big.local"}) {
    Sh("dd if=" + work_ + "/patch of=" + target + " bs=4096 seek=3000 conv=notrunc status=none");
  }
  Sh("cmp " + work_ + "/big.local " + m + "/big.bin");

  // Appends.
  Sh("echo first >> " + m + "/log.txt && echo second >> " + m + "/log.txt");
  EXPECT_EQ(Sh("cat " + m + "/log.txt"), "first\nsecond\n");

  // chmod, chown, touch -d.
  Sh("echo meta > " + m + "/meta.txt && chmod 640 " + m + "/meta.txt && chown 1234:5678 " + m +
     "/meta.txt && touch -d '2021-02-03 04:05:06 UTC' " + m + "/meta.txt");
  EXPECT_EQ(Sh("stat -c '%a %u %g %Y' " + m + "/meta.txt"), "640 1234 5678 1612325106\n");

  // Symlinks.
  Sh("ln -s meta.txt " + m + "/link");
  EXPECT_EQ(Sh("readlink " + m + "/link"), "meta.txt\n");
  EXPECT_EQ(Sh("cat " + m + "/link"), "meta\n");

  // Extended attributes.
  Sh("setfattr -n user.color -v blue " + m + "/meta.txt");
  EXPECT_EQ(Sh("getfattr --absolute-names --only-values -n user.color " + m + "/meta.txt"), "blue");
  // Uploads start shortly after close; fsync (sync FILE) waits for it.
  Sh("sync " + m + "/meta.txt");
  EXPECT_EQ(Sh("getfattr --absolute-names --only-values -n user.sos.state " + m + "/meta.txt"),
            "clean");
  // Other namespaces are not supported, as on a file system without them;
  // copies that ask for ACLs and xattrs still succeed, both ways.
  RunResult selinux = RunCommand("getfattr -n security.selinux " + m + "/meta.txt");
  EXPECT_NE(selinux.output.find("Operation not supported"), std::string::npos) << selinux.output;
  Sh("mkdir " + work_ + "/acl-out && cp -a " + m + "/meta.txt " + work_ + "/acl-out/ && " +
     "rsync -aAX " + m + "/meta.txt " + work_ + "/acl-out/rsynced.txt && " + "rsync -aAX " + work_ +
     "/acl-out/rsynced.txt " + m + "/back.txt");
  EXPECT_EQ(Sh("cat " + work_ + "/acl-out/meta.txt " + m + "/back.txt"), "meta\nmeta\n");
  EXPECT_EQ(Sh("getfattr --absolute-names --only-values -n user.color " + m + "/back.txt"), "blue");

  // open(O_RDONLY|O_CREAT) creates; names of 255 bytes work, 256 do not.
  Sh("python3 -c \"import os; os.close(os.open('" + m +
     "/rdonly', os.O_RDONLY | os.O_CREAT, "
     "0o644))\" && test -f " +
     m + "/rdonly");
  Sh("touch " + m + "/" + std::string(255, 'n'));
  RunResult too_long = RunCommand("touch " + m + "/" + std::string(256, 'n'));
  EXPECT_NE(too_long.status, 0);
  EXPECT_NE(too_long.output.find("File name too long"), std::string::npos) << too_long.output;

  // df.
  std::string df = Sh("df -P " + m);
  EXPECT_NE(df.find(m), std::string::npos) << df;

  // Unmount (waits for the uploads), remount from the store, check everything.
  ASSERT_TRUE(mount_->Unmount());
  ASSERT_FALSE(IsMounted(mnt_));
  Sh("rm -rf " + work_ + "/cache");  // nothing local: all must come from the store
  Sh("printf '%s:%s\\n' " + server_.access_key + " " + server_.secret_key + " > " + work_ +
     "/passwd && chmod 600 " + work_ + "/passwd");
  mount_ = std::make_unique<SosfsMount>(mnt_);
  RunResult again = mount_->Mount(std::string(SOSFS_BINARY) + " " + kBucket + " " + mnt_ +
                                  " -o endpoint=" + server_.endpoint + ",passwd_file=" + work_ +
                                  "/passwd,cache_dir=" + work_ + "/cache2");
  ASSERT_EQ(again.status, 0) << again.output;
  Sh("cmp " + work_ + "/big.local " + m + "/big.bin");
  Sh("diff -r --no-dereference " + src + "/tree " + m + "/tarred");
  Sh("diff -r --no-dereference " + src + "/tree " + m + "/rsynced");
  EXPECT_EQ(Sh("stat -c '%a %u %g %Y' " + m + "/meta.txt"), "640 1234 5678 1612325106\n");
  EXPECT_EQ(Sh("stat -c '%a' " + m + "/tarred/sub/r1"), "600\n");
  EXPECT_EQ(Sh("readlink " + m + "/link"), "meta.txt\n");
  EXPECT_EQ(Sh("cat " + m + "/log.txt"), "first\nsecond\n");
  EXPECT_EQ(Sh("getfattr --absolute-names --only-values -n user.color " + m + "/meta.txt"), "blue");
  // rsync still finds nothing to do: sizes and mtimes persisted exactly.
  stats = Sh("rsync -a --stats " + src + "/tree/ " + m + "/rsynced/");
  EXPECT_NE(stats.find("Number of regular files transferred: 0"), std::string::npos) << stats;
  // A patch into the middle of the big object, from a mount that never read
  // it: the untouched parts are copied server-side; the bytes must be exact.
  ASSERT_TRUE(mount_->Unmount());
  mount_ = std::make_unique<SosfsMount>(mnt_);
  std::string fresh_cache = SosfsCommand("");
  fresh_cache.replace(fresh_cache.find("/cache"), 6, "/cache3");
  again = mount_->Mount(fresh_cache);
  ASSERT_EQ(again.status, 0) << again.output;
  const size_t log_before = GetParam() == "sosd" ? g_sosd->stderr_text().size() : 0;
  Sh("head -c 5000 /dev/urandom > " + work_ + "/patch2");
  for (const std::string& target : {m + "/big.bin", work_ + "/big.local"}) {
    Sh("dd if=" + work_ + "/patch2 of=" + target + " bs=1000 seek=20000 conv=notrunc status=none");
  }
  Sh("sync " + m + "/big.bin");  // fsync: uploaded
  Sh("cmp " + work_ + "/big.local " + m + "/big.bin");
  {
    std::string back = work_ + "/big.stored";
    CurlObjectStore store(server_.StoreOptions());
    FILE* out = fopen(back.c_str(), "wb");
    ASSERT_NE(out, nullptr);
    GetRequest req;
    req.bucket = kBucket;
    req.key = "big.bin";
    auto got = store.Get(req, [&](std::string_view chunk) {
      return fwrite(chunk.data(), 1, chunk.size(), out) == chunk.size()
                 ? Status::Ok()
                 : Status::IOError("short write");
    });
    fclose(out);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    Sh("cmp " + work_ + "/big.local " + back);  // what the server holds
  }
  if (GetParam() == "sosd") {
    EXPECT_NE(g_sosd->stderr_text().substr(log_before).find("UploadPartCopy"), std::string::npos);
  }
  ASSERT_TRUE(mount_->Unmount());
}

TEST_P(SosfsE2eTest, WrongSecretFailsAndMountsNothing) {
  mount_ = std::make_unique<SosfsMount>(mnt_);
  RunResult r =
      mount_->Mount("AWS_ACCESS_KEY_ID=" + server_.access_key +
                    " AWS_SECRET_ACCESS_KEY=wrong-secret " + SOSFS_BINARY + " " + kBucket + " " +
                    mnt_ + " -o endpoint=" + server_.endpoint + ",cache_dir=" + work_ + "/cache");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("denied"), std::string::npos) << r.output;
  EXPECT_FALSE(IsMounted(mnt_));
  // A missing bucket and an unknown option fail the same way.
  r = mount_->Mount(SosfsCommand("", "no-such-bucket"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("does not exist"), std::string::npos) << r.output;
  r = mount_->Mount(creds_ + SOSFS_BINARY + " " + kBucket + " " + mnt_ +
                    " -o endpoint=http://127.0.0.1:1,cache_dir=" + work_ + "/cache");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("cannot reach"), std::string::npos) << r.output;
  r = mount_->Mount(SosfsCommand(",bogus_option"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("bogus_option"), std::string::npos) << r.output;
  EXPECT_FALSE(IsMounted(mnt_));
  // A mount point that is a file is named as such.
  Sh("touch " + work_ + "/a-file");
  r = mount_->Mount(creds_ + SOSFS_BINARY + " " + kBucket + " " + work_ +
                    "/a-file -o endpoint=" + server_.endpoint + ",cache_dir=" + work_ + "/cache");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("a-file is not a directory"), std::string::npos) << r.output;
}

TEST_P(SosfsE2eTest, MountHelperAndFstabOptions) {
  // `mount -t fuse.sosfs SOURCE DIR -o OPTIONS` runs `mount.fuse3 SOURCE DIR -t fuse.sosfs
  // -o OPTIONS` (mount(8) hands it a sanitised PATH, so call the helper the same way
  // directly), which runs `sosfs SOURCE DIR -o OPTIONS` from PATH.
  const std::string bin = work_ + "/bin";
  Sh("mkdir -p " + bin + " && ln -s " + SOSFS_BINARY + " " + bin + "/sosfs");
  Sh("printf '%s:%s\\n' " + server_.access_key + " " + server_.secret_key + " > " + work_ +
     "/passwd && chmod 600 " + work_ + "/passwd");
  mount_ = std::make_unique<SosfsMount>(mnt_);
  RunResult r = mount_->Mount("PATH=" + bin + ":$PATH mount.fuse3 " + kBucket + " " + mnt_ +
                              " -t fuse.sosfs -o endpoint=" + server_.endpoint +
                              ",passwd_file=" + work_ + "/passwd,cache_dir=" + work_ +
                              "/cache,_netdev,nofail,x-systemd.automount,allow_other");
  ASSERT_EQ(r.status, 0) << r.output;
  ASSERT_TRUE(IsMounted(mnt_));
  Sh("echo via-helper > " + mnt_ + "/helper.txt");
  EXPECT_EQ(Sh("cat " + mnt_ + "/helper.txt"), "via-helper\n");
  std::string options = Sh("grep ' " + mnt_ + " ' /proc/self/mountinfo");
  EXPECT_NE(options.find("default_permissions"), std::string::npos) << options;
  EXPECT_NE(options.find("allow_other"), std::string::npos) << options;
  ASSERT_TRUE(mount_->Unmount());
}

TEST_P(SosfsE2eTest, AnS3fsFstabLineMountsUnchanged) {
  // The options of an fstab line written for s3fs, with fuse.sosfs as the type;
  // the credentials where s3fs keeps them (~/.passwd-s3fs) and nowhere else.
  const std::string bin = work_ + "/bin", home = work_ + "/home";
  Sh("mkdir -p " + bin + " " + home + " && ln -sf " + SOSFS_BINARY + " " + bin + "/sosfs");
  Sh("printf '%s:%s\\n' " + server_.access_key + " " + server_.secret_key + " > " + home +
     "/.passwd-s3fs && chmod 600 " + home + "/.passwd-s3fs");
  mount_ = std::make_unique<SosfsMount>(mnt_);
  RunResult r = mount_->Mount(
      "env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_PROFILE HOME=" + home +
      " PATH=" + bin + ":$PATH mount.fuse3 " + kBucket + " " + mnt_ +
      " -t fuse.sosfs -o _netdev,allow_other,url=" + server_.endpoint +
      ",use_path_request_style,use_cache=" + work_ +
      "/s3fs-cache,stat_cache_expire=5,"
      "nonempty,multireq_max=20,parallel_count=8,multipart_size=64,endpoint=us-east-1");
  ASSERT_EQ(r.status, 0) << r.output;
  ASSERT_TRUE(IsMounted(mnt_));
  EXPECT_NE(r.output.find("'multireq_max=20' ignored"), std::string::npos) << r.output;
  // Uploads get a Content-Type from the name, as s3fs gives them.
  Sh("echo '<p>hi</p>' > " + mnt_ + "/page.tmp && mv " + mnt_ + "/page.tmp " + mnt_ +
     "/page.html && head -c 1000 /dev/urandom > " + mnt_ + "/blob.unknownext");
  EXPECT_EQ(Sh("ls " + work_ + "/s3fs-cache | cut -c1-6"), "sosfs-\n");  // its own directory
  ASSERT_TRUE(mount_->Unmount());
  CurlObjectStore store(server_.StoreOptions());
  auto page = store.Head(kBucket, "page.html");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->content_type, "text/html");
  auto blob = store.Head(kBucket, "blob.unknownext");
  ASSERT_TRUE(blob.ok()) << blob.status().ToString();
  EXPECT_EQ(blob->content_type, "application/octet-stream");
}

TEST_P(SosfsE2eTest, SigtermWaitsForPendingUploads) {
  mount_ = std::make_unique<SosfsMount>(mnt_);
  RunResult r = mount_->Mount(SosfsCommand(""));
  ASSERT_EQ(r.status, 0) << r.output;
  pid_t pid = mount_->daemon();
  ASSERT_GT(pid, 0);
  Sh("head -c 20971520 /dev/urandom > " + work_ + "/sig.bin && cp " + work_ + "/sig.bin " + mnt_ +
     "/sig.bin");
  ASSERT_EQ(kill(pid, SIGTERM), 0);  // right away: the upload is still pending
  auto deadline = std::chrono::steady_clock::now() + 120s;
  while (Alive(pid) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_FALSE(Alive(pid)) << "sosfs did not exit after SIGTERM";
  EXPECT_FALSE(IsMounted(mnt_));
  CurlObjectStore store(server_.StoreOptions());
  auto head = store.Head(kBucket, "sig.bin");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->size, 20971520u);
  mount_ = std::make_unique<SosfsMount>(mnt_);
  r = mount_->Mount(SosfsCommand(""));
  ASSERT_EQ(r.status, 0) << r.output;
  Sh("cmp " + work_ + "/sig.bin " + mnt_ + "/sig.bin");
  ASSERT_TRUE(mount_->Unmount());
}

// A bucket with versioning enabled mounts as its current versions: writes,
// overwrites, deletes and a directory rename through the mount read back the
// same from a fresh mount, and the server kept what they replaced.
TEST_P(SosfsE2eTest, AVersionedBucketMountsAsItsCurrentVersions) {
  const std::string bucket = "e2e-versioned";
  auto aws = [&](const std::string& args) {
    return RunCommand(creds_ + "AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null " +
                          "AWS_SHARED_CREDENTIALS_FILE=/dev/null /usr/bin/aws --endpoint-url " +
                          server_.endpoint + " " + args,
                      120s);
  };
  RunResult made = aws("s3api create-bucket --bucket " + bucket);
  ASSERT_EQ(made.status, 0) << made.output;
  RunResult enabled = aws("s3api put-bucket-versioning --bucket " + bucket +
                          " --versioning-configuration Status=Enabled");
  ASSERT_EQ(enabled.status, 0) << enabled.output;
  mount_ = std::make_unique<SosfsMount>(mnt_);
  RunResult r = mount_->Mount(SosfsCommand("", bucket));
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string wait = std::string(SOSCTL_PATH) + " mount wait " + mnt_ + " --timeout 60s";
  Sh("mkdir " + mnt_ + "/d && echo one > " + mnt_ + "/d/f && echo gone > " + mnt_ + "/d/g && " +
     wait);
  Sh("echo two > " + mnt_ + "/d/f && rm " + mnt_ + "/d/g && " + wait);
  Sh("mv " + mnt_ + "/d " + mnt_ + "/e && " + wait);
  ASSERT_TRUE(mount_->Unmount());

  mount_ = std::make_unique<SosfsMount>(mnt_);
  r = mount_->Mount(SosfsCommand(",cache_dir=" + work_ + "/fresh-cache", bucket));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(Sh("ls -A " + mnt_), "e\n");
  EXPECT_EQ(Sh("ls -A " + mnt_ + "/e"), "f\n");
  EXPECT_EQ(Sh("cat " + mnt_ + "/e/f"), "two\n");
  ASSERT_TRUE(mount_->Unmount());

  RunResult versions = aws("s3api list-object-versions --bucket " + bucket + " --prefix d/");
  ASSERT_EQ(versions.status, 0) << versions.output;
  // "one" and "two" of d/f, and g, are kept behind delete markers.
  EXPECT_NE(versions.output.find("\"DeleteMarkers\""), std::string::npos) << versions.output;
  size_t kept = 0;
  for (size_t at = 0; (at = versions.output.find("\"Key\": \"d/f\"", at)) != std::string::npos;
       ++at) {
    ++kept;
  }
  EXPECT_GE(kept, 3u) << "two versions of d/f and its delete marker\n" << versions.output;
}

// sosfs@.service is Type=notify: READY once the bucket is mounted, STOPPING
// when it unmounts; then it logs what is pending and exits once it is sent.
TEST_P(SosfsE2eTest, TellsTheServiceManagerWhenMountedAndWhenStopping) {
  NotifySocket manager(work_ + "/notify");
  ASSERT_TRUE(manager.ok());
  // The delay keeps the write pending at the unmount.
  RunResult r = RunCommand("NOTIFY_SOCKET=" + manager.path() + " " +
                               SosfsCommand(",foreground,writeback_delay=30s") + " > " + work_ +
                               "/foreground.log 2>&1 &",
                           30s);
  ASSERT_EQ(r.status, 0) << r.output;
  auto ready = manager.Receive(std::chrono::seconds(30));
  ASSERT_TRUE(ready.has_value()) << Sh("cat " + work_ + "/foreground.log");
  EXPECT_NE(ready->find("READY=1"), std::string::npos) << *ready;
  EXPECT_TRUE(IsMounted(mnt_));  // mounted before it said so
  Sh("echo via-service > " + mnt_ + "/service.txt");
  Sh("fusermount3 -u " + mnt_);
  auto stopping = manager.Receive(std::chrono::seconds(30));
  ASSERT_TRUE(stopping.has_value());
  EXPECT_NE(stopping->find("STOPPING=1"), std::string::npos) << *stopping;
  pid_t left = FindDaemon(mnt_);
  for (int i = 0; i < 600 && left > 0 && Alive(left); ++i) std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(left > 0 && Alive(left)) << "sosfs did not exit";
  CurlObjectStore store(server_.StoreOptions());
  auto head = store.Head(kBucket, "service.txt");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->size, 12u);
  const std::string log = ReadFile(work_ + "/foreground.log");
  EXPECT_NE(log.find("waiting until 1 pending upload(s) and delete(s) are on the server"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("not on the server"), std::string::npos) << log;
}

TEST_P(SosfsE2eTest, MountStatusAndWaitTellWhenWritesAreOnTheServer) {
  mount_ = std::make_unique<SosfsMount>(mnt_);
  RunResult r = mount_->Mount(SosfsCommand(""));
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string ctl = std::string(SOSCTL_PATH) + " mount ";
  // A write, then wait: when it returns, the whole object is on the server.
  Sh("head -c 31457280 /dev/urandom > " + mnt_ + "/waited.bin");
  Sh(ctl + "wait " + mnt_ + " --timeout 120s");
  CurlObjectStore store(server_.StoreOptions());
  auto head = store.Head(kBucket, "waited.bin");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->size, 31457280u);
  std::string status = Sh(ctl + "status " + mnt_ + " --json");
  EXPECT_NE(status.find("\"dirty_files\": 0"), std::string::npos) << status;
  EXPECT_NE(status.find("\"bucket\": \"" + std::string(kBucket) + "\""), std::string::npos);
  // Below the root it is an ordinary directory: a usage error (2).
  Sh("mkdir -p " + mnt_ + "/sub");
  EXPECT_EQ(RunCommand(ctl + "status " + mnt_ + "/sub", 30s).status, 2);
  if (GetParam() == "sosd") {
    // sosd stops answering, then a file is written (the fresh listing answers
    // its lookup, so nothing waits on sosd but the upload): wait times out
    // (exit 1) saying what is left, status shows it; once sosd goes on, wait
    // returns and the file is there.
    const std::string pid = std::to_string(g_sosd->pid());
    RunResult stuck =
        RunCommand("ls " + mnt_ + " > /dev/null && kill -STOP " + pid + " && echo late > " + mnt_ +
                       "/late.txt; " + ctl + "wait " + mnt_ + " --timeout 2s; echo rc=$?; " + ctl +
                       "status " + mnt_ + "; kill -CONT " + pid,
                   120s);
    kill(g_sosd->pid(), SIGCONT);  // whatever happened above
    EXPECT_NE(stuck.output.find("rc=1"), std::string::npos) << stuck.output;
    EXPECT_NE(stuck.output.find("1 file(s)"), std::string::npos) << stuck.output;
    EXPECT_NE(stuck.output.find("dirty files       1"), std::string::npos) << stuck.output;
    Sh(ctl + "wait " + mnt_ + " --timeout 120s");
    auto late = store.Head(kBucket, "late.txt");
    ASSERT_TRUE(late.ok()) << late.status().ToString();
    EXPECT_EQ(late->size, 5u);
  }
  ASSERT_TRUE(mount_->Unmount());
}

// unlink, rmdir and rename are journalled: durable locally and visible at
// once, sent later in DeleteObjects batches. A kill -9 before they are sent
// loses none of them, and the next mount sends each exactly once.
TEST_P(SosfsE2eTest, JournalledDeletesAndRenamesSurviveAKill) {
  CurlObjectStore store(server_.StoreOptions());
  auto count = [&](const std::string& prefix) { return ServerKeys(prefix).size(); };
  const std::string ctl = std::string(SOSCTL_PATH) + " mount ";
  mount_ = std::make_unique<SosfsMount>(mnt_);
  RunResult r = mount_->Mount(SosfsCommand(""));
  ASSERT_EQ(r.status, 0) << r.output;
  Sh("cd " + mnt_ + " && mkdir -p journal/gone/sub journal/moved && for i in $(seq 1 40); do " +
     "echo $i > journal/gone/sub/f$i; echo $i > journal/moved/m$i; done");
  Sh(ctl + "wait " + mnt_ + " --timeout 120s");
  ASSERT_TRUE(mount_->Unmount());
  ASSERT_EQ(count("journal/gone/"), 42u);  // 40 files, 2 markers

  // Deletes now wait 10 minutes in the journal: the kill comes first.
  mount_ = std::make_unique<SosfsMount>(mnt_);
  r = mount_->Mount(SosfsCommand(",writeback_delay=10m"));
  ASSERT_EQ(r.status, 0) << r.output;
  Sh("rm -r " + mnt_ + "/journal/gone && mv " + mnt_ + "/journal/moved " + mnt_ +
     "/journal/renamed");
  EXPECT_EQ(Sh("ls " + mnt_ + "/journal"), "renamed\n");
  EXPECT_EQ(Sh("cat " + mnt_ + "/journal/renamed/m7"), "7\n");
  EXPECT_NE(Sh(ctl + "status " + mnt_ + " --json").find("\"pending_deletes\": 83"),
            std::string::npos);  // 42 + 40 files and the old directory's key
  ASSERT_GT(mount_->daemon(), 0);
  ::kill(mount_->daemon(), SIGKILL);
  RunCommand("fusermount3 -uz " + mnt_);
  mount_.reset();
  EXPECT_EQ(count("journal/gone/"), 42u) << "the deletes were not sent before the kill";
  EXPECT_EQ(count("journal/moved/"), 41u);
  EXPECT_EQ(count("journal/renamed/"), 41u);  // the copies were made by mv itself

  // The next mount sends them.
  mount_ = std::make_unique<SosfsMount>(mnt_);
  r = mount_->Mount(SosfsCommand(""));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(Sh("ls " + mnt_ + "/journal"), "renamed\n");
  Sh(ctl + "wait " + mnt_ + " --timeout 120s");
  EXPECT_EQ(count("journal/gone/"), 0u);
  EXPECT_EQ(count("journal/moved/"), 0u);
  EXPECT_EQ(count("journal/renamed/"), 41u);
  ASSERT_TRUE(mount_->Unmount());
  // Sent once only: another client's new object at a deleted key stays.
  StringViewSource body("again\n");
  ASSERT_TRUE(store.Put(kBucket, "journal/gone/sub/f1", body, {}).ok());
  mount_ = std::make_unique<SosfsMount>(mnt_);
  r = mount_->Mount(SosfsCommand(""));
  ASSERT_EQ(r.status, 0) << r.output;
  Sh(ctl + "wait " + mnt_ + " --timeout 120s");
  EXPECT_EQ(Sh("cat " + mnt_ + "/journal/gone/sub/f1"), "again\n");
  Sh("rm -r " + mnt_ + "/journal");
  ASSERT_TRUE(mount_->Unmount());
  EXPECT_EQ(count("journal/"), 0u);
}

// Another client changes objects while this mount still has local changes
// of them: its versions stay, and the local ones are kept as
// NAME.conflict-TIME (a small file, and a multipart one).
TEST_P(SosfsE2eTest, AnotherClientsChangeIsNeverOverwritten) {
  CurlObjectStore store(server_.StoreOptions());
  auto keys = [&](const std::string& prefix) { return ServerKeys(prefix); };
  auto data = [&](const std::string& key) {
    std::string body;
    GetRequest req;
    req.bucket = kBucket;
    req.key = key;
    EXPECT_TRUE(store.Get(req, AppendTo(&body)).ok()) << key;
    return body;
  };
  const std::string ctl = std::string(SOSCTL_PATH) + " mount ";
  Sh("head -c 20971520 /dev/urandom > " + work_ + "/big-v1 && head -c 20971520 /dev/urandom > " +
     work_ + "/big-v2");
  mount_ = std::make_unique<SosfsMount>(mnt_);
  RunResult r = mount_->Mount(SosfsCommand(",writeback_delay=3s"));
  ASSERT_EQ(r.status, 0) << r.output;
  Sh("mkdir -p " + mnt_ + "/clash && cp " + work_ + "/big-v1 " + mnt_ + "/clash/big.bin");
  Sh(ctl + "wait " + mnt_ + " --timeout 120s");
  // Local changes wait 3 s; the other client writes first.
  Sh("echo mine > " + mnt_ + "/clash/new.txt && cp " + work_ + "/big-v2 " + mnt_ +
     "/clash/big.bin");
  StringViewSource theirs_new("theirs\n");
  ASSERT_TRUE(store.Put(kBucket, "clash/new.txt", theirs_new, {}).ok());
  StringViewSource theirs_big("their big\n");
  ASSERT_TRUE(store.Put(kBucket, "clash/big.bin", theirs_big, {}).ok());
  Sh(ctl + "wait " + mnt_ + " --timeout 120s");
  EXPECT_EQ(data("clash/new.txt"), "theirs\n");
  auto head = store.Head(kBucket, "clash/big.bin");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->size, 10u) << "the other client's object was overwritten";
  auto new_conflicts = keys("clash/new.txt.conflict-");
  auto big_conflicts = keys("clash/big.bin.conflict-");
  std::string all;
  for (const auto& k : keys("clash/")) all += k + " ";
  ASSERT_EQ(new_conflicts.size(), 1u) << all;
  ASSERT_EQ(big_conflicts.size(), 1u) << all;
  EXPECT_EQ(data(new_conflicts[0]), "mine\n");
  std::string big_conflict_path = mnt_ + "/" + big_conflicts[0];
  ASSERT_TRUE(mount_->Unmount());
  mount_ = std::make_unique<SosfsMount>(mnt_);
  r = mount_->Mount(SosfsCommand(""));
  ASSERT_EQ(r.status, 0) << r.output;
  Sh("cmp " + work_ + "/big-v2 " + big_conflict_path);
  EXPECT_EQ(Sh("cat " + mnt_ + "/clash/big.bin"), "their big\n");
  EXPECT_EQ(Sh("ls " + mnt_ + "/clash | wc -l"), "4\n");
  Sh("rm -r " + mnt_ + "/clash");
  ASSERT_TRUE(mount_->Unmount());
}

TEST_P(SosfsE2eTest, InteroperatesWithS3fs) {
  ASSERT_EQ(access("/usr/bin/s3fs", X_OK), 0)
      << "s3fs missing: scripts/install-deps.sh installs it";
  const std::string other = work_ + "/s3fs";
  Sh("mkdir -p " + other);
  Sh("printf '%s:%s\\n' " + server_.access_key + " " + server_.secret_key + " > " + work_ +
     "/passwd && chmod 600 " + work_ + "/passwd");
  mount_ = std::make_unique<SosfsMount>(mnt_);
  RunResult r = mount_->Mount(SosfsCommand(",stat_ttl=0"));
  ASSERT_EQ(r.status, 0) << r.output;
  // Written through sosfs, read through s3fs.
  Sh("mkdir -p " + mnt_ + "/interop/fromsosfs && echo sosfs > " + mnt_ +
     "/interop/fromsosfs/f && chmod 604 " + mnt_ + "/interop/fromsosfs/f && chown 7:8 " + mnt_ +
     "/interop/fromsosfs/f && touch -d '2019-05-06 07:08:09 UTC' " + mnt_ +
     "/interop/fromsosfs/f && ln -s f " + mnt_ + "/interop/fromsosfs/l && mkfifo -m 620 " + mnt_ +
     "/interop/fromsosfs/p && mknod " + mnt_ + "/interop/fromsosfs/c c 1 7 && chmod 711 " + mnt_ +
     "/interop/fromsosfs && sync");
  // A FIFO and a device are what they were made, on the mount as on a local disk.
  EXPECT_EQ(Sh("stat -c '%F %a' " + mnt_ + "/interop/fromsosfs/p"), "fifo 620\n");
  EXPECT_EQ(Sh("stat -c '%F %t %T' " + mnt_ + "/interop/fromsosfs/c"),
            "character special file 1 7\n");
  ASSERT_TRUE(mount_->Unmount());  // everything uploaded
  SosfsMount s3fs(other);
  r = s3fs.Mount(std::string("s3fs ") + kBucket + " " + other + " -o url=" + server_.endpoint +
                 ",use_path_request_style,passwd_file=" + work_ + "/passwd");
  ASSERT_EQ(r.status, 0) << r.output;
  bool mounted = false;
  for (int i = 0; i < 100 && !(mounted = IsMounted(other)); ++i) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(mounted);
  EXPECT_EQ(Sh("stat -c '%a %u %g %Y' " + other + "/interop/fromsosfs/f"), "604 7 8 1557126489\n");
  EXPECT_EQ(Sh("stat -c '%a' " + other + "/interop/fromsosfs"), "711\n");
  EXPECT_EQ(Sh("readlink " + other + "/interop/fromsosfs/l"), "f\n");
  EXPECT_EQ(Sh("cat " + other + "/interop/fromsosfs/f"), "sosfs\n");
  EXPECT_EQ(Sh("stat -c '%F %a' " + other + "/interop/fromsosfs/p"), "fifo 620\n");
  // s3fs keeps a device's type but has no device number (it reads no x-amz-meta-rdev).
  EXPECT_EQ(Sh("stat -c '%F' " + other + "/interop/fromsosfs/c"), "character special file\n");
  // Written through s3fs, read through sosfs.
  Sh("mkdir " + other + "/interop/froms3fs && echo s3fs > " + other +
     "/interop/froms3fs/g && chmod 640 " + other +
     "/interop/froms3fs/g && touch -d "
     "'2018-01-02 03:04:05 UTC' " +
     other + "/interop/froms3fs/g && ln -s g " + other + "/interop/froms3fs/m && mkfifo " + other +
     "/interop/froms3fs/q");
  RunCommand("fusermount -u " + other, 30s);
  mount_ = std::make_unique<SosfsMount>(mnt_);
  r = mount_->Mount(SosfsCommand(",stat_ttl=0"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(Sh("stat -c '%a %Y' " + mnt_ + "/interop/froms3fs/g"), "640 1514862245\n");
  EXPECT_EQ(Sh("readlink " + mnt_ + "/interop/froms3fs/m"), "g\n");
  EXPECT_EQ(Sh("cat " + mnt_ + "/interop/froms3fs/g"), "s3fs\n");
  EXPECT_EQ(Sh("stat -c '%F' " + mnt_ + "/interop/froms3fs/q"), "fifo\n");
  ASSERT_TRUE(mount_->Unmount());
}

TEST_P(SosfsE2eTest, ObjectStoreAttributesFromTheShell) {
  mount_ = std::make_unique<SosfsMount>(mnt_);
  RunResult r = mount_->Mount(SosfsCommand(",stat_ttl=0"));
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string file = mnt_ + "/web/page.html";
  Sh("mkdir -p " + mnt_ + "/web && echo '<h1>sos</h1>' > " + file);
  auto attr = [&](const std::string& name) {
    return Sh("getfattr --absolute-names --only-values -n " + name + " " + file);
  };
  auto fetch = [&](const std::string& url) {
    return Sh("curl -s -o " + work_ + "/fetched -w '%{http_code}' '" + url + "'");
  };
  // Private until told otherwise: the plain URL is refused, a pre-signed one works.
  EXPECT_EQ(attr("user.sos.acl"), "private");  // uploads the new file first
  const std::string url = attr("user.sos.url");
  EXPECT_EQ(url, server_.endpoint + "/" + kBucket + "/web/page.html");
  EXPECT_EQ(fetch(url), "403");
  EXPECT_EQ(fetch(attr("user.sos.presign")), "200");
  EXPECT_EQ(Sh("cat " + work_ + "/fetched"), "<h1>sos</h1>\n");
  // setfattr publishes it; anyone can now read the bytes.
  Sh("setfattr -n user.sos.acl -v public-read " + file);
  EXPECT_EQ(attr("user.sos.acl"), "public-read");
  EXPECT_EQ(fetch(url), "200");
  EXPECT_EQ(Sh("cat " + work_ + "/fetched"), "<h1>sos</h1>\n");
  Sh("setfattr -n user.sos.acl -v private " + file);
  EXPECT_EQ(fetch(url), "403");
  RunResult bad = RunCommand("setfattr -n user.sos.acl -v everyone " + file);
  EXPECT_NE(bad.status, 0) << bad.output;
  ASSERT_TRUE(mount_->Unmount());
}

// ls -l of a directory nobody has looked at: against sosd, one listing with
// the metadata extension instead of a HEAD per entry; elsewhere parallel HEADs.
// Either way every entry shows the mode and owner written through the mount.
TEST_P(SosfsE2eTest, LongListingOfAFreshDirectory) {
  mount_ = std::make_unique<SosfsMount>(mnt_);
  RunResult r = mount_->Mount(SosfsCommand(""));
  ASSERT_EQ(r.status, 0) << r.output;
  Sh("mkdir " + mnt_ + "/many && cd " + mnt_ +
     "/many && for i in $(seq 1 40); do echo $i > f$i; done && chmod 600 f7 && chown 42:43 f9");
  ASSERT_TRUE(mount_->Unmount());
  Sh("rm -rf " + work_ + "/cache");  // nothing cached: all must come from the server
  size_t log_before = GetParam() == "sosd" ? g_sosd->stderr_text().size() : 0;
  mount_ = std::make_unique<SosfsMount>(mnt_);
  r = mount_->Mount(SosfsCommand(""));
  ASSERT_EQ(r.status, 0) << r.output;
  std::string ls = Sh("ls -ln " + mnt_ + "/many");
  EXPECT_EQ(Sh("ls " + mnt_ + "/many | wc -l"), "40\n");
  EXPECT_EQ(Sh("stat -c '%a %u %g' " + mnt_ + "/many/f7 " + mnt_ + "/many/f9"),
            "600 0 0\n644 42 43\n");
  if (GetParam() == "sosd") {
    std::string log = g_sosd->stderr_text().substr(log_before);
    size_t heads = 0;
    for (size_t at = 0;
         (at = log.find(" HEAD /" + std::string(kBucket) + "/many/f", at)) != std::string::npos;
         ++at) {
      ++heads;
    }
    EXPECT_EQ(heads, 0u) << "sosfs HEADed entries that the listing already described:\n" << log;
  }
  ASSERT_TRUE(mount_->Unmount());
}

// With allow_other the kernel checks permissions as on a local disk: another
// user cannot read, change, rename, unlink or chown what is not theirs.
TEST_P(SosfsE2eTest, OtherUsersGetLocalPermissions) {
  mount_ = std::make_unique<SosfsMount>(mnt_);
  RunResult r = mount_->Mount(SosfsCommand(",allow_other"));
  ASSERT_EQ(r.status, 0) << r.output;
  ASSERT_EQ(chmod(work_.c_str(), 0755), 0);  // let the other user reach the mount point
  const std::string d = mnt_ + "/private";
  Sh("mkdir " + d + " && echo secret > " + d + "/s && chmod 600 " + d + "/s && echo open > " + d +
     "/o && chmod 644 " + d + "/o && chmod 755 " + d);
  auto as_nobody = [&](const std::string& command) {
    return RunCommand("setpriv --reuid=65534 --regid=65534 --clear-groups sh -c '" + command + "'");
  };
  RunResult read_secret = as_nobody("cat " + d + "/s");
  EXPECT_NE(read_secret.status, 0);
  EXPECT_NE(read_secret.output.find("Permission denied"), std::string::npos) << read_secret.output;
  RunResult read_open = as_nobody("cat " + d + "/o");
  EXPECT_EQ(read_open.status, 0) << read_open.output;
  EXPECT_EQ(read_open.output, "open\n");
  for (const std::string& denied :
       {"echo x >> " + d + "/o", "mv " + d + "/o " + d + "/renamed", "rm -f " + d + "/o",
        "chown 65534 " + d + "/o", "chmod 666 " + d + "/o", "touch " + d + "/new"}) {
    RunResult rr = as_nobody(denied);
    EXPECT_NE(rr.status, 0) << denied << " succeeded as another user";
  }
  // Nothing changed.
  EXPECT_EQ(Sh("cat " + d + "/o"), "open\n");
  EXPECT_EQ(Sh("stat -c '%a %u' " + d + "/o"), "644 0\n");
  Sh("test ! -e " + d + "/new && test ! -e " + d + "/renamed");
  ASSERT_TRUE(mount_->Unmount());
}

INSTANTIATE_TEST_SUITE_P(Servers, SosfsE2eTest, ::testing::Values("sosd", "rgw"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sos::testing
