// Where sosctl finds its endpoint, region and CA bundle (the aws CLI's order),
// saved aliases on disk, Content-Type from a mime.types file, and the rules
// cp and sync use to select and name files.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "ctl/aliases.h"
#include "ctl/exit_code.h"
#include "s3core/client/mime_types.h"
#include "ctl/settings.h"
#include "ctl/tree.h"

namespace sos::ctl {
namespace {

namespace fs = std::filesystem;

class CtlEndpointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sos-ctl-endpoints-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    env_["HOME"] = dir_;
  }
  void TearDown() override { fs::remove_all(dir_); }
  EnvLookup Lookup() {
    return [this](const char* name) -> const char* {
      auto it = env_.find(name);
      return it == env_.end() ? nullptr : it->second.c_str();
    };
  }
  void WriteConfig(const std::string& text) {
    fs::create_directories(dir_ + "/.aws");
    std::ofstream(dir_ + "/.aws/config") << text;
  }
  Settings Resolve(const GlobalFlags& flags = {}) {
    auto s = ResolveSettings(flags, Lookup());
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : Settings{};
  }

  std::string dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(CtlEndpointsTest, EndpointFollowsTheAwsOrder) {
  WriteConfig(
      "[default]\nendpoint_url = https://from-config.example\nregion = ch-dk-2\n"
      "ca_bundle = /etc/ssl/config.pem\n"
      "[profile other]\nendpoint_url = https://other.example\n");
  EXPECT_EQ(Resolve().endpoint, "https://from-config.example");
  EXPECT_EQ(Resolve().region, "ch-dk-2");
  EXPECT_EQ(Resolve().ca_bundle, "/etc/ssl/config.pem");
  env_["AWS_PROFILE"] = "other";
  EXPECT_EQ(Resolve().endpoint, "https://other.example");
  EXPECT_EQ(Resolve().region, "us-east-1");  // the profile has none
  GlobalFlags by_flag;
  by_flag.profile = "default";
  EXPECT_EQ(Resolve(by_flag).endpoint, "https://from-config.example");  // --profile wins

  env_["AWS_ENDPOINT_URL"] = "http://generic.example:1";
  EXPECT_EQ(Resolve().endpoint, "http://generic.example:1");
  env_["AWS_ENDPOINT_URL_S3"] = "http://s3-only.example:2";
  EXPECT_EQ(Resolve().endpoint, "http://s3-only.example:2");
  env_["SOS_ENDPOINT"] = "http://sos.example:3";
  EXPECT_EQ(Resolve().endpoint, "http://sos.example:3");
  GlobalFlags flags;
  flags.endpoint = "http://flag.example:4/";
  EXPECT_EQ(Resolve(flags).endpoint, "http://flag.example:4");

  env_["AWS_CA_BUNDLE"] = "/etc/ssl/env.pem";
  EXPECT_EQ(Resolve().ca_bundle, "/etc/ssl/env.pem");
  flags.ca_bundle = "/etc/ssl/flag.pem";
  flags.no_verify_ssl = true;
  EXPECT_EQ(Resolve(flags).ca_bundle, "/etc/ssl/flag.pem");
  EXPECT_FALSE(Resolve(flags).verify_tls);
  EXPECT_TRUE(Resolve().verify_tls);
}

TEST_F(CtlEndpointsTest, OtherToolsKeysInTheConfigAreIgnored) {
  EXPECT_EQ(Resolve().endpoint, kDefaultEndpoint);
  env_["AWS_CONFIG_FILE"] = dir_ + "/elsewhere";
  std::ofstream(dir_ + "/elsewhere") << "[default]\nregion = eu-north-1\n";
  EXPECT_EQ(Resolve().region, "eu-north-1");
  // awscli-plugin-endpoint's nested keys (repeated names a strict INI parser
  // refuses), a [services] section, comments, a line without '='.
  std::ofstream(dir_ + "/elsewhere")
      << "# mine\n[default]\nregion = eu-north-1\nsts =\n  endpoint_url = https://sts.example\n"
         "s3 =\n  endpoint_url = https://s3.example\n  signature_version = s3v4\n"
         "s3api =\n  endpoint_url = https://s3.example\njunk line\n"
         "[services local]\ns3 =\n  endpoint_url = https://services.example\n";
  EXPECT_EQ(Resolve().endpoint, "https://s3.example");  // the s3 sub-section, not sts's
  EXPECT_EQ(Resolve().region, "eu-north-1");
  std::ofstream(dir_ + "/elsewhere") << "[default]\nendpoint_url = s3.example.com\n";
  auto s = ResolveSettings({}, Lookup());  // a scheme is required, wherever it comes from
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(ExitCodeFor(s.status()), kExitUsage);
  for (const char* bad : {"https://user:secret@host", "https://host?x=1", "https://host#f"}) {
    GlobalFlags flags;
    flags.endpoint = bad;
    EXPECT_FALSE(ResolveSettings(flags, Lookup()).ok()) << bad;
  }
}

TEST_F(CtlEndpointsTest, AliasesAreSavedPrivateAndReadBack) {
  std::string path = AliasFilePath(Lookup());
  EXPECT_EQ(path, dir_ + "/.config/sos/aliases.json");
  env_["XDG_CONFIG_HOME"] = dir_ + "/xdg";
  path = AliasFilePath(Lookup());
  EXPECT_EQ(path, dir_ + "/xdg/sos/aliases.json");
  auto none = LoadAliases(path);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  AliasMap aliases = {{"prod", {"https://sos-ch-gva-2.exo.io", "prod"}},
                      {"local", {"http://127.0.0.1:8000", ""}}};
  ASSERT_TRUE(SaveAliases(path, aliases).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ + "/xdg/sos").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto back = LoadAliases(path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, aliases);

  std::ofstream(path) << "{\"aliases\": {\"x\": {}}}";
  auto broken = LoadAliases(path);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(ExitCodeFor(broken.status()), kExitUsage);
}

TEST(CtlAliasNames, OnlyPlainNamesAndNotS3) {
  for (const char* good : {"prod", "my-minio", "a_1", "X"}) {
    EXPECT_TRUE(CheckAliasName(good).ok()) << good;
  }
  for (const std::string& bad :
       std::vector<std::string>{"", "s3", "a/b", "a b", "..", "é", std::string(64, 'a')}) {
    EXPECT_FALSE(CheckAliasName(bad).ok()) << bad;
  }
}

TEST(CtlMimeTypes, ExtensionsComeFromTheMimeTypesFile) {
  char tmpl[] = "/tmp/sos-mime-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string file = std::string(tmpl) + "/mime.types";
  std::ofstream(file) << "# comment\ntext/html html htm\napplication/x-made-up mup # trailing\n"
                         "broken-line-without-slash abc\n";
  EXPECT_EQ(ContentTypeFor("dir/index.HTML", file), "text/html");
  EXPECT_EQ(ContentTypeFor("a.mup", file), "application/x-made-up");
  EXPECT_EQ(ContentTypeFor("a.abc", file), "");
  EXPECT_EQ(ContentTypeFor("noext", file), "");
  EXPECT_EQ(ContentTypeFor(".htm", file), "");  // a hidden file, not an extension
  EXPECT_EQ(ContentTypeFor("x.", file), "");
  fs::remove_all(tmpl);
  // The system's table (Debian's media-types) knows the common ones.
  EXPECT_EQ(ContentTypeFor("photo.jpg"), "image/jpeg");
  EXPECT_EQ(ContentTypeFor("notes.txt"), "text/plain");
}

TEST(CtlTreeRules, FiltersTheLastMatchWins) {
  TreeFilters f;
  EXPECT_TRUE(f.Allows("anything"));
  f.rules = {{false, "*"}, {true, "logs/*"}, {false, "*.tmp"}};
  EXPECT_FALSE(f.Allows("a.txt"));
  EXPECT_TRUE(f.Allows("logs/a.txt"));
  EXPECT_TRUE(f.Allows("logs/deep/a.txt"));  // '*' crosses '/', as in the aws CLI
  EXPECT_FALSE(f.Allows("logs/a.tmp"));
}

TEST(CtlTreeRules, OnlyNamesThatStayInsideTheTargetAreSafe) {
  for (const char* good : {"a", "a/b", "a..b", ".hidden/x", "...", "é/ü"}) {
    EXPECT_TRUE(IsSafeRelativePath(good)) << good;
  }
  for (const std::string& bad :
       std::vector<std::string>{"", "..", "../x", "a/../../x", "a/..", ".", "./a", "a//b", "/abs",
                                "a/", std::string("a\0b", 3)}) {
    EXPECT_FALSE(IsSafeRelativePath(bad)) << bad;
  }
  EXPECT_EQ(AsPrefix(""), "");
  EXPECT_EQ(AsPrefix("p"), "p/");
  EXPECT_EQ(AsPrefix("p/"), "p/");
}

}  // namespace
}  // namespace sos::ctl
