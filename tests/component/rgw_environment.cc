#include "tests/component/rgw_environment.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace sos::testing {
namespace {

RgwCluster* g_cluster = nullptr;

class RgwEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto started = RgwCluster::Start();
    ASSERT_TRUE(started.ok()) << "cannot start Ceph RGW: " << started.status().ToString();
    cluster_ = std::move(started).value();
    g_cluster = cluster_.get();
    std::printf("[ rgw      ] %s up in %.1f s (dir %s)\n", cluster_->endpoint().c_str(),
                cluster_->startup_time().count() / 1000.0, cluster_->dir().c_str());
  }
  void TearDown() override {
    g_cluster = nullptr;
    cluster_.reset();
  }

 private:
  std::unique_ptr<RgwCluster> cluster_;
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new RgwEnvironment);

}  // namespace

RgwCluster& Rgw() {
  if (g_cluster == nullptr) {
    std::fprintf(stderr, "no Ceph RGW cluster: the test environment failed to start it\n");
    std::abort();
  }
  return *g_cluster;
}

}  // namespace sos::testing
