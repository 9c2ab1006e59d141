// sosctl's parsers: S3 paths, endpoint/region resolution, grantees.
#include <gtest/gtest.h>

#include <map>

#include "ctl/acl_spec.h"
#include "ctl/exit_code.h"
#include "ctl/s3_path.h"
#include "ctl/settings.h"

namespace sos::ctl {
namespace {

TEST(CtlS3Path, SplitsBucketAndKey) {
  struct Case {
    const char* text;
    const char* bucket;
    const char* key;
  };
  for (const Case& c :
       {Case{"photos", "photos", ""}, Case{"photos/", "photos", ""},
        Case{"photos/2024/a.jpg", "photos", "2024/a.jpg"},
        Case{"s3://photos/2024/", "photos", "2024/"}, Case{"s3://photos", "photos", ""},
        Case{"/photos/x", "photos", "x"}, Case{"b/a b/ü+%", "b", "a b/ü+%"}}) {
    auto p = ParseS3Path(c.text);
    ASSERT_TRUE(p.ok()) << c.text << ": " << p.status().ToString();
    EXPECT_EQ(p->bucket, c.bucket) << c.text;
    EXPECT_EQ(p->key, c.key) << c.text;
  }
  EXPECT_EQ(ParseS3Path("s3://b/k/x").value().ToString(), "b/k/x");
  EXPECT_EQ(ParseS3Path("b").value().ToString(), "b");
}

TEST(CtlS3Path, RejectsNoBucketAndOtherSchemes) {
  for (const char* bad : {"", "s3://", "/", "http://host/b/k", "gs://b/k"}) {
    auto p = ParseS3Path(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(ExitCodeFor(p.status()), kExitUsage) << bad;
  }
}

TEST(CtlSettings, FlagsBeatEnvironmentBeatDefaults) {
  std::map<std::string, std::string> env;
  EnvLookup lookup = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  GlobalFlags flags;
  auto s = ResolveSettings(flags, lookup);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->endpoint, "http://127.0.0.1:8000");
  EXPECT_EQ(s->region, "us-east-1");

  env["SOS_ENDPOINT"] = "https://sos.example.com/";
  env["AWS_DEFAULT_REGION"] = "eu-west-1";
  s = ResolveSettings(flags, lookup);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->endpoint, "https://sos.example.com");
  EXPECT_EQ(s->region, "eu-west-1");
  env["AWS_REGION"] = "ch-gva-2";
  EXPECT_EQ(ResolveSettings(flags, lookup)->region, "ch-gva-2");

  flags.endpoint = "http://127.0.0.1:9999";
  flags.region = "de-fra-1";
  s = ResolveSettings(flags, lookup);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->endpoint, "http://127.0.0.1:9999");
  EXPECT_EQ(s->region, "de-fra-1");
}

TEST(CtlSettings, RejectsMalformedEndpoints) {
  EnvLookup none = [](const char*) -> const char* { return nullptr; };
  for (const char* bad : {"127.0.0.1:8000", "ftp://host", "http://", "http://host/path"}) {
    GlobalFlags flags;
    flags.endpoint = bad;
    auto s = ResolveSettings(flags, none);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(ExitCodeFor(s.status()), kExitUsage) << bad;
  }
}

TEST(CtlAclSpec, ParsesGranteesAndResolvesNames) {
  const std::string id(64, 'a');
  int resolved = 0;
  OrgResolver resolve = [&](const std::string& name) -> Result<std::string> {
    ++resolved;
    if (name == "acme") return id;
    return Status::NotFound("no organisation " + name, "NoSuchOrganisation");
  };
  auto all = ParseGrantee("all-users", resolve);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->type, Grantee::Type::kGroup);
  EXPECT_EQ(all->uri, kAllUsersUri);
  EXPECT_EQ(ParseGrantee("authenticated-users", resolve)->uri, kAuthenticatedUsersUri);
  auto by_id = ParseGrantee(id, resolve);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->id, id);
  EXPECT_EQ(resolved, 0) << "canonical IDs and groups need no lookup";
  auto by_name = ParseGrantee("acme", resolve);
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_name->type, Grantee::Type::kCanonicalUser);
  EXPECT_EQ(by_name->id, id);
  auto missing = ParseGrantee("nobody", resolve);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(ExitCodeFor(missing.status()), kExitNotFound);
  EXPECT_EQ(ExitCodeFor(ParseGrantee("", resolve).status()), kExitUsage);
}

TEST(CtlAclSpec, BuildPolicyKeepsOwnerFullControlAndDropsDuplicates) {
  Owner owner{std::string(64, 'b'), "root"};
  auto policy = BuildPolicy(
      owner, {{"READ", "all-users"}, {"READ", "all-users"}, {"WRITE_ACP", std::string(64, 'c')}},
      nullptr);
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  EXPECT_EQ(policy->owner.id, owner.id);
  ASSERT_EQ(policy->grants.size(), 3u);
  EXPECT_EQ(policy->grants[0].permission, "FULL_CONTROL");
  EXPECT_EQ(policy->grants[0].grantee.id, owner.id);
  EXPECT_EQ(policy->grants[1].permission, "READ");
  EXPECT_EQ(policy->grants[1].grantee.uri, kAllUsersUri);
  EXPECT_EQ(policy->grants[2].permission, "WRITE_ACP");
  EXPECT_EQ(policy->grants[2].grantee.id, std::string(64, 'c'));
  // Without a resolver a name cannot become an ID.
  EXPECT_EQ(ExitCodeFor(BuildPolicy(owner, {{"READ", "acme"}}, nullptr).status()), kExitUsage);
}

TEST(CtlAclSpec, CannedAcls) {
  for (const char* ok : {"private", "public-read", "public-read-write", "authenticated-read",
                         "bucket-owner-read", "bucket-owner-full-control"}) {
    EXPECT_TRUE(ValidateCannedAcl(ok).ok()) << ok;
  }
  EXPECT_EQ(ExitCodeFor(ValidateCannedAcl("public")), kExitUsage);
  EXPECT_EQ(ExitCodeFor(ValidateCannedAcl("")), kExitUsage);
  EXPECT_TRUE(IsDangerousCannedAcl("public-read-write"));
  EXPECT_FALSE(IsDangerousCannedAcl("public-read"));
}

}  // namespace
}  // namespace sos::ctl
