// End-to-end: sos as an operator installs it, proven by real boots. A minimal
// Debian 12 tree (debootstrap, cached as a tarball under /var/cache/sos-tests)
// gets the .deb that CPack builds from this build, sosd.service and one
// sosfs@ instance enabled, and an fstab line; then it boots under
// systemd-nspawn, twice. (Of an x-systemd.automount line, only the trigger
// on first access cannot be shown here: it needs the kernel's autofs, which
// these machines lack; its mount unit is started by hand instead.) The first
// boot makes the buckets (and sosfs@ comes up by itself once its bucket
// exists); the second finds every mount up at boot, takes files through each,
// and powers off. The written files are then read back from the store by a
// sosd on the host, byte for byte, and the package is purged. Needs root,
// debootstrap and systemd-container; the container shares the host network.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "tests/e2e/sosd_process.h"
#include "tests/fuse/sosfs_harness.h"

namespace sos::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kAccessKey = "SOSBOOTTESTKEY000001";
constexpr const char* kSecretKey = "sos-boot-test-secret-0000000000000000001";
// What the tree needs besides minbase: systemd, FUSE, and the libraries sos links.
constexpr const char* kPackages =
    "systemd,systemd-sysv,dbus,fuse3,libfuse3-3,liblmdb0,libcurl4,libspdlog1.10,libfmt9,"
    "libpugixml1v5,libisal2,libxxhash0,libtbb12,libssl3,libsystemd0,libprometheus-cpp-core1.0,"
    "media-types,adduser";
constexpr const char* kCacheDir = "/var/cache/sos-tests";

void WriteText(const std::string& path, const std::string& text, mode_t mode) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
}

// The Debian mirror the host's apt uses (CI reaches only that one).
std::string DebianMirror() {
  RunResult r = RunCommand(
      "grep -h -o -E 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list "
      "/etc/apt/sources.list.d/* 2>/dev/null | grep -v security | head -n 1");
  std::string mirror = r.output.substr(0, r.output.find_first_of(" \n"));
  return mirror.empty() ? "http://deb.debian.org/debian" : mirror;
}

class BootE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"debootstrap", "systemd-nspawn", "nsenter", "cpack"}) {
      ASSERT_EQ(RunCommand(std::string("command -v ") + tool).status, 0) << tool << " missing";
    }
    char tmpl[] = "/tmp/sos-boot-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    work_ = tmpl;
    tree_ = work_ + "/tree";
    port_ = FreePort();
    endpoint_ = "http://127.0.0.1:" + std::to_string(port_);
  }
  void TearDown() override {
    if (leader_ > 0) ::kill(leader_, SIGKILL);  // never the nspawn process: that orphans it
    WaitForExit(30s);
    RunCommand("rm -rf " + work_, 300s);
  }

  std::string Sh(const std::string& command, std::chrono::seconds timeout = 300s) {
    RunResult r = RunCommand(command, timeout);
    EXPECT_EQ(r.status, 0) << command << "\n" << r.output;
    return r.output;
  }
  // A command inside the running container (all its namespaces).
  RunResult Inside(const std::string& command, std::chrono::seconds timeout = 120s) {
    return RunCommand("nsenter -t " + std::to_string(leader_) + " -a sh -c '" + command + "'",
                      timeout);
  }
  RunResult Aws(const std::string& args) {
    return RunCommand(std::string("AWS_ACCESS_KEY_ID=") + kAccessKey + " AWS_SECRET_ACCESS_KEY=" +
                      kSecretKey + " AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null " +
                      "aws --endpoint-url " + endpoint_ + " " + args);
  }

  // The cached minimal tree, unpacked into tree_.
  void MakeTree() {
    const std::string mirror = DebianMirror();
    const std::string cache = std::string(kCacheDir) + "/bookworm-" +
                              std::to_string(std::hash<std::string>()(kPackages + mirror)) +
                              ".tar.gz";
    if (!std::filesystem::exists(cache)) {
      const std::string fresh = work_ + "/fresh";
      Sh("debootstrap --variant=minbase --include=" + std::string(kPackages) + " bookworm " +
             fresh + " " + mirror,
         900s);
      Sh(std::string("mkdir -p ") + kCacheDir + " && tar -C " + fresh +
         " --numeric-owner --xattrs -czf " + cache + ".part . && mv " + cache + ".part " + cache);
      Sh("rm -rf " + fresh);
    }
    Sh("mkdir -p " + tree_ + " && tar -C " + tree_ + " --numeric-owner --xattrs -xzf " + cache);
  }

  // The package this build makes, installed as an admin would (dpkg checks
  // that its declared dependencies are met).
  void InstallPackage() {
    Sh("cpack -G DEB --config " SOS_BINARY_DIR "/CPackConfig.cmake -B " + work_ +
       "/pkg >/dev/null");
    Sh("cp " + work_ + "/pkg/sos_*.deb " + tree_ + "/tmp/sos.deb");
    Sh("chroot " + tree_ + " dpkg -i /tmp/sos.deb");
    // Nothing is enabled by the package itself.
    EXPECT_FALSE(std::filesystem::exists(
        tree_ + "/etc/systemd/system/multi-user.target.wants/sosd.service"));
    EXPECT_EQ(RunCommand("chroot " + tree_ + " getent passwd sos").status, 0);
  }

  void Configure() {
    WriteText(tree_ + "/etc/default/sosd",
              std::string("SOS_ROOT_ACCESS_KEY=") + kAccessKey + "\nSOS_ROOT_SECRET_KEY=" +
                  kSecretKey + "\nSOS_LISTEN=127.0.0.1:" + std::to_string(port_) + "\n",
              0600);
    WriteText(tree_ + "/etc/sos/mounts/photos.passwd",
              std::string(kAccessKey) + ":" + kSecretKey + "\n", 0600);
    WriteText(tree_ + "/etc/sos/mounts/photos.conf",
              "BUCKET=photos\nMOUNTPOINT=/mnt/photos\nENDPOINT=" + endpoint_ +
                  "\nCREDENTIALS=/etc/sos/mounts/photos.passwd\nOPTIONS=allow_other\n",
              0600);
    // Described but not enabled, and not on this machine: no tie to sosd.
    WriteText(tree_ + "/etc/sos/mounts/remote.conf",
              "BUCKET=elsewhere\nENDPOINT=https://sos-ch-gva-2.exo.io\n", 0600);
    const std::string options =
        "endpoint=" + endpoint_ + ",passwd_file=/etc/sos/mounts/photos.passwd";
    WriteText(tree_ + "/etc/fstab",
              "backups /mnt/backups fuse.sosfs _netdev,allow_other," + options + " 0 0\n" +
                  "docs /mnt/docs fuse.sosfs _netdev,x-systemd.automount,allow_other," + options +
                  " 0 0\n",
              0644);
    Sh("mkdir -p " + tree_ + "/mnt/backups " + tree_ + "/mnt/docs");
    Sh("systemctl --root=" + tree_ + " enable sosd.service sosfs@photos.service");
    Sh("mknod -m 0666 " + work_ + "/fuse c 10 229");  // the container's own, not the host's node
  }

  void Boot() {
    RunResult r =
        RunCommand("setsid systemd-nspawn --boot --register=no --keep-unit -D " + tree_ +
                   " --bind=" + work_ + "/fuse:/dev/fuse --console=read-only </dev/null >>" +
                   work_ + "/console.log 2>&1 & echo $!");
    ASSERT_EQ(r.status, 0) << r.output;
    nspawn_ = std::stoi(r.output);
    const auto deadline = Clock::now() + 60s;
    while (leader_ <= 0 && Clock::now() < deadline) {
      RunResult p = RunCommand("pgrep -P " + std::to_string(nspawn_) + " -x systemd");
      if (p.status == 0) leader_ = std::stoi(p.output);
      std::this_thread::sleep_for(100ms);
    }
    ASSERT_GT(leader_, 0) << ReadFile(work_ + "/console.log");
    std::string state;
    while (Clock::now() < deadline) {
      state = Inside("systemctl is-system-running").output;
      if (state.rfind("running", 0) == 0 || state.rfind("degraded", 0) == 0) break;
      std::this_thread::sleep_for(200ms);
    }
    ASSERT_TRUE(state.rfind("running", 0) == 0 || state.rfind("degraded", 0) == 0)
        << state << ReadFile(work_ + "/console.log");
  }

  // Waits (bounded) until `command` inside succeeds.
  bool InsideEventually(const std::string& command, std::chrono::seconds limit) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      if (Inside(command).status == 0) return true;
      std::this_thread::sleep_for(250ms);
    }
    return false;
  }

  bool WaitForExit(std::chrono::seconds limit) {
    if (nspawn_ <= 0) return true;
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      if (::kill(nspawn_, 0) != 0 || !Alive(nspawn_)) {
        nspawn_ = leader_ = -1;
        return true;
      }
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  void PowerOff() {
    Inside("systemctl poweroff");
    ASSERT_TRUE(WaitForExit(180s)) << "the container did not power off\n"
                                   << ReadFile(work_ + "/console.log");
  }

  std::string work_, tree_, endpoint_;
  int port_ = 0;
  pid_t nspawn_ = -1, leader_ = -1;
};

TEST_F(BootE2eTest, SosdAndMountsStartAtBootAndPowerOffKeepsEveryWrite) {
  ASSERT_NO_FATAL_FAILURE(MakeTree());
  ASSERT_NO_FATAL_FAILURE(InstallPackage());
  ASSERT_NO_FATAL_FAILURE(Configure());

  // First boot: sosd answers; the buckets are made; sosfs@photos, which failed
  // while its bucket did not exist, comes up by itself.
  ASSERT_NO_FATAL_FAILURE(Boot());
  ASSERT_TRUE(InsideEventually("systemctl is-active -q sosd", 30s))
      << Inside("journalctl -b -u sosd --no-pager | tail -n 30").output;
  EXPECT_EQ(HttpGetStatus(endpoint_ + "/-/health", 5000ms), 200);
  for (const char* bucket : {"photos", "backups", "docs"}) {
    RunResult r = Aws(std::string("s3 mb s3://") + bucket);
    ASSERT_EQ(r.status, 0) << r.output;
  }
  EXPECT_TRUE(InsideEventually("mountpoint -q /mnt/photos", 60s))
      << Inside("journalctl -b -u sosfs@photos --no-pager | tail -n 30").output;
  ASSERT_NO_FATAL_FAILURE(PowerOff());

  // Second boot: everything is up at boot.
  WriteRandomFile(tree_ + "/root/big", 24 << 20, 11);
  ASSERT_NO_FATAL_FAILURE(Boot());
  EXPECT_TRUE(InsideEventually("systemctl is-active -q sosd", 30s));
  EXPECT_TRUE(InsideEventually("mountpoint -q /mnt/photos", 30s))
      << Inside("journalctl -b -u sosfs@photos --no-pager | tail -n 30").output;
  EXPECT_TRUE(InsideEventually("mountpoint -q /mnt/backups", 30s))
      << Inside("journalctl -b --no-pager | grep -i -e sosfs -e backups | tail -n 30").output;
  const std::string sosd_unit = Inside("systemctl show -p Type,User sosd").output;
  EXPECT_NE(sosd_unit.find("Type=notify"), std::string::npos) << sosd_unit;
  EXPECT_NE(sosd_unit.find("User=sos"), std::string::npos) << sosd_unit;
  // The generator made the mount of this machine's sosd depend on it.
  const std::string mount_unit =
      Inside("systemctl show -p Type,Requires,After sosfs@photos").output;
  EXPECT_NE(mount_unit.find("Type=notify"), std::string::npos) << mount_unit;
  const size_t requires_at = mount_unit.find("Requires=");
  ASSERT_NE(requires_at, std::string::npos) << mount_unit;
  const std::string requires_line =
      mount_unit.substr(requires_at, mount_unit.find('\n', requires_at) - requires_at);
  EXPECT_NE((requires_line + " ").find("sosd.service "), std::string::npos) << mount_unit;
  // The fstab line of the local sosd is tied to it the same way.
  const std::string fstab_unit = Inside("systemctl show -p Requires mnt-backups.mount").output;
  EXPECT_NE(fstab_unit.find("sosd.service"), std::string::npos)
      << fstab_unit;  // only Requires= shown
  const std::string remote_unit = Inside("systemctl show -p Requires sosfs@remote").output;
  EXPECT_EQ(remote_unit.find("sosd.service"), std::string::npos) << remote_unit;
  EXPECT_NE(Inside("systemctl is-enabled sosfs@remote").output.find("disabled"), std::string::npos);
  // The automount line: systemd made both units from it, the mount tied to
  // sosd like any local one; what autofs would start on first access mounts.
  const std::string automount =
      Inside("systemctl show -p LoadState,Where mnt-docs.automount").output;
  EXPECT_NE(automount.find("LoadState=loaded"), std::string::npos) << automount;
  EXPECT_NE(automount.find("Where=/mnt/docs"), std::string::npos) << automount;
  EXPECT_NE(Inside("systemctl show -p Requires mnt-docs.mount").output.find("sosd.service"),
            std::string::npos);
  RunResult started = Inside("systemctl start mnt-docs.mount");
  EXPECT_EQ(started.status, 0)
      << started.output << Inside("journalctl -b --no-pager | grep -i docs | tail -n 20").output;
  EXPECT_TRUE(InsideEventually("mountpoint -q /mnt/docs", 30s));
  for (const char* mount : {"/mnt/photos", "/mnt/backups", "/mnt/docs"}) {
    RunResult r = Inside(std::string("mkdir -p ") + mount + "/dir && cp /root/big " + mount +
                         "/big && echo hello > " + mount + "/dir/note");
    EXPECT_EQ(r.status, 0) << mount << ": " << r.output;
  }
  ASSERT_NO_FATAL_FAILURE(PowerOff());  // no sosctl mount wait: stopping must not lose them

  // The store, read by a sosd on the host: every write of the second boot is there.
  SosdProcess::Options options;
  options.access_key = kAccessKey;
  options.secret_key = kSecretKey;
  options.data_dir = tree_ + "/var/lib/private/sos";
  auto sosd = SosdProcess::Start(options);
  ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
  endpoint_ = (*sosd)->endpoint();
  for (const char* bucket : {"photos", "backups", "docs"}) {
    RunResult r = Aws(std::string("s3 cp s3://") + bucket + "/big " + work_ + "/got-" + bucket);
    ASSERT_EQ(r.status, 0) << bucket << ": " << r.output;
    EXPECT_EQ(RunCommand("cmp " + tree_ + "/root/big " + work_ + "/got-" + bucket).status, 0)
        << bucket;
    r = Aws(std::string("s3 cp s3://") + bucket + "/dir/note -");
    EXPECT_EQ(r.output, "hello\n") << bucket;
  }
  (*sosd)->Stop();

  // The package goes away cleanly: remove keeps the data and the user; purge
  // takes the configuration and the enabled links, never the stored objects.
  for (const char* page : {"/usr/share/man/man8/sosd.8", "/usr/share/man/man8/sosfs.8",
                           "/usr/share/man/man1/sosctl.1"}) {
    EXPECT_TRUE(std::filesystem::exists(tree_ + page)) << page;
  }
  Sh("chroot " + tree_ + " dpkg --remove sos");
  EXPECT_FALSE(std::filesystem::exists(tree_ + "/usr/bin/sosfs"));
  EXPECT_TRUE(std::filesystem::exists(tree_ + "/var/lib/private/sos/drive0"));
  EXPECT_EQ(RunCommand("chroot " + tree_ + " getent passwd sos").status, 0);
  Sh("chroot " + tree_ + " dpkg --purge sos");
  EXPECT_FALSE(std::filesystem::exists(tree_ + "/usr/bin/sosd"));
  EXPECT_FALSE(std::filesystem::exists(tree_ + "/usr/lib/systemd/system/sosd.service"));
  EXPECT_FALSE(std::filesystem::exists(tree_ + "/etc/sos"));
  EXPECT_FALSE(
      std::filesystem::exists(tree_ + "/etc/systemd/system/multi-user.target.wants/sosd.service"));
  EXPECT_TRUE(std::filesystem::exists(tree_ + "/var/lib/private/sos/drive0"));
}

// The generator alone (no boot): which mounts it ties to the local sosd.
TEST(MountGeneratorTest, TiesLocalMountsToSosdAndLeavesRemoteOnes) {
  char tmpl[] = "/tmp/sos-generator-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  std::filesystem::create_directories(dir + "/mounts");
  std::ofstream(dir + "/mounts/local.conf") << "BUCKET=a\nENDPOINT=http://127.0.0.1:8000\n";
  std::ofstream(dir + "/mounts/default.conf") << "BUCKET=b\n";
  std::ofstream(dir + "/mounts/far.conf") << "BUCKET=c\nENDPOINT=https://sos-ch-gva-2.exo.io\n";
  std::ofstream(dir + "/fstab")
      << "# comment\n"
      << "backups /mnt/backups fuse.sosfs _netdev,endpoint=http://localhost:9000 0 0\n"
      << "far /mnt/far fuse.sosfs _netdev,url=https://sos-ch-gva-2.exo.io 0 0\n"
      << "early /mnt/early fuse.sosfs allow_other 0 0\n"  // no _netdev: not ordered after sosd
      << "/dev/sda1 / ext4 defaults 0 1\n"
      // endpoint= naming a region, s3fs-style: the local sosd; no newline at the end.
      << "docs /mnt/my\\040docs fuse.sosfs allow_other,_netdev,endpoint=us-east-1 0 0";
  RunResult r = RunCommand("SOS_MOUNTS_DIR=" + dir + "/mounts SOS_FSTAB=" + dir +
                           "/fstab sh " SOS_MOUNT_GENERATOR " " + dir + "/out && cd " + dir +
                           "/out && find . -type f | sort");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output,
            "./mnt-backups.mount.d/50-local-sosd.conf\n"
            "./mnt-my\\x20docs.mount.d/50-local-sosd.conf\n"
            "./sosfs@default.service.d/50-local-sosd.conf\n"
            "./sosfs@local.service.d/50-local-sosd.conf\n");
  std::ifstream in(dir + "/out/mnt-backups.mount.d/50-local-sosd.conf");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "[Unit]\nRequires=sosd.service\nAfter=sosd.service\n");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sos::testing
