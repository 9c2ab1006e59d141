// `cmake --install build [--prefix P]`, as the README describes it, at the
// configured prefix and at /usr (into a DESTDIR, so the machine is not
// touched): the programs in P/bin, units in P/lib/systemd/system that start
// them from there, the mount generator, /etc/sos/sosd.toml and a private
// /etc/sos/mounts, shell completion and the three man pages.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "tests/fuse/sosfs_harness.h"

namespace sos::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class InstallTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sos-install-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string root_;
};

TEST_P(InstallTest, PutsEveryFileWhereTheUnitsAndToolsLookForIt) {
  const std::string prefix = GetParam().empty() ? SOS_INSTALL_PREFIX : GetParam();
  const std::string flag = GetParam().empty() ? "" : " --prefix " + GetParam();
  RunResult r = RunCommand("DESTDIR=" + root_ + " cmake --install " SOS_BINARY_DIR + flag, 300s);
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string top = root_ + prefix;

  for (const char* program : {"sosd", "sosfs", "sosctl"}) {
    struct stat st {};
    ASSERT_EQ(::stat((top + "/bin/" + program).c_str(), &st), 0) << program;
    EXPECT_TRUE(st.st_mode & S_IXUSR) << program;
  }
  // The units start the programs where this install put them.
  const std::string units = top + "/lib/systemd/system/";
  EXPECT_NE(Slurp(units + "sosd.service").find("\nExecStart=" + prefix + "/bin/sosd\n"),
            std::string::npos)
      << Slurp(units + "sosd.service");
  EXPECT_NE(Slurp(units + "sosfs@.service").find("\nExecStart=" + prefix + "/bin/sosfs "),
            std::string::npos)
      << Slurp(units + "sosfs@.service");
  EXPECT_EQ(Slurp(units + "sosd.service").find("@SOS_"), std::string::npos);
  EXPECT_TRUE(fs::exists(top + "/lib/systemd/system-generators/sos-mount-generator"));

  // The configuration lives in /etc whatever the prefix; mount files are root's only.
  EXPECT_NE(Slurp(root_ + "/etc/sos/sosd.toml").find("# listen = \"127.0.0.1:8000\""),
            std::string::npos);
  struct stat mounts {};
  ASSERT_EQ(::stat((root_ + "/etc/sos/mounts").c_str(), &mounts), 0);
  EXPECT_EQ(mounts.st_mode & 07777, 0700u);

  EXPECT_NE(Slurp(top + "/share/bash-completion/completions/sosctl").find("sosctl"),
            std::string::npos);
  EXPECT_TRUE(fs::exists(top + "/share/zsh/vendor-completions/_sosctl"));
  for (const char* page :
       {"/share/man/man8/sosd.8", "/share/man/man8/sosfs.8", "/share/man/man1/sosctl.1"}) {
    EXPECT_NE(Slurp(top + page).find(".TH "), std::string::npos) << page;
  }
  // Nothing lands outside the prefix and /etc.
  RunResult stray = RunCommand("cd " + root_ + " && find . -mindepth 1 -maxdepth 1 | sort");
  const std::string first = prefix.substr(0, prefix.find('/', 1));
  EXPECT_EQ(stray.output, "./etc\n." + first + "\n");
}

// "" is the prefix the build was configured with (/usr/local unless told).
INSTANTIATE_TEST_SUITE_P(Prefixes, InstallTest, ::testing::Values("", "/usr"),
                         [](const auto& info) {
                           return info.param.empty() ? std::string("Configured")
                                                     : std::string("Usr");
                         });

}  // namespace
}  // namespace sos::testing
