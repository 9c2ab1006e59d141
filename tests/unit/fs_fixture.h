// FsFixture: a Filesystem over an in-memory S3 (behind the fault injector),
// with a temporary cache directory and small path-based helpers, shared by the
// sosfs unit tests. Tests override Options() to change sizes or timings.
// Not thread-safe beyond what the Filesystem itself allows.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fuse/core/filesystem.h"
#include "fuse/core/inode_table.h"
#include "tests/support/faulty_object_store.h"
#include "tests/support/memory_object_store.h"

namespace sos {

class FsFixture : public ::testing::Test {
 protected:
  explicit FsFixture(MemoryObjectStoreOptions store_options = {})
      : store_(std::move(store_options)) {}

  void SetUp() override {
    ASSERT_TRUE(store_.CreateBucket("bkt").ok());
    char tmpl[] = "/tmp/sos-fs-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    Mount();
  }
  void TearDown() override {
    Unmount();
    std::filesystem::remove_all(dir_);
  }
  virtual FilesystemOptions Options() {
    using namespace std::chrono_literals;
    FilesystemOptions o;
    o.bucket = "bkt";
    o.cache_dir = dir_ + "/cache";
    o.defaults.uid = 1000;
    o.defaults.gid = 1000;
    o.retry_delay = 1ms;
    o.requeue_delay = 20ms;
    return o;
  }
  void Mount() {
    fs_ = std::make_unique<Filesystem>(faulty_, Options());
    Status s = fs_->Init();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void Unmount() {
    if (fs_) fs_->Shutdown();
    fs_.reset();
  }
  void Remount() {
    Unmount();
    Mount();
  }
  // Waits (bounded) until every upload finished.
  void Drain() {
    for (int i = 0; i < 1000 && fs_->PendingChanges() > 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_EQ(fs_->PendingChanges(), 0u);
  }

  Result<uint64_t> Ino(const std::string& path) {
    uint64_t ino = InodeTable::kRootIno;
    if (path.empty()) return ino;
    size_t start = 0;
    while (true) {
      size_t slash = path.find('/', start);
      auto e = fs_->Lookup(ino, path.substr(start, slash - start));
      if (!e.ok()) return e.status();
      ino = e->ino;
      if (slash == std::string::npos) return ino;
      start = slash + 1;
    }
  }
  Result<uint64_t> Parent(const std::string& path) { return Ino(ParentPath(path)); }
  Result<NodeAttr> Stat(const std::string& path) {
    SOS_ASSIGN_OR_RETURN(uint64_t ino, Ino(path));
    SOS_ASSIGN_OR_RETURN(Entry e, fs_->GetAttr(ino));
    return e.attr;
  }
  Status WriteFile(const std::string& path, const std::string& data, uint32_t mode = 0644) {
    SOS_ASSIGN_OR_RETURN(uint64_t parent, Parent(path));
    SOS_ASSIGN_OR_RETURN(auto created, fs_->Create(parent, BaseName(path), S_IFREG | mode,
                                                   O_WRONLY | O_CREAT | O_TRUNC, caller_));
    auto n = fs_->Write(created.second, 0, data.data(), data.size());
    SOS_RETURN_IF_ERROR(fs_->Release(created.second));
    return n.status();
  }
  Result<std::string> ReadFile(const std::string& path) {
    SOS_ASSIGN_OR_RETURN(uint64_t ino, Ino(path));
    SOS_ASSIGN_OR_RETURN(uint64_t fh, fs_->Open(ino, O_RDONLY));
    std::string out;
    std::string buf(1 << 20, '\0');
    while (true) {
      auto n = fs_->Read(fh, out.size(), buf.size(), buf.data());
      if (!n.ok()) {
        (void)fs_->Release(fh);
        return n.status();
      }
      if (*n == 0) break;
      out.append(buf.data(), *n);
    }
    SOS_RETURN_IF_ERROR(fs_->Release(fh));
    return out;
  }
  Status Mkdir(const std::string& path, uint32_t mode = 0755) {
    SOS_ASSIGN_OR_RETURN(uint64_t parent, Parent(path));
    return fs_->MkDir(parent, BaseName(path), mode, caller_).status();
  }
  Status Unlink(const std::string& path) {
    SOS_ASSIGN_OR_RETURN(uint64_t parent, Parent(path));
    return fs_->Unlink(parent, BaseName(path));
  }
  Status Rmdir(const std::string& path) {
    SOS_ASSIGN_OR_RETURN(uint64_t parent, Parent(path));
    return fs_->RmDir(parent, BaseName(path));
  }
  Result<std::vector<std::string>> List(const std::string& path) {
    SOS_ASSIGN_OR_RETURN(uint64_t ino, Ino(path));
    SOS_ASSIGN_OR_RETURN(uint64_t fh, fs_->OpenDir(ino));
    std::vector<std::string> names;
    for (const auto& e : *fs_->DirEntries(fh)) {
      if (e.name != "." && e.name != "..") names.push_back(e.name);
    }
    fs_->ReleaseDir(fh);
    return names;
  }
  Status Put(const std::string& key, const std::string& data,
             std::map<std::string, std::string> meta = {}) {
    StringViewSource src(data);
    WriteOptions o;
    o.user_meta = std::move(meta);
    return store_.Put("bkt", key, src, o).status();
  }
  std::map<std::string, std::string> Meta(const std::string& key) {
    auto h = store_.Head("bkt", key);
    return h.ok() ? h->user_meta : std::map<std::string, std::string>{};
  }

  std::string dir_;
  MemoryObjectStore store_;
  FaultyObjectStore faulty_{store_};
  std::unique_ptr<Filesystem> fs_;
  Caller caller_{1234, 5678};
};

}  // namespace sos
