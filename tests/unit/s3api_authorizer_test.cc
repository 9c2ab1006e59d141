// Authorizer decisions: owner model, canned ACLs, anonymous and other
// organisations.
#include <gtest/gtest.h>

#include "daemon/s3api/authorizer.h"
#include "s3core/xml_codec.h"

namespace sos {
namespace {

const std::string kOwner(64, 'a');
const std::string kOther(64, 'b');

Principal User(const std::string& id) { return Principal{false, id, "AKID"}; }
const Principal kAnonymous{};

BucketRecord Bucket(const std::string& canned = "") {
  BucketRecord b;
  b.name = "bucket";
  b.owner_id = kOwner;
  b.acl = StoredAclForCanned({kOwner, "owner"}, canned);
  return b;
}

ObjectRecord Object(const std::string& canned = "", const std::string& owner = kOwner) {
  ObjectRecord o;
  o.meta.key = "k";
  o.owner_id = owner;
  o.acl = StoredAclForCanned({owner, ""}, canned, {kOwner, "owner"});
  return o;
}

TEST(S3AuthorizerTest, OwnerMayDoEverything) {
  for (Permission p : {Permission::kRead, Permission::kWrite, Permission::kReadAcp,
                       Permission::kWriteAcp, Permission::kFullControl}) {
    EXPECT_TRUE(AuthorizeBucket(User(kOwner), Bucket(), p).ok()) << PermissionName(p);
    EXPECT_TRUE(AuthorizeObject(User(kOwner), Bucket(), Object(), p).ok()) << PermissionName(p);
    // Even on an object someone else wrote into the owner's bucket.
    EXPECT_TRUE(AuthorizeObject(User(kOwner), Bucket(), Object("", kOther), p).ok());
  }
  EXPECT_TRUE(AuthorizeBucketOwner(User(kOwner), Bucket()).ok());
}

TEST(S3AuthorizerTest, PrivateDeniesOthersAndAnonymous) {
  for (const Principal& who : {User(kOther), kAnonymous}) {
    for (Permission p :
         {Permission::kRead, Permission::kWrite, Permission::kReadAcp, Permission::kWriteAcp}) {
      Status s = AuthorizeBucket(who, Bucket(), p);
      EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
      EXPECT_EQ(s.s3_code(), "AccessDenied");
      EXPECT_FALSE(AuthorizeObject(who, Bucket(), Object(), p).ok());
    }
    EXPECT_FALSE(AuthorizeBucketOwner(who, Bucket()).ok());
  }
}

TEST(S3AuthorizerTest, PublicReadObjectIsReadableByAnyone) {
  for (const Principal& who : {User(kOther), kAnonymous}) {
    EXPECT_TRUE(AuthorizeObject(who, Bucket(), Object("public-read"), Permission::kRead).ok());
    EXPECT_FALSE(AuthorizeObject(who, Bucket(), Object("public-read"), Permission::kWrite).ok());
    EXPECT_FALSE(AuthorizeObject(who, Bucket(), Object("public-read"), Permission::kReadAcp).ok());
    // The bucket stays private: no listing.
    EXPECT_FALSE(AuthorizeBucket(who, Bucket(), Permission::kRead).ok());
  }
}

TEST(S3AuthorizerTest, PublicBuckets) {
  EXPECT_TRUE(AuthorizeBucket(kAnonymous, Bucket("public-read"), Permission::kRead).ok());
  EXPECT_FALSE(AuthorizeBucket(kAnonymous, Bucket("public-read"), Permission::kWrite).ok());
  EXPECT_TRUE(AuthorizeBucket(kAnonymous, Bucket("public-read-write"), Permission::kWrite).ok());
  EXPECT_TRUE(AuthorizeBucket(User(kOther), Bucket("public-read-write"), Permission::kWrite).ok());
  // Bucket configuration stays the owner's.
  EXPECT_FALSE(AuthorizeBucketOwner(kAnonymous, Bucket("public-read-write")).ok());
  EXPECT_FALSE(AuthorizeBucketOwner(User(kOther), Bucket("public-read-write")).ok());
  // Objects in a public bucket are not public by themselves.
  EXPECT_FALSE(
      AuthorizeObject(kAnonymous, Bucket("public-read"), Object(), Permission::kRead).ok());
}

TEST(S3AuthorizerTest, AuthenticatedRead) {
  EXPECT_TRUE(AuthorizeBucket(User(kOther), Bucket("authenticated-read"), Permission::kRead).ok());
  EXPECT_FALSE(AuthorizeBucket(kAnonymous, Bucket("authenticated-read"), Permission::kRead).ok());
  EXPECT_TRUE(
      AuthorizeObject(User(kOther), Bucket(), Object("authenticated-read"), Permission::kRead)
          .ok());
  EXPECT_FALSE(
      AuthorizeObject(kAnonymous, Bucket(), Object("authenticated-read"), Permission::kRead).ok());
}

TEST(S3AuthorizerTest, ObjectWriterOwnsItsObject) {
  // Another organisation wrote into a public-read-write bucket: it may read
  // its object and its ACL; a third party may not.
  ObjectRecord theirs = Object("", kOther);
  EXPECT_TRUE(
      AuthorizeObject(User(kOther), Bucket("public-read-write"), theirs, Permission::kReadAcp)
          .ok());
  EXPECT_FALSE(AuthorizeObject(User(std::string(64, 'c')), Bucket("public-read-write"), theirs,
                               Permission::kRead)
                   .ok());
}

TEST(S3AuthorizerTest, BucketOwnerCannedAclsGrantTheBucketOwner) {
  AccessControlPolicy full =
      PolicyForCannedAcl({kOther, ""}, "bucket-owner-full-control", {kOwner, "owner"});
  ASSERT_EQ(full.grants.size(), 2u);
  EXPECT_EQ(full.grants[1].grantee.id, kOwner);
  EXPECT_EQ(full.grants[1].permission, "FULL_CONTROL");
  AccessControlPolicy read = PolicyForCannedAcl({kOther, ""}, "bucket-owner-read", {kOwner, ""});
  ASSERT_EQ(read.grants.size(), 2u);
  EXPECT_EQ(read.grants[1].permission, "READ");
}

TEST(S3AuthorizerTest, CannedAclValidation) {
  for (const char* ok : {"", "private", "public-read", "public-read-write", "authenticated-read",
                         "bucket-owner-read", "bucket-owner-full-control"}) {
    EXPECT_TRUE(ValidateCannedAcl(ok).ok()) << ok;
  }
  EXPECT_EQ(ValidateCannedAcl("log-delivery-write").code(), StatusCode::kNotSupported);
  EXPECT_EQ(ValidateCannedAcl("publicread").s3_code(), "InvalidArgument");
}

TEST(S3AuthorizerTest, StoredAclsAndEffectivePolicy) {
  EXPECT_EQ(StoredAclForCanned({kOwner, "o"}, "private"), "");
  EXPECT_EQ(StoredAclForCanned({kOwner, "o"}, ""), "");
  std::string stored = StoredAclForCanned({kOwner, "o"}, "public-read");
  ASSERT_FALSE(stored.empty());
  auto decoded = DecodeAccessControlPolicy(stored);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->owner.id, kOwner);

  AccessControlPolicy shown = EffectivePolicy("", {kOwner, "root"});
  EXPECT_EQ(shown.owner.id, kOwner);
  ASSERT_EQ(shown.grants.size(), 1u);
  EXPECT_EQ(shown.grants[0].permission, "FULL_CONTROL");
  EXPECT_EQ(shown.grants[0].grantee.id, kOwner);
  EXPECT_EQ(EffectivePolicy(stored, {kOwner, "root"}).grants.size(), 2u);
  // Garbage in the record grants nothing beyond the owner.
  EXPECT_FALSE(AclGrants("<not-xml", kOwner, kAnonymous, Permission::kRead));
  EXPECT_EQ(EffectivePolicy("<not-xml", {kOwner, ""}).grants.size(), 1u);
}

TEST(S3AuthorizerTest, RulesPerOperation) {
  using K = AccessRule::Kind;
  EXPECT_EQ(AccessRuleFor(S3Op::kHealth).kind, K::kPublic);
  EXPECT_EQ(AccessRuleFor(S3Op::kPreflight).kind, K::kPublic);
  EXPECT_EQ(AccessRuleFor(S3Op::kListBuckets).kind, K::kAuthenticated);
  EXPECT_EQ(AccessRuleFor(S3Op::kCreateBucket).kind, K::kAuthenticated);
  EXPECT_EQ(AccessRuleFor(S3Op::kDeleteBucket).kind, K::kBucketOwner);
  EXPECT_EQ(AccessRuleFor(S3Op::kPutBucketCors).kind, K::kBucketOwner);
  EXPECT_EQ(AccessRuleFor(S3Op::kListObjectsV2).kind, K::kBucket);
  EXPECT_EQ(AccessRuleFor(S3Op::kListObjectsV2).permission, Permission::kRead);
  EXPECT_EQ(AccessRuleFor(S3Op::kPutObject).permission, Permission::kWrite);
  EXPECT_EQ(AccessRuleFor(S3Op::kDeleteObjects).permission, Permission::kWrite);
  EXPECT_EQ(AccessRuleFor(S3Op::kGetObject).kind, K::kObject);
  EXPECT_EQ(AccessRuleFor(S3Op::kPutObjectAcl).permission, Permission::kWriteAcp);
  EXPECT_EQ(AccessRuleFor(S3Op::kGetBucketAcl).permission, Permission::kReadAcp);
  // Tags go with the ACL's permissions, not with the bytes'.
  EXPECT_EQ(AccessRuleFor(S3Op::kGetObjectTagging).kind, K::kObject);
  EXPECT_EQ(AccessRuleFor(S3Op::kGetObjectTagging).permission, Permission::kReadAcp);
  EXPECT_EQ(AccessRuleFor(S3Op::kPutObjectTagging).permission, Permission::kWriteAcp);
  EXPECT_EQ(AccessRuleFor(S3Op::kDeleteObjectTagging).permission, Permission::kWriteAcp);
}

}  // namespace
}  // namespace sos
