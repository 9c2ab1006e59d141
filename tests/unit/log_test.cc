// The logging setup: levels and targets as configured, stderr while it leads
// somewhere, syslog once it leads to /dev/null (a daemonised sosfs), and an
// access log whose lines all arrive, with their timestamp.
#include "s3core/log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace sos {
namespace {

TEST(Log, LevelsAndTargetsAreValidated) {
  for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    EXPECT_TRUE(ValidateLogLevel(level).ok()) << level;
  }
  for (const char* level : {"", "INFO", "warning", "verbose"}) {
    EXPECT_FALSE(ValidateLogLevel(level).ok()) << level;
  }
  EXPECT_EQ(ParseLogTarget("syslog").value(), LogTarget::kSyslog);
  EXPECT_EQ(ParseLogTarget("stderr").value(), LogTarget::kStderr);
  EXPECT_EQ(ParseLogTarget("auto").value(), LogTarget::kAuto);
  EXPECT_FALSE(ParseLogTarget("journal").ok());
  EXPECT_FALSE(InitLogging({"t", "loud"}).ok());
}

// Runs `body` in a child whose stderr is `stderr_path`; the child's exit code.
int InChild(const char* stderr_path, void (*body)()) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ::dup2(fd, STDERR_FILENO) < 0) ::_exit(90);
    body();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

bool DefaultSinkIsSyslog() {
  auto& sinks = spdlog::default_logger()->sinks();
  return sinks.size() == 1 &&
         std::dynamic_pointer_cast<spdlog::sinks::syslog_sink_mt>(sinks[0]) != nullptr;
}

TEST(Log, AutoPicksSyslogOnceStderrIsDevNull) {
  EXPECT_EQ(InChild("/dev/null", [] {
              if (!InitLogging({"sosfs"}).ok()) ::_exit(1);
              ::_exit(DefaultSinkIsSyslog() ? 0 : 2);
            }),
            0);
  const std::string file = ::testing::TempDir() + "/log-test-stderr";
  EXPECT_EQ(InChild(file.c_str(), [] {
              if (!InitLogging({"sosfs"}).ok()) ::_exit(1);
              ::_exit(DefaultSinkIsSyslog() ? 2 : 0);
            }),
            0);
  std::remove(file.c_str());
}

TEST(Log, AccessLinesAllArriveStampedAndLevelsFilter) {
  const std::string file = ::testing::TempDir() + "/log-test-access";
  ASSERT_EQ(InChild(file.c_str(), [] {
              if (!InitLogging({"sosd", "info", LogTarget::kStderr, /*access_log=*/true}).ok()) {
                ::_exit(1);
              }
              for (int i = 0; i < 20000; ++i) AccessLog()->info("request {}", i);
              spdlog::debug("not shown at info");
              spdlog::warn("shown");
              ShutdownLogging();
            }),
            0);
  std::ifstream in(file);
  std::string line;
  int requests = 0;
  bool warned = false;
  bool debug = false;
  while (std::getline(in, line)) {
    if (line.find(" access info: request ") != std::string::npos) ++requests;
    warned |= line.find("sosd warning: shown") != std::string::npos;
    debug |= line.find("not shown") != std::string::npos;
    // 2026-12-04T23:42:42.189+00:00: a timestamp first.
    EXPECT_TRUE(line.size() > 20 && line[4] == '-' && line[10] == 'T') << line;
  }
  EXPECT_EQ(requests, 20000) << "every queued line is written by shutdown";
  EXPECT_TRUE(warned);
  EXPECT_FALSE(debug);
  std::remove(file.c_str());
}

// write(2) calls made by this process so far (/proc/self/io's syscw).
long WriteCalls() {
  std::ifstream io("/proc/self/io");
  std::string key;
  long value = 0;
  while (io >> key >> value) {
    if (key == "syscw:") return value;
  }
  return -1;
}

bool FileHas(const char* path, const std::string& text) {
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  return all.str().find(text) != std::string::npos;
}

// A busy server's lines share write(2) calls, and an idle server's last line
// still reaches the file soon, without a flush or a shutdown.
TEST(Log, AccessLinesAreWrittenInBatchesAndSoon) {
  static const std::string file = ::testing::TempDir() + "/log-test-batches";
  ASSERT_EQ(InChild(file.c_str(), [] {
              if (!InitLogging({"sosd", "info", LogTarget::kStderr, /*access_log=*/true}).ok()) {
                ::_exit(1);
              }
              const long before = WriteCalls();
              for (int i = 0; i < 20000; ++i) AccessLog()->info("request {}", i);
              const long writes = WriteCalls() - before;
              if (before < 0 || writes > 2000) ::_exit(2);  // one per line would be 20,000
              AccessLog()->info("the last one");
              for (int i = 0; i < 100 && !FileHas(file.c_str(), "the last one"); ++i) {
                ::usleep(10 * 1000);
              }
              ::_exit(FileHas(file.c_str(), "the last one") ? 0 : 3);  // no ShutdownLogging
            }),
            0);
  std::remove(file.c_str());
}

}  // namespace
}  // namespace sos
