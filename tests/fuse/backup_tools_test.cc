// End-to-end: backup tools pointed at a path on a sosfs mount of a sosd
// bucket, as backup admins use them: rsync -a (a second run transfers
// nothing), tar (an archive onto the mount and back), restic and borg with
// their repositories on the mount, duplicity to file://. Each restores, and
// the restored tree must equal the source in every byte, mode, mtime (to the
// second), symlink and name. The data set has many small files, large ones
// (one of 256 MiB), nested directories, symlinks and odd names (spaces,
// UTF-8, a 255-byte name). After a remount from an empty cache (everything
// read back from the server) the repositories still check clean. One more
// test kills sosfs with -9 in the middle of a restic backup, remounts, and
// shows that restic check passes and a second backup completes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "tests/e2e/sosd_process.h"
#include "tests/fuse/sosfs_harness.h"

namespace sos::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kToolEnv =
    "export RESTIC_PASSWORD=sos-backup-e2e BORG_PASSPHRASE=sos-backup-e2e "
    "BORG_RELOCATED_REPO_ACCESS_IS_OK=yes; ";

// A line per entry: type, mode, mtime in seconds, size and SHA-256 (files) or
// target (symlinks), and the path; sorted. Two trees are equal when their
// manifests are.
std::string Manifest(const std::string& dir) {
  RunResult r = RunCommand(
      "cd '" + dir +
          "' && find . -mindepth 1 | LC_ALL=C sort | while IFS= read -r p; do "
          "if [ -L \"$p\" ]; then echo \"l $p -> $(readlink \"$p\")\"; "
          "elif [ -d \"$p\" ]; then echo \"d $(stat -c '%a %Y' \"$p\") $p\"; "
          "else echo \"f $(stat -c '%a %Y %s' \"$p\") $(sha256sum < \"$p\" | cut -c1-64) $p\"; "
          "fi; done",
      600s);
  EXPECT_EQ(r.status, 0) << r.output;
  return r.output;
}

// The source data set, made once for every test of this binary.
class DataSet {
 public:
  static const std::string& Dir() {
    static DataSet set;
    return set.dir_;
  }
  ~DataSet() { std::filesystem::remove_all(dir_); }

 private:
  DataSet() {
    char tmpl[] = "/tmp/sos-backup-src-XXXXXX";
    dir_ = mkdtemp(tmpl);
    const std::string d = dir_ + "/data";
    std::filesystem::create_directories(d + "/photos/2025/summer trip");
    std::filesystem::create_directories(d + "/docs/deep/er/still/deeper");
    std::filesystem::create_directories(d + "/ünïcødé-файлы-文件");
    for (int i = 0; i < 400; ++i) {
      const std::string sub = i % 3 == 0   ? "/photos/2025/summer trip"
                              : i % 3 == 1 ? "/docs/deep/er/still/deeper"
                                           : "/ünïcødé-файлы-文件";
      WriteRandomFile(d + sub + "/file " + std::to_string(i) + ".dat", (i * 7919) % 65536, i);
    }
    WriteRandomFile(d + "/large-256MiB.bin", uint64_t{256} << 20, 1001);
    WriteRandomFile(d + "/docs/medium-40MiB.bin", uint64_t{40} << 20, 1002);
    WriteRandomFile(d + "/" + std::string(251, 'n') + ".bin", 4096, 1003);  // a 255-byte name
    WriteRandomFile(d + "/empty", 0, 0);
    RunCommand(
        "cd '" + d + "' && ln -s 'photos/2025/summer trip' trip && " +
        "ln -s ../../large-256MiB.bin docs/deep/large && ln -s /nowhere/at/all dangling && " +
        "chmod 0600 docs/medium-40MiB.bin && chmod 0755 empty && chmod 0700 docs/deep && " +
        "find . -type f -name 'file 1*' -exec touch -d '2021-03-04 05:06:07' {} + && " +
        "touch -d '2019-01-02 03:04:05' large-256MiB.bin && " +
        "find . -depth -type d -exec touch -d '2020-02-02 02:02:02' {} +");
  }
  std::string dir_;
};

class BackupToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sos-backup-e2e-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    work_ = tmpl;
    mnt_ = work_ + "/mnt";
    std::filesystem::create_directories(mnt_);
    auto sosd = SosdProcess::Start();
    ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
    sosd_ = std::move(*sosd);
    creds_ = "AWS_ACCESS_KEY_ID=" + sosd_->access_key() +
             " AWS_SECRET_ACCESS_KEY=" + sosd_->secret_key() + " ";
    RunResult r = RunCommand(creds_ + "AWS_CONFIG_FILE=/dev/null aws --endpoint-url " +
                             sosd_->endpoint() + " s3 mb s3://backups");
    ASSERT_EQ(r.status, 0) << r.output;
    source_ = DataSet::Dir() + "/data";
  }
  void TearDown() override {
    KillRestic();
    mount_.reset();
    if (sosd_) sosd_->StopAndCleanUp();
    if (!IsMounted(mnt_)) std::filesystem::remove_all(work_);
  }

  // Mounts with the cache in `cache` (a new name: an empty cache, so that
  // every read comes from the server).
  void Mount(const std::string& cache) {
    mount_ = std::make_unique<SosfsMount>(mnt_);
    RunResult r = mount_->Mount(creds_ + SOSFS_BINARY + " backups " + mnt_ + " -o endpoint=" +
                                sosd_->endpoint() + ",cache_dir=" + work_ + "/" + cache);
    ASSERT_EQ(r.status, 0) << r.output;
  }
  std::string Sh(const std::string& command) {
    RunResult r = RunCommand(kToolEnv + command, 900s);
    EXPECT_EQ(r.status, 0) << command << "\n" << r.output;
    return r.output;
  }
  void ExpectSameAsSource(const std::string& dir, const std::string& what) {
    const std::string want = Manifest(source_);
    const std::string got = Manifest(dir);
    if (got != want) {
      std::ofstream(work_ + "/want") << want;
      std::ofstream(work_ + "/got") << got;
      ADD_FAILURE() << what << " differs from the source:\n"
                    << RunCommand("diff " + work_ + "/want " + work_ + "/got | head -n 40").output;
    }
  }

  // Kills the background restic, if any, and waits (bounded) until it is gone.
  bool KillRestic() {
    if (restic_ <= 0) return true;
    ::kill(restic_, SIGKILL);
    for (int i = 0; i < 300 && Alive(restic_); ++i) std::this_thread::sleep_for(100ms);
    const bool gone = !Alive(restic_);
    restic_ = -1;
    return gone;
  }

  std::string work_, mnt_, creds_, source_;
  pid_t restic_ = -1;
  std::unique_ptr<SosdProcess> sosd_;
  std::unique_ptr<SosfsMount> mount_;
};

TEST_F(BackupToolsTest, RsyncTarResticBorgAndDuplicityRestoreEveryByteModeAndTime) {
  ASSERT_NO_FATAL_FAILURE(Mount("cache-1"));
  // rsync -a onto the mount; a second run finds nothing to send.
  Sh("rsync -a '" + source_ + "/' " + mnt_ + "/rsync/");
  ExpectSameAsSource(mnt_ + "/rsync", "the rsync copy on the mount");
  const std::string again = Sh("rsync -a --stats '" + source_ + "/' " + mnt_ + "/rsync/");
  EXPECT_NE(again.find("Number of regular files transferred: 0"), std::string::npos) << again;
  // tar: an archive onto the mount, and back.
  Sh("tar -C '" + source_ + "' -cf " + mnt_ + "/data.tar .");
  // restic and borg: repositories on the mount.
  Sh("restic init -q -r " + mnt_ + "/restic && cd '" + source_ + "' && restic backup -q -r " +
     mnt_ + "/restic .");
  Sh("borg init -e repokey " + mnt_ + "/borg && cd '" + source_ + "' && borg create " + mnt_ +
     "/borg::one .");
  // duplicity: a file:// target on the mount.
  Sh("duplicity full --no-encryption --archive-dir " + work_ + "/dup-cache '" + source_ +
     "' file://" + mnt_ + "/duplicity");
  ASSERT_TRUE(mount_->Unmount());

  // From an empty cache: every byte comes from the server.
  ASSERT_NO_FATAL_FAILURE(Mount("cache-2"));
  ExpectSameAsSource(mnt_ + "/rsync", "the rsync copy, remounted");
  Sh("mkdir " + work_ + "/tar && tar -C " + work_ + "/tar -xpf " + mnt_ + "/data.tar");
  ExpectSameAsSource(work_ + "/tar", "tar's restore");
  Sh("restic check -q --read-data -r " + mnt_ + "/restic");
  Sh("restic restore -q -r " + mnt_ + "/restic latest --target " + work_ + "/restic");
  ExpectSameAsSource(work_ + "/restic", "restic's restore");
  Sh("borg check " + mnt_ + "/borg");
  Sh("mkdir " + work_ + "/borg && cd " + work_ + "/borg && borg extract " + mnt_ + "/borg::one");
  ExpectSameAsSource(work_ + "/borg", "borg's restore");
  Sh("duplicity restore --no-encryption --archive-dir " + work_ + "/dup-cache file://" + mnt_ +
     "/duplicity " + work_ + "/duplicity");
  ExpectSameAsSource(work_ + "/duplicity", "duplicity's restore");
}

TEST_F(BackupToolsTest, ResticSurvivesSosfsKilledMidBackup) {
  ASSERT_NO_FATAL_FAILURE(Mount("cache"));
  Sh("restic init -q -r " + mnt_ + "/restic");
  // The backup runs in the background; sosfs dies under it once its packs
  // have started to land.
  // `cd ... || exit` first, so that `&` puts restic itself (not a subshell) in
  // the background and $! is its PID.
  RunResult started =
      RunCommand(std::string(kToolEnv) + "cd '" + source_ + "' || exit 1; restic backup -q -r " +
                 mnt_ + "/restic . >" + work_ + "/first.log 2>&1 </dev/null & echo $!");
  ASSERT_EQ(started.status, 0);
  restic_ = std::stoi(started.output);
  bool packs = false;
  for (int i = 0; i < 600 && !packs; ++i) {
    std::this_thread::sleep_for(50ms);
    std::error_code ec;
    size_t n = 0;
    for (auto it = std::filesystem::recursive_directory_iterator(mnt_ + "/restic/data", ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      n += it->is_regular_file(ec) ? 1 : 0;
    }
    packs = n >= 3;
  }
  ASSERT_TRUE(packs) << "restic wrote no packs";
  ASSERT_GT(mount_->daemon(), 0);
  ::kill(mount_->daemon(), SIGKILL);
  // restic goes too (as if the machine had crashed); its lock is then stale.
  EXPECT_TRUE(KillRestic()) << "restic did not die";
  RunCommand("fusermount3 -uz " + mnt_);
  mount_.reset();

  ASSERT_NO_FATAL_FAILURE(Mount("cache"));  // the same cache: what it journalled is sent now
  // The killed restic may linger as a zombie, which keeps its lock from
  // looking stale: the admin's answer after a crash.
  Sh("restic unlock --remove-all -r " + mnt_ + "/restic");
  Sh("restic check -r " + mnt_ + "/restic");
  Sh("cd '" + source_ + "' && restic backup -q -r " + mnt_ + "/restic .");
  Sh("restic check --read-data -r " + mnt_ + "/restic");
  Sh("restic restore -q -r " + mnt_ + "/restic latest --target " + work_ + "/restore");
  ExpectSameAsSource(work_ + "/restore", "restic's restore after the kill");
}

}  // namespace
}  // namespace sos::testing
