// Files at rest are private to the user running the engine: whatever the
// umask, everything it creates under the data dir and the drives (index,
// journals and snapshots, which hold keys' secrets; blobs; markers) has no
// group or other permission, and modes loosened since are repaired at Open.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "daemon/storage/fs_util.h"
#include "daemon/storage/storage_engine_impl.h"
#include "tests/support/storage_test_util.h"

namespace sos {
namespace {

namespace fs = std::filesystem;
using testing::Pattern;
using testing::PutBytes;
using testing::TempDir;

constexpr uint32_t kBlock = 64 << 10;

class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// Every path under `root` (itself included) that a group or other user may
// use ("path 0644"); symbolic links, whose own mode means nothing, excepted.
std::vector<std::string> Exposed(const std::string& root) {
  std::vector<std::string> out;
  auto check = [&](const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || S_ISLNK(st.st_mode)) return;
    if ((st.st_mode & 077) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      out.push_back(path + " " + mode);
    }
  };
  check(root);
  for (const auto& entry : fs::recursive_directory_iterator(root)) check(entry.path().string());
  return out;
}

size_t Count(const std::string& root) {
  size_t n = 0;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    ++n;
  }
  return n;
}

class StorageFileModesTest : public ::testing::Test {
 protected:
  std::unique_ptr<StorageEngineImpl> Open() {
    StorageOptions o = testing::QuietOptions(data_, &log_);
    o.block_size = kBlock;
    o.drives = {data_ + "/drive0", dir_ / "elsewhere/drive1", data_ + "/drive2"};
    auto e = StorageEngineImpl::Open(o);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? std::move(e).value() : nullptr;
  }

  // Accounts, keys, buckets, objects of one and several blocks, a multipart
  // upload, a journal checkpoint (snapshot), deletes.
  void Populate(StorageEngineImpl& e) {
    const std::string owner(64, '1');
    ASSERT_TRUE(e.CreateAccount({owner, "one", {}}).ok());
    ASSERT_TRUE(e.AddKey({"AKPRIVATE", "the-secret-of-one", owner, {}}).ok());
    ASSERT_TRUE(e.CreateBucket({"b", owner, {}, "", ""}).ok());
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(PutBytes(e, "b", "k" + std::to_string(i), Pattern(i * kBlock + 7, i)).ok());
    }
    ObjectRecord object;
    object.meta.key = "multi";
    object.owner_id = owner;
    auto upload = e.CreateUpload("b", "multi", object);
    ASSERT_TRUE(upload.ok()) << upload.status().ToString();
    std::string md5;
    auto seg = testing::WriteBlob(e, Pattern(kBlock, 9), &md5);
    ASSERT_TRUE(seg.ok());
    ASSERT_TRUE(e.PutPart(upload->upload_id, {1, testing::QuotedMd5(md5), kBlock, {}, *seg}).ok());
    ASSERT_TRUE(e.Checkpoint().ok());
    ASSERT_TRUE(e.DeleteObject("b", "k1").ok());
    ASSERT_TRUE(e.CollectGarbage().ok());
  }

  TempDir dir_;
  const std::string data_ = dir_ / "srv/sos";  // the engine creates srv/ too
  testing::LogCapture log_;
};

TEST_F(StorageFileModesTest, EverythingCreatedUnderUmaskZeroIsPrivate) {
  ScopedUmask umask(0);
  auto engine = Open();
  ASSERT_TRUE(engine);
  Populate(*engine);
  engine.reset();   // writes the clean marker
  engine = Open();  // and a second Open on the same files
  ASSERT_TRUE(engine);
  EXPECT_TRUE(testing::ReadAll(*engine, "b", "k4").ok());
  engine.reset();

  // The whole tree, not only the top levels Open repairs.
  EXPECT_GT(Count(dir_.path()), 30u);
  EXPECT_EQ(Exposed(dir_.path()), std::vector<std::string>());
  EXPECT_EQ(ModeOf(data_), 0700u);
  EXPECT_EQ(ModeOf(data_ + "/index/data.mdb"), 0600u);
  EXPECT_EQ(ModeOf(data_ + "/drive0/journal"), 0700u);
  EXPECT_EQ(ModeOf(dir_ / "elsewhere"), 0700u);  // a drive's parents, too
  for (const auto& line : log_.lines) {
    EXPECT_EQ(line.find("mode of"), std::string::npos) << "nothing to repair: " << line;
  }
}

TEST_F(StorageFileModesTest, LoosenedModesAreRepairedAtOpen) {
  auto engine = Open();
  ASSERT_TRUE(engine);
  Populate(*engine);
  engine.reset();

  // Everything opened up, as a copy or a chmod -R might leave it.
  std::vector<std::string> blob_files;
  for (const auto& entry : fs::recursive_directory_iterator(dir_.path())) {
    const std::string path = entry.path().string();
    ASSERT_EQ(::chmod(path.c_str(), entry.is_directory() ? 0777 : 0666), 0) << path;
    if (path.find("/blobs/") != std::string::npos && entry.is_regular_file()) {
      blob_files.push_back(path);
    }
  }
  ASSERT_FALSE(blob_files.empty());
  // A link in the data dir is not followed: its target keeps its mode.
  const std::string outside = dir_ / "outside";
  std::ofstream(outside) << "not ours";
  ASSERT_EQ(::chmod(outside.c_str(), 0644), 0);
  ASSERT_EQ(::symlink(outside.c_str(), (data_ + "/link").c_str()), 0);

  engine = Open();
  ASSERT_TRUE(engine);
  EXPECT_TRUE(testing::ReadAll(*engine, "b", "k4").ok());

  // The top levels are private again: the data dir and its entries, the
  // index files, each drive and its entries, the journal files.
  std::vector<std::string> top = {data_, data_ + "/index", data_ + "/index/data.mdb",
                                  data_ + "/index/lock.mdb"};
  for (const std::string& drive :
       {data_ + "/drive0", dir_ / "elsewhere/drive1", data_ + "/drive2"}) {
    for (const char* entry : {"", "/SOSDRIVE", "/blobs", "/tmp", "/journal"}) {
      top.push_back(drive + entry);
    }
    for (const auto& log : fs::directory_iterator(drive + "/journal")) {
      top.push_back(log.path().string());
    }
  }
  for (const auto& entry : fs::directory_iterator(data_)) top.push_back(entry.path().string());
  for (const std::string& path : top) {
    if (path == data_ + "/link") continue;
    EXPECT_EQ(ModeOf(path) & 077, 0u) << path;
  }
  // Deeper, nothing was walked (blob files keep 0666), but nobody else can
  // reach them: blobs/ is 0700.
  EXPECT_EQ(ModeOf(blob_files.front()), 0666u);
  EXPECT_EQ(ModeOf(outside), 0644u);
  bool logged = false;
  for (const auto& line : log_.lines) {
    logged = logged || line.find("mode of " + data_ + "/index/data.mdb was 0666, now 0600") !=
                           std::string::npos;
  }
  EXPECT_TRUE(logged) << "each repair is logged";
}

TEST(StorageFsUtilTest, MakeDirsCreatesEveryLevelPrivate) {
  ScopedUmask umask(0);
  TempDir dir;
  ASSERT_TRUE(storage::MakeDirs(dir / "a/b/c").ok());
  ASSERT_TRUE(storage::MakeDirs(dir / "a/b/c").ok());  // existing is fine
  for (const char* path : {"a", "a/b", "a/b/c"}) EXPECT_EQ(ModeOf(dir / path), 0700u) << path;
  std::ofstream(dir / "file") << "x";
  EXPECT_FALSE(storage::MakeDirs(dir / "file").ok());
  EXPECT_FALSE(storage::MakeDirs(dir / "file/x").ok());
}

}  // namespace
}  // namespace sos
