#include "tests/e2e/sosd_environment.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace sos::testing {
namespace {

SosdProcess* g_sosd = nullptr;

class SosdEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto started_at = std::chrono::steady_clock::now();
    SosdProcess::Options options;
    options.console = true;  // for the web console's tests
    auto started = SosdProcess::Start(options);
    ASSERT_TRUE(started.ok()) << "cannot start sosd: " << started.status().ToString();
    sosd_ = std::move(started).value();
    g_sosd = sosd_.get();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - started_at)
                  .count();
    std::printf("[ sosd     ] %s up in %lld ms (data %s)\n", sosd_->endpoint().c_str(),
                static_cast<long long>(ms), sosd_->data_dir().c_str());
  }
  void TearDown() override {
    if (sosd_) {
      auto status = sosd_->Stop();
      EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
          << "sosd did not exit cleanly on SIGTERM";
      if (::testing::UnitTest::GetInstance()->failed_test_count() > 0) {
        std::printf(
            "[ sosd     ] stderr tail:\n%s\n",
            sosd_->stderr_text()
                .substr(sosd_->stderr_text().size() > 6000 ? sosd_->stderr_text().size() - 6000 : 0)
                .c_str());
      }
    }
    g_sosd = nullptr;
    sosd_.reset();
  }

 private:
  std::unique_ptr<SosdProcess> sosd_;
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new SosdEnvironment);

}  // namespace

SosdProcess& Sosd() {
  if (g_sosd == nullptr) {
    std::fprintf(stderr, "no sosd: the test environment failed to start it\n");
    std::abort();
  }
  return *g_sosd;
}

}  // namespace sos::testing
