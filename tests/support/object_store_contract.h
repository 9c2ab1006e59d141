// The ObjectStore contract: one GoogleTest suite of S3 semantics that every
// ObjectStore implementation must pass, whatever it talks to.
//
// An implementation joins by providing an ObjectStoreContractTarget (how to get
// the store, which optional features it lacks) and instantiating the suite:
//
//   SOS_INSTANTIATE_OBJECT_STORE_CONTRACT(Memory, std::make_shared<MyTarget>());
//
// Each test gets a fresh bucket (created in SetUp, emptied and deleted in
// TearDown, so a long-lived server does not fill up). Object bodies stream
// through BodySource/BodySink; large ones are generated and checked on the fly,
// never held whole. A feature the target declares missing makes the tests that
// need it GTEST_SKIP with the target's reason; nothing is faked.
//
// Thread-safety: the suite calls the store from several threads in one test
// (the ObjectStore contract promises that is safe); targets are used from the
// test thread only.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>

#include "s3core/client/object_store.h"

namespace sos::testing {

// What an implementation cannot do. An empty string means "supported"; a
// non-empty one is the reason the dependent tests are skipped.
struct ContractCapabilities {
  std::string no_conditional_put_if_none_match;  // PUT If-None-Match: *
  std::string no_conditional_put_if_match;       // PUT If-Match: <etag>
  // The S3 error code of ListParts for an unknown upload ID. AWS says
  // NoSuchUpload; a server that differs says so here (and only here).
  std::string list_parts_unknown_upload_code = "NoSuchUpload";
};

class ObjectStoreContractTarget {
 public:
  virtual ~ObjectStoreContractTarget() = default;
  // Names the instantiation in test names: letters, digits and '_' only.
  virtual std::string Name() const = 0;
  // The store under test; it must stay valid until the test's TearDown ends.
  virtual ObjectStore& Store() = 0;
  virtual ContractCapabilities Capabilities() const { return {}; }
  // A bucket name no earlier test of this process used (3-63 chars, DNS-safe).
  virtual std::string NewBucketName(const std::string& test_name);
};

using ContractTargetPtr = std::shared_ptr<ObjectStoreContractTarget>;

// Test-name generator for INSTANTIATE_TEST_SUITE_P. Defined in the .cc, so
// that referring to it links the suite's TEST_Ps out of the static library.
std::string ContractTargetName(const ::testing::TestParamInfo<ContractTargetPtr>& info);
// Prints the target's name in gtest messages instead of pointer bytes.
void PrintTo(const ContractTargetPtr& target, std::ostream* os);

class ObjectStoreContractTest : public ::testing::TestWithParam<ContractTargetPtr> {
 protected:
  void SetUp() override;
  void TearDown() override;

  ObjectStore& store() { return *store_; }
  const ContractCapabilities& caps() const { return caps_; }
  // Another fresh bucket, deleted (with its content) in TearDown.
  std::string MakeExtraBucket(const std::string& canned_acl = "");

  ObjectStore* store_ = nullptr;
  ContractCapabilities caps_;
  std::string bucket_;
  std::vector<std::string> extra_buckets_;
};

}  // namespace sos::testing

// gtest pastes the suite name into identifiers, so it must be unqualified
// here; the alias makes the macro usable from any namespace.
#define SOS_INSTANTIATE_OBJECT_STORE_CONTRACT(prefix, target)                          \
  using ObjectStoreContractTest = ::sos::testing::ObjectStoreContractTest;             \
  INSTANTIATE_TEST_SUITE_P(prefix, ObjectStoreContractTest, ::testing::Values(target), \
                           ::sos::testing::ContractTargetName)
