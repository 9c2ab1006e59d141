// Test helpers for the storage engine's unit tests (header-only; not part of
// sosd): a temporary directory removed afterwards, options for a quiet
// engine without background thread, PUT/GET of whole byte strings, and
// counting the blob files on a drive.
//
// Thread-compatible; PutBytes/ReadAll are thread-safe like the engine.
#pragma once

#include <dirent.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/storage/storage_engine.h"
#include "s3core/crypto.h"

namespace sos::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sos-storage-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    path_ = p ? p : "";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Collects the engine's log lines instead of printing them.
struct LogCapture {
  std::mutex mu;
  std::vector<std::string> lines;
  std::function<void(std::string_view)> Fn() {
    return [this](std::string_view l) {
      std::lock_guard lock(mu);
      lines.emplace_back(l);
    };
  }
};

inline StorageOptions QuietOptions(const std::string& dir, LogCapture* log = nullptr) {
  StorageOptions o;
  o.data_dir = dir;
  o.maintenance_interval = std::chrono::milliseconds(0);
  o.log = log ? log->Fn() : [](std::string_view) {};
  return o;
}

// A quiet engine in `dir` with one bucket owned by "owner" (nullptr, after
// a test failure, if that fails).
inline std::unique_ptr<StorageEngine> OpenWithBucket(const std::string& dir,
                                                     const std::string& bucket) {
  auto e = StorageEngine::Open(QuietOptions(dir));
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  if (!e.ok()) return nullptr;
  BucketRecord b;
  b.name = bucket;
  b.owner_id = "owner";
  EXPECT_TRUE((*e)->CreateBucket(b).ok());
  return std::move(*e);
}

inline std::string Pattern(size_t n, uint32_t seed = 1) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 12345;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    s[i] = static_cast<char>(x >> 24);
  }
  return s;
}

inline std::string QuotedMd5(std::string_view raw) { return "\"" + HexEncode(raw) + "\""; }

// Writes `data` as one blob (in `chunk`-sized writes). BlobUse::kPart: blob
// files whatever the size; kObject keeps small data inline.
inline Result<Segment> WriteBlob(StorageEngine& engine, std::string_view data,
                                 std::string* md5 = nullptr, size_t chunk = 64 << 10,
                                 BlobUse use = BlobUse::kPart) {
  SOS_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> w, engine.NewBlob(use));
  for (size_t i = 0; i < data.size(); i += chunk) {
    SOS_RETURN_IF_ERROR(w->Write(data.substr(i, chunk)));
  }
  SOS_ASSIGN_OR_RETURN(Segment seg, w->Finish());
  if (md5) *md5 = w->md5();
  return seg;
}

inline Result<ObjectRecord> PutBytes(StorageEngine& engine, const std::string& bucket,
                                     const std::string& key, std::string_view data,
                                     const WritePrecondition& pc = {},
                                     BlobUse use = BlobUse::kPart) {
  std::string md5;
  SOS_ASSIGN_OR_RETURN(Segment seg, WriteBlob(engine, data, &md5, 64 << 10, use));
  ObjectRecord r;
  r.meta.key = key;
  r.meta.size = data.size();
  r.meta.etag = QuotedMd5(md5);
  r.meta.content_type = "application/octet-stream";
  r.owner_id = "owner";
  r.segments = {seg};
  return engine.CommitObject(bucket, std::move(r), pc);
}

inline Result<std::string> ReadRecord(StorageEngine& engine, const ObjectRecord& r,
                                      uint64_t offset = 0, std::optional<uint64_t> len = {}) {
  SOS_ASSIGN_OR_RETURN(std::unique_ptr<ObjectReader> reader, engine.OpenObject(r));
  std::string out;
  SOS_RETURN_IF_ERROR(reader->Read(offset, len ? *len : r.meta.size - offset, AppendTo(&out)));
  return out;
}

inline Result<std::string> ReadAll(StorageEngine& engine, const std::string& bucket,
                                   const std::string& key) {
  SOS_ASSIGN_OR_RETURN(ObjectRecord r, engine.HeadObject(bucket, key));
  return ReadRecord(engine, r);
}

// Paths of the blob files under drive/blobs.
inline std::vector<std::string> BlobFiles(const std::string& drive) {
  std::vector<std::string> out;
  std::error_code ec;
  std::filesystem::path root = std::filesystem::path(drive) / "blobs";
  if (!std::filesystem::exists(root, ec)) return out;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file()) out.push_back(it->path().string());
  }
  return out;
}

inline std::string DrivePath(const std::string& data_dir, int i) {
  return data_dir + "/drive" + std::to_string(i);
}

// Blob files on the three drives of the store in data_dir.
inline size_t BlobFileCount(const std::string& data_dir) {
  size_t n = 0;
  for (int d = 0; d < 3; ++d) n += BlobFiles(DrivePath(data_dir, d)).size();
  return n;
}

inline std::string BlobFilePath(const std::string& drive, const std::string& id) {
  return drive + "/blobs/" + id.substr(0, 2) + "/" + id.substr(2, 2) + "/" + id;
}

}  // namespace sos::testing
