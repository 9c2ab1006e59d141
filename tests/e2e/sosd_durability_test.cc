// sosd keeps its 3-copy promise under faults, visibly. Each scenario writes a
// known data set (small objects, 3 MiB ones, multipart ones) to a real sosd,
// injects a fault into its drives, then reads every object back and compares
// every byte, and checks what /-/health, /-/metrics and `sosctl admin` said.
// Each prints one row (scenario, objects, bytes checked, objects lost, time
// to heal, what the metrics showed), the table of the durability report.
// Needs root for the read-only and full-drive scenarios (bind and tmpfs mounts).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "s3core/client/curl_object_store.h"
#include "s3core/time_format.h"
#include "tests/e2e/sosd_process.h"

namespace sos::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kBucket = "durable";

std::string Bytes(uint64_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(size, '\0');
  for (size_t i = 0; i < size; i += 8) {
    uint64_t v = rng();
    std::memcpy(s.data() + i, &v, std::min<size_t>(8, size - i));
  }
  return s;
}

std::vector<std::string> BlobFiles(const std::string& drive) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(drive + "/blobs", ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) out.push_back(it->path().string());
  }
  return out;
}

struct Check {
  size_t objects = 0;
  uint64_t bytes = 0;
  size_t lost = 0;
};

class DurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sos-durability-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    work_ = tmpl;
    data_ = work_ + "/data";
    for (int d = 0; d < 3; ++d) drives_.push_back(data_ + "/drive" + std::to_string(d));
  }
  void TearDown() override {
    if (sosd_) sosd_->Stop();
    for (const std::string& m : mounts_) ::umount2(m.c_str(), MNT_DETACH);
    if (shim_pid_ > 0) {
      RunProgram({"/bin/fusermount3", "-uz", drives_[2]}, {}, 30s);
      ::kill(shim_pid_, SIGKILL);
    }
    fs::remove_all(work_);
  }

  void Start(std::vector<std::string> extra = {}) {
    SosdProcess::Options o;
    o.data_dir = data_;
    o.extra_args = std::move(extra);
    auto sosd = SosdProcess::Start(o);
    ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
    sosd_ = std::move(*sosd);
    CurlObjectStore::Options so;
    so.endpoint = sosd_->endpoint();
    so.credentials.access_key_id = sosd_->access_key();
    so.credentials.secret_access_key = sosd_->secret_key();
    so.max_retries = 1;
    store_ = std::make_unique<CurlObjectStore>(so);
  }
  void Restart(std::vector<std::string> extra = {}) {
    sosd_->Stop();
    sosd_.reset();
    Start(std::move(extra));
  }

  Status Put(const std::string& key, const std::string& data) {
    StringViewSource body(data);
    return store_->Put(kBucket, key, body).status();
  }
  Status PutMultipart(const std::string& key, const std::string& data) {
    SOS_ASSIGN_OR_RETURN(std::string id, store_->CreateMultipartUpload(kBucket, key));
    std::vector<CompletedPart> parts;
    constexpr size_t kPart = 5 << 20;
    for (size_t at = 0, n = 1; at < data.size(); at += kPart, ++n) {
      StringViewSource body(std::string_view(data).substr(at, kPart));
      SOS_ASSIGN_OR_RETURN(std::string etag,
                           store_->UploadPart(kBucket, key, id, static_cast<int>(n), body));
      parts.push_back({static_cast<int>(n), etag});
    }
    return store_->CompleteMultipartUpload(kBucket, key, id, parts).status();
  }

  // 40 small objects, 4 of 3 MiB, 2 multipart of 11 MiB, under `prefix`.
  void WriteDataSet(const std::string& prefix) {
    Status made = store_->CreateBucket(kBucket);
    ASSERT_TRUE(made.ok() || made.code() == StatusCode::kAlreadyExists) << made.ToString();
    uint64_t seed = expected_.size() * 1000 + 7;
    for (int i = 0; i < 40; ++i, ++seed) {
      std::string key = prefix + "small-" + std::to_string(i);
      expected_[key] = Bytes(1 + (seed * 7919) % 65536, seed);
      ASSERT_TRUE(Put(key, expected_[key]).ok()) << key;
    }
    for (int i = 0; i < 4; ++i, ++seed) {
      std::string key = prefix + "medium-" + std::to_string(i);
      expected_[key] = Bytes(3 << 20, seed);
      ASSERT_TRUE(Put(key, expected_[key]).ok()) << key;
    }
    for (int i = 0; i < 2; ++i, ++seed) {
      std::string key = prefix + "multipart-" + std::to_string(i);
      expected_[key] = Bytes((11 << 20) + 12345, seed);
      Status s = PutMultipart(key, expected_[key]);
      ASSERT_TRUE(s.ok()) << key << ": " << s.ToString();
    }
  }

  // Reads every expected object and compares every byte.
  void StormWithKills(const std::string& prefix, int writers, int kills,
                      const std::function<uint64_t(uint64_t, uint64_t)>& size_of,
                      const std::string& row);

  Check VerifyAll() {
    Check c;
    for (const auto& [key, want] : expected_) {
      ++c.objects;
      std::string got;
      GetRequest req{kBucket, key, std::nullopt, {}};
      auto r = store_->Get(req, AppendTo(&got));
      if (!r.ok() || got != want) {
        ++c.lost;
        ADD_FAILURE() << "object " << key
                      << " lost or wrong: " << (r.ok() ? "bytes differ" : r.status().ToString());
        continue;
      }
      c.bytes += got.size();
    }
    return c;
  }

  // `sosctl --json admin ARGS...` as root; its JSON document.
  nlohmann::json Admin(std::vector<std::string> args) {
    std::vector<std::string> argv = {SOSCTL_PATH, "--endpoint", sosd_->endpoint(), "--json",
                                     "admin"};
    argv.insert(argv.end(), args.begin(), args.end());
    ProgramResult r = RunProgram(argv,
                                 {"AWS_ACCESS_KEY_ID=" + sosd_->access_key(),
                                  "AWS_SECRET_ACCESS_KEY=" + sosd_->secret_key(), "HOME=" + work_},
                                 300s);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    auto doc = nlohmann::json::parse(r.output, nullptr, false);
    return doc.is_discarded() ? nlohmann::json::object() : doc;
  }
  nlohmann::json ScrubNow() { return Admin({"scrub", "--now"}); }

  // GET /-/health: status and body.
  std::pair<long, std::string> Health() {
    ProgramResult r = RunProgram(
        {"/usr/bin/curl", "-s", "-w", "\n%{http_code}", sosd_->endpoint() + "/-/health"}, {}, 30s);
    const size_t nl = r.output.rfind('\n');
    if (nl == std::string::npos) return {0, r.output};
    return {std::atol(r.output.c_str() + nl + 1), r.output.substr(0, nl)};
  }
  // The sum of a metric's samples whose line contains `match` (name and labels).
  double Metric(const std::string& match) {
    ProgramResult r =
        RunProgram({"/usr/bin/curl", "-s", sosd_->endpoint() + "/-/metrics"}, {}, 30s);
    double sum = 0;
    std::istringstream lines(r.output);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || line[0] == '#' || line.find(match) == std::string::npos) continue;
      sum += std::atof(line.c_str() + line.rfind(' ') + 1);
    }
    return sum;
  }
  // Waits (bounded) until /-/health starts with `state`; seconds taken, or -1.
  double WaitForHealth(const std::string& state, std::chrono::seconds limit) {
    const auto start = Clock::now();
    while (Clock::now() - start < limit) {
      if (Health().second.rfind(state, 0) == 0) {
        return std::chrono::duration<double>(Clock::now() - start).count();
      }
      std::this_thread::sleep_for(100ms);
    }
    return -1;
  }

  void Row(const std::string& scenario, const Check& c, double heal_seconds,
           const std::string& metrics) {
    std::printf("DURABILITY | %s | %zu | %llu | %zu | %s | %s\n", scenario.c_str(), c.objects,
                static_cast<unsigned long long>(c.bytes), c.lost,
                heal_seconds < 0 ? "-" : (std::to_string(heal_seconds).substr(0, 5) + " s").c_str(),
                metrics.c_str());
    std::fflush(stdout);
  }

  std::string work_, data_;
  std::vector<std::string> drives_;
  std::vector<std::string> mounts_;
  std::unique_ptr<SosdProcess> sosd_;
  std::unique_ptr<CurlObjectStore> store_;
  std::map<std::string, std::string> expected_;
  pid_t shim_pid_ = -1;
};

bool IsFuseMount(const std::string& dir) {
  std::ifstream in("/proc/self/mounts");
  std::string source, point, type;
  while (in >> source >> point >> type) {
    if (point == dir && type.rfind("fuse", 0) == 0) return true;
    in.ignore(1 << 12, '\n');
  }
  return false;
}

TEST_F(DurabilityTest, OneReplicasFilesDeleted) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(WriteDataSet(""));
  const size_t blobs = BlobFiles(drives_[1]).size();
  ASSERT_GT(blobs, 0u);
  for (const std::string& f : BlobFiles(drives_[1])) fs::remove(f);
  const auto start = Clock::now();
  Check c = VerifyAll();  // served by the other two
  nlohmann::json info = ScrubNow();
  EXPECT_EQ(info.value("state", ""), "ok") << info.dump();
  const double heal = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(BlobFiles(drives_[1]).size(), blobs);
  const double found = Metric("sosd_scrub_faults_total");
  const double repaired = Metric("sosd_drive_repairs_total{drive=\"" + drives_[1]);
  EXPECT_GE(found, 1);
  EXPECT_EQ(repaired, static_cast<double>(blobs));
  EXPECT_EQ(Metric("sosd_drive_checksum_failures_total"), 0);  // missing is not corrupt
  Row("one replica's files deleted", c, heal,
      "scrub_faults_total=" + std::to_string(int(found)) +
          ", repairs_total{drive1}=" + std::to_string(int(repaired)));
}

TEST_F(DurabilityTest, BytesFlippedInOneReplica) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(WriteDataSet(""));
  for (const std::string& f : BlobFiles(drives_[2])) {
    std::fstream io(f, std::ios::in | std::ios::out | std::ios::binary);
    const auto size = fs::file_size(f);
    io.seekp(static_cast<std::streamoff>(size / 2));
    char c = 0;
    io.read(&c, 1);
    io.seekp(static_cast<std::streamoff>(size / 2));
    c = static_cast<char>(c ^ 0x5a);
    io.write(&c, 1);
  }
  const auto start = Clock::now();
  Check c = VerifyAll();  // a bad block is never served: another replica is
  nlohmann::json info = ScrubNow();
  EXPECT_EQ(info.value("state", ""), "ok") << info.dump();
  const double heal = std::chrono::duration<double>(Clock::now() - start).count();
  nlohmann::json again = ScrubNow();  // every replica is good now
  EXPECT_EQ(again["scrub"].value("faults_found", 99), 0u) << again.dump();
  const double faults = Metric("sosd_drive_read_faults_total{drive=\"" + drives_[2]);
  const double checksums = Metric("sosd_drive_checksum_failures_total{drive=\"" + drives_[2]);
  const double repaired = Metric("sosd_drive_repairs_total{drive=\"" + drives_[2]);
  EXPECT_GE(faults, 1);
  EXPECT_GE(checksums, 1);  // the flipped bytes were caught by their checksum
  EXPECT_GE(repaired, 1);
  Row("bytes flipped in one replica", c, heal,
      "read_faults_total{drive2}=" + std::to_string(int(faults)) +
          ", checksum_failures_total{drive2}=" + std::to_string(int(checksums)) +
          ", repairs_total{drive2}=" + std::to_string(int(repaired)));
}

TEST_F(DurabilityTest, TwoReplicasOfSomeObjectsRemoved) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(WriteDataSet(""));
  std::vector<std::string> on0 = BlobFiles(drives_[0]);
  const size_t removed = on0.size() / 3;
  for (size_t i = 0; i < removed; ++i) {
    const std::string tail = on0[i].substr(drives_[0].size());
    fs::remove(drives_[0] + tail);
    fs::remove(drives_[1] + tail);
  }
  const auto start = Clock::now();
  Check c = VerifyAll();  // from the last copy
  nlohmann::json info = ScrubNow();
  const double heal = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(info.value("state", ""), "ok") << info.dump();
  EXPECT_EQ(BlobFiles(drives_[0]).size(), on0.size());
  EXPECT_EQ(BlobFiles(drives_[1]).size(), on0.size());
  Row("two replicas of " + std::to_string(removed) + " blobs removed", c, heal,
      "repairs_total=" + std::to_string(int(Metric("sosd_drive_repairs_total"))));
}

TEST_F(DurabilityTest, ReadOnlyDriveThenBack) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(WriteDataSet("before/"));
  const std::string& d = drives_[2];
  ASSERT_EQ(::mount(d.c_str(), d.c_str(), nullptr, MS_BIND, nullptr), 0) << strerror(errno);
  mounts_.push_back(d);
  ASSERT_EQ(::mount(nullptr, d.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr), 0)
      << strerror(errno);
  ASSERT_NO_FATAL_FAILURE(WriteDataSet("during/"));  // two copies, acknowledged
  auto [status, body] = Health();
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body.rfind("degraded", 0), 0u) << body;
  EXPECT_NE(body.find(d), std::string::npos) << body;
  const double write_faults = Metric("sosd_drive_write_faults_total{drive=\"" + d);
  EXPECT_GE(write_faults, 1);
  // Writable again: the drive comes back and a scrub refills what it missed.
  ASSERT_EQ(::umount2(d.c_str(), 0), 0) << strerror(errno);
  mounts_.clear();
  const auto start = Clock::now();
  Admin({"heal"});
  nlohmann::json info = ScrubNow();
  const double heal = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(info.value("state", ""), "ok") << info.dump();
  EXPECT_EQ(BlobFiles(d).size(), BlobFiles(drives_[0]).size());
  Check c = VerifyAll();
  Row("a drive read-only, then writable", c, heal,
      "health=degraded (drive named), write_faults_total{drive2}=" +
          std::to_string(int(write_faults)) + ", then ok");
}

TEST_F(DurabilityTest, FullDrive) {
  const std::string small = work_ + "/small";
  fs::create_directories(small);
  ASSERT_EQ(::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=24m"), 0) << strerror(errno);
  mounts_.push_back(small);
  drives_[2] = small + "/drive2";
  ASSERT_NO_FATAL_FAILURE(Start({"--drives", drives_[0] + "," + drives_[1] + "," + drives_[2]}));
  ASSERT_NO_FATAL_FAILURE(WriteDataSet(""));  // ~48 MiB: drive2 fills, writes go on
  auto [status, body] = Health();
  EXPECT_EQ(status, 200);
  EXPECT_NE(body.find(drives_[2] + " is full"), std::string::npos) << body;
  Check c = VerifyAll();
  const double write_faults = Metric("sosd_drive_write_faults_total{drive=\"" + drives_[2]);
  EXPECT_GE(write_faults, 1);
  Row("one drive full (24 MiB tmpfs)", c, -1,
      "health=degraded (drive full), write_faults_total{drive2}=" +
          std::to_string(int(write_faults)) + ", drive_free_bytes{drive2}=" +
          std::to_string(int64_t(Metric("sosd_drive_free_bytes{drive=\"" + drives_[2]))));
}

TEST_F(DurabilityTest, IndexDeletedAndRebuilt) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(WriteDataSet(""));
  sosd_->Stop();
  fs::remove_all(data_ + "/index");
  const auto start = Clock::now();
  ASSERT_NO_FATAL_FAILURE(Restart());
  const double heal = std::chrono::duration<double>(Clock::now() - start).count();
  Check c = VerifyAll();
  nlohmann::json info = Admin({"info"});
  EXPECT_EQ(info.value("objects", 0u), expected_.size()) << info.dump();
  Row("index deleted, rebuilt from the drives", c, heal,
      "objects=" + std::to_string(info.value("objects", 0u)) +
          ", state=" + info.value("state", ""));
}

TEST_F(DurabilityTest, DriveReplacedByAnEmptyOne) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(WriteDataSet(""));
  const size_t blobs = BlobFiles(drives_[0]).size();
  sosd_->Stop();
  fs::remove_all(drives_[1]);  // the new disk, mounted where the dead one was
  const auto start = Clock::now();
  ASSERT_NO_FATAL_FAILURE(Restart());
  // The background scrub refills it at its own pace.
  const auto deadline = Clock::now() + 120s;
  while (BlobFiles(drives_[1]).size() < blobs && Clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  const double heal = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(BlobFiles(drives_[1]).size(), blobs);
  EXPECT_GE(WaitForHealth("ok", 60s), 0);
  Check c = VerifyAll();
  Row("a drive replaced by an empty one", c, heal,
      "repairs_total{drive1}=" +
          std::to_string(int(Metric("sosd_drive_repairs_total{drive=\"" + drives_[1]))) +
          ", scrub passes=" + std::to_string(int(Metric("sosd_scrub{value=\"passes_completed"))));
}

// A replaced drive stays "refilling" across restarts until a pass has
// refilled it, even once its new marker makes it look like any other drive.
TEST_F(DurabilityTest, RefillingShowsAcrossRestartsUntilAPassIsDone) {
  const std::vector<std::string> slow = {"--scrub-blobs-per-second", "1"};
  ASSERT_NO_FATAL_FAILURE(Start(slow));
  ASSERT_NO_FATAL_FAILURE(WriteDataSet(""));
  sosd_->Stop();
  fs::remove_all(drives_[1]);
  auto refilling = [&] {
    nlohmann::json info = Admin({"info"});
    return info["drives"].size() == 3 && info["drives"][1].value("refilling", false);
  };
  ASSERT_NO_FATAL_FAILURE(Restart(slow));
  EXPECT_TRUE(refilling());
  ASSERT_NO_FATAL_FAILURE(Restart(slow));  // the drive is no longer new
  EXPECT_TRUE(refilling());
  ScrubNow();
  EXPECT_FALSE(refilling());
  ASSERT_NO_FATAL_FAILURE(Restart(slow));
  EXPECT_FALSE(refilling());
  Check c = VerifyAll();
  EXPECT_EQ(c.lost, 0u);
}

TEST_F(DurabilityTest, TwoDrivesGoneRefusesWritesAndServesReads) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(WriteDataSet(""));
  fs::remove_all(drives_[0]);
  fs::remove_all(drives_[1]);
  Status put = Put("after", "data");
  EXPECT_EQ(put.code(), StatusCode::kUnavailable) << put.ToString();  // 503, nothing acknowledged
  auto [status, body] = Health();
  EXPECT_EQ(status, 503);
  EXPECT_EQ(body.rfind("failing", 0), 0u) << body;
  EXPECT_EQ(HttpGetStatus(sosd_->endpoint() + "/-/ready", 5000ms), 503);
  Check c = VerifyAll();  // from the last copy
  Row("two drives gone", c, -1, "health=failing (503), PUT=503, reads from the last copy");
}

// A drive whose disk returns I/O errors (faulty_fs, a FUSE passthrough that
// fails on command): reads first, then everything; then it recovers.
TEST_F(DurabilityTest, ADriveReturningIoErrors) {
  const std::string backing = work_ + "/backing2";
  const std::string flag = work_ + "/fault";
  fs::create_directories(backing);
  fs::create_directories(drives_[2]);
  ProgramResult shim =
      RunProgram({"/bin/sh", "-c",
                  std::string("setsid ") + FAULTY_FS_PATH + " " + backing + " " + drives_[2] + " " +
                      flag + " >" + work_ + "/faulty_fs.log 2>&1 </dev/null & echo $!"},
                 {}, 30s);
  ASSERT_EQ(shim.exit_code, 0) << shim.output;
  shim_pid_ = std::stoi(shim.output);
  for (int i = 0; i < 100 && !IsFuseMount(drives_[2]); ++i) std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(IsFuseMount(drives_[2])) << ReadFile(work_ + "/faulty_fs.log");
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(WriteDataSet("before/"));

  std::ofstream(flag) << "read\n";  // the disk's reads fail
  Check reads = VerifyAll();        // served by the other drives
  const double read_faults = Metric("sosd_drive_read_faults_total{drive=\"" + drives_[2]);
  std::ofstream(flag) << "all\n";                    // then everything
  ASSERT_NO_FATAL_FAILURE(WriteDataSet("during/"));  // on the other two, acknowledged
  auto [status, body] = Health();
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body.rfind("degraded", 0), 0u) << body;
  EXPECT_NE(body.find(drives_[2]), std::string::npos) << body;

  std::ofstream(flag) << "none\n";  // the disk recovers
  const auto start = Clock::now();
  Admin({"heal"});
  nlohmann::json info = ScrubNow();
  const double heal = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(info.value("state", ""), "ok") << info.dump();
  EXPECT_EQ(BlobFiles(backing).size(), BlobFiles(drives_[0]).size());
  Check c = VerifyAll();
  c.lost += reads.lost;
  EXPECT_GE(read_faults + Metric("sosd_drive_write_faults_total{drive=\"" + drives_[2]), 1);
  Row("a drive returning I/O errors (reads, then all), then recovering", c, heal,
      "read_faults_total{drive2}=" + std::to_string(int(read_faults)) +
          ", health=degraded (drive named), then ok");
}

// sosctl admin object: where each blob of an object has a replica, and when
// the scrubber last found all of them good (a pass that finds one missing
// repairs it but does not count as a verification of that blob).
TEST_F(DurabilityTest, AnObjectsCopiesAndWhenTheyWereVerified) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(WriteDataSet(""));
  const std::string object = std::string(kBucket) + "/multipart-0";
  const std::string before = FormatIso8601Extended(std::chrono::system_clock::now());
  ScrubNow();
  nlohmann::json doc = Admin({"object", object});
  EXPECT_EQ(doc.value("copies", 0), 3) << doc.dump();
  ASSERT_EQ(doc["blobs"].size(), 3u) << doc.dump();  // 11 MiB in 5 MiB parts
  const std::string first = doc.value("last_verified", "");
  EXPECT_GE(first, before);
  for (const auto& blob : doc["blobs"]) {
    EXPECT_EQ(blob["drives"].size(), 3u);
    EXPECT_EQ(blob.value("replicas_verified", 0), 3);
  }

  const std::string lost = doc["blobs"][1].value("id", "");
  ASSERT_TRUE(fs::remove(drives_[1] + "/blobs/" + lost.substr(0, 2) + "/" + lost.substr(2, 2) +
                         "/" + lost));
  doc = Admin({"object", object});
  EXPECT_EQ(doc.value("copies", 0), 2) << doc.dump();
  EXPECT_EQ(doc["blobs"][1]["drives"].size(), 2u);

  ScrubNow();  // finds the replica missing and repairs it
  doc = Admin({"object", object});
  EXPECT_EQ(doc.value("copies", 0), 3) << doc.dump();
  EXPECT_EQ(doc.value("last_verified", ""), doc["blobs"][1].value("last_verified", ""));
  EXPECT_GT(doc["blobs"][0].value("last_verified", ""), doc["blobs"][1].value("last_verified", ""));
  ScrubNow();  // now every replica of it reads good
  doc = Admin({"object", object});
  EXPECT_GT(doc.value("last_verified", ""), first) << doc.dump();

  ProgramResult missing =
      RunProgram({SOSCTL_PATH, "--endpoint", sosd_->endpoint(), "admin", "object",
                  std::string(kBucket) + "/no-such-key"},
                 {"AWS_ACCESS_KEY_ID=" + sosd_->access_key(),
                  "AWS_SECRET_ACCESS_KEY=" + sosd_->secret_key(), "HOME=" + work_},
                 60s);
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("NoSuchKey"), std::string::npos) << missing.output;
}

TEST_F(DurabilityTest, ReadyAndMetricsAccess) {
  const std::string metrics_port = std::to_string(FreePort());
  ASSERT_NO_FATAL_FAILURE(
      Start({"--metrics", "root", "--metrics-listen", "127.0.0.1:" + metrics_port}));
  EXPECT_EQ(HttpGetStatus(sosd_->endpoint() + "/-/ready", 5000ms), 200);
  EXPECT_EQ(HttpGetStatus(sosd_->endpoint() + "/-/metrics", 5000ms), 403);  // anonymous
  // Prometheus' own port: /metrics without a signature, nothing else.
  const std::string scrape = "http://127.0.0.1:" + metrics_port;
  ProgramResult scraped = RunProgram({"/usr/bin/curl", "-s", "-f", scrape + "/metrics"}, {}, 30s);
  EXPECT_EQ(scraped.exit_code, 0) << scraped.output;
  EXPECT_NE(scraped.output.find("sosd_drive_free_bytes{drive="), std::string::npos);
  EXPECT_NE(scraped.output.find("sosd_commits_total{what=\"blob_syncs\"}"), std::string::npos);
  EXPECT_EQ(HttpGetStatus(scrape + "/-/health", 5000ms), 404);
  EXPECT_EQ(HttpGetStatus(scrape + "/" + kBucket, 5000ms), 404);
  ProgramResult put = RunProgram({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                  "-X", "PUT", scrape + "/metrics"},
                                 {}, 30s);
  EXPECT_EQ(put.output, "405");
  ProgramResult signed_get = RunProgram(
      {"/usr/bin/curl", "-s", "-f", "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "--aws-sigv4",
       "aws:amz:us-east-1:s3", "--user", sosd_->access_key() + ":" + sosd_->secret_key(),
       sosd_->endpoint() + "/-/metrics"},
      {}, 30s);
  EXPECT_EQ(signed_get.exit_code, 0) << signed_get.output;
  EXPECT_NE(signed_get.output.find("sosd_requests_total"), std::string::npos);
  ASSERT_NO_FATAL_FAILURE(Restart({"--metrics", "off"}));
  EXPECT_EQ(HttpGetStatus(sosd_->endpoint() + "/-/metrics", 5000ms), 404);
  EXPECT_NE(HttpGetStatus(scrape + "/metrics", 2000ms), 200);
  sosd_.reset();
  ProgramResult refused =
      RunProgram({SOSD_PATH, "--data", work_ + "/refused", "--listen", "127.0.0.1:0", "--metrics",
                  "off", "--metrics-listen", "127.0.0.1:" + metrics_port},
                 {}, 20s);
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("metrics-listen"), std::string::npos) << refused.output;
}

// kill -9 of sosd ten times while a scrub pass and a heal repair a drive
// that lost half its replicas: nothing is lost, nothing is left half-written,
// and the pass after the last restart brings every blob back to 3 copies.
TEST_F(DurabilityTest, KilledTenTimesDuringScrubAndHeal) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(WriteDataSet(""));
  const size_t blobs = BlobFiles(drives_[0]).size();
  std::mt19937 rng(7);
  auto admin_post = [&](const std::string& what) {  // in the background: sosd dies under it
    RunProgram({"/bin/sh", "-c",
                "curl -s -o /dev/null -X POST -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "
                "--aws-sigv4 aws:amz:us-east-1:s3 --user '" +
                    sosd_->access_key() + ":" + sosd_->secret_key() + "' '" + sosd_->endpoint() +
                    "/-/admin/" + what + "' >/dev/null 2>&1 </dev/null &"},
               {}, 30s);
  };
  size_t removed = 0;
  std::string found;  // drive 1's replica files at each round: the repairs between kills
  for (int kill = 0; kill < 10; ++kill) {
    // Only drive 1 loses replicas: two good copies of everything remain.
    std::vector<std::string> files = BlobFiles(drives_[1]);
    found += (found.empty() ? "" : ",") + std::to_string(files.size());
    for (size_t i = kill % 2; i < files.size(); i += 2) removed += fs::remove(files[i]) ? 1 : 0;
    admin_post(kill % 2 == 0 ? "scrub?now=1" : "heal");
    // Some rounds end before the repairs start, some amid them, some after.
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 1200));
    ::kill(sosd_->pid(), SIGKILL);
    sosd_->Stop(0s);
    sosd_.reset();
    ASSERT_NO_FATAL_FAILURE(Start());
  }
  const auto start = Clock::now();
  ScrubNow();
  const double heal = std::chrono::duration<double>(Clock::now() - start).count();
  for (const std::string& drive : drives_) {
    EXPECT_EQ(BlobFiles(drive).size(), blobs) << drive;
    std::error_code ec;
    EXPECT_TRUE(fs::is_empty(drive + "/tmp", ec)) << drive << "/tmp holds leftovers";
  }
  EXPECT_GE(WaitForHealth("ok", 60s), 0);
  Check c = VerifyAll();
  Row("kill -9 x10 during scrub and heal of a drive (" + std::to_string(removed) +
          " replica files removed over the rounds; drive 1 held " + found + ")",
      c, heal,
      "repairs_total{drive1}=" +
          std::to_string(int(Metric("sosd_drive_repairs_total{drive=\"" + drives_[1]))) +
          " after the last restart, state=ok");
}

// `writers` threads PUT new keys under `prefix` (sizes from size_of(i, w))
// while sosd is SIGKILLed `kills` times and restarted; afterwards every
// acknowledged object is whole, and so is every object listed.
void DurabilityTest::StormWithKills(const std::string& prefix, int writers, int kills,
                                    const std::function<uint64_t(uint64_t, uint64_t)>& size_of,
                                    const std::string& row) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(store_->CreateBucket(kBucket).ok());
  std::mutex mu;
  std::map<std::string, std::string> acked;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> attempts{0};
  auto store_for = [&] {
    std::lock_guard lock(mu);
    CurlObjectStore::Options so;
    so.endpoint = sosd_ ? sosd_->endpoint() : "http://127.0.0.1:1";
    so.credentials.access_key_id = "SOSE2EROOTKEY0000001";
    so.credentials.secret_access_key = "sos-e2e-root-secret-key-0000000000000001";
    so.max_retries = 0;
    return std::make_unique<CurlObjectStore>(so);
  };
  auto bytes_of = [&](uint64_t i, uint64_t w) {
    return Bytes(size_of(i, w), i * static_cast<uint64_t>(writers) + w);
  };
  std::vector<std::thread> threads;
  // Joined however the test ends (a failed ASSERT returns early).
  std::shared_ptr<void> join_writers(nullptr, [&](void*) {
    stop = true;
    for (std::thread& t : threads) {
      if (t.joinable()) t.join();
    }
  });
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (uint64_t i = 0; !stop; ++i) {
        const std::string key = prefix + std::to_string(w) + "-" + std::to_string(i);
        const std::string data = bytes_of(i, static_cast<uint64_t>(w));
        auto store = store_for();
        StringViewSource body(data);
        ++attempts;
        if (store->Put(kBucket, key, body).ok()) {
          std::lock_guard lock(mu);
          acked[key] = data;
        } else {
          std::this_thread::sleep_for(20ms);
        }
      }
    });
  }
  std::mt19937 rng(42);
  for (int kill = 0; kill < kills; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 400));
    pid_t pid;
    {
      std::lock_guard lock(mu);
      pid = sosd_->pid();
    }
    ::kill(pid, SIGKILL);
    std::unique_ptr<SosdProcess> old;
    {
      std::lock_guard lock(mu);
      old = std::move(sosd_);
    }
    old->Stop(0s);
    old.reset();
    SosdProcess::Options o;
    o.data_dir = data_;
    auto restarted = SosdProcess::Start(o);
    ASSERT_TRUE(restarted.ok()) << "restart " << kill << ": " << restarted.status().ToString();
    std::lock_guard lock(mu);
    sosd_ = std::move(*restarted);
  }
  stop = true;
  for (std::thread& t : threads) t.join();
  ASSERT_NO_FATAL_FAILURE(Restart());
  expected_ = acked;
  Check c = VerifyAll();
  // Nothing partial: every object listed (acknowledged or not) is whole.
  std::vector<std::string> listed;
  ListRequest list;
  list.bucket = kBucket;
  list.prefix = prefix;
  for (;;) {
    auto page = store_->List(list);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const ObjectMeta& o : page->objects) listed.push_back(o.key);
    if (!page->is_truncated) break;
    list.continuation_token = page->next_token;
  }
  EXPECT_GE(listed.size(), acked.size());
  EXPECT_GT(acked.size(), static_cast<size_t>(kills));  // the storm did write between kills
  size_t partial = 0;
  for (const std::string& key : listed) {
    const size_t dash = key.find('-');
    const uint64_t w = std::stoull(key.substr(prefix.size(), dash - prefix.size()));
    const uint64_t i = std::stoull(key.substr(dash + 1));
    std::string got;
    auto r = store_->Get({kBucket, key, std::nullopt, {}}, AppendTo(&got));
    if (!r.ok() || got != bytes_of(i, w)) ++partial;
  }
  EXPECT_EQ(partial, 0u);
  Row(row + " (" + std::to_string(attempts.load()) + " PUTs tried)", c, -1,
      "acknowledged=" + std::to_string(acked.size()) + ", listed after=" +
          std::to_string(listed.size()) + ", partial=" + std::to_string(partial));
}

// kill -9 of sosd 20 times during an upload storm: every acknowledged object
// is whole after each restart, and nothing partial is ever visible.
TEST_F(DurabilityTest, KilledTwentyTimesDuringAnUploadStorm) {
  StormWithKills(
      "storm/", 4, 20, [](uint64_t i, uint64_t w) { return 1 + (i * 104729 + w) % (2 << 20); },
      "kill -9 x20 during 4 concurrent uploaders");
}

// Small objects take the group commit's path (written without their own
// fsyncs, made durable by the batch that indexes them).
TEST_F(DurabilityTest, KilledTenTimesDuringABurstOfSmallPuts) {
  StormWithKills(
      "small/", 32, 10,
      [](uint64_t i, uint64_t w) { return i % 4 == 0 ? 4096 : 1 + (i * 7919 + w) % (128 << 10); },
      "kill -9 x10 during 32 concurrent small-object uploaders");
}

}  // namespace
}  // namespace sos::testing
