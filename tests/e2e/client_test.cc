#include "tests/e2e/client_test.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

namespace sos::testing {
namespace {

namespace fs = std::filesystem;

// Compares two streams in 1 MiB chunks; describes the first difference.
::testing::AssertionResult SameStreams(std::istream& a, std::istream& b, const std::string& what) {
  std::vector<char> x(1 << 20), y(1 << 20);
  uint64_t offset = 0;
  while (true) {
    a.read(x.data(), static_cast<std::streamsize>(x.size()));
    b.read(y.data(), static_cast<std::streamsize>(y.size()));
    size_t n = static_cast<size_t>(a.gcount()), m = static_cast<size_t>(b.gcount());
    size_t common = std::min(n, m);
    auto diff = std::mismatch(x.begin(), x.begin() + common, y.begin());
    if (diff.first != x.begin() + common) {
      return ::testing::AssertionFailure()
             << what << " differ at byte " << offset + (diff.first - x.begin());
    }
    if (n != m) {
      return ::testing::AssertionFailure() << what << " differ in length after " << offset + common;
    }
    if (n == 0) return ::testing::AssertionSuccess();
    offset += n;
  }
}

}  // namespace

void ClientTest::SetUp() {
  std::string tmpl = (fs::temp_directory_path() / "sosd-client-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  dir_ = tmpl;
  CurlObjectStore::Options options;
  options.endpoint = Sosd().endpoint();
  options.credentials = {Sosd().access_key(), Sosd().secret_key(), ""};
  store_ = std::make_unique<CurlObjectStore>(options);
}

void ClientTest::TearDown() {
  for (const auto& bucket : buckets_) {
    if (!store_->HeadBucket(bucket).ok()) continue;
    for (int page = 0; page < 100; ++page) {
      auto list = store_->List(ListRequest{.bucket = bucket});
      if (!list.ok() || list->objects.empty()) break;
      std::vector<std::string> keys;
      for (const auto& o : list->objects) keys.push_back(o.key);
      (void)store_->DeleteMany(bucket, keys);
    }
    auto uploads = store_->ListMultipartUploads(bucket);
    if (uploads.ok()) {
      for (const auto& u : uploads->uploads) {
        (void)store_->AbortMultipartUpload(bucket, u.key, u.upload_id);
      }
    }
    EXPECT_TRUE(store_->DeleteBucket(bucket).ok()) << "cleanup of bucket " << bucket;
  }
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

::testing::AssertionResult ClientTest::Installed(const std::string& path) {
  if (::access(path.c_str(), X_OK) == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << path << " is not installed: scripts/install-deps.sh should have installed it";
}

std::string ClientTest::TrackBucket(const std::string& prefix) {
  static int counter = 0;
  std::string name = prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  buckets_.push_back(name);
  return name;
}

std::string ClientTest::CreateBucket(const std::string& prefix) {
  std::string name = TrackBucket(prefix);
  Status s = store_->CreateBucket(name);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return name;
}

std::map<std::string, uint64_t> ClientTest::WriteRandomTree(const std::string& root,
                                                            uint64_t big_size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::map<std::string, uint64_t> files = {
      {"empty", 0},
      {"big.bin", big_size},
      {"a/one.txt", 1},
      {"a/with space & plus+.dat", 4096},
      {"a/b/c/deep.bin", 100000},
      {"a/b/sibling.bin", 65537},
      {"z/last.bin", 12345},
  };
  for (int i = 0; i < 8; ++i) files["many/f" + std::to_string(i)] = rng() % 50000;
  for (const auto& [rel, size] : files) {
    fs::path p = fs::path(root) / rel;
    fs::create_directories(p.parent_path());
    WriteRandomFile(p.string(), size, rng());
  }
  return files;
}

std::map<std::string, uint64_t> ClientTest::ListTree(const std::string& root) {
  std::map<std::string, uint64_t> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file()) {
      out[fs::relative(it->path(), root).string()] = it->file_size();
    }
  }
  return out;
}

::testing::AssertionResult ClientTest::SameFile(const std::string& a, const std::string& b) {
  std::ifstream x(a, std::ios::binary), y(b, std::ios::binary);
  if (!x) return ::testing::AssertionFailure() << "cannot open " << a;
  if (!y) return ::testing::AssertionFailure() << "cannot open " << b;
  return SameStreams(x, y, a + " and " + b);
}

::testing::AssertionResult ClientTest::SameTree(const std::string& a, const std::string& b) {
  auto left = ListTree(a), right = ListTree(b);
  if (left.empty()) return ::testing::AssertionFailure() << a << " has no files";
  if (left != right) {
    auto failure = ::testing::AssertionFailure() << a << " and " << b << " list differently:";
    for (const auto& [k, v] : left) {
      if (!right.count(k) || right[k] != v) failure << "\n  only left: " << k << " " << v;
    }
    for (const auto& [k, v] : right) {
      if (!left.count(k) || left[k] != v) failure << "\n  only right: " << k << " " << v;
    }
    return failure;
  }
  for (const auto& [rel, size] : left) {
    auto same = SameFile(a + "/" + rel, b + "/" + rel);
    if (!same) return same;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult ClientTest::ObjectEqualsFile(const std::string& bucket,
                                                        const std::string& key,
                                                        const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return ::testing::AssertionFailure() << "cannot open " << path;
  uint64_t offset = 0;
  bool differs = false;
  std::vector<char> buf;
  auto got = store_->Get(GetRequest{bucket, key}, [&](std::string_view chunk) {
    buf.resize(chunk.size());
    file.read(buf.data(), static_cast<std::streamsize>(chunk.size()));
    if (static_cast<size_t>(file.gcount()) != chunk.size() ||
        !std::equal(chunk.begin(), chunk.end(), buf.begin())) {
      differs = true;
      return Status::Internal("differs");
    }
    offset += chunk.size();
    return Status::Ok();
  });
  if (differs) {
    return ::testing::AssertionFailure()
           << bucket << "/" << key << " differs from " << path << " near byte " << offset;
  }
  if (!got.ok()) {
    return ::testing::AssertionFailure()
           << "GET " << bucket << "/" << key << ": " << got.status().ToString();
  }
  if (file.peek() != std::char_traits<char>::eof()) {
    return ::testing::AssertionFailure()
           << bucket << "/" << key << " is shorter (" << offset << " bytes) than " << path;
  }
  return ::testing::AssertionSuccess();
}

std::vector<std::string> ClientTest::BaseEnv() const {
  return {"PATH=/usr/bin:/bin:/usr/sbin:/sbin", "HOME=" + dir_, "LANG=C.UTF-8", "TMPDIR=" + dir_};
}

std::vector<std::string> ClientTest::AwsSdkEnv() const {
  std::vector<std::string> env = BaseEnv();
  env.insert(env.end(), {"AWS_ACCESS_KEY_ID=" + Sosd().access_key(),
                         "AWS_SECRET_ACCESS_KEY=" + Sosd().secret_key(),
                         "AWS_CONFIG_FILE=" + dir_ + "/no-config",
                         "AWS_SHARED_CREDENTIALS_FILE=" + dir_ + "/no-credentials",
                         "AWS_EC2_METADATA_DISABLED=true"});
  return env;
}

}  // namespace sos::testing
