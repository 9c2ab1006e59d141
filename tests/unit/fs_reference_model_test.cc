// A randomized reference-model test: seeded random sequences of file system
// operations are applied to the Filesystem and to a real local directory; the
// errors must agree after every operation, and at the end (and after a
// remount, and after a remount with an empty cache) both trees must agree
// entry by entry and byte by byte.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "fuse/core/filesystem.h"
#include "fuse/core/fs_errors.h"
#include "fuse/fuse_adapter.h"
#include "tests/support/faulty_object_store.h"
#include "tests/support/memory_object_store.h"
#include "tests/unit/fs_fixture.h"

namespace sos {
namespace {

using namespace std::chrono_literals;

// What a tree holds at one path.
struct Node {
  char type = '?';  // f, d, l
  uint32_t perm = 0;
  std::string data;  // file bytes or symlink target
  bool operator==(const Node& o) const {
    return type == o.type && perm == o.perm && data == o.data;
  }
};
using Tree = std::map<std::string, Node>;

std::string Describe(const Tree& t) {
  std::ostringstream out;
  for (const auto& [path, n] : t) {
    out << "  " << n.type << " " << std::oct << n.perm << std::dec << " " << path << " ("
        << n.data.size() << " bytes)\n";
  }
  return out.str();
}

class FsReferenceModelTest : public FsFixture {
 protected:
  FsReferenceModelTest() : FsFixture(StoreOptions()) {}
  FilesystemOptions Options() override {
    FilesystemOptions o = FsFixture::Options();
    // Small units so that small files cross block and part boundaries.
    o.block_size = 64 * 1024;
    o.readahead_blocks = 2;
    o.multipart_threshold = 1 << 20;
    o.part_size = 512 * 1024;
    o.cache_dir = cache_dir_.empty() ? o.cache_dir : cache_dir_;
    return o;
  }

  static MemoryObjectStoreOptions StoreOptions() {
    MemoryObjectStoreOptions o;
    o.min_part_size = 256 * 1024;
    return o;
  }

  std::string cache_dir_;
};

class Model {
 public:
  Model(FsReferenceModelTest* t, Filesystem** fs, std::string root, uint64_t seed)
      : t_(t), fs_(fs), root_(std::move(root)), rng_(seed) {}

  // Runs one random operation on both sides; returns a description and
  // whether the errors agreed.
  std::string Step(bool* agree);
  Tree Local() const;
  Tree Remote();

 private:
  Filesystem& fs() { return **fs_; }
  std::string Local(const std::string& p) const { return root_ + "/" + p; }
  // Mostly a name in an existing directory (so most operations can succeed),
  // sometimes any path of up to three levels.
  std::string RandomPath() {
    static const char* kNames[] = {"a", "b", "c", "d"};
    if (rng_() % 10 < 7) {
      std::vector<std::string> dirs = {""};
      for (auto it = std::filesystem::recursive_directory_iterator(root_);
           it != std::filesystem::recursive_directory_iterator(); ++it) {
        if (it->is_directory() && !it->is_symlink()) {
          dirs.push_back(it->path().string().substr(root_.size() + 1));
        }
      }
      return JoinPath(dirs[rng_() % dirs.size()], kNames[rng_() % 4]);
    }
    int depth = 1 + static_cast<int>(rng_() % 3);
    std::string p;
    for (int i = 0; i < depth; ++i) p = JoinPath(p, kNames[rng_() % 4]);
    return p;
  }
  std::string RandomData() {
    uint32_t r = rng_() % 100;
    size_t n = r < 70 ? rng_() % 5000 : r < 95 ? rng_() % 300000 : 1000000 + rng_() % 1500000;
    std::string s(n, '\0');
    uint32_t v = rng_();
    for (size_t i = 0; i < n; ++i) {
      v = v * 1103515245 + 12345;
      s[i] = static_cast<char>(v >> 16);
    }
    return s;
  }
  char LocalType(const std::string& p) const {
    struct stat st;
    if (lstat(Local(p).c_str(), &st) != 0) return 0;
    return S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' : 'f';
  }
  // The directory inode of dir as the kernel would resolve it.
  Result<uint64_t> WalkDir(const std::string& dir);
  Result<uint64_t> WalkFile(const std::string& path);
  static int Errno(int rc) { return rc == 0 ? 0 : errno; }

  FsReferenceModelTest* t_;
  Filesystem** fs_;
  std::string root_;
  std::mt19937_64 rng_;
};

Result<uint64_t> Model::WalkDir(const std::string& dir) {
  uint64_t ino = InodeTable::kRootIno;
  if (dir.empty()) return ino;
  size_t start = 0;
  while (true) {
    size_t slash = dir.find('/', start);
    SOS_ASSIGN_OR_RETURN(Entry e, fs().Lookup(ino, dir.substr(start, slash - start)));
    if (e.attr.IsSymlink()) return fs::NotFound(dir);  // every symlink here dangles
    if (!e.attr.IsDir()) return fs::NotADirectory(dir);
    ino = e.ino;
    if (slash == std::string::npos) return ino;
    start = slash + 1;
  }
}

Result<uint64_t> Model::WalkFile(const std::string& path) {
  SOS_ASSIGN_OR_RETURN(uint64_t dir, WalkDir(ParentPath(path)));
  SOS_ASSIGN_OR_RETURN(Entry e, fs().Lookup(dir, BaseName(path)));
  return e.ino;
}

std::string Model::Step(bool* agree) {
  const std::string p = RandomPath();
  const uint32_t op = rng_() % 100;
  int local = 0;
  Status remote;
  std::string what;
  if (op < 22) {  // create (truncating) and write a whole file
    if (LocalType(p) == 'l') return "skip";
    std::string data = RandomData();
    what = "create " + p + " (" + std::to_string(data.size()) + " bytes)";
    int fd = open(Local(p).c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    local = fd < 0 ? errno : 0;
    if (fd >= 0) {
      EXPECT_EQ(pwrite(fd, data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
      close(fd);
    }
    remote = [&]() -> Status {
      SOS_ASSIGN_OR_RETURN(uint64_t dir, WalkDir(ParentPath(p)));
      SOS_ASSIGN_OR_RETURN(auto created, fs().Create(dir, BaseName(p), S_IFREG | 0644,
                                                     O_CREAT | O_WRONLY | O_TRUNC, Caller{}));
      auto n = fs().Write(created.second, 0, data.data(), data.size());
      SOS_RETURN_IF_ERROR(fs().Release(created.second));
      return n.status();
    }();
  } else if (op < 36) {  // write into an existing file
    if (LocalType(p) != 'f') return "skip";
    std::string data = RandomData().substr(0, 200000);
    struct stat st;
    lstat(Local(p).c_str(), &st);
    uint64_t offset = rng_() % (static_cast<uint64_t>(st.st_size) + 100000);
    what = "write " + p + " @" + std::to_string(offset) + " +" + std::to_string(data.size());
    int fd = open(Local(p).c_str(), O_WRONLY);
    EXPECT_EQ(pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset)),
              static_cast<ssize_t>(data.size()));
    close(fd);
    remote = [&]() -> Status {
      SOS_ASSIGN_OR_RETURN(uint64_t ino, WalkFile(p));
      SOS_ASSIGN_OR_RETURN(uint64_t fh, fs().Open(ino, O_WRONLY));
      auto n = fs().Write(fh, offset, data.data(), data.size());
      if (rng_() % 4 == 0) SOS_RETURN_IF_ERROR(fs().Fsync(fh));
      SOS_RETURN_IF_ERROR(fs().Release(fh));
      return n.status();
    }();
  } else if (op < 44) {  // truncate
    if (LocalType(p) != 'f') return "skip";
    struct stat st;
    lstat(Local(p).c_str(), &st);
    uint64_t size = rng_() % (static_cast<uint64_t>(st.st_size) * 3 / 2 + 10);
    what = "truncate " + p + " " + std::to_string(size);
    local = Errno(truncate(Local(p).c_str(), static_cast<off_t>(size)));
    remote = [&]() -> Status {
      SOS_ASSIGN_OR_RETURN(uint64_t ino, WalkFile(p));
      return fs().SetAttr(ino, SetAttrRequest{.size = size}).status();
    }();
  } else if (op < 58) {  // mkdir
    what = "mkdir " + p;
    local = Errno(mkdir(Local(p).c_str(), 0755));
    remote = [&]() -> Status {
      SOS_ASSIGN_OR_RETURN(uint64_t dir, WalkDir(ParentPath(p)));
      return fs().MkDir(dir, BaseName(p), 0755, Caller{}).status();
    }();
  } else if (op < 64) {  // rmdir
    what = "rmdir " + p;
    local = Errno(rmdir(Local(p).c_str()));
    remote = [&]() -> Status {
      SOS_ASSIGN_OR_RETURN(uint64_t dir, WalkDir(ParentPath(p)));
      return fs().RmDir(dir, BaseName(p));
    }();
  } else if (op < 72) {  // unlink
    what = "unlink " + p;
    local = Errno(unlink(Local(p).c_str()));
    remote = [&]() -> Status {
      SOS_ASSIGN_OR_RETURN(uint64_t dir, WalkDir(ParentPath(p)));
      return fs().Unlink(dir, BaseName(p));
    }();
  } else if (op < 86) {  // rename
    const std::string to = RandomPath();
    unsigned flags = rng_() % 4 == 0 ? kRenameNoReplace : 0;
    what = "rename " + p + " -> " + to + (flags ? " NOREPLACE" : "");
    local = Errno(renameat2(AT_FDCWD, Local(p).c_str(), AT_FDCWD, Local(to).c_str(),
                            flags ? RENAME_NOREPLACE : 0));
    remote = [&]() -> Status {
      SOS_ASSIGN_OR_RETURN(uint64_t from_dir, WalkDir(ParentPath(p)));
      SOS_ASSIGN_OR_RETURN(uint64_t to_dir, WalkDir(ParentPath(to)));
      return fs().Rename(from_dir, BaseName(p), to_dir, BaseName(to), flags);
    }();
  } else if (op < 92) {  // symlink
    std::string target = "/nonexistent/" + std::to_string(rng_() % 1000);
    what = "symlink " + p + " -> " + target;
    local = Errno(symlink(target.c_str(), Local(p).c_str()));
    remote = [&]() -> Status {
      SOS_ASSIGN_OR_RETURN(uint64_t dir, WalkDir(ParentPath(p)));
      return fs().Symlink(target, dir, BaseName(p), Caller{}).status();
    }();
  } else if (op < 98) {  // chmod
    char type = LocalType(p);
    if (type != 'f' && type != 'd') return "skip";
    uint32_t mode = (type == 'd' ? 0700 : 0600) | (rng_() % 0100);
    what = "chmod " + p + " " + std::to_string(mode);
    local = Errno(chmod(Local(p).c_str(), mode));
    remote = [&]() -> Status {
      SOS_ASSIGN_OR_RETURN(uint64_t ino, WalkFile(p));
      return fs().SetAttr(ino, SetAttrRequest{.mode = mode}).status();
    }();
  } else {
    what = "wait for the uploads";
    for (int i = 0; i < 2000 && fs().PendingChanges() > 0; ++i) std::this_thread::sleep_for(5ms);
  }
  int remote_errno = ErrnoFor(remote);
  *agree = local == remote_errno;
  if (local != 0) what += " (errno " + std::to_string(local) + ")";
  if (!*agree) {
    what += ": local errno " + std::to_string(local) + ", sosfs errno " +
            std::to_string(remote_errno) + " (" + remote.ToString() + ")";
  }
  return what;
}

Tree Model::Local() const {
  Tree tree;
  for (auto it = std::filesystem::recursive_directory_iterator(root_);
       it != std::filesystem::recursive_directory_iterator(); ++it) {
    std::string path = it->path().string().substr(root_.size() + 1);
    struct stat st;
    lstat(it->path().c_str(), &st);
    Node n;
    n.perm = st.st_mode & 07777;
    if (S_ISDIR(st.st_mode)) {
      n.type = 'd';
    } else if (S_ISLNK(st.st_mode)) {
      n.type = 'l';
      n.perm = 0777;
      n.data = std::filesystem::read_symlink(it->path()).string();
    } else {
      n.type = 'f';
      std::FILE* f = std::fopen(it->path().c_str(), "rb");
      char buf[65536];
      size_t got;
      while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) n.data.append(buf, got);
      std::fclose(f);
    }
    tree[path] = n;
  }
  return tree;
}

Tree Model::Remote() {
  Tree tree;
  std::vector<std::pair<std::string, uint64_t>> dirs = {{"", InodeTable::kRootIno}};
  while (!dirs.empty()) {
    auto [dir, ino] = dirs.back();
    dirs.pop_back();
    auto fh = fs().OpenDir(ino);
    EXPECT_TRUE(fh.ok()) << dir << ": " << fh.status().ToString();
    if (!fh.ok()) continue;
    auto entries = fs().DirEntries(*fh);
    for (const DirEntry& d : *entries) {
      if (d.name == "." || d.name == "..") continue;
      std::string path = JoinPath(dir, d.name);
      auto e = fs().Lookup(ino, d.name);
      EXPECT_TRUE(e.ok()) << path;
      if (!e.ok()) continue;
      Node n;
      n.perm = e->attr.mode & 07777;
      if (e->attr.IsDir()) {
        n.type = 'd';
        dirs.emplace_back(path, e->ino);
      } else if (e->attr.IsSymlink()) {
        n.type = 'l';
        n.data = *fs().ReadLink(e->ino);
      } else {
        n.type = 'f';
        auto fh2 = fs().Open(e->ino, O_RDONLY);
        EXPECT_TRUE(fh2.ok()) << path;
        std::string buf(1 << 20, '\0');
        while (fh2.ok()) {
          auto got = fs().Read(*fh2, n.data.size(), buf.size(), buf.data());
          EXPECT_TRUE(got.ok()) << path;
          if (!got.ok() || *got == 0) break;
          n.data.append(buf.data(), *got);
        }
        if (fh2.ok()) (void)fs().Release(*fh2);
        EXPECT_EQ(n.data.size(), e->attr.size) << path;
      }
      tree[path] = n;
    }
    fs().ReleaseDir(*fh);
  }
  return tree;
}

void ExpectSameTrees(const Tree& local, const Tree& remote, const std::string& when) {
  EXPECT_EQ(local.size(), remote.size()) << when << "\nlocal:\n"
                                         << Describe(local) << "sosfs:\n"
                                         << Describe(remote);
  for (const auto& [path, n] : local) {
    auto it = remote.find(path);
    if (it == remote.end()) {
      ADD_FAILURE() << when << ": " << path << " missing in sosfs";
      continue;
    }
    EXPECT_EQ(it->second.type, n.type) << when << ": " << path;
    EXPECT_EQ(it->second.perm, n.perm) << when << ": " << path;
    EXPECT_TRUE(it->second.data == n.data) << when << ": " << path << " differs (" << n.data.size()
                                           << " vs " << it->second.data.size() << " bytes)";
  }
}

class FsReferenceModelSeeds : public FsReferenceModelTest,
                              public ::testing::WithParamInterface<uint64_t> {};

TEST_P(FsReferenceModelSeeds, AgreesWithALocalDirectory) {
  const uint64_t seed = GetParam();
  umask(022);
  std::string root = dir_ + "/reference";
  ASSERT_EQ(mkdir(root.c_str(), 0755), 0);
  // Uploads fail now and then; the retries must hide it.
  faulty_.FailFraction(0.05, "UploadPart");
  faulty_.FailFraction(0.05, "CompleteMultipartUpload");
  faulty_.FailFraction(0.05, "DeleteMany");
  Filesystem* raw = fs_.get();
  Model model(this, &raw, root, seed);
  std::vector<std::string> log;
  constexpr int kSteps = 500;
  for (int i = 0; i < kSteps; ++i) {
    if (i == kSteps / 2) {  // a remount halfway, with uploads possibly pending
      Remount();
      raw = fs_.get();
      log.push_back("remount");
    }
    bool agree = true;
    std::string what = model.Step(&agree);
    log.push_back(what);
    if (!agree) {
      std::string tail;
      for (size_t j = log.size() > 15 ? log.size() - 15 : 0; j < log.size(); ++j) {
        tail += "  " + log[j] + "\n";
      }
      FAIL() << "seed " << seed << ", step " << i << ": " << what << "\nlast steps:\n" << tail;
    }
  }
  Tree local = model.Local();
  size_t bytes = 0;
  for (const auto& [path, n] : local) bytes += n.data.size();
  size_t skipped = static_cast<size_t>(std::count(log.begin(), log.end(), "skip"));
  size_t failed = static_cast<size_t>(std::count_if(
      log.begin(), log.end(), [](const auto& l) { return l.find("(errno") != std::string::npos; }));
  std::printf(
      "[ model    ] seed %llu: %zu operations (%zu failing alike), %zu entries and %zu "
      "bytes at the end\n",
      static_cast<unsigned long long>(seed), log.size() - skipped, failed, local.size(), bytes);
  ExpectSameTrees(local, model.Remote(), "live");
  Drain();
  Remount();
  raw = fs_.get();
  ExpectSameTrees(local, model.Remote(), "after a remount");
  // Only what reached the store: a fresh cache.
  Drain();
  Unmount();
  cache_dir_ = dir_ + "/fresh-cache";
  Mount();
  raw = fs_.get();
  ExpectSameTrees(local, model.Remote(), "after a remount with an empty cache");
  if (HasFailure()) {  // the whole sequence, to replay what went wrong
    std::string all;
    for (const std::string& line : log) all += "  " + line + "\n";
    ADD_FAILURE() << "seed " << seed << ", every step:\n" << all;
  }
}

// Seeds 1 to 10; SOS_MODEL_SEEDS=N runs 1 to N-1 (a longer hunt for races).
uint64_t SeedsEnd() {
  const char* n = getenv("SOS_MODEL_SEEDS");
  return n != nullptr && atoi(n) > 1 ? static_cast<uint64_t>(atoi(n)) : 11;
}
INSTANTIATE_TEST_SUITE_P(Seeds, FsReferenceModelSeeds, ::testing::Range<uint64_t>(1, SeedsEnd()));

}  // namespace
}  // namespace sos
