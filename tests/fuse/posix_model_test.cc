// A reference-model test through the real FUSE mount: seeded random
// sequences of system calls, each made by root or by one of two other users
// (through allow_other, so the kernel checks modes as on any disk), are
// applied to a sosfs mount and to a directory on the local ext4 disk. Every
// call must give the same result (errno, bytes read, attributes) on both, and
// at the end, and after a remount with an empty cache, both trees must hold
// the same entries, modes, owners, sizes, bytes and link targets.
// What sosfs documents as different is checked apart: hard links are
// refused with EPERM, and a path longer than 500 bytes (what the cache's
// LMDB keys hold) gives ENAMETOOLONG.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "s3core/client/curl_object_store.h"
#include "tests/e2e/sosd_process.h"
#include "tests/fuse/sosfs_harness.h"

namespace sos::testing {
namespace {

using namespace std::chrono_literals;

struct User {
  uid_t uid;
  gid_t gid;
};
constexpr User kRoot{0, 0};
constexpr User kAlice{1701, 1701};
constexpr User kBob{1702, 1702};

// What one call gave: its errno (0 = success) and what it read or stat'ed.
struct Outcome {
  int error = 0;
  std::string detail;
  bool operator==(const Outcome& o) const { return error == o.error && detail == o.detail; }
};

std::string Show(const Outcome& o) {
  return (o.error ? std::string(strerrordesc_np(o.error)) : "ok") +
         (o.detail.empty() ? "" : " [" + o.detail + "]");
}

// A call on one tree: `root` is an open directory of that tree; paths are
// relative to it.
using Call = std::function<Outcome(int root)>;

Outcome Errno(int rc) { return Outcome{rc < 0 ? errno : 0, ""}; }

// Type, permission bits, owner and size: what must agree (times are checked
// by the calls that set them; link counts and blocks differ by design).
std::string Attributes(const struct stat& st) {
  std::ostringstream out;
  out << std::oct << st.st_mode << std::dec << " " << st.st_uid << ":" << st.st_gid;
  if (!S_ISDIR(st.st_mode)) out << " " << st.st_size;
  return out.str();
}

// Runs `call` on both trees as `user`, in a child process that takes the
// user's identity (so the kernel checks permissions as for that user).
std::pair<Outcome, Outcome> RunAs(const User& user, int mine, int theirs, const Call& call) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    if (user.uid != 0 && (setgroups(0, nullptr) != 0 || setresgid(user.gid, user.gid, user.gid) != 0 ||
                          setresuid(user.uid, user.uid, user.uid) != 0)) {
      _exit(3);
    }
    umask(022);
    std::string out;
    for (int root : {mine, theirs}) {
      Outcome o = call(root);
      out += std::to_string(o.error) + "\n" + std::to_string(o.detail.size()) + "\n" + o.detail;
    }
    (void)!write(fds[1], out.data(), out.size());
    _exit(0);
  }
  close(fds[1]);
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  std::istringstream in(got);
  std::pair<Outcome, Outcome> result;
  for (Outcome* o : {&result.first, &result.second}) {
    size_t size = 0;
    in >> o->error >> size;
    in.get();
    o->detail.resize(size);
    in.read(o->detail.data(), static_cast<std::streamsize>(size));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) result.first.error = result.second.error = -1;
  return result;
}

Outcome StatOf(int root, const std::string& path) {
  struct stat st;
  if (fstatat(root, path.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return Outcome{errno, ""};
  return Outcome{0, Attributes(st)};
}

Outcome ReadAll(int root, const std::string& path, int flags) {
  int fd = openat(root, path.c_str(), flags);
  if (fd < 0) return Outcome{errno, ""};
  std::string data;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
  Outcome o{n < 0 ? errno : 0, data};
  close(fd);
  return o;
}

Outcome WriteWith(int root, const std::string& path, int flags, mode_t mode,
                  const std::string& data) {
  int fd = openat(root, path.c_str(), flags, mode);
  if (fd < 0) return Outcome{errno, ""};
  ssize_t n = data.empty() ? 0 : write(fd, data.data(), data.size());
  Outcome o{n < 0 ? errno : 0, ""};
  if (close(fd) != 0 && o.error == 0) o.error = errno;
  return o;
}

// Every entry below `dir` of a tree, as root sees it: attributes and bytes.
void Snapshot(const std::string& dir, const std::string& rel, std::map<std::string, std::string>* out) {
  for (const auto& entry : std::filesystem::directory_iterator(dir + "/" + rel)) {
    const std::string name = rel.empty() ? entry.path().filename().string()
                                         : rel + "/" + entry.path().filename().string();
    struct stat st;
    ASSERT_EQ(lstat(entry.path().c_str(), &st), 0) << entry.path();
    std::string value = Attributes(st);
    if (S_ISREG(st.st_mode)) {
      int root = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
      value += " " + std::to_string(std::hash<std::string>{}(ReadAll(root, name, O_RDONLY).detail));
      close(root);
    } else if (S_ISLNK(st.st_mode)) {
      value += " -> " + std::filesystem::read_symlink(entry.path()).string();
    }
    (*out)[name] = value;
    if (S_ISDIR(st.st_mode)) Snapshot(dir, name, out);
  }
}

class PosixModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sos-posix-e2e-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    work_ = tmpl;
    ASSERT_EQ(chmod(work_.c_str(), 0755), 0);  // other users reach both trees
    ASSERT_EQ(mkdir((work_ + "/mnt").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((work_ + "/local").c_str(), 0755), 0);
    auto sosd = SosdProcess::Start({});
    ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
    sosd_ = std::move(*sosd);
    CurlObjectStore::Options o;
    o.endpoint = sosd_->endpoint();
    o.credentials.access_key_id = sosd_->access_key();
    o.credentials.secret_access_key = sosd_->secret_key();
    CurlObjectStore store(o);
    ASSERT_TRUE(store.CreateBucket("posix").ok());
    Mount("cache");
  }
  void TearDown() override {
    if (mine_ >= 0) close(mine_);
    if (theirs_ >= 0) close(theirs_);
    mount_.reset();
    if (sosd_) sosd_->Stop();
    if (!IsMounted(work_ + "/mnt")) std::filesystem::remove_all(work_);
  }
  void Mount(const std::string& cache) {
    if (mine_ >= 0) close(mine_);
    mount_ = std::make_unique<SosfsMount>(work_ + "/mnt");
    RunResult r = mount_->Mount("AWS_ACCESS_KEY_ID=" + sosd_->access_key() +
                                " AWS_SECRET_ACCESS_KEY=" + sosd_->secret_key() + " " +
                                SOSFS_BINARY + " posix " + work_ + "/mnt -o allow_other,endpoint=" +
                                sosd_->endpoint() + ",cache_dir=" + work_ + "/" + cache);
    ASSERT_EQ(r.status, 0) << r.output;
    mine_ = open((work_ + "/mnt").c_str(), O_RDONLY | O_DIRECTORY);
    ASSERT_GE(mine_, 0);
    if (theirs_ < 0) theirs_ = open((work_ + "/local").c_str(), O_RDONLY | O_DIRECTORY);
    ASSERT_GE(theirs_, 0);
  }
  // Runs one call on both trees; records a difference.
  void Check(const std::string& what, const User& user, const Call& call) {
    auto [mine, theirs] = RunAs(user, mine_, theirs_, call);
    log_ << "uid " << user.uid << ": " << what << " -> " << Show(theirs) << "\n";
    ++(theirs.error == 0 ? succeeded_ : refused_);
    if (!(mine == theirs)) {
      ADD_FAILURE() << what << " as uid " << user.uid << ": sosfs " << Show(mine) << ", ext4 "
                    << Show(theirs) << "\nafter:\n"
                    << log_.str();
    }
  }
  void ExpectSameTrees(const std::string& when) {
    std::map<std::string, std::string> mine, theirs;
    Snapshot(work_ + "/mnt", "", &mine);
    Snapshot(work_ + "/local", "", &theirs);
    EXPECT_EQ(mine, theirs) << when << "\n" << log_.str();
  }

  std::string work_;
  std::unique_ptr<SosdProcess> sosd_;
  std::unique_ptr<SosfsMount> mount_;
  int mine_ = -1;
  int theirs_ = -1;
  std::ostringstream log_;
  unsigned succeeded_ = 0, refused_ = 0;
};

// The random sequences: names in a small space so that calls collide
// (rename over existing files and directories, rmdir of full directories,
// unlink in another user's sticky directory), by three users.
TEST_F(PosixModelTest, RandomCallsByThreeUsersAgreeWithExt4) {
  const std::vector<User> users = {kRoot, kAlice, kBob};
  // Shared places: a sticky world-writable directory (as /tmp) and one
  // world-writable without the sticky bit.
  for (const char* dir : {"sticky", "open"}) {
    Check(std::string("mkdir ") + dir, kRoot, [dir](int r) { return Errno(mkdirat(r, dir, 0777)); });
  }
  Check("chmod sticky 1777", kRoot, [](int r) { return Errno(fchmodat(r, "sticky", 01777, 0)); });
  Check("chmod open 0777", kRoot, [](int r) { return Errno(fchmodat(r, "open", 0777, 0)); });

  const std::vector<std::string> names = {"sticky/a", "sticky/b", "sticky/d", "sticky/d/x",
                                          "open/a",   "open/d",   "open/d/x", "open/e"};
  const std::vector<mode_t> modes = {0600, 0644, 0666, 0640, 0700, 0755, 0777};
  for (unsigned seed = 1; seed <= 6; ++seed) {
    std::mt19937 rng(seed);
    auto pick = [&](const auto& v) { return v[rng() % v.size()]; };
    for (int step = 0; step < 100; ++step) {
      const User user = pick(users);
      const std::string a = pick(names), b = pick(names);
      const mode_t mode = pick(modes);
      const std::string data(static_cast<size_t>(rng() % 3000), static_cast<char>('a' + rng() % 26));
      std::ostringstream what;
      switch (rng() % 14) {
        case 0:
          what << "open(" << a << ", O_CREAT|O_EXCL|O_WRONLY, " << std::oct << mode << ") + write";
          Check(what.str(), user, [=](int r) {
            return WriteWith(r, a, O_CREAT | O_EXCL | O_WRONLY, mode, data);
          });
          break;
        case 1:
          what << "open(" << a << ", O_CREAT|O_TRUNC|O_WRONLY) + write " << data.size();
          Check(what.str(), user, [=](int r) {
            return WriteWith(r, a, O_CREAT | O_TRUNC | O_WRONLY, mode, data);
          });
          break;
        case 2:
          what << "open(" << a << ", O_APPEND|O_WRONLY) + write " << data.size();
          Check(what.str(), user,
                [=](int r) { return WriteWith(r, a, O_APPEND | O_WRONLY, 0, data); });
          break;
        case 3:
          what << "open(" << a << ", O_RDONLY|O_CREAT) + read";
          Check(what.str(), user, [=](int r) { return ReadAll(r, a, O_RDONLY | O_CREAT); });
          break;
        case 4:
          what << "read " << a;
          Check(what.str(), user, [=](int r) { return ReadAll(r, a, O_RDONLY); });
          break;
        case 5:
          what << "mkdir " << a << " " << std::oct << mode;
          Check(what.str(), user, [=](int r) { return Errno(mkdirat(r, a.c_str(), mode)); });
          break;
        case 6:
          what << "rmdir " << a;
          Check(what.str(), user, [=](int r) { return Errno(unlinkat(r, a.c_str(), AT_REMOVEDIR)); });
          break;
        case 7:
          what << "unlink " << a;
          Check(what.str(), user, [=](int r) { return Errno(unlinkat(r, a.c_str(), 0)); });
          break;
        case 8:
          what << "rename " << a << " " << b;
          Check(what.str(), user, [=](int r) { return Errno(renameat(r, a.c_str(), r, b.c_str())); });
          break;
        case 9:
          what << "chmod " << a << " " << std::oct << mode;
          Check(what.str(), user, [=](int r) { return Errno(fchmodat(r, a.c_str(), mode, 0)); });
          break;
        case 10: {
          const User to = pick(users);
          what << "chown " << a << " " << to.uid << ":" << to.gid;
          Check(what.str(), user, [=](int r) {
            return Errno(fchownat(r, a.c_str(), to.uid, to.gid, AT_SYMLINK_NOFOLLOW));
          });
          break;
        }
        case 11:
          what << "symlink " << b << " " << a;
          Check(what.str(), user, [=](int r) { return Errno(symlinkat(b.c_str(), r, a.c_str())); });
          break;
        case 12:
          what << "truncate " << a << " " << data.size();
          Check(what.str(), user, [=](int r) {
            int fd = openat(r, a.c_str(), O_WRONLY);
            if (fd < 0) return Outcome{errno, ""};
            Outcome o = Errno(ftruncate(fd, static_cast<off_t>(data.size())));
            close(fd);
            return o;
          });
          break;
        default:
          what << "stat " << a;
          Check(what.str(), user, [=](int r) { return StatOf(r, a); });
          break;
      }
      if (HasFailure()) return;
    }
    ExpectSameTrees("after seed " + std::to_string(seed));
    // The sequences exercise both sides: calls that succeed and calls the
    // permissions or the namespace refuse.
    EXPECT_GT(succeeded_, 25 * seed) << log_.str();
    EXPECT_GT(refused_, 25 * seed) << log_.str();
    if (HasFailure()) return;
  }
  // Everything reached the server: a fresh mount with an empty cache agrees.
  close(mine_);  // the mount is busy while a directory of it is open
  mine_ = -1;
  ASSERT_TRUE(mount_->Unmount());
  Mount("cache2");
  ExpectSameTrees("after a remount with an empty cache");
}

// ctime moves on chmod, chown, rename and truncate as on ext4; times set on a
// fresh file (touch -d, tar, rsync -t) are kept to the nanosecond.
TEST_F(PosixModelTest, CtimeAndExplicitTimesAgreeWithExt4) {
  for (const char* op : {"chmod", "chown", "rename", "truncate", "write"}) {
    Check(std::string("ctime moves on ") + op, kRoot, [op](int r) {
      int fd = openat(r, "f", O_CREAT | O_TRUNC | O_WRONLY, 0644);
      if (fd < 0) return Outcome{errno, "create"};
      close(fd);
      struct stat before, after;
      fstatat(r, "f", &before, 0);
      usleep(20000);
      int rc = 0;
      const std::string o = op;
      if (o == "chmod") rc = fchmodat(r, "f", 0600, 0);
      if (o == "chown") rc = fchownat(r, "f", kAlice.uid, kAlice.gid, 0);
      if (o == "rename") rc = renameat(r, "f", r, "g") || renameat(r, "g", r, "f");
      if (o == "truncate") {
        fd = openat(r, "f", O_WRONLY);
        rc = ftruncate(fd, 10);
        close(fd);
      }
      if (o == "write") {
        fd = openat(r, "f", O_WRONLY);
        rc = write(fd, "x", 1) == 1 ? 0 : -1;
        close(fd);
      }
      if (rc != 0) return Outcome{errno, "op"};
      fstatat(r, "f", &after, 0);
      const bool moved = after.st_ctim.tv_sec != before.st_ctim.tv_sec ||
                         after.st_ctim.tv_nsec != before.st_ctim.tv_nsec;
      return Outcome{0, moved ? "ctime moved" : "ctime stayed"};
    });
  }
  Check("utimensat on a fresh file", kAlice, [](int r) {
    int fd = openat(r, "t", O_CREAT | O_EXCL | O_WRONLY, 0644);
    if (fd < 0) return Outcome{errno, "create"};
    close(fd);
    struct timespec times[2] = {{1600000000, 123456789}, {1500000000, 987654321}};
    if (utimensat(r, "t", times, 0) != 0) return Outcome{errno, "utimensat"};
    struct stat st;
    fstatat(r, "t", &st, 0);
    return Outcome{0, std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec)};
  });
}

// Names of exactly 255 bytes work and 256 do not, as on ext4; a hard link is
// refused with EPERM (sosfs cannot store one); a path over 500 bytes gives
// ENAMETOOLONG, not a file the cache could not record.
TEST_F(PosixModelTest, NameLimitsAndDocumentedDifferences) {
  const std::string longest(255, 'n'), too_long(256, 'n');
  Check("create a 255-byte name", kRoot, [&](int r) {
    return WriteWith(r, longest, O_CREAT | O_EXCL | O_WRONLY, 0644, "x");
  });
  Check("read a 255-byte name", kRoot, [&](int r) { return ReadAll(r, longest, O_RDONLY); });
  Check("create a 256-byte name", kRoot, [&](int r) {
    return WriteWith(r, too_long, O_CREAT | O_EXCL | O_WRONLY, 0644, "x");
  });
  ExpectSameTrees("after the long names");

  EXPECT_EQ(link((work_ + "/mnt/" + longest).c_str(), (work_ + "/mnt/hard").c_str()), -1);
  EXPECT_EQ(errno, EPERM);
  std::string deep = work_ + "/mnt";
  for (int i = 0; i < 2; ++i) {
    deep += "/" + std::string(240, static_cast<char>('a' + i));
    ASSERT_EQ(mkdir(deep.c_str(), 0755), 0) << deep;
  }
  // Two directories of 240-byte names: "a...a/b...b/" is 482 bytes; a name
  // of 18 makes 500, the most; 19 is over.
  EXPECT_EQ(WriteWith(AT_FDCWD, deep + "/" + std::string(18, 'k'), O_CREAT | O_WRONLY, 0644, "k").error, 0);
  EXPECT_EQ(WriteWith(AT_FDCWD, deep + "/" + std::string(19, 'k'), O_CREAT | O_WRONLY, 0644, "k").error,
            ENAMETOOLONG);
  EXPECT_EQ(mkdir((deep + "/" + std::string(19, 'k')).c_str(), 0755), -1);
  EXPECT_EQ(errno, ENAMETOOLONG);
}

}  // namespace
}  // namespace sos::testing
