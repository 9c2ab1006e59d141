// The sosd binary itself: first-start credentials, restarts on the same data,
// configuration precedence, --help, virtual-hosted buckets, and SIGTERM with
// a request in flight. Each test starts its own daemon(s).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>
#include <vector>

#include "s3core/client/curl_object_store.h"
#include "s3core/client/s3_http_client.h"
#include "s3core/sigv4.h"
#include "s3core/xml_codec.h"
#include "tests/e2e/sosd_process.h"
#include "tests/support/notify_socket.h"

namespace sos::testing {
namespace {

namespace fs = std::filesystem;

std::string TempDir(const std::string& name) {
  std::string tmpl = (fs::temp_directory_path() / (name + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) return "";
  return tmpl;
}

// "key = value" lines of an AWS credentials file.
std::string IniValue(const std::string& text, const std::string& key) {
  size_t at = text.find(key + " = ");
  if (at == std::string::npos) return "";
  size_t start = at + key.size() + 3;
  return text.substr(start, text.find('\n', start) - start);
}

CurlObjectStore StoreFor(const SosdProcess& sosd, const std::string& access,
                         const std::string& secret, const std::string& region = "us-east-1") {
  return CurlObjectStore(CurlObjectStore::Options{.endpoint = sosd.endpoint(),
                                                  .region = region,
                                                  .path_style = true,
                                                  .credentials = {access, secret, ""},
                                                  .max_retries = 0});
}

bool ExitedZero(const std::optional<int>& status) {
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

// Paths under `root` (itself included) that a group or other user may use;
// symbolic links, whose own mode means nothing, excepted.
std::vector<std::string> Exposed(const std::string& root) {
  std::vector<std::string> out;
  auto check = [&](const fs::path& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && !S_ISLNK(st.st_mode) && (st.st_mode & 077) != 0) {
      out.push_back(path.string());
    }
  };
  check(root);
  for (const auto& entry : fs::recursive_directory_iterator(root)) check(entry.path());
  return out;
}

// The generated secret goes only to the 0600 credentials file: what sosd
// prints (stdout and stderr may end in a log file or the journal) names the
// file, never the secret. Started under umask 0000, nothing sosd writes under
// its data directory is readable by another user.
TEST(SosdLifecycleTest, FirstStartGeneratesRootCredentialsOnce) {
  const std::string parent = TempDir("sosd-first-start");
  ASSERT_FALSE(parent.empty());
  const std::string data = parent + "/data";  // sosd creates it
  std::string access, secret;
  {
    SosdProcess::Options options;
    options.access_key.clear();  // no SOS_ROOT_*: generate
    options.data_dir = data;
    const mode_t old_umask = ::umask(0);  // inherited by sosd
    auto sosd = SosdProcess::Start(options);
    ::umask(old_umask);
    ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
    const std::string file = data + "/root-credentials";
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0) << file;
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    std::string text = ReadFile(file);
    access = IniValue(text, "aws_access_key_id");
    secret = IniValue(text, "aws_secret_access_key");
    ASSERT_FALSE(access.empty()) << text;
    ASSERT_GE(secret.size(), 40u) << text;
    std::string printed = (*sosd)->stdout_text() + (*sosd)->stderr_text();
    EXPECT_EQ(printed.find(secret), std::string::npos) << "the secret was printed: " << printed;
    EXPECT_NE(printed.find(file), std::string::npos) << printed;
    EXPECT_NE(printed.find(access), std::string::npos) << printed;

    CurlObjectStore store = StoreFor(**sosd, access, secret);
    ASSERT_TRUE(store.CreateBucket("survives-restart").ok());
    StringViewSource body("persisted");
    ASSERT_TRUE(store.Put("survives-restart", "k", body).ok());
    EXPECT_TRUE(ExitedZero((*sosd)->Stop()));
    std::string log = (*sosd)->stdout_text() + (*sosd)->stderr_text();
    EXPECT_EQ(log.find(secret), std::string::npos) << "the secret reached the log";
    EXPECT_NE(log.find("PUT /survives-restart/k 200"), std::string::npos) << log;
    EXPECT_EQ(Exposed(data), std::vector<std::string>());
  }
  {
    SosdProcess::Options options;
    options.access_key.clear();
    options.data_dir = data;
    auto sosd = SosdProcess::Start(options);
    ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
    EXPECT_EQ((*sosd)->stdout_text().find("root-credentials"), std::string::npos)
        << "a key generated again on a later start";
    CurlObjectStore store = StoreFor(**sosd, access, secret);
    std::string got;
    auto get = store.Get(GetRequest{"survives-restart", "k"}, AppendTo(&got));
    ASSERT_TRUE(get.ok()) << get.status().ToString();
    EXPECT_EQ(got, "persisted");
    EXPECT_TRUE(store.Delete("survives-restart", "k").ok());
    EXPECT_TRUE(store.DeleteBucket("survives-restart").ok());
  }
  fs::remove_all(parent);
}

TEST(SosdLifecycleTest, EnvironmentCredentialsCreateAndUpdateTheRootKey) {
  const std::string data = TempDir("sosd-env-keys");
  SosdProcess::Options options;
  options.data_dir = data;
  options.access_key = "SOSENVKEY00000000001";
  options.secret_key = "first-secret-first-secret-first-secret-1";
  {
    auto sosd = SosdProcess::Start(options);
    ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
    EXPECT_TRUE(StoreFor(**sosd, options.access_key, options.secret_key).ListBuckets().ok());
    EXPECT_FALSE(fs::exists(data + "/root-credentials"));
    EXPECT_TRUE((*sosd)->stdout_text().empty());
  }
  options.secret_key = "second-secret-second-secret-second-sec2";
  auto sosd = SosdProcess::Start(options);
  ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
  EXPECT_TRUE(StoreFor(**sosd, options.access_key, options.secret_key).ListBuckets().ok());
  auto old = StoreFor(**sosd, options.access_key, "first-secret-first-secret-first-secret-1")
                 .ListBuckets();
  EXPECT_EQ(old.status().s3_code(), "SignatureDoesNotMatch") << old.status().ToString();
  (*sosd)->Stop();
  fs::remove_all(data);
}

TEST(SosdLifecycleTest, DefaultDataDirectoryFollowsXdg) {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "as root the default is /var/lib/sos, which a test must not touch";
  }
  const std::string xdg = TempDir("sosd-xdg");
  SosdProcess::Options options;
  options.pass_data = false;
  options.access_key.clear();
  options.extra_env["XDG_DATA_HOME"] = xdg;
  auto sosd = SosdProcess::Start(options);
  ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
  EXPECT_TRUE(fs::exists(xdg + "/sos/root-credentials"));
  (*sosd)->Stop();
  fs::remove_all(xdg);
}

// sosd.service is Type=notify: READY only once S3 answers, STOPPING on SIGTERM.
TEST(SosdLifecycleTest, TellsTheServiceManagerWhenReadyAndWhenStopping) {
  std::string dir =
      (fs::temp_directory_path() / ("sos-notify-" + std::to_string(::getpid()))).string();
  fs::create_directories(dir);
  NotifySocket manager(dir + "/notify");
  ASSERT_TRUE(manager.ok());
  SosdProcess::Options options;
  options.extra_env["NOTIFY_SOCKET"] = manager.path();
  auto sosd = SosdProcess::Start(options);
  ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
  auto ready = manager.Receive(std::chrono::seconds(20));
  ASSERT_TRUE(ready.has_value());
  EXPECT_NE(ready->find("READY=1"), std::string::npos) << *ready;
  EXPECT_NE(ready->find("STATUS=listening on http://"), std::string::npos) << *ready;
  EXPECT_EQ(HttpGetStatus((*sosd)->endpoint() + "/-/health", std::chrono::seconds(5)), 200);
  ASSERT_EQ(::kill((*sosd)->pid(), SIGTERM), 0);
  auto stopping = manager.Receive(std::chrono::seconds(20));
  ASSERT_TRUE(stopping.has_value());
  EXPECT_NE(stopping->find("STOPPING=1"), std::string::npos) << *stopping;
  (*sosd)->StopAndCleanUp();
  fs::remove_all(dir);
}

// The installed unit confines sosd: systemd's own rating of it stays "OK" (< 3).
TEST(SosdLifecycleTest, TheServiceUnitIsHardened) {
  ASSERT_EQ(::access("/usr/bin/systemd-analyze", X_OK), 0) << "systemd-analyze is missing";
  const std::string unit = std::string(SOS_BINARY_DIR) + "/systemd/sosd.service";
  ProgramResult r =
      RunProgram({"/usr/bin/systemd-analyze", "security", "--offline=true", "--no-pager", unit},
                 {"PATH=/usr/bin:/bin"}, std::chrono::seconds(60));
  size_t at = r.output.find("Overall exposure level for sosd.service: ");
  ASSERT_NE(at, std::string::npos) << r.output;
  double exposure = std::stod(r.output.substr(at + 41));
  EXPECT_LT(exposure, 3.0) << r.output;
  EXPECT_NE(ReadFile(unit).find("Type=notify"), std::string::npos);
  // It starts the program where this build's install puts it.
  EXPECT_NE(ReadFile(unit).find("ExecStart=" SOS_INSTALL_BINDIR "/sosd\n"), std::string::npos);
}

// systemd finds nothing wrong in either unit (but that the programs are not
// installed on this machine: the boot test runs them installed).
TEST(SosdLifecycleTest, TheUnitsVerifyClean) {
  for (const char* name : {"sosd.service", "sosfs@.service"}) {
    const std::string unit = std::string(SOS_BINARY_DIR) + "/systemd/" + name;
    ProgramResult r =
        RunProgram({"/usr/bin/systemd-analyze", "verify", "--man=no", unit},
                   {"PATH=/usr/bin:/bin", "SYSTEMD_LOG_COLOR=0"}, std::chrono::seconds(60));
    std::istringstream lines(r.output);
    for (std::string line; std::getline(lines, line);) {
      if (line.find("is not executable") != std::string::npos) continue;
      ADD_FAILURE() << name << ": " << line;
    }
  }
}

TEST(SosdLifecycleTest, HelpExplainsEveryOption) {
  ProgramResult help =
      RunProgram({SOSD_PATH, "--help"}, {"PATH=/usr/bin:/bin"}, std::chrono::seconds(30));
  EXPECT_EQ(help.exit_code, 0) << help.output;
  for (const char* text :
       {"--listen", "--data", "--drives", "--region", "--fsync", "--config", "--domain",
        "SOS_LISTEN", "SOS_DATA", "SOS_ROOT_ACCESS_KEY", "SOS_ROOT_SECRET_KEY", "127.0.0.1:8000",
        "/-/health", "Precedence", "root-credentials"}) {
    EXPECT_NE(help.output.find(text), std::string::npos) << text << "\n" << help.output;
  }
}

TEST(SosdLifecycleTest, InvalidSettingsFailFast) {
  const std::string dir = TempDir("sosd-bad-config");
  std::ofstream(dir + "/typo.toml") << "lisen = \"127.0.0.1:1\"\n";
  const std::vector<std::vector<std::string>> cases = {
      {"--fsync", "sometimes"},
      {"--listen", "not-an-address"},
      {"--listen", "127.0.0.1:99999"},
      {"--config", dir + "/typo.toml"},
      {"--config", dir + "/missing.toml"},
      {"--no-such-flag"},
      {"--log-level", "loud"},
      {"--log-target", "journal"},
      {"--header-timeout", "1.5s"},
      {"--min-body-rate", "fast"},
  };
  for (const auto& args : cases) {
    std::vector<std::string> argv = {SOSD_PATH, "--data", dir + "/data"};
    argv.insert(argv.end(), args.begin(), args.end());
    ProgramResult r =
        RunProgram(argv, {"PATH=/usr/bin:/bin", "HOME=" + dir}, std::chrono::seconds(30));
    EXPECT_NE(r.exit_code, 0) << args[0] << ": " << r.output;
    EXPECT_FALSE(r.output.empty()) << args[0] << ": a failure must say why";
  }
  fs::remove_all(dir);
}

// The log's level filters by level: at warn, the access log (info) is quiet
// while a warning still shows; at info, each request leaves a stamped line
// naming the access key, never its secret.
TEST(SosdLifecycleTest, LogLevelAndAccessLines) {
  for (const std::string level : {"info", "warn"}) {
    SosdProcess::Options options;
    options.extra_env = {{"SOS_LOG_LEVEL", level}};
    auto sosd = SosdProcess::Start(options);
    ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
    S3ClientOptions client{.endpoint = (*sosd)->endpoint(),
                           .credentials = {(*sosd)->access_key(), (*sosd)->secret_key(), ""}};
    CurlObjectStore store(client);
    ASSERT_TRUE(store.CreateBucket("logged").ok());
    ASSERT_TRUE(store.PutCannedAcl("logged", "", "public-read-write").ok());  // warns
    (*sosd)->Stop();  // flushes the access log
    const std::string log = (*sosd)->stderr_text();
    const bool has_access_line = log.find("access info: 127.0.0.1:") != std::string::npos &&
                                 log.find("CreateBucket") != std::string::npos &&
                                 log.find("key=" + (*sosd)->access_key()) != std::string::npos;
    EXPECT_EQ(has_access_line, level == "info") << level << "\n" << log;
    EXPECT_NE(log.find("sosd warning: "), std::string::npos) << level << "\n" << log;
    EXPECT_EQ(log.find((*sosd)->secret_key()), std::string::npos);
    // Every line starts with its timestamp (2026-12-04T23:42:42.189+00:00).
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
      EXPECT_TRUE(line.size() > 23 && line[4] == '-' && line[10] == 'T' && line[19] == '.') << line;
    }
  }
}

TEST(SosdLifecycleTest, FlagsOverrideEnvironmentOverrideConfigFile) {
  const std::string dir = TempDir("sosd-precedence");
  const int port = FreePort();
  std::ofstream(dir + "/sosd.toml") << "# sosd test config\nlisten = \"127.0.0.1:" << port
                                    << "\"\nregion = \"from-file\"\nfsync = \"never\"\n";
  auto region_of = [](const SosdProcess& sosd, const std::string& region) -> Result<std::string> {
    S3HttpClient client(S3ClientOptions{.endpoint = sosd.endpoint(),
                                        .region = region,
                                        .credentials = {sosd.access_key(), sosd.secret_key(), ""},
                                        .max_retries = 0});
    S3Request create;
    create.method = "PUT";
    create.bucket = "precedence";
    std::string body = EncodeCreateBucketConfiguration(region);
    StringViewSource source(body);
    create.body = &source;
    auto created = client.Execute(create);
    if (!created.ok() && created.status().s3_code() != "BucketAlreadyOwnedByYou") {
      return created.status();
    }
    S3Request location;
    location.bucket = "precedence";
    location.query = {{"location", ""}};
    SOS_ASSIGN_OR_RETURN(S3Response r, client.Execute(location));
    return DecodeLocationConstraint(r.body);
  };
  {
    // Config file only (named by SOS_CONFIG): its listen address and region.
    SosdProcess::Options options;
    options.listen = false;
    options.port = port;
    options.data_dir = dir + "/data";
    options.extra_env["SOS_CONFIG"] = dir + "/sosd.toml";
    auto sosd = SosdProcess::Start(options);
    ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
    auto region = region_of(**sosd, "from-file");
    ASSERT_TRUE(region.ok()) << region.status().ToString();
    EXPECT_EQ(*region, "from-file");
    EXPECT_FALSE(region_of(**sosd, "us-east-1").ok()) << "a scope naming another region";
  }
  {
    // The environment beats the file.
    SosdProcess::Options options;
    options.listen = false;
    options.port = port;
    options.data_dir = dir + "/data";
    options.extra_env["SOS_CONFIG"] = dir + "/sosd.toml";
    options.extra_env["SOS_REGION"] = "from-env";
    auto sosd = SosdProcess::Start(options);
    ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
    auto region = region_of(**sosd, "from-env");
    ASSERT_TRUE(region.ok()) << region.status().ToString();
    EXPECT_EQ(*region, "from-env");
  }
  {
    // Flags beat both (and --listen beats the file's address).
    SosdProcess::Options options;
    options.data_dir = dir + "/data";
    options.extra_env["SOS_CONFIG"] = dir + "/sosd.toml";
    options.extra_env["SOS_REGION"] = "from-env";
    options.extra_env["SOS_LISTEN"] = "127.0.0.1:1";
    options.extra_args = {"--region", "from-flag"};
    auto sosd = SosdProcess::Start(options);
    ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
    EXPECT_NE((*sosd)->port(), port);
    auto region = region_of(**sosd, "from-flag");
    ASSERT_TRUE(region.ok()) << region.status().ToString();
    EXPECT_EQ(*region, "from-flag");
  }
  fs::remove_all(dir);
}

TEST(SosdLifecycleTest, VirtualHostedBuckets) {
  SosdProcess::Options options;
  options.extra_args = {"--domain", "sos.test"};
  auto sosd = SosdProcess::Start(options);
  ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
  CurlObjectStore store = StoreFor(**sosd, (*sosd)->access_key(), (*sosd)->secret_key());
  ASSERT_TRUE(store.CreateBucket("vhost").ok());
  StringViewSource body("virtually hosted");
  ASSERT_TRUE(store.Put("vhost", "dir/k", body).ok());

  const std::string authority = "vhost.sos.test:" + std::to_string((*sosd)->port());
  SigningRequest req{"GET", "/dir/k", {}, {{"host", authority}}, std::string(kUnsignedPayload)};
  auto query = PresignV4(req, {(*sosd)->access_key(), (*sosd)->secret_key(), ""}, "us-east-1", "s3",
                         std::chrono::system_clock::now(), 300);
  ASSERT_TRUE(query.ok());
  ProgramResult r =
      RunProgram({"/usr/bin/curl", "-s", "--max-time", "30", "--resolve", authority + ":127.0.0.1",
                  "http://" + authority + "/dir/k?" + *query},
                 {"PATH=/usr/bin:/bin"}, std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "virtually hosted");
  EXPECT_TRUE(store.Delete("vhost", "dir/k").ok());
  EXPECT_TRUE(store.DeleteBucket("vhost").ok());
}

// A source that trickles, so that a request is surely in flight at SIGTERM.
class SlowSource : public BodySource {
 public:
  explicit SlowSource(uint64_t size) : size_(size) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t take = static_cast<size_t>(std::min<uint64_t>({n, 64 << 10, size_ - pos_}));
    if (take > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::memset(buf, 'z', take);
    pos_ += take;
    return take;
  }
  std::optional<uint64_t> Size() const override { return size_; }
  bool Rewind() override {
    pos_ = 0;
    return true;
  }

 private:
  uint64_t size_;
  uint64_t pos_ = 0;
};

TEST(SosdLifecycleTest, SigtermLetsInFlightRequestsFinish) {
  auto sosd = SosdProcess::Start();
  ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
  S3ClientOptions options{.endpoint = (*sosd)->endpoint(),
                          .credentials = {(*sosd)->access_key(), (*sosd)->secret_key(), ""},
                          .max_retries = 0,
                          .payload_signing = S3ClientOptions::PayloadSigning::kUnsigned};
  CurlObjectStore store(options);
  ASSERT_TRUE(store.CreateBucket("inflight").ok());
  constexpr uint64_t kSize = 8 << 20;  // ~128 reads of 64 KiB, 5 ms apart: ~0.7 s
  auto upload = std::async(std::launch::async, [&] {
    SlowSource source(kSize);
    return store.Put("inflight", "slow", source).status();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  ASSERT_EQ(::kill((*sosd)->pid(), SIGTERM), 0);
  Status put = upload.get();
  EXPECT_TRUE(put.ok()) << "the in-flight PUT was cut off: " << put.ToString();
  auto status = (*sosd)->Stop();
  EXPECT_TRUE(ExitedZero(status)) << (*sosd)->stderr_text();
  EXPECT_NE((*sosd)->stderr_text().find("SIGTERM"), std::string::npos);
  EXPECT_EQ(HttpGetStatus((*sosd)->endpoint() + "/-/health", std::chrono::milliseconds(500)), 0)
      << "still answering after shutdown";
}

}  // namespace
}  // namespace sos::testing
