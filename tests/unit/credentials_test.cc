#include "s3core/client/credentials.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "s3core/s3_error_map.h"

namespace sos {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sos-cred-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& text, mode_t mode) {
    std::string p = path_ + "/" + name;
    std::ofstream(p) << text;
    chmod(p.c_str(), mode);
    return p;
  }

 private:
  std::string path_;
};

TEST(CredentialsTest, Environment) {
  setenv("AWS_ACCESS_KEY_ID", "AKENV", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "secret/env", 1);
  unsetenv("AWS_SESSION_TOKEN");
  auto c = CredentialsFromEnvironment();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKENV");
  EXPECT_EQ(c->secret_access_key, "secret/env");
  unsetenv("AWS_SECRET_ACCESS_KEY");
  EXPECT_EQ(CredentialsFromEnvironment().status().code(), StatusCode::kNotFound);
  unsetenv("AWS_ACCESS_KEY_ID");
}

TEST(CredentialsTest, ProfileFile) {
  TempDir dir;
  std::string file = dir.Write("credentials",
                               "[default]\naws_access_key_id = AKDEF\naws_secret_access_key = s1\n"
                               "\n[backup]\naws_access_key_id=AKBAK\naws_secret_access_key=s2/+x\n"
                               "aws_session_token = tok\n",
                               0600);
  auto def = CredentialsFromProfile("", file);
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  EXPECT_EQ(def->access_key_id, "AKDEF");
  auto bak = CredentialsFromProfile("backup", file);
  ASSERT_TRUE(bak.ok());
  EXPECT_EQ(bak->secret_access_key, "s2/+x");
  EXPECT_EQ(bak->session_token, "tok");
  EXPECT_EQ(CredentialsFromProfile("nope", file).status().code(), StatusCode::kNotFound);
  std::string bad = dir.Write("bad", "[default\naws_access_key_id=x\n", 0600);
  EXPECT_EQ(CredentialsFromProfile("", bad).status().code(), StatusCode::kInvalidArgument);
}

TEST(CredentialsTest, PasswdFileLikeS3fs) {
  TempDir dir;
  std::string file =
      dir.Write("passwd", "# comment\nAKALL:secretall\nmybucket:AKB:secretb\n", 0600);
  auto any = CredentialsFromPasswdFile(file);
  ASSERT_TRUE(any.ok()) << any.status().ToString();
  EXPECT_EQ(any->access_key_id, "AKALL");
  auto b = CredentialsFromPasswdFile(file, "mybucket");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->access_key_id, "AKB");
  EXPECT_EQ(b->secret_access_key, "secretb");
}

TEST(CredentialsTest, PasswdFileReadableByOthersIsRefused) {
  TempDir dir;
  std::string file = dir.Write("passwd", "AK:SK\n", 0644);
  auto c = CredentialsFromPasswdFile(file);
  EXPECT_EQ(c.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(c.status().message().find("chmod 600"), std::string::npos);
  std::string malformed = dir.Write("malformed", "just-one-field\n", 0600);
  EXPECT_EQ(CredentialsFromPasswdFile(malformed).status().code(), StatusCode::kInvalidArgument);
}

// Found by passwd_file_fuzz: empty fields were dropped or taken as keys, so
// ":SECRET" gave an empty access key and "mybucket:AK:" (no secret) gave the
// credentials "mybucket"/"AK".
TEST(CredentialsTest, PasswdFileFieldsMustNotBeEmpty) {
  TempDir dir;
  for (const char* text : {":secret\n", "AK:\n", "mybucket:AK:\n", "mybucket::SK\n", ":AK:SK\n",
                           "AK:SK:\n", "a:b:c:d\n"}) {
    std::string file = dir.Write("passwd", text, 0600);
    EXPECT_EQ(CredentialsFromPasswdFile(file, "mybucket").status().code(),
              StatusCode::kInvalidArgument)
        << text;
  }
  std::string file = dir.Write("passwd", "  mybucket:AKB:SKB \nAK:SK\n", 0600);
  auto b = CredentialsFromPasswdFile(file, "mybucket");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->access_key_id, "AKB");
  EXPECT_EQ(b->secret_access_key, "SKB");
}

TEST(S3ErrorMapTest, CodesAndRetryability) {
  EXPECT_EQ(StatusFromS3Error(404, "NoSuchKey", "x").code(), StatusCode::kNotFound);
  EXPECT_EQ(StatusFromS3Error(404, "", "").code(), StatusCode::kNotFound);
  EXPECT_EQ(StatusFromS3Error(403, "SignatureDoesNotMatch", "").code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(StatusFromS3Error(409, "BucketNotEmpty", "").code(), StatusCode::kNotEmpty);
  EXPECT_EQ(StatusFromS3Error(412, "", "").code(), StatusCode::kPreconditionFailed);
  EXPECT_EQ(StatusFromS3Error(304, "", "").code(), StatusCode::kNotModified);
  Status slow = StatusFromS3Error(503, "SlowDown", "reduce your rate");
  EXPECT_EQ(slow.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(slow.retryable());
  EXPECT_EQ(slow.s3_code(), "SlowDown");
  EXPECT_TRUE(StatusFromS3Error(429, "", "").retryable());
  EXPECT_TRUE(StatusFromS3Error(500, "InternalError", "").retryable());
  EXPECT_FALSE(StatusFromS3Error(400, "MalformedXML", "").retryable());
  EXPECT_EQ(StatusFromS3Error(400, "EntityTooSmall", "").code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sos
