// Crash safety: a child process writes, overwrites, copies, deletes and
// completes multipart uploads in a loop and reports every acknowledged
// operation on a pipe; it is SIGKILLed at random moments (also while opening
// and recovering, and while checkpointing). After each kill the store is
// reopened: every acknowledged operation must be visible, byte for byte, and
// no blob file may exist that the index does not reference.
//
// The child is this binary re-executed (fork + exec, so that it starts with
// fresh threads) running the StorageCrashChild.Writer test.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <sstream>

#include "daemon/storage/storage_engine.h"
#include "tests/support/storage_test_util.h"
#include "s3core/crypto.h"

namespace sos {
namespace {

using testing::Pattern;

constexpr uint32_t kBlock = 16 << 10;
constexpr const char* kDirEnv = "SOS_CRASH_CHILD_DIR";
constexpr const char* kFdEnv = "SOS_CRASH_CHILD_FD";

StorageOptions CrashOptions(const std::string& dir, bool background) {
  StorageOptions o = testing::QuietOptions(dir);
  o.block_size = kBlock;
  o.checkpoint_bytes = 4 << 10;  // checkpoints often, so kills hit them too
  if (background) o.maintenance_interval = std::chrono::milliseconds(10);
  return o;
}

struct Content {
  uint32_t seed = 0;
  uint64_t size = 0;
  bool multipart = false;
  uint32_t seed2 = 0;
  uint64_t size2 = 0;
  std::string Bytes() const {
    std::string b = Pattern(size, seed);
    if (multipart) b += Pattern(size2, seed2);
    return b;
  }
};

void Say(int fd, const std::string& line) {
  std::string l = line + "\n";
  ASSERT_EQ(::write(fd, l.data(), l.size()), static_cast<ssize_t>(l.size()));
}

// Runs only inside the child.
TEST(StorageCrashChild, Writer) {
  const char* dir = std::getenv(kDirEnv);
  const char* fd_text = std::getenv(kFdEnv);
  if (!dir || !fd_text) GTEST_SKIP() << "only runs as the crash test's child";
  int fd = std::atoi(fd_text);
  auto opened = StorageEngine::Open(CrashOptions(dir, true));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  StorageEngine& engine = **opened;
  Status st = engine.CreateBucket({"b", "owner", {}, "", ""});
  ASSERT_TRUE(st.ok() || st.code() == StatusCode::kAlreadyExists);
  Say(fd, "READY");
  std::mt19937 rng(static_cast<uint32_t>(::getpid()));
  for (uint32_t n = 0;; ++n) {
    std::string key = "k" + std::to_string(rng() % 40);
    uint32_t seed = rng();
    uint64_t size = rng() % (3 * kBlock + 10);
    int op = static_cast<int>(rng() % 10);
    Say(fd, "B " + key);
    if (op < 6) {
      auto put = testing::PutBytes(engine, "b", key, Pattern(size, seed));
      ASSERT_TRUE(put.ok()) << put.status().ToString();
      Say(fd, "P " + key + " " + std::to_string(seed) + " " + std::to_string(size));
    } else if (op < 7) {
      ASSERT_TRUE(engine.DeleteObject("b", key).ok());
      Say(fd, "D " + key);
    } else if (op < 9) {
      std::string src = "k" + std::to_string(rng() % 40);
      ObjectRecord dst;
      dst.meta.key = key;
      auto copy = engine.CopyObject("b", src, "b", dst);
      if (copy.ok()) {
        Say(fd, "C " + key + " " + src);
      } else {
        ASSERT_EQ(copy.status().code(), StatusCode::kNotFound);
        Say(fd, "N " + key);  // nothing changed
      }
    } else {
      auto up = engine.CreateUpload("b", key, {});
      ASSERT_TRUE(up.ok());
      uint32_t seed2 = rng();
      uint64_t size2 = rng() % 1000;
      std::vector<CompletedPart> parts;
      for (auto [s, z, part] : {std::tuple{seed, uint64_t{kBlock}, 1}, {seed2, size2, 2}}) {
        std::string bytes = Pattern(z, s);
        auto seg = testing::WriteBlob(engine, bytes);
        ASSERT_TRUE(seg.ok());
        PartRecord p{part, testing::QuotedMd5(Md5(bytes)), z, {}, *seg};
        ASSERT_TRUE(engine.PutPart(up->upload_id, p).ok());
        parts.push_back({part, p.etag});
      }
      ASSERT_TRUE(engine.CompleteUpload(up->upload_id, parts, {}, kBlock).ok());
      Say(fd, "M " + key + " " + std::to_string(seed) + " " + std::to_string(seed2) + " " +
                  std::to_string(size2));
    }
  }
}

class StorageCrashTest : public ::testing::Test {
 protected:
  // Starts the child; returns its acknowledgements once it has been killed
  // `delay` after start.
  std::string RunAndKill(std::chrono::milliseconds delay) {
    int pipefd[2];
    EXPECT_EQ(::pipe(pipefd), 0);
    pid_t pid = ::fork();
    if (pid == 0) {
      ::close(pipefd[0]);
      ::setenv(kDirEnv, dir_.path().c_str(), 1);
      ::setenv(kFdEnv, std::to_string(pipefd[1]).c_str(), 1);
      ::execl("/proc/self/exe", "storage_crash_test", "--gtest_filter=StorageCrashChild.Writer",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(pipefd[1]);
    std::string acks;
    auto deadline = std::chrono::steady_clock::now() + delay;
    bool killed = false;
    char buf[4096];
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (!killed && left <= 0) {
        ::kill(pid, SIGKILL);
        killed = true;
      }
      pollfd p{pipefd[0], POLLIN, 0};
      ::poll(&p, 1, killed ? 1000 : static_cast<int>(std::max<long>(left, 1)));
      if (p.revents & (POLLIN | POLLHUP)) {
        ssize_t n = ::read(pipefd[0], buf, sizeof buf);
        if (n > 0) {
          acks.append(buf, static_cast<size_t>(n));
        } else if (n == 0) {
          break;  // the child is gone
        }
      }
    }
    ::close(pipefd[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status)) << "child exited by itself: " << status << "\n" << acks;
    return acks;
  }

  // Applies acknowledged lines to the model; returns the key of an operation
  // that was running when the child died (either outcome is then fine).
  std::optional<std::string> Apply(const std::string& acks) {
    std::optional<std::string> open;
    std::istringstream in(acks);
    std::string line;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // a torn last line
      std::istringstream f(line);
      std::string op, key;
      f >> op >> key;
      if (op == "B") {
        open = key;
        continue;
      }
      if (op == "P") {
        Content c;
        f >> c.seed >> c.size;
        model_[key] = c;
      } else if (op == "D") {
        model_[key].reset();
      } else if (op == "C") {
        std::string src;
        f >> src;
        model_[key] = model_[src];
      } else if (op == "M") {
        Content c;
        c.multipart = true;
        c.size = kBlock;
        f >> c.seed >> c.seed2 >> c.size2;
        model_[key] = c;
      }
      if (op != "READY") open.reset();
    }
    return open;
  }

  testing::TempDir dir_;
  std::map<std::string, std::optional<Content>> model_;
};

TEST_F(StorageCrashTest, KilledWriterLosesNothingAcknowledged) {
  if (std::getenv(kDirEnv)) GTEST_SKIP();
  std::mt19937 rng(12345);
  int acknowledged = 0;
  {
    // The bucket exists before the first kill, however slowly the child starts.
    auto opened = StorageEngine::Open(CrashOptions(dir_.path(), false));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    ASSERT_TRUE((*opened)->CreateBucket({"b", "owner", {}, "", ""}).ok());
  }
  for (int round = 0; round < 10; ++round) {
    // Mostly mid-traffic; sometimes during Open/recovery itself.
    auto delay = std::chrono::milliseconds(round % 4 == 3 ? 5 + rng() % 30 : 150 + rng() % 500);
    std::string acks = RunAndKill(delay);
    std::optional<std::string> uncertain = Apply(acks);
    acknowledged += static_cast<int>(std::count(acks.begin(), acks.end(), '\n'));

    auto opened = StorageEngine::Open(CrashOptions(dir_.path(), false));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    StorageEngine& engine = **opened;
    for (const auto& [key, content] : model_) {
      if (uncertain && key == *uncertain) continue;
      auto got = testing::ReadAll(engine, "b", key);
      if (!content) {
        EXPECT_EQ(got.status().code(), StatusCode::kNotFound) << "round " << round << " " << key;
        continue;
      }
      ASSERT_TRUE(got.ok()) << "round " << round << " " << key << ": " << got.status().ToString();
      EXPECT_TRUE(*got == content->Bytes()) << "round " << round << " " << key;
    }
    if (uncertain) {
      // Whatever the killed operation left must be one whole version.
      auto head = engine.HeadObject("b", *uncertain);
      if (head.ok()) {
        EXPECT_TRUE(testing::ReadRecord(engine, *head).ok());
      }
    }
    // Open after a crash already collected; no blob file is unreferenced.
    auto stats = engine.Stats();
    ASSERT_TRUE(stats.ok());
    for (int d = 0; d < 3; ++d) {
      std::string drive = testing::DrivePath(dir_.path(), d);
      EXPECT_EQ(testing::BlobFiles(drive).size(), stats->blobs) << "round " << round;
      EXPECT_TRUE(testing::BlobFiles(drive + "/tmp").empty());
    }
    EXPECT_TRUE(engine.ListUploads("b", "").ok());
    // The model may have missed the uncertain key's version; forget it.
    if (uncertain) {
      auto head = engine.HeadObject("b", *uncertain);
      model_.erase(*uncertain);
      if (head.ok()) {
        // Unknown content: delete it so later rounds start from a known state.
        ASSERT_TRUE(engine.DeleteObject("b", *uncertain).ok());
      }
      model_[*uncertain].reset();
    }
    // Uploads left behind by a kill are aborted, so part blobs do not pile up.
    auto uploads = engine.ListUploads("b", "");
    ASSERT_TRUE(uploads.ok());
    for (const UploadRecord& u : *uploads) {
      ASSERT_TRUE(engine.AbortUpload(u.upload_id).ok());
    }
  }
  EXPECT_GT(acknowledged, 50);

  // The journals written through all those kills rebuild the same store.
  std::filesystem::remove_all(dir_.path() + "/index");
  auto opened = StorageEngine::Open(CrashOptions(dir_.path(), false));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  StorageEngine& engine = **opened;
  size_t live = 0;
  for (const auto& [key, content] : model_) {
    auto got = testing::ReadAll(engine, "b", key);
    if (!content) {
      EXPECT_EQ(got.status().code(), StatusCode::kNotFound) << key;
      continue;
    }
    ++live;
    ASSERT_TRUE(got.ok()) << key << ": " << got.status().ToString();
    EXPECT_TRUE(*got == content->Bytes()) << key;
  }
  auto stats = engine.Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->objects, live);
  for (int d = 0; d < 3; ++d) {
    EXPECT_EQ(testing::BlobFiles(testing::DrivePath(dir_.path(), d)).size(), stats->blobs);
  }
}

}  // namespace
}  // namespace sos
