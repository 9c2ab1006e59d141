// CurlObjectStore against the real sosd: the whole ObjectStore contract suite,
// with every capability (conditional PUT included) expected to work.
#include <gtest/gtest.h>

#include <memory>

#include "s3core/client/curl_object_store.h"
#include "tests/e2e/sosd_environment.h"
#include "tests/support/object_store_contract.h"

namespace sos::testing {
namespace {

class SosdTarget : public ObjectStoreContractTarget {
 public:
  std::string Name() const override { return "CurlOverSosd"; }
  ObjectStore& Store() override {
    // Made on first use: the daemon (and its port) exists only after the
    // environment's SetUp.
    if (!store_) {
      store_ = std::make_unique<CurlObjectStore>(
          CurlObjectStore::Options{.endpoint = Sosd().endpoint(),
                                   .region = "us-east-1",
                                   .path_style = true,
                                   .credentials = {.access_key_id = Sosd().access_key(),
                                                   .secret_access_key = Sosd().secret_key()}});
    }
    return *store_;
  }
  // Everything S3 does, sosd does: no capability is declared missing.

 private:
  std::unique_ptr<CurlObjectStore> store_;
};

SOS_INSTANTIATE_OBJECT_STORE_CONTRACT(Sosd, std::make_shared<SosdTarget>());

}  // namespace
}  // namespace sos::testing
