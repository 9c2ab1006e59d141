// s3core/acl.h: canned ACLs, grant headers, owner FULL_CONTROL, public write.
#include "s3core/acl.h"

#include <gtest/gtest.h>

namespace sos {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;
const Owner kOwner{std::string(64, 'a'), "acme"};
const std::string kOther(64, 'b');

TEST(AclTest, ValidateCannedAcl) {
  for (const char* ok : {"", "private", "public-read", "public-read-write", "authenticated-read",
                         "bucket-owner-read", "bucket-owner-full-control"}) {
    EXPECT_TRUE(ValidateCannedAcl(ok).ok()) << ok;
  }
  EXPECT_EQ(ValidateCannedAcl("log-delivery-write").code(), StatusCode::kNotSupported);
  EXPECT_EQ(ValidateCannedAcl("aws-exec-read").code(), StatusCode::kNotSupported);
  EXPECT_EQ(ValidateCannedAcl("Public-Read").s3_code(), "InvalidArgument");
}

TEST(AclTest, CannedPolicies) {
  AccessControlPolicy p = PolicyForCannedAcl(kOwner, "public-read-write");
  ASSERT_EQ(p.grants.size(), 3u);
  EXPECT_EQ(p.owner.id, kOwner.id);
  EXPECT_EQ(p.grants[0].grantee.id, kOwner.id);
  EXPECT_EQ(p.grants[0].permission, "FULL_CONTROL");
  EXPECT_EQ(p.grants[2].grantee.uri, kAllUsersUri);
  EXPECT_EQ(p.grants[2].permission, "WRITE");
  EXPECT_TRUE(GrantsPublicWrite(p));
  EXPECT_FALSE(GrantsPublicWrite(PolicyForCannedAcl(kOwner, "public-read")));
  EXPECT_EQ(PolicyForCannedAcl(kOwner, "authenticated-read").grants[1].grantee.uri,
            kAuthenticatedUsersUri);
  // bucket-owner-* grant the bucket owner only when it is someone else.
  Owner bucket_owner{kOther, "root"};
  AccessControlPolicy full = PolicyForCannedAcl(kOwner, "bucket-owner-full-control", bucket_owner);
  ASSERT_EQ(full.grants.size(), 2u);
  EXPECT_EQ(full.grants[1].grantee.id, kOther);
  EXPECT_EQ(full.grants[1].grantee.display_name, "root");
  EXPECT_EQ(PolicyForCannedAcl(kOwner, "bucket-owner-read", bucket_owner).grants[1].permission,
            "READ");
  EXPECT_EQ(PolicyForCannedAcl(kOwner, "bucket-owner-read", kOwner).grants.size(), 1u);
  EXPECT_EQ(PolicyForCannedAcl(kOwner, "private").grants.size(), 1u);
}

TEST(AclTest, ParseGrantHeaders) {
  Headers h = {{"X-Amz-Grant-Read", "id=\"" + kOther + "\", uri=\"" + kAllUsersUri + "\""},
               {"x-amz-grant-write", "uri=AuthenticatedUsers"},
               {"x-amz-grant-full-control", "emailAddress=\"a@b.example\""},
               {"x-amz-grant-read-acp", "id=" + kOther},
               {"x-amz-grant-write-acp", " id=\"" + kOther + "\" "},
               {"content-type", "text/plain"}};
  EXPECT_TRUE(HasGrantHeaders(h));
  auto grants = ParseGrantHeaders(h);
  ASSERT_TRUE(grants.ok()) << grants.status().ToString();
  ASSERT_EQ(grants->size(), 6u);
  // Header order: full-control, read, write, read-acp, write-acp.
  EXPECT_EQ((*grants)[0].permission, "FULL_CONTROL");
  EXPECT_EQ((*grants)[0].grantee.type, Grantee::Type::kEmail);
  EXPECT_EQ((*grants)[0].grantee.email, "a@b.example");
  EXPECT_EQ((*grants)[1].permission, "READ");
  EXPECT_EQ((*grants)[1].grantee.type, Grantee::Type::kCanonicalUser);
  EXPECT_EQ((*grants)[1].grantee.id, kOther);
  EXPECT_EQ((*grants)[2].grantee.type, Grantee::Type::kGroup);
  EXPECT_EQ((*grants)[2].grantee.uri, kAllUsersUri);
  EXPECT_EQ((*grants)[3].permission, "WRITE");
  EXPECT_EQ((*grants)[3].grantee.uri, kAuthenticatedUsersUri);
  EXPECT_EQ((*grants)[4].permission, "READ_ACP");
  EXPECT_EQ((*grants)[5].permission, "WRITE_ACP");
  EXPECT_EQ((*grants)[5].grantee.id, kOther);

  EXPECT_FALSE(HasGrantHeaders({{"x-amz-acl", "private"}}));
  EXPECT_TRUE(ParseGrantHeaders({{"x-amz-acl", "private"}})->empty());
}

TEST(AclTest, ParseGrantHeadersErrors) {
  for (const Headers& bad : std::vector<Headers>{
           {{"x-amz-grant-read", ""}},
           {{"x-amz-grant-read", "id="}},
           {{"x-amz-grant-read", "user=abc"}},
           {{"x-amz-grant-read", "noequals"}},
           {{"x-amz-grant-read", "uri=http://acs.amazonaws.com/groups/s3/LogDelivery"}},
           {{"x-amz-grant-everything", "id=abc"}},
       }) {
    auto r = ParseGrantHeaders(bad);
    ASSERT_FALSE(r.ok()) << bad[0].first << ": " << bad[0].second;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(AclTest, OwnerAlwaysKeepsFullControl) {
  Grant read;
  read.grantee.type = Grantee::Type::kCanonicalUser;
  read.grantee.id = kOther;
  read.permission = "READ";
  Grant owner_full;
  owner_full.grantee.id = kOwner.id;
  owner_full.permission = "FULL_CONTROL";
  AccessControlPolicy p = PolicyFromGrants(kOwner, {read, owner_full});
  ASSERT_EQ(p.grants.size(), 2u);  // the owner's grant is not repeated
  EXPECT_EQ(p.grants[0].grantee.id, kOwner.id);
  EXPECT_EQ(p.grants[0].permission, "FULL_CONTROL");
  EXPECT_EQ(p.grants[1].grantee.id, kOther);

  AccessControlPolicy xml;
  xml.owner = kOwner;
  xml.grants = {read};
  EnsureOwnerFullControl(xml);
  ASSERT_EQ(xml.grants.size(), 2u);
  EXPECT_EQ(xml.grants[0].grantee.id, kOwner.id);
  EnsureOwnerFullControl(xml);
  EXPECT_EQ(xml.grants.size(), 2u);

  Grant everyone_full;
  everyone_full.grantee.type = Grantee::Type::kGroup;
  everyone_full.grantee.uri = kAllUsersUri;
  everyone_full.permission = "FULL_CONTROL";
  EXPECT_TRUE(GrantsPublicWrite(PolicyFromGrants(kOwner, {everyone_full})));
}

}  // namespace
}  // namespace sos
