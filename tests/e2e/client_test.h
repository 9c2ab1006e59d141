// ClientTest: the fixture of the third-party client tests (s3cmd, rclone,
// boto3, the AWS SDK for JavaScript, s3fs, restic) against the shared sosd.
//
// Gives each test a temporary directory (removed in TearDown, also on
// failure), a CurlObjectStore on the shared sosd to check what a client wrote
// through the S3 API, buckets that are emptied and deleted in TearDown, and
// byte-by-byte comparisons of files, trees and objects. A missing client is a
// failure, not a skip: scripts/install-deps.sh installs every one of them.
// Not thread-safe: one test, one thread.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "s3core/client/curl_object_store.h"
#include "tests/e2e/sosd_environment.h"

namespace sos::testing {

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Success when `path` is an executable; else a failure that says so.
  static ::testing::AssertionResult Installed(const std::string& path);

  // A fresh bucket name (created by the caller or the client), cleaned up in TearDown.
  std::string TrackBucket(const std::string& prefix);
  // Creates a tracked bucket through the S3 API.
  std::string CreateBucket(const std::string& prefix);

  // A tree of random files under `root` (nested directories, names with
  // spaces, an empty file, one file of `big_size` bytes); returns path -> size.
  static std::map<std::string, uint64_t> WriteRandomTree(const std::string& root, uint64_t big_size,
                                                         uint64_t seed);

  // Regular files under `root`, relative path -> size.
  static std::map<std::string, uint64_t> ListTree(const std::string& root);
  static ::testing::AssertionResult SameFile(const std::string& a, const std::string& b);
  static ::testing::AssertionResult SameTree(const std::string& a, const std::string& b);
  // GETs bucket/key through the S3 API and compares it with the file, chunk by chunk.
  ::testing::AssertionResult ObjectEqualsFile(const std::string& bucket, const std::string& key,
                                              const std::string& path);

  // PATH, HOME (the temp dir), a UTF-8 locale: nothing from the developer's setup.
  std::vector<std::string> BaseEnv() const;
  // BaseEnv with the shared sosd's root key, for the AWS SDKs.
  std::vector<std::string> AwsSdkEnv() const;

  std::string dir_;
  std::unique_ptr<CurlObjectStore> store_;
  std::vector<std::string> buckets_;
};

}  // namespace sos::testing
