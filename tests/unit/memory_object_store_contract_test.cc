// MemoryObjectStore against the ObjectStore contract suite: the fake must
// behave like real S3 wherever the suite can tell.
#include <gtest/gtest.h>

#include <memory>

#include "tests/support/memory_object_store.h"

// The suite lives in test_support, which sanitizer builds do not make.
#if defined(__SANITIZE_ADDRESS__)
TEST(MemoryObjectStoreContract, NotInSanitizerBuilds) {
  GTEST_SKIP() << "the contract suite (test_support) is not built with sanitizers";
}
#else
#include "tests/support/object_store_contract.h"

namespace sos::testing {
namespace {

class MemoryTarget : public ObjectStoreContractTarget {
 public:
  std::string Name() const override { return "MemoryObjectStore"; }
  ObjectStore& Store() override { return store_; }

 private:
  MemoryObjectStore store_;
};

SOS_INSTANTIATE_OBJECT_STORE_CONTRACT(Memory, std::make_shared<MemoryTarget>());

}  // namespace
}  // namespace sos::testing
#endif
