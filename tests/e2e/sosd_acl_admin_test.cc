// The admin API (s3core/admin_api.h) and the ACL request rules of sosd:
// organisations and keys as the root organisation (and refused for anyone
// else), x-amz-grant-* headers, GetAcl's exact Owner and Grant elements,
// CopyObject resetting the ACL, and the public-read-write warning.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "s3core/acl.h"
#include "s3core/xml_codec.h"
#include "tests/e2e/acl_e2e_util.h"

namespace sos::testing {
namespace {

using nlohmann::json;

json Json(const Reply& r) { return json::parse(r.body, nullptr, /*allow_exceptions=*/false); }

std::string JsonCode(const Reply& r) {
  json doc = Json(r);
  return doc.is_object() ? doc.value("code", "") : "";
}

TEST(AclAdminTest, OrganisationsAndKeys) {
  const std::string name = Unique("org");
  Reply created = Admin(Root(), "POST", "orgs", json{{"name", name}}.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_NE(created.Header("content-type").find("application/json"), std::string::npos);
  json org = Json(created);
  ASSERT_TRUE(org.is_object());
  const std::string id = org.value("id", "");
  const std::string access_key = org.value("access_key_id", "");
  const std::string secret = org.value("secret_access_key", "");
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{64}"))) << id;
  EXPECT_TRUE(std::regex_match(access_key, std::regex("[A-Z0-9]{20}"))) << access_key;
  EXPECT_EQ(secret.size(), 40u);
  EXPECT_EQ(org.value("name", ""), name);
  EXPECT_TRUE(std::regex_match(org.value("created", ""),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)")));

  // The new key works, and ListBuckets shows the new organisation as owner.
  Principal p = WithKey(name, id, access_key, secret);
  Reply buckets = Send(p, "GET", "", "");
  ASSERT_EQ(buckets.status, 200) << buckets.body;
  EXPECT_NE(buckets.body.find("<ID>" + id + "</ID>"), std::string::npos) << buckets.body;
  EXPECT_NE(buckets.body.find("<DisplayName>" + name + "</DisplayName>"), std::string::npos);

  // Same name again; bad names.
  EXPECT_EQ(JsonCode(Admin(Root(), "POST", "orgs", json{{"name", name}}.dump())),
            "OrganisationAlreadyExists");
  EXPECT_EQ(Admin(Root(), "POST", "orgs", json{{"name", name}}.dump()).status, 409);
  EXPECT_EQ(Admin(Root(), "POST", "orgs", json{{"name", "root"}}.dump()).status, 409);
  for (const std::string& bad : {std::string(""), std::string("Upper"), std::string(65, 'a'),
                                 std::string("a/b"), std::string("sp ace")}) {
    Reply r = Admin(Root(), "POST", "orgs", json{{"name", bad}}.dump());
    EXPECT_EQ(r.status, 400) << "'" << bad << "': " << r.body;
    EXPECT_FALSE(JsonCode(r).empty()) << r.body;
  }
  EXPECT_EQ(Admin(Root(), "POST", "orgs", "not json").status, 400);
  EXPECT_EQ(Admin(Root(), "POST", "orgs", json{{"nom", "x"}}.dump()).status, 400);
  EXPECT_EQ(Admin(Root(), "POST", "orgs", std::string(64, 'a')).status, 400);

  // Listing and lookup by name and by ID.
  Reply list = Admin(Root(), "GET", "orgs");
  ASSERT_EQ(list.status, 200);
  bool listed = false;
  const json orgs = Json(list);
  for (const auto& o : orgs["orgs"]) {
    listed |= o.value("id", "") == id && o.value("name", "") == name;
    EXPECT_FALSE(o.contains("secret_access_key"));
  }
  EXPECT_TRUE(listed) << list.body;
  EXPECT_EQ(Json(Admin(Root(), "GET", "orgs/" + name)).value("id", ""), id);
  EXPECT_EQ(Json(Admin(Root(), "GET", "orgs/" + id)).value("name", ""), name);
  Reply missing = Admin(Root(), "GET", "orgs/no-such-org");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(JsonCode(missing), "NoSuchOrganisation");

  // A second key; listing shows both without secrets.
  Reply key2 = Admin(Root(), "POST", "orgs/" + name + "/keys");
  ASSERT_EQ(key2.status, 201) << key2.body;
  json k2 = Json(key2);
  EXPECT_EQ(k2.value("org_id", ""), id);
  const std::string access_key2 = k2.value("access_key_id", "");
  const std::string secret2 = k2.value("secret_access_key", "");
  EXPECT_TRUE(std::regex_match(access_key2, std::regex("[A-Z0-9]{20}")));
  EXPECT_EQ(secret2.size(), 40u);
  EXPECT_NE(secret2, secret);
  Principal p2 = WithKey(name, id, access_key2, secret2);
  EXPECT_EQ(Send(p2, "GET", "", "").status, 200);
  Reply keys = Admin(Root(), "GET", "orgs/" + id + "/keys");
  ASSERT_EQ(keys.status, 200);
  EXPECT_EQ(Json(keys)["keys"].size(), 2u) << keys.body;
  EXPECT_EQ(keys.body.find(secret), std::string::npos);
  EXPECT_EQ(keys.body.find(secret2), std::string::npos);
  EXPECT_EQ(keys.body.find("secret"), std::string::npos);

  // Revoke the second key: it stops working at once.
  EXPECT_EQ(Admin(Root(), "DELETE", "keys/" + access_key2).status, 204);
  Reply revoked = Send(p2, "GET", "", "");
  EXPECT_EQ(revoked.status, 403);
  EXPECT_EQ(revoked.Code(), "InvalidAccessKeyId");
  Reply no_key = Admin(Root(), "DELETE", "keys/" + access_key2);
  EXPECT_EQ(no_key.status, 404);
  EXPECT_EQ(JsonCode(no_key), "NoSuchKey");

  // Not while it owns a bucket; never the root organisation.
  const std::string bucket = Unique("owned");
  ASSERT_EQ(Send(p, "PUT", bucket, "").status, 200);
  Reply not_empty = Admin(Root(), "DELETE", "orgs/" + name);
  EXPECT_EQ(not_empty.status, 409);
  EXPECT_EQ(JsonCode(not_empty), "OrganisationNotEmpty");
  EXPECT_EQ(Admin(Root(), "DELETE", "orgs/root").status, 403);
  EXPECT_EQ(Admin(Root(), "GET", "orgs/root").status, 200);
  ASSERT_EQ(Send(p, "DELETE", bucket, "").status, 204);
  EXPECT_EQ(Admin(Root(), "DELETE", "orgs/" + name).status, 204);
  EXPECT_EQ(Admin(Root(), "GET", "orgs/" + id).status, 404);
  EXPECT_EQ(Send(p, "GET", "", "").Code(), "InvalidAccessKeyId");  // its keys went with it

  // Secrets never reach the log.
  std::string log = Sosd().stderr_text();
  EXPECT_EQ(log.find(secret), std::string::npos);
  EXPECT_EQ(log.find(secret2), std::string::npos);
}

TEST(AclAdminTest, RootOnly) {
  Principal org = CreateOrg(Unique("notroot"));
  ASSERT_TRUE(org.client);
  for (const Principal& who : {org, Anonymous()}) {
    for (const auto& [method, path] :
         std::vector<std::pair<std::string, std::string>>{{"GET", "orgs"},
                                                          {"POST", "orgs"},
                                                          {"GET", "orgs/" + org.name},
                                                          {"POST", "orgs/" + org.name + "/keys"},
                                                          {"GET", "orgs/" + org.name + "/keys"},
                                                          {"DELETE", "keys/" + org.access_key},
                                                          {"DELETE", "orgs/" + org.name}}) {
      Reply r = Admin(who, method, path, method == "POST" ? json{{"name", "x1"}}.dump() : "");
      EXPECT_EQ(r.status, 403) << who.name << " " << method << " " << path << ": " << r.body;
      EXPECT_EQ(JsonCode(r), "AccessDenied") << r.body;
    }
  }
  // Nothing changed: the organisation and its key are still there.
  EXPECT_EQ(Admin(Root(), "GET", "orgs/" + org.name).status, 200);
  EXPECT_EQ(Admin(Root(), "GET", "orgs/x1").status, 404);
  EXPECT_EQ(Send(org, "GET", "", "").status, 200);
  // A bad signature is refused before anything else.
  Principal forged = WithKey("forged", "", Sosd().access_key(), std::string(40, 'x'));
  Reply r = Admin(forged, "GET", "orgs");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(JsonCode(r), "SignatureDoesNotMatch");
  // Unknown resources and methods.
  EXPECT_EQ(Admin(Root(), "GET", "nothing").status, 404);
  EXPECT_EQ(Admin(Root(), "PUT", "orgs").status, 405);
}

class AclRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    owner_ = CreateOrg(Unique("rules-owner"));
    friend_ = CreateOrg(Unique("rules-friend"));
    ASSERT_TRUE(owner_.client && friend_.client);
    bucket_ = Unique("rules");
    ASSERT_EQ(Send(owner_, "PUT", bucket_, "").status, 200);
  }
  void TearDown() override {
    for (const char* k : {"a.txt", "b.txt", "c.txt", "copy.txt", "copy2.txt", "src.txt"}) {
      Send(owner_, "DELETE", bucket_, k);
    }
    Send(owner_, "DELETE", bucket_, "");
  }
  Principal owner_, friend_;
  std::string bucket_;
};

TEST_F(AclRulesTest, GrantHeadersAndExactAclDocuments) {
  // Grants by id and by group URI, on a PUT.
  Reply put = Send(
      owner_, "PUT", bucket_, "a.txt", {},
      {{"x-amz-grant-read", "id=\"" + friend_.id + "\", uri=\"" + kAuthenticatedUsersUri + "\""},
       {"x-amz-grant-write-acp", "id=" + friend_.id}},
      "a");
  ASSERT_EQ(put.status, 200) << put.body;
  Reply acl = Send(owner_, "GET", bucket_, "a.txt", {{"acl", ""}});
  ASSERT_EQ(acl.status, 200);
  auto policy = DecodeAccessControlPolicy(acl.body);
  ASSERT_TRUE(policy.ok()) << acl.body;
  EXPECT_EQ(policy->owner.id, owner_.id);
  EXPECT_EQ(policy->owner.display_name, owner_.name);
  ASSERT_EQ(policy->grants.size(), 4u) << acl.body;
  EXPECT_EQ(policy->grants[0].grantee.id, owner_.id);
  EXPECT_EQ(policy->grants[0].grantee.display_name, owner_.name);
  EXPECT_EQ(policy->grants[0].permission, "FULL_CONTROL");
  EXPECT_EQ(policy->grants[1].grantee.id, friend_.id);
  EXPECT_EQ(policy->grants[1].grantee.display_name, friend_.name);
  EXPECT_EQ(policy->grants[1].permission, "READ");
  EXPECT_EQ(policy->grants[2].grantee.uri, kAuthenticatedUsersUri);
  EXPECT_EQ(policy->grants[3].permission, "WRITE_ACP");
  EXPECT_EQ(Send(friend_, "GET", bucket_, "a.txt").body, "a");
  EXPECT_EQ(Send(Anonymous(), "GET", bucket_, "a.txt").status, 403);

  // Errors, and nothing is written.
  struct Bad {
    HeaderList headers;
    int status;
    std::string code;
  };
  for (const Bad& bad : std::vector<Bad>{
           {{{"x-amz-acl", "public-read"}, {"x-amz-grant-read", "id=" + friend_.id}},
            400,
            "InvalidRequest"},
           {{{"x-amz-grant-read", "emailAddress=\"someone@example.com\""}},
            400,
            "UnresolvableGrantByEmailAddress"},
           {{{"x-amz-grant-read", "id=" + std::string(64, 'f')}}, 400, "InvalidArgument"},
           {{{"x-amz-grant-read", "uri=http://example.com/group"}}, 400, "InvalidArgument"},
           {{{"x-amz-acl", "public-reed"}}, 400, "InvalidArgument"}}) {
    Reply r = Send(owner_, "PUT", bucket_, "b.txt", {}, bad.headers, "b");
    EXPECT_EQ(r.status, bad.status) << r.body;
    EXPECT_EQ(r.Code(), bad.code) << r.body;
    EXPECT_EQ(Send(owner_, "HEAD", bucket_, "b.txt").status, 404);
    Reply acl_put = Send(owner_, "PUT", bucket_, "a.txt", {{"acl", ""}}, bad.headers);
    EXPECT_EQ(acl_put.Code(), bad.code) << acl_put.body;
    EXPECT_EQ(Send(owner_, "GET", bucket_, "a.txt", {{"acl", ""}}).body, acl.body);
  }

  // PutBucketAcl with grant headers; the owner keeps FULL_CONTROL even when
  // the XML leaves it out.
  ASSERT_EQ(Send(owner_, "PUT", bucket_, "", {{"acl", ""}},
                 {{"x-amz-grant-full-control", "id=\"" + friend_.id + "\""}})
                .status,
            200);
  EXPECT_EQ(Send(friend_, "GET", bucket_, "", {{"list-type", "2"}}).status, 200);
  std::string xml =
      "<AccessControlPolicy><Owner><ID>" + owner_.id +
      "</ID></Owner><AccessControlList><Grant><Grantee "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\"><ID>" +
      friend_.id +
      "</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList>"
      "</AccessControlPolicy>";
  Reply put_xml = Send(owner_, "PUT", bucket_, "", {{"acl", ""}}, {}, xml);
  ASSERT_EQ(put_xml.status, 200) << put_xml.body;
  auto bucket_policy =
      DecodeAccessControlPolicy(Send(owner_, "GET", bucket_, "", {{"acl", ""}}).body);
  ASSERT_TRUE(bucket_policy.ok());
  ASSERT_EQ(bucket_policy->grants.size(), 2u);
  EXPECT_EQ(bucket_policy->grants[0].grantee.id, owner_.id);
  EXPECT_EQ(bucket_policy->grants[0].permission, "FULL_CONTROL");
  EXPECT_EQ(bucket_policy->grants[1].grantee.display_name, friend_.name);
  EXPECT_EQ(Send(friend_, "PUT", bucket_, "c.txt", {}, {}, "c").status, 403);
}

TEST_F(AclRulesTest, CopyResetsTheAclUnlessAsked) {
  ASSERT_EQ(
      Send(owner_, "PUT", bucket_, "src.txt", {}, {{"x-amz-acl", "public-read"}}, "src").status,
      200);
  EXPECT_EQ(Send(Anonymous(), "GET", bucket_, "src.txt").body, "src");
  ASSERT_EQ(
      Send(owner_, "PUT", bucket_, "copy.txt", {}, {{"x-amz-copy-source", bucket_ + "/src.txt"}})
          .status,
      200);
  EXPECT_EQ(Send(Anonymous(), "GET", bucket_, "copy.txt").status, 403);  // private again
  ASSERT_EQ(Send(owner_, "PUT", bucket_, "copy2.txt", {},
                 {{"x-amz-copy-source", bucket_ + "/src.txt"},
                  {"x-amz-grant-read", "uri=\"" + std::string(kAllUsersUri) + "\""}})
                .status,
            200);
  EXPECT_EQ(Send(Anonymous(), "GET", bucket_, "copy2.txt").body, "src");
  // Multipart uploads take their ACL at creation.
  Reply create = Send(owner_, "POST", bucket_, "c.txt", {{"uploads", ""}},
                      {{"x-amz-grant-read", "id=" + friend_.id}});
  ASSERT_EQ(create.status, 200) << create.body;
  auto init = DecodeInitiateMultipartUploadResult(create.body);
  ASSERT_TRUE(init.ok());
  Reply part = Send(owner_, "PUT", bucket_, "c.txt",
                    {{"partNumber", "1"}, {"uploadId", init->upload_id}}, {}, "mp");
  ASSERT_EQ(part.status, 200);
  ASSERT_EQ(Send(owner_, "POST", bucket_, "c.txt", {{"uploadId", init->upload_id}}, {},
                 "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" +
                     part.Header("etag") + "</ETag></Part></CompleteMultipartUpload>")
                .status,
            200);
  EXPECT_EQ(Send(friend_, "GET", bucket_, "c.txt").body, "mp");
}

TEST_F(AclRulesTest, PublicReadWriteWarns) {
  const std::string warning = "public-read-write lets anyone overwrite and delete; not recommended";
  // By header, on a new bucket.
  const std::string b2 = Unique("prw");
  Reply create = Send(owner_, "PUT", b2, "", {}, {{"x-amz-acl", "public-read-write"}});
  ASSERT_EQ(create.status, 200);
  EXPECT_EQ(create.Header("x-sos-warning"), warning);
  // By XML (AllUsers WRITE), on an existing one.
  AccessControlPolicy policy = PolicyForCannedAcl({owner_.id, owner_.name}, "private");
  Grant write;
  write.grantee.type = Grantee::Type::kGroup;
  write.grantee.uri = kAllUsersUri;
  write.permission = "WRITE";
  policy.grants.push_back(write);
  Reply put_xml =
      Send(owner_, "PUT", bucket_, "", {{"acl", ""}}, {}, EncodeAccessControlPolicy(policy));
  ASSERT_EQ(put_xml.status, 200) << put_xml.body;
  EXPECT_EQ(put_xml.Header("x-sos-warning"), warning);
  // By grant header on an object.
  Reply put_obj = Send(owner_, "PUT", bucket_, "a.txt", {},
                       {{"x-amz-grant-full-control", "uri=AllUsers"}}, "x");
  ASSERT_EQ(put_obj.status, 200);
  EXPECT_EQ(put_obj.Header("x-sos-warning"), warning);
  // Not for anything less.
  EXPECT_EQ(Send(owner_, "PUT", bucket_, "", {{"acl", ""}}, {{"x-amz-acl", "public-read"}})
                .Header("x-sos-warning"),
            "");
  // One log line per change, naming the bucket, without secrets. (sosd logs
  // after it answered: wait for the lines, bounded.)
  std::string log;
  for (const std::string& resource : {b2, bucket_, bucket_ + "/a.txt"}) {
    std::regex line("warning: .* makes " + resource + " writable by anyone.*" + warning);
    bool found = false;
    for (int i = 0; i < 50 && !found; ++i) {
      log = Sosd().stderr_text();
      found = std::regex_search(log, line);
      if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(found) << resource;
  }
  EXPECT_EQ(log.find(owner_.secret_key), std::string::npos);
  Send(owner_, "DELETE", b2, "");
}

}  // namespace
}  // namespace sos::testing
