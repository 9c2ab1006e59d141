// LineLog: every line arrives whole, once, and nothing queued is lost at exit.
#include "daemon/s3api/line_log.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>

#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace sos::s3api {
namespace {

// Everything readable from fd until EOF.
std::string Drain(int fd) {
  std::string out;
  char buf[64 << 10];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

TEST(LineLogTest, LinesFromManyThreadsArriveWholeAndOnce) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string written;
  std::thread reader([&] { written = Drain(fds[0]); });
  constexpr int kThreads = 8;
  constexpr int kLines = 2000;
  {
    LineLog log(fds[1]);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&log, t] {
        // Lines of different lengths, so a split or interleaving shows.
        for (int i = 0; i < kLines; ++i) {
          log.Append("t" + std::to_string(t) + " i" + std::to_string(i) + " " +
                     std::string(static_cast<size_t>(i % 97), 'x'));
        }
      });
    }
    for (auto& th : threads) th.join();
  }  // the destructor writes what is still queued
  ::close(fds[1]);
  reader.join();
  ::close(fds[0]);

  std::map<std::string, int> seen;
  std::istringstream in(written);
  std::string line;
  while (std::getline(in, line)) ++seen[line];
  ASSERT_EQ(seen.size(), size_t{kThreads * kLines});
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kLines; ++i) {
      std::string expect = "t" + std::to_string(t) + " i" + std::to_string(i) + " " +
                           std::string(static_cast<size_t>(i % 97), 'x');
      ASSERT_EQ(seen[expect], 1) << expect;
    }
  }
}

TEST(LineLogTest, AnIdleLogWritesALineWithoutWaitingForMore) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_EQ(::fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);  // polled below, with a bound
  std::string got;
  {
    LineLog log(fds[1]);
    log.Append("only line");
    for (int i = 0; i < 200 && got.find('\n') == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      char buf[64];
      ssize_t n = ::read(fds[0], buf, sizeof(buf));
      if (n > 0) got.append(buf, static_cast<size_t>(n));
    }
    EXPECT_EQ(got, "only line\n") << "the line did not come out while the log stayed open";
  }
  ::close(fds[1]);
  ::close(fds[0]);
}

}  // namespace
}  // namespace sos::s3api
