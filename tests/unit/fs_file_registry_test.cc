// FileRegistry: when a clean, closed file's state may be forgotten. A state
// forgotten while someone still held it (an open between its lookup and its
// handle) could be written through that reference while the next load of its
// path made a second state on the same cache file and truncated it.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "cache/cache.h"
#include "fuse/core/delete_queue.h"
#include "fuse/core/file_registry.h"
#include "fuse/core/remote_tree.h"
#include "s3core/client/parallel.h"
#include "tests/support/memory_object_store.h"

namespace sos {
namespace {

class FileRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sos-registry-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    options_.bucket = "bkt";
    options_.cache_dir = dir_;
    CacheOptions co;
    co.dir = dir_;
    co.identity = "bkt/";
    auto cache = Cache::Open(co);
    ASSERT_TRUE(cache.ok()) << cache.status().ToString();
    cache_ = std::move(*cache);
    deletes_ = std::make_unique<DeleteQueue>(store_, options_, cache_->names(),
                                             [](const std::vector<std::string>&) {});
    remote_ = std::make_unique<RemoteTree>(store_, options_, cache_->meta(), *deletes_);
    ctx_ =
        std::make_unique<FileContext>(FileContext{store_, *cache_, *remote_, options_, fetches_});
    registry_ = std::make_unique<FileRegistry>(*ctx_);
  }
  void TearDown() override {
    registry_.reset();
    ctx_.reset();
    remote_.reset();
    deletes_.reset();
    cache_.reset();
    std::filesystem::remove_all(dir_);
  }
  // A clean file of the remote, loaded as an open would load it.
  std::shared_ptr<FileState> Load(const std::string& path) {
    RemoteEntry entry;
    entry.size = 5;
    entry.etag = "\"0123456789abcdef0123456789abcdef\"";
    auto st = registry_->GetOrLoad(path, entry);
    EXPECT_TRUE(st.ok()) << st.status().ToString();
    return st.ok() ? *st : nullptr;
  }

  std::string dir_;
  MemoryObjectStore store_;
  FilesystemOptions options_;
  BackgroundTasks fetches_{1};
  std::unique_ptr<Cache> cache_;
  std::unique_ptr<DeleteQueue> deletes_;
  std::unique_ptr<RemoteTree> remote_;
  std::unique_ptr<FileContext> ctx_;
  std::unique_ptr<FileRegistry> registry_;
};

TEST_F(FileRegistryTest, AStateSomebodyStillHoldsIsNotForgotten) {
  std::shared_ptr<FileState> opener = Load("f");  // an open on its way to its handle
  ASSERT_NE(opener, nullptr);
  std::shared_ptr<FileState> idle = registry_->Find("f");  // an upload worker done with it
  registry_->MaybeDrop(idle);
  EXPECT_EQ(registry_->Find("f"), opener);
  // The next load of the path is the same state, never a second one.
  EXPECT_EQ(Load("f"), opener);
  opener.reset();
  registry_->MaybeDrop(idle);  // only the caller holds it now
  EXPECT_EQ(registry_->Find("f"), nullptr);
}

TEST_F(FileRegistryTest, AnOpenFileIsNotForgotten) {
  std::shared_ptr<FileState> st = Load("f");
  ASSERT_NE(st, nullptr);
  st->Opened();
  registry_->MaybeDrop(st);
  EXPECT_EQ(registry_->Find("f"), st);
  st->Closed();
  registry_->MaybeDrop(st);
  EXPECT_EQ(registry_->Find("f"), nullptr);
}

}  // namespace
}  // namespace sos
