// The web console (sosd's /-/console/) in a real browser: Debian's Chromium,
// headless, driven by playwright-core from npm (clients/browser/console.mjs,
// installed by scripts/install-deps.sh). The script logs in with the root
// key, uploads a file, a multipart-sized file and a folder, shares, edits,
// renames and deletes through the UI, checking public and pre-signed URLs
// with curl; this test then checks what the store holds. Screenshots of every
// main view go to SOS_CONSOLE_SCREENSHOTS.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "s3core/sigv4.h"
#include "tests/e2e/client_test.h"

#ifndef SOS_E2E_CLIENTS_DIR
#error "SOS_E2E_CLIENTS_DIR must name tests/e2e/clients"
#endif
#ifndef SOS_CONSOLE_SCREENSHOTS
#error "SOS_CONSOLE_SCREENSHOTS must name the screenshot directory"
#endif

namespace sos::testing {
namespace {

namespace fs = std::filesystem;

class ConsoleTest : public ClientTest {
 protected:
  // A bucket of 10,001 one-byte objects k00000..k10000, written 8 at a time.
  std::string BucketOfManyKeys() {
    const std::string bucket = CreateBucket("console-many");
    std::atomic<int> next{0}, failures{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < 8; ++w) {
      writers.emplace_back([&] {
        CurlObjectStore::Options options;
        options.endpoint = Sosd().endpoint();
        options.credentials = {Sosd().access_key(), Sosd().secret_key(), ""};
        CurlObjectStore store(options);
        for (int i = next++; i <= 10000; i = next++) {
          char key[16];
          std::snprintf(key, sizeof key, "k%05d", i);
          StringViewSource body("x");
          if (!store.Put(bucket, key, body).ok()) ++failures;
        }
      });
    }
    for (std::thread& t : writers) t.join();
    EXPECT_EQ(failures.load(), 0);
    return bucket;
  }
};

TEST_F(ConsoleTest, APersonUsesTheConsoleInChromium) {
  ASSERT_TRUE(Installed("/usr/bin/node"));
  ASSERT_TRUE(Installed("/usr/bin/chromium"));
  const std::string driver = std::string(SOS_E2E_CLIENTS_DIR) + "/browser";
  ASSERT_TRUE(fs::exists(driver + "/node_modules/playwright-core/package.json"))
      << "playwright-core is not installed in " << driver
      << ": scripts/install-deps.sh should have run `npm ci` there";

  const std::string work = dir_ + "/work";
  fs::create_directories(work + "/folder/a/b");
  WriteRandomFile(work + "/small.txt", 3000, 1);
  WriteRandomFile(work + "/big.bin", (20 << 20) + 7, 2);  // 3 parts of 8 MiB
  WriteRandomFile(work + "/resume.bin", (17 << 20) + 1, 6);
  WriteRandomFile(work + "/cancel.bin", (17 << 20) + 2, 7);
  WriteRandomFile(work + "/folder/three.bin", 5000, 3);
  WriteRandomFile(work + "/folder/a/one.txt", 10, 4);
  WriteRandomFile(work + "/folder/a/b/two.txt", 20, 5);
  const std::string shots = SOS_CONSOLE_SCREENSHOTS;
  fs::create_directories(shots);
  for (const char* view :
       {"login", "browse", "object", "bucket-access", "phone", "organisations", "health"}) {
    fs::remove(shots + "/" + view + ".png");
  }

  const std::string many = BucketOfManyKeys();
  const std::string bucket = TrackBucket("console");
  ProgramResult r = RunProgram({"/usr/bin/node", driver + "/console.mjs", Sosd().console_endpoint(),
                                Sosd().endpoint(), bucket, work, shots, many},
                               AwsSdkEnv(), std::chrono::seconds(300));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_NE(r.output.find("DONE"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(Sosd().secret_key()), std::string::npos) << "the secret was printed";
  if (size_t at = r.output.find("paging:"); at != std::string::npos) {
    std::cout << r.output.substr(at, r.output.find('\n', at) - at) << "\n";
  }

  // What the clicks left in the store: the multipart uploads byte for byte
  // (one resumed after a failing part), the dropped file, the folder made in
  // the UI; the cancelled upload, the deleted folder and the moved file gone.
  EXPECT_TRUE(ObjectEqualsFile(bucket, "big.bin", work + "/big.bin"));
  EXPECT_TRUE(ObjectEqualsFile(bucket, "resume.bin", work + "/resume.bin"));
  EXPECT_EQ(store_->Head(bucket, "cancel.bin").status().code(), StatusCode::kNotFound);
  std::ofstream(work + "/dropped.txt") << "dropped!";
  EXPECT_TRUE(ObjectEqualsFile(bucket, "dropped.txt", work + "/dropped.txt"));
  auto big = store_->Head(bucket, "big.bin");
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  EXPECT_NE(big->etag.find("-3\""), std::string::npos) << big->etag;
  EXPECT_TRUE(store_->Head(bucket, "made-here/").ok());
  for (const char* gone :
       {"small.txt", "renamed.txt", "folder/three.bin", "folder/a/one.txt", "folder/a/b/two.txt"}) {
    EXPECT_EQ(store_->Head(bucket, gone).status().code(), StatusCode::kNotFound) << gone;
  }
  for (const char* view :
       {"login", "browse", "object", "bucket-access", "phone", "organisations", "health"}) {
    EXPECT_GT(fs::file_size(shots + "/" + view + ".png"), 1000u) << view;
  }
}

// The console's port is an origin where nothing but the console renders: the
// S3 port has no console, and the console's port serves no unsigned request
// and sends object bodies as attachments. Without --console-listen, no console.
TEST_F(ConsoleTest, ItsPortRendersNothingButTheConsole) {
  const auto curl = [&](const std::string& url) {
    ProgramResult r = RunProgram({"/usr/bin/curl", "-s", "-D", "-", "-o", "/dev/null", url},
                                 BaseEnv(), std::chrono::seconds(20));
    return r.output;
  };
  const auto status_of = [&](const std::string& url) { return curl(url).substr(0, 12); };
  EXPECT_EQ(status_of(Sosd().endpoint() + "/-/console/"), "HTTP/1.1 404");
  EXPECT_EQ(status_of(Sosd().console_endpoint() + "/-/console/"), "HTTP/1.1 200");

  const std::string bucket = CreateBucket("console-port");
  StringViewSource page("<script>document.title = 'ran'</script>");
  WriteOptions html;
  html.content_type = "text/html";
  html.canned_acl = "public-read";
  ASSERT_TRUE(store_->Put(bucket, "page.html", page, html).ok());
  const std::string path = "/" + bucket + "/page.html";
  // The S3 port serves it to anyone, in a sandbox; the console's port to nobody unsigned.
  const std::string on_s3 = curl(Sosd().endpoint() + path);
  EXPECT_EQ(on_s3.substr(0, 12), "HTTP/1.1 200") << on_s3;
  EXPECT_NE(on_s3.find("Content-Security-Policy: sandbox"), std::string::npos) << on_s3;
  EXPECT_NE(on_s3.find("X-Content-Type-Options: nosniff"), std::string::npos) << on_s3;
  EXPECT_EQ(status_of(Sosd().console_endpoint() + path), "HTTP/1.1 403");
  // Signed, it comes as an attachment, whatever the URL asks for (a
  // malformed disposition would render in Chromium).
  const int port =
      std::stoi(Sosd().console_endpoint().substr(Sosd().console_endpoint().rfind(':') + 1));
  for (const std::string disposition : {"", "inline", "attachment\\"}) {
    SigningRequest req{"GET",
                       path,
                       {},
                       {{"host", "127.0.0.1:" + std::to_string(port)}},
                       std::string(kUnsignedPayload)};
    if (!disposition.empty()) req.query.emplace_back("response-content-disposition", disposition);
    auto query = PresignV4(req, {Sosd().access_key(), Sosd().secret_key(), ""}, "us-east-1", "s3",
                           std::chrono::system_clock::now(), 60);
    ASSERT_TRUE(query.ok()) << query.status().ToString();
    const std::string signed_get = curl(Sosd().console_endpoint() + path + "?" + *query);
    EXPECT_EQ(signed_get.substr(0, 12), "HTTP/1.1 200") << signed_get;
    EXPECT_NE(signed_get.find("Content-Disposition: attachment\r\n"), std::string::npos)
        << signed_get;
    EXPECT_NE(signed_get.find("Content-Type: application/octet-stream"), std::string::npos)
        << signed_get;
  }

  auto plain = SosdProcess::Start();
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(status_of((*plain)->endpoint() + "/-/console/"), "HTTP/1.1 404");
  EXPECT_EQ(status_of((*plain)->endpoint() + "/-/health"), "HTTP/1.1 200");
}

}  // namespace
}  // namespace sos::testing
