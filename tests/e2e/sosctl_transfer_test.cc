// sosctl as a daily tool, the real binary against the real sosd: recursive
// copies up, back and across (server-side), sync twice, sync --delete, an
// interrupted sync resumed, filters, and endpoints as users keep them
// (aliases, AWS_ENDPOINT_URL, ~/.aws/config). Every tree that comes back is
// compared with its source byte for byte.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/e2e/sosd_environment.h"
#include "tests/support/child_process.h"

namespace sos::testing {
namespace {

namespace fs = std::filesystem;

// Every regular file below root (relative path -> bytes), symlinks followed.
std::map<std::string, std::string> ReadTree(const std::string& root) {
  std::map<std::string, std::string> files;
  for (auto it =
           fs::recursive_directory_iterator(root, fs::directory_options::follow_directory_symlink);
       it != fs::recursive_directory_iterator(); ++it) {
    if (fs::is_regular_file(it->path())) {
      files[it->path().lexically_relative(root).generic_string()] = ReadFile(it->path().string());
    }
  }
  return files;
}

// The events of a --json cp or sync: one JSON object per line.
std::vector<nlohmann::json> Events(const std::string& output) {
  std::vector<nlohmann::json> events;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with('{')) continue;
    auto doc = nlohmann::json::parse(line, nullptr, false);
    if (doc.is_object()) events.push_back(std::move(doc));
  }
  return events;
}

// How many files an event list says were transferred (uploads, downloads, copies).
int Transfers(const std::vector<nlohmann::json>& events, const std::string& op = "") {
  int n = 0;
  for (const auto& e : events) {
    if (e.contains("op") && e["op"] != "delete" && !e.contains("error") &&
        (op.empty() || e["op"] == op)) {
      ++n;
    }
  }
  return n;
}

class SosctlTransferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "sosctl-transfer-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    bucket_ = "xfer-" + std::to_string(::getpid()) + "-" +
              std::to_string(::testing::UnitTest::GetInstance()->random_seed() % 100000) + "-" +
              std::to_string(counter_++);
    ASSERT_EQ(Ctl({"mb", bucket_}).exit_code, 0);
  }
  void TearDown() override {
    Ctl({"rb", "--force", bucket_});
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::vector<std::string> Env() const {
    std::vector<std::string> env = {
        "AWS_ACCESS_KEY_ID=" + Sosd().access_key(),
        "AWS_SECRET_ACCESS_KEY=" + Sosd().secret_key(),
        "AWS_SHARED_CREDENTIALS_FILE=" + dir_ + "/no-credentials",
        "HOME=" + dir_,
        "PATH=/usr/bin:/bin",
    };
    if (endpoint_env_) env.push_back("SOS_ENDPOINT=" + Sosd().endpoint());
    return env;
  }
  ProgramResult Ctl(std::vector<std::string> args, std::vector<std::string> extra_env = {}) {
    args.insert(args.begin(), SOSCTL_PATH);
    std::vector<std::string> env = Env();
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    return RunProgram(args, env, std::chrono::seconds(600));
  }

  // A tree with what breaks naive tools: many small files, a multipart-sized
  // one, nesting, a symlink to a file and one to a directory, spaces, UTF-8
  // and a 255-byte name.
  std::string MakeTree(const std::string& name, int small_files) {
    std::string root = dir_ + "/" + name;
    fs::create_directories(root + "/deep/er/still");
    fs::create_directories(root + "/ünïcode dir");
    for (int i = 0; i < small_files; ++i) {
      std::string sub = i % 3 == 0 ? "" : (i % 3 == 1 ? "/deep" : "/deep/er/still");
      WriteRandomFile(root + sub + "/small-" + std::to_string(i) + ".txt", 100 + i * 37, i + 1);
    }
    WriteRandomFile(root + "/deep/large.bin", (uint64_t{20} << 20) + 12345, 999);
    WriteRandomFile(root + "/ünïcode dir/naïve café.txt", 4096, 7);
    WriteRandomFile(root + "/with space.html", 10, 8);
    WriteRandomFile(root + "/" + std::string(251, 'n') + ".txt", 33, 9);
    WriteRandomFile(root + "/empty", 0, 10);
    fs::create_symlink("deep/large.bin", root + "/link-to-file");
    fs::create_symlink("deep/er", root + "/link-to-dir");
    return root;
  }

  std::string S3(const std::string& key = "") const { return "s3://" + bucket_ + "/" + key; }

  static inline int counter_ = 0;
  std::string dir_;
  std::string bucket_;
  bool endpoint_env_ = true;
};

TEST_F(SosctlTransferTest, RecursiveCopyUpAndBackIsByteIdentical) {
  std::string src = MakeTree("src", 60);
  ProgramResult up = Ctl({"cp", "-r", src, S3("tree"), "--json"});
  ASSERT_EQ(up.exit_code, 0) << up.output;
  auto expected = ReadTree(src);  // symlinks followed: link-to-file and link-to-dir/* too
  EXPECT_EQ(Transfers(Events(up.output), "upload"), static_cast<int>(expected.size()));

  ProgramResult down = Ctl({"cp", "-r", S3("tree"), dir_ + "/back"});
  ASSERT_EQ(down.exit_code, 0) << down.output;
  EXPECT_EQ(ReadTree(dir_ + "/back"), expected);

  // The object carries the file's mtime as s3fs does, and a type from /etc/mime.types.
  ProgramResult stat = Ctl({"stat", bucket_ + "/tree/with space.html", "--json"});
  ASSERT_EQ(stat.exit_code, 0) << stat.output;
  EXPECT_NE(stat.output.find("text/html"), std::string::npos) << stat.output;
  EXPECT_NE(stat.output.find("mtime"), std::string::npos) << stat.output;

  // Without following links, they are skipped (and said so).
  ProgramResult nolinks = Ctl({"cp", "-r", src, S3("nolinks"), "--no-follow-symlinks", "--json"});
  ASSERT_EQ(nolinks.exit_code, 0) << nolinks.output;
  EXPECT_NE(nolinks.output.find("symbolic link"), std::string::npos);
  ProgramResult ls = Ctl({"ls", "-r", bucket_ + "/nolinks/", "--json"});
  EXPECT_EQ(ls.output.find("link-to"), std::string::npos) << ls.output;

  // A FIFO is skipped with a warning, a link to a directory above is a loop, refused;
  // the rest is copied.
  std::string odd = dir_ + "/odd";
  fs::create_directories(odd + "/sub");
  WriteRandomFile(odd + "/sub/file", 10, 3);
  ASSERT_EQ(::mkfifo((odd + "/pipe").c_str(), 0600), 0);
  fs::create_directory_symlink("..", odd + "/sub/up");
  ProgramResult skipped = Ctl({"cp", "-r", odd, S3("odd")});
  ASSERT_EQ(skipped.exit_code, 0) << skipped.output;
  EXPECT_NE(skipped.output.find("pipe: not a regular file"), std::string::npos) << skipped.output;
  EXPECT_NE(skipped.output.find("sub/up: a symbolic link loop"), std::string::npos)
      << skipped.output;
  ProgramResult odd_ls = Ctl({"ls", "-r", bucket_ + "/odd/"});
  EXPECT_NE(odd_ls.output.find("odd/sub/file"), std::string::npos) << odd_ls.output;
  EXPECT_EQ(odd_ls.output.find("pipe"), std::string::npos) << odd_ls.output;

  // du counts what is there.
  ProgramResult du = Ctl({"du", bucket_ + "/tree/", "--json"});
  ASSERT_EQ(du.exit_code, 0) << du.output;
  EXPECT_NE(du.output.find("\"objects\": " + std::to_string(expected.size())), std::string::npos)
      << du.output;
}

TEST_F(SosctlTransferTest, SingleFilesFollowTheAwsNamingRules) {
  WriteRandomFile(dir_ + "/one.txt", 1000, 1);
  ASSERT_EQ(Ctl({"cp", dir_ + "/one.txt", S3("in/")}).exit_code, 0);    // + the file's name
  ASSERT_EQ(Ctl({"cp", dir_ + "/one.txt", S3("named")}).exit_code, 0);  // exactly this key
  fs::create_directories(dir_ + "/into");
  ASSERT_EQ(Ctl({"cp", S3("in/one.txt"), dir_ + "/into"}).exit_code, 0);
  ASSERT_EQ(Ctl({"cp", S3("named"), dir_ + "/renamed.txt"}).exit_code, 0);
  EXPECT_EQ(ReadFile(dir_ + "/into/one.txt"), ReadFile(dir_ + "/one.txt"));
  EXPECT_EQ(ReadFile(dir_ + "/renamed.txt"), ReadFile(dir_ + "/one.txt"));
  ProgramResult cat = Ctl({"cp", S3("named"), "-"});
  ASSERT_EQ(cat.exit_code, 0);
  EXPECT_NE(cat.output.find(ReadFile(dir_ + "/one.txt")), std::string::npos);
  // A directory without -r, and two local paths, are usage errors (exit 2).
  EXPECT_EQ(Ctl({"cp", dir_ + "/into", S3("x/")}).exit_code, 2);
  EXPECT_EQ(Ctl({"cp", dir_ + "/one.txt", dir_ + "/two.txt"}).exit_code, 2);
  EXPECT_EQ(Ctl({"cp", S3("missing"), dir_ + "/m"}).exit_code, 3);
}

TEST_F(SosctlTransferTest, SyncTwiceTransfersNothingAndDeleteRemovesExtras) {
  std::string src = MakeTree("src", 30);
  ProgramResult first = Ctl({"sync", src, S3("mirror"), "--json"});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  ProgramResult second = Ctl({"sync", src, S3("mirror"), "--json"});
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(Transfers(Events(second.output)), 0) << second.output;
  ProgramResult checksum = Ctl({"sync", src, S3("mirror"), "--checksum", "--json"});
  ASSERT_EQ(checksum.exit_code, 0) << checksum.output;
  EXPECT_EQ(Transfers(Events(checksum.output)), 0) << checksum.output;

  // One file changed (same size: only the time tells), one added, one removed.
  ::sleep(1);
  WriteRandomFile(src + "/small-0.txt", 100, 4242);
  WriteRandomFile(src + "/added.txt", 5, 1);
  fs::remove(src + "/small-3.txt");
  ProgramResult dry = Ctl({"sync", src, S3("mirror"), "--delete", "--dry-run", "--json"});
  ASSERT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_EQ(Transfers(Events(dry.output)), 2) << dry.output;
  ProgramResult after_dry = Ctl({"sync", src, S3("mirror"), "--delete", "--json"});
  ASSERT_EQ(after_dry.exit_code, 0) << after_dry.output;
  auto events = Events(after_dry.output);
  EXPECT_EQ(Transfers(events), 2) << after_dry.output;  // the dry run changed nothing
  int deletes = 0;
  for (const auto& e : events) deletes += e.value("op", "") == "delete" ? 1 : 0;
  EXPECT_EQ(deletes, 1) << after_dry.output;
  // Deleted in a DeleteObjects batch, not one DELETE request per object.
  std::string log = Sosd().stdout_text() + Sosd().stderr_text();
  EXPECT_NE(log.find("POST /" + bucket_ + " 200"), std::string::npos);
  EXPECT_EQ(log.find("DELETE /" + bucket_ + "/mirror/small-3.txt"), std::string::npos);

  // Down into an empty directory, then again: nothing the second time.
  ProgramResult down = Ctl({"sync", S3("mirror"), dir_ + "/down", "--json"});
  ASSERT_EQ(down.exit_code, 0) << down.output;
  EXPECT_EQ(ReadTree(dir_ + "/down"), ReadTree(src));
  ProgramResult down2 = Ctl({"sync", S3("mirror"), dir_ + "/down", "--json"});
  EXPECT_EQ(Transfers(Events(down2.output)), 0) << down2.output;
  // A local extra goes with --delete; sync down compares contents with --checksum.
  WriteRandomFile(dir_ + "/down/extra.bin", 10, 1);
  ASSERT_EQ(Ctl({"mirror", S3("mirror"), dir_ + "/down", "--delete"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(dir_ + "/down/extra.bin"));
  ProgramResult down3 = Ctl({"sync", S3("mirror"), dir_ + "/down", "--checksum", "--json"});
  EXPECT_EQ(Transfers(Events(down3.output)), 0) << down3.output;
}

TEST_F(SosctlTransferTest, FiltersApplyInOrderTheLastMatchWins) {
  std::string src = MakeTree("src", 12);
  ProgramResult r = Ctl({"cp", "-r", src, S3("f"), "--exclude", "*", "--include", "deep/*",
                         "--exclude", "*.bin", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const auto& e : Events(r.output)) {
    if (!e.contains("src")) continue;
    std::string rel = e["src"].get<std::string>().substr(src.size() + 1);
    EXPECT_TRUE(rel.starts_with("deep/")) << rel;
    EXPECT_FALSE(rel.ends_with(".bin")) << rel;
  }
  EXPECT_EQ(Transfers(Events(r.output)), 8);  // deep/: 4 + deep/er/still: 4 of the 12
}

TEST_F(SosctlTransferTest, ServerSideCopyOfATreeMovesNoBytesThroughTheClient) {
  std::string src = MakeTree("src", 6);
  ASSERT_EQ(Ctl({"cp", "-r", src, S3("a")}).exit_code, 0);
  ProgramResult copy = Ctl({"cp", "-r", S3("a"), S3("b"), "--json"});
  ASSERT_EQ(copy.exit_code, 0) << copy.output;
  EXPECT_EQ(Transfers(Events(copy.output), "copy"), static_cast<int>(ReadTree(src).size()));
  // Nothing of the large object went out of sosd for the copy: no GET of it.
  std::string log = Sosd().stdout_text() + Sosd().stderr_text();
  EXPECT_EQ(log.find(" GET /" + bucket_ + "/a/deep/large.bin"), std::string::npos);
  ASSERT_EQ(Ctl({"cp", "-r", S3("b"), dir_ + "/b"}).exit_code, 0);
  EXPECT_EQ(ReadTree(dir_ + "/b"), ReadTree(src));
}

// S3 refuses CopyObject over 5 GiB: sosctl copies such an object as a multipart
// upload of UploadPartCopy ranges, and still no byte of it passes through
// sosctl. The source is made sparse (6 GiB with a few random islands) so the
// test costs disk writes on the server only.
TEST_F(SosctlTransferTest, ASixGibObjectIsCopiedOnTheServer) {
  const uint64_t kSize = (uint64_t{6} << 30) + 4097;
  std::string file = dir_ + "/sparse.img";
  {
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(kSize)), 0);
    std::string island(1 << 20, '\0');
    for (uint64_t at : {uint64_t{0}, uint64_t{5} << 30, kSize - island.size()}) {
      for (size_t i = 0; i < island.size(); ++i) island[i] = static_cast<char>((at >> 20) + i * 7);
      ASSERT_EQ(::pwrite(fd, island.data(), island.size(), static_cast<off_t>(at)),
                static_cast<ssize_t>(island.size()));
    }
    ::close(fd);
  }
  ASSERT_EQ(Ctl({"cp", file, S3("big/source.img")}).exit_code, 0);
  ProgramResult copy = Ctl({"cp", S3("big/source.img"), S3("big/copy.img"), "--json"});
  ASSERT_EQ(copy.exit_code, 0) << copy.output;
  // The copy went as parts copied on the server, and nothing was read out of sosd.
  std::string log = Sosd().stdout_text() + Sosd().stderr_text();
  EXPECT_NE(log.find("UploadPartCopy"), std::string::npos);
  EXPECT_EQ(log.find("GET /" + bucket_ + "/big/source.img"), std::string::npos);
  // Same bytes: the MD5 of the copy streamed out equals the source file's.
  auto md5 = [&](const std::string& command) {
    ProgramResult r = RunProgram({"/bin/bash", "-o", "pipefail", "-c", command + " | md5sum"},
                                 Env(), std::chrono::seconds(600));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output.substr(0, 32);
  };
  EXPECT_EQ(md5(std::string(SOSCTL_PATH) + " --endpoint-url " + Sosd().endpoint() + " cat " +
                bucket_ + "/big/copy.img"),
            md5("cat " + file));
}

TEST_F(SosctlTransferTest, AnInterruptedSyncResumesWithoutResendingFinishedFiles) {
  std::string src = dir_ + "/many";
  fs::create_directories(src);
  const int kFiles = 400;
  for (int i = 0; i < kFiles; ++i) WriteRandomFile(src + "/f" + std::to_string(i), 2000, i);
  std::string out_path = dir_ + "/first.out";
  int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(out, 0);
  auto pid =
      SpawnChild({SOSCTL_PATH, "sync", src, S3("m"), "--json", "--parallel", "2"}, Env(), out, out);
  ::close(out);
  ASSERT_TRUE(pid.ok());
  // Kill it once some files are done, well before all are.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (Transfers(Events(ReadFile(out_path))) < 20 &&
         std::chrono::steady_clock::now() < deadline) {
    ::usleep(2000);
  }
  ::kill(*pid, SIGKILL);
  WaitForExit(*pid, std::chrono::seconds(10));
  int done_before = Transfers(Events(ReadFile(out_path)));
  ASSERT_GE(done_before, 20);
  ASSERT_LT(done_before, kFiles) << "sync finished before it could be interrupted";

  ProgramResult resumed = Ctl({"sync", src, S3("m"), "--json"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  int sent = Transfers(Events(resumed.output));
  EXPECT_LE(sent, kFiles - done_before) << "finished files were sent again";
  ASSERT_EQ(Ctl({"cp", "-r", S3("m"), dir_ + "/m"}).exit_code, 0);
  EXPECT_EQ(ReadTree(dir_ + "/m"), ReadTree(src));
}

TEST_F(SosctlTransferTest, UnsafeKeysNeverBecomeLocalPathsOutsideTheTarget) {
  WriteRandomFile(dir_ + "/payload", 10, 1);
  // Keys a hostile bucket may hold: each would escape the target directory.
  for (const char* key : {"t/../../escaped", "t/a/../../../escaped2", "t/./dot", "t//double"}) {
    ASSERT_EQ(Ctl({"put", dir_ + "/payload", bucket_ + "/" + key}).exit_code, 0) << key;
  }
  ASSERT_EQ(Ctl({"put", dir_ + "/payload", bucket_ + "/t/fine"}).exit_code, 0);
  fs::create_directories(dir_ + "/target/inner");
  ProgramResult r = Ctl({"cp", "-r", S3("t"), dir_ + "/target/inner"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("not a safe local file name"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir_ + "/escaped"));
  EXPECT_FALSE(fs::exists(dir_ + "/target/escaped2"));
  EXPECT_FALSE(fs::exists(dir_ + "/target/escaped"));
  EXPECT_EQ(ReadTree(dir_ + "/target/inner"),
            (std::map<std::string, std::string>{{"fine", ReadFile(dir_ + "/payload")}}));
}

TEST_F(SosctlTransferTest, LinksInTheDestinationAreNeverFollowed) {
  WriteRandomFile(dir_ + "/payload", 10, 1);
  ASSERT_EQ(Ctl({"put", dir_ + "/payload", bucket_ + "/t/link/planted"}).exit_code, 0);
  ASSERT_EQ(Ctl({"put", dir_ + "/payload", bucket_ + "/t/fine"}).exit_code, 0);
  fs::create_directories(dir_ + "/outside");
  WriteRandomFile(dir_ + "/outside/precious", 10, 2);
  fs::create_directories(dir_ + "/target");
  fs::create_directory_symlink(dir_ + "/outside", dir_ + "/target/link");
  // A key below the link is refused for that file; the rest is copied.
  ProgramResult r = Ctl({"cp", "-r", S3("t"), dir_ + "/target"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("symbolic link is not followed"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir_ + "/outside/planted"));
  EXPECT_TRUE(fs::exists(dir_ + "/target/fine"));
  // sync --delete does not look through the link, so nothing outside is deleted.
  ASSERT_EQ(Ctl({"rm", bucket_ + "/t/link/planted"}).exit_code, 0);
  ProgramResult del = Ctl({"sync", S3("t"), dir_ + "/target", "--delete"});
  EXPECT_EQ(del.exit_code, 0) << del.output;
  EXPECT_TRUE(fs::exists(dir_ + "/outside/precious"));
}

TEST_F(SosctlTransferTest, DeleteIsRefusedWhenTheSourceCouldNotBeReadWhole) {
  // As an unprivileged user (root reads everything), one directory unreadable.
  fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
  std::string src = dir_ + "/src";
  fs::create_directories(src + "/locked");
  WriteRandomFile(src + "/open.txt", 10, 1);
  WriteRandomFile(src + "/locked/kept.txt", 10, 2);
  ASSERT_EQ(Ctl({"sync", src, S3("s")}).exit_code, 0);
  fs::permissions(src + "/locked", fs::perms::none);
  for (const auto& entry : fs::recursive_directory_iterator(src)) {
    if (entry.path() != src + "/locked") {
      fs::permissions(entry.path(), fs::perms::others_read, fs::perm_options::add);
    }
  }
  std::vector<std::string> argv = {"/usr/bin/setpriv",
                                   "--reuid=65534",
                                   "--regid=65534",
                                   "--clear-groups",
                                   SOSCTL_PATH,
                                   "sync",
                                   src,
                                   S3("s"),
                                   "--delete"};
  ProgramResult r = RunProgram(argv, Env(), std::chrono::seconds(60));
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("not deleting"), std::string::npos) << r.output;
  fs::permissions(src + "/locked", fs::perms::owner_all);
  ProgramResult ls = Ctl({"ls", "-r", bucket_ + "/s/"});
  EXPECT_NE(ls.output.find("locked/kept.txt"), std::string::npos) << ls.output;
}

TEST_F(SosctlTransferTest, CorsRulesSetGetAndRemove) {
  std::ofstream(dir_ + "/rules.json")
      << R"({"CORSRules": [{"AllowedOrigins": ["https://app.example"], "AllowedMethods": ["GET",)"
      << R"( "PUT"], "AllowedHeaders": ["*"], "MaxAgeSeconds": 600}]})";
  ProgramResult set = Ctl({"cors", "set", bucket_, dir_ + "/rules.json"});
  ASSERT_EQ(set.exit_code, 0) << set.output;
  ProgramResult get = Ctl({"cors", "get", bucket_, "--json"});
  ASSERT_EQ(get.exit_code, 0) << get.output;
  auto doc = nlohmann::json::parse(get.output.substr(get.output.find('{')));
  EXPECT_EQ(doc["CORSRules"][0]["AllowedOrigins"][0], "https://app.example");
  EXPECT_EQ(doc["CORSRules"][0]["MaxAgeSeconds"], 600);
  // A browser's preflight from that origin is now answered by sosd.
  ProgramResult preflight =
      RunProgram({"/usr/bin/curl", "-sS", "-D", "-", "-o", "/dev/null", "-X", "OPTIONS", "-H",
                  "Origin: https://app.example", "-H", "Access-Control-Request-Method: PUT",
                  Sosd().endpoint() + "/" + bucket_ + "/k"},
                 {"PATH=/usr/bin:/bin"}, std::chrono::seconds(30));
  EXPECT_NE(preflight.output.find("https://app.example"), std::string::npos) << preflight.output;
  // Rules sosd would refuse are refused before anything is sent; the old ones stay.
  std::ofstream(dir_ + "/bad.json")
      << R"({"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["TRACE"]}]})";
  EXPECT_EQ(Ctl({"cors", "set", bucket_, dir_ + "/bad.json"}).exit_code, 2);
  EXPECT_EQ(Ctl({"cors", "get", bucket_}).exit_code, 0);
  ASSERT_EQ(Ctl({"cors", "rm", bucket_}).exit_code, 0);
  EXPECT_EQ(Ctl({"cors", "get", bucket_}).exit_code, 3);  // NoSuchCORSConfiguration
}

TEST_F(SosctlTransferTest, EndpointsAsUsersKeepThem) {
  endpoint_env_ = false;  // nothing in SOS_ENDPOINT: each way below must find sosd itself
  WriteRandomFile(dir_ + "/f", 100, 1);
  // The default endpoint is not sosd's test port: without a setting this fails.
  EXPECT_NE(Ctl({"ls", bucket_}).exit_code, 0);
  EXPECT_EQ(Ctl({"ls", bucket_}, {"AWS_ENDPOINT_URL=" + Sosd().endpoint()}).exit_code, 0);
  EXPECT_EQ(Ctl({"ls", bucket_}, {"AWS_ENDPOINT_URL_S3=" + Sosd().endpoint()}).exit_code, 0);
  EXPECT_EQ(Ctl({"--endpoint-url", Sosd().endpoint(), "ls", bucket_}).exit_code, 0);

  // endpoint_url in a profile of ~/.aws/config.
  fs::create_directories(dir_ + "/.aws");
  std::ofstream(dir_ + "/.aws/config")
      << "[profile local]\nendpoint_url = " << Sosd().endpoint() << "\nregion = us-east-1\n";
  EXPECT_EQ(Ctl({"ls", bucket_}, {"AWS_PROFILE=local", "AWS_ACCESS_KEY_ID=" + Sosd().access_key(),
                                  "AWS_SECRET_ACCESS_KEY=" + Sosd().secret_key()})
                .exit_code,
            0);

  // A saved alias: stored private, then ALIAS/BUCKET/KEY works in cp, ls, stat and rm.
  ProgramResult set = Ctl({"alias", "set", "here", Sosd().endpoint()});
  ASSERT_EQ(set.exit_code, 0) << set.output;
  struct stat st {};
  ASSERT_EQ(::stat((dir_ + "/.config/sos/aliases.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ + "/.config/sos").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ProgramResult up = Ctl({"cp", dir_ + "/f", "here/" + bucket_ + "/via-alias"});
  ASSERT_EQ(up.exit_code, 0) << up.output;
  EXPECT_EQ(Ctl({"stat", "here/" + bucket_ + "/via-alias"}).exit_code, 0);
  ProgramResult ls = Ctl({"ls", "here"});
  EXPECT_NE(ls.output.find(bucket_), std::string::npos) << ls.output;
  EXPECT_NE(Ctl({"alias", "ls"}).output.find(Sosd().endpoint()), std::string::npos);
  EXPECT_EQ(Ctl({"rm", "here/" + bucket_ + "/via-alias"}).exit_code, 0);
  EXPECT_EQ(Ctl({"alias", "rm", "here"}).exit_code, 0);
  EXPECT_EQ(Ctl({"alias", "rm", "here"}).exit_code, 3);
  EXPECT_EQ(Ctl({"alias", "set", "s3", Sosd().endpoint()}).exit_code, 2);
  EXPECT_EQ(Ctl({"alias", "set", "x", "ftp://nope"}).exit_code, 2);

  ProgramResult version = Ctl({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.output.rfind("sosctl ", 0), 0u) << version.output;
}

}  // namespace
}  // namespace sos::testing
