// End-to-end over HTTPS: sosd serving TLS with a certificate from a CA the
// test makes, and the awscli, boto3, sosctl and a sosfs mount all trusting
// that CA only through their CA-file options; without them each refuses the
// connection. Plain HTTP keeps working on its own port beside it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <string>

#include "tests/e2e/sosd_process.h"
#include "tests/fuse/sosfs_harness.h"
#include "tests/support/test_pki.h"

namespace sos::testing {
namespace {

using namespace std::chrono_literals;

class TlsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sos-tls-e2e-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    work_ = tmpl;
    auto pki = MakeTestPki(work_);
    ASSERT_TRUE(pki.ok()) << pki.status().ToString();
    pki_ = *pki;
    tls_port_ = FreePort();
    SosdProcess::Options options;
    options.extra_args = {"--tls-cert",  pki_.cert_file, "--tls-key",
                          pki_.key_file, "--tls-listen", "127.0.0.1:" + std::to_string(tls_port_)};
    auto sosd = SosdProcess::Start(options);
    ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
    sosd_ = std::move(*sosd);
    https_ = "https://127.0.0.1:" + std::to_string(tls_port_);
    env_ = "AWS_ACCESS_KEY_ID=" + sosd_->access_key() +
           " AWS_SECRET_ACCESS_KEY=" + sosd_->secret_key() +
           " AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null "
           "AWS_SHARED_CREDENTIALS_FILE=/dev/null ";
    ASSERT_EQ(mkdir((work_ + "/mnt").c_str(), 0755), 0);
  }
  void TearDown() override {
    mount_.reset();
    if (sosd_) sosd_->StopAndCleanUp();
    if (!IsMounted(work_ + "/mnt")) std::filesystem::remove_all(work_);
  }
  RunResult Run(const std::string& command) { return RunCommand(env_ + command, 120s); }

  std::string work_;
  TestPki pki_;
  int tls_port_ = 0;
  std::string https_;
  std::string env_;
  std::unique_ptr<SosdProcess> sosd_;
  std::unique_ptr<SosfsMount> mount_;
};

TEST_F(TlsE2eTest, AwscliBoto3SosctlAndSosfsWorkOverHttpsWithTheirCaFile) {
  const std::string aws = "aws --endpoint-url " + https_ + " ";
  // Without the CA: every client refuses the certificate.
  RunResult r = Run(aws + "s3 mb s3://tls");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("CERTIFICATE_VERIFY_FAILED"), std::string::npos) << r.output;
  r = Run(std::string(SOSCTL_PATH) + " --endpoint " + https_ + " ls");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("certificate"), std::string::npos) << r.output;

  // awscli with --ca-bundle.
  r = Run(aws + "--ca-bundle " + pki_.ca_file + " s3 mb s3://tls");
  ASSERT_EQ(r.status, 0) << r.output;
  WriteRandomFile(work_ + "/blob", 9 << 20, 7);  // multipart for the awscli
  r = Run(aws + "--ca-bundle " + pki_.ca_file + " s3 cp " + work_ + "/blob s3://tls/aws/blob");
  ASSERT_EQ(r.status, 0) << r.output;

  // boto3 with verify=CA.
  r = Run("python3 -c \"import boto3,hashlib; s3=boto3.client('s3', endpoint_url='" + https_ +
          "', verify='" + pki_.ca_file +
          "'); b=s3.get_object(Bucket='tls', Key='aws/blob')['Body'].read(); "
          "s3.put_object(Bucket='tls', Key='boto3/blob', Body=b); "
          "print(hashlib.sha256(b).hexdigest())\"");
  ASSERT_EQ(r.status, 0) << r.output;
  RunResult local = RunCommand("sha256sum " + work_ + "/blob");
  EXPECT_EQ(r.output.substr(0, 64), local.output.substr(0, 64));

  // sosctl with --ca-file.
  r = Run(std::string(SOSCTL_PATH) + " --endpoint " + https_ + " --ca-file " + pki_.ca_file +
          " cp s3://tls/boto3/blob " + work_ + "/via-sosctl");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(RunCommand("cmp " + work_ + "/blob " + work_ + "/via-sosctl").status, 0);

  // sosfs: refuses to mount without the CA, mounts with ca_file=.
  const std::string mnt = work_ + "/mnt";
  mount_ = std::make_unique<SosfsMount>(mnt);
  const std::string sosfs = std::string(SOSFS_BINARY) + " tls " + mnt + " -o endpoint=" + https_ +
                            ",cache_dir=" + work_ + "/cache";
  r = mount_->Mount(env_ + sosfs);
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("certificate"), std::string::npos) << r.output;
  EXPECT_FALSE(IsMounted(mnt));
  r = mount_->Mount(env_ + sosfs + ",ca_file=" + pki_.ca_file);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(RunCommand("cmp " + work_ + "/blob " + mnt + "/boto3/blob").status, 0);
  EXPECT_EQ(RunCommand("cp " + work_ + "/blob " + mnt + "/sosfs-blob").status, 0);
  ASSERT_TRUE(mount_->Unmount());
  r = Run(aws + "--ca-bundle " + pki_.ca_file + " s3 cp s3://tls/sosfs-blob " + work_ + "/back");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(RunCommand("cmp " + work_ + "/blob " + work_ + "/back").status, 0);

  // Plain HTTP still answers on its own port.
  r = Run("aws --endpoint-url " + sosd_->endpoint() + " s3 ls s3://tls/aws/");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("blob"), std::string::npos) << r.output;
}

// The README's recipe: a self-signed certificate from the openssl CLI, HTTPS
// only (--listen off), trusted by curl through --cacert; the web console's
// port is HTTPS with the same certificate.
TEST(TlsReadmeTest, TheSelfSignedRecipeServesHttpsOnly) {
  char tmpl[] = "/tmp/sos-tls-readme-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  std::shared_ptr<void> remove_dir(nullptr, [&](void*) { std::filesystem::remove_all(dir); });
  RunResult r = RunCommand(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 "
      "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
      dir + "/key.pem -out " + dir + "/cert.pem && chmod 600 " + dir + "/key.pem");
  ASSERT_EQ(r.status, 0) << r.output;
  const int port = FreePort();
  SosdProcess::Options options;
  options.extra_args = {"--tls-cert",   dir + "/cert.pem",
                        "--tls-key",    dir + "/key.pem",
                        "--tls-listen", "127.0.0.1:" + std::to_string(port),
                        "--listen",     "off"};
  options.listen = false;
  options.port = port;
  options.scheme = "https";
  options.ca_file = dir + "/cert.pem";
  options.console = true;  // the web console is HTTPS too, and links to the HTTPS port
  auto sosd = SosdProcess::Start(options);
  ASSERT_TRUE(sosd.ok()) << sosd.status().ToString();
  r = RunCommand("curl -sS --cacert " + dir +
                 "/cert.pem https://localhost:" + std::to_string(port) + "/-/health");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "ok\n");
  r = RunCommand("curl -sS --cacert " + dir + "/cert.pem " + (*sosd)->console_endpoint() +
                 "/-/console/config.json");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("\"s3\":{\"port\":" + std::to_string(port) + ",\"scheme\":\"https\"}"),
            std::string::npos)
      << r.output;
  (*sosd)->StopAndCleanUp();
}

}  // namespace
}  // namespace sos::testing
