// The marks of sosfs processes still sending after an unmount: a live
// process's mark is seen until it is dropped; a dead process's is ignored.
#include "s3core/draining_mounts.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sos {
namespace {

class DrainingMountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sos-draining-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = std::string(tmpl) + "/run";  // made by the first mark
  }
  void TearDown() override { std::filesystem::remove_all(std::filesystem::path(dir_).parent_path()); }
  std::string dir_;
};

TEST_F(DrainingMountsTest, ALiveProcessIsSeenUntilItsMarkGoes) {
  EXPECT_TRUE(DrainingMounts(dir_).empty());  // no directory yet
  {
    DrainingMark mark(dir_, "/mnt/backups");
    EXPECT_EQ(DrainingMounts(dir_), std::vector<pid_t>{::getpid()});
  }
  EXPECT_TRUE(DrainingMounts(dir_).empty());
}

TEST_F(DrainingMountsTest, MarksOfDeadProcessesAndOtherFilesAreIgnored) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);  // reaped: the pid is free
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ + "/draining-" + std::to_string(child)) << "/mnt/x\n";
  std::ofstream(dir_ + "/draining-12abc") << "/mnt/y\n";
  std::ofstream(dir_ + "/other") << "\n";
  EXPECT_TRUE(DrainingMounts(dir_).empty());
}

}  // namespace
}  // namespace sos
