// The permission matrix against the real sosd: for every canned ACL and every
// explicit grant (set on the bucket and on its object), every principal (the
// owning organisation, an organisation holding the grant, an organisation
// without it, anonymous) runs every operation: list, head bucket, get, head,
// get both ACLs, copy out, put, copy in, multipart, overwrite, put both ACLs,
// delete. Allowed operations must succeed; the others must get 403
// AccessDenied and change nothing (checked as the owner after each one).
#include <gtest/gtest.h>

#include "s3core/acl.h"
#include "s3core/xml_codec.h"
#include "tests/e2e/acl_e2e_util.h"

namespace sos::testing {
namespace {

enum class Level { kBucket, kObject };

struct Scenario {
  std::string name;
  std::string canned;      // x-amz-acl, or ""
  std::string permission;  // explicit grant to the grantee organisation, or ""
};

std::vector<Scenario> Scenarios() {
  std::vector<Scenario> out;
  for (const char* canned : {"private", "public-read", "public-read-write", "authenticated-read",
                             "bucket-owner-read", "bucket-owner-full-control"}) {
    out.push_back({canned, canned, ""});
  }
  for (const char* permission : {"READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"}) {
    out.push_back({std::string("grant-") + permission, "", permission});
  }
  return out;
}

const char* GrantHeader(const std::string& permission) {
  if (permission == "READ") return "x-amz-grant-read";
  if (permission == "WRITE") return "x-amz-grant-write";
  if (permission == "READ_ACP") return "x-amz-grant-read-acp";
  if (permission == "WRITE_ACP") return "x-amz-grant-write-acp";
  return "x-amz-grant-full-control";
}

class AclMatrixTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    owner_ = new Principal(CreateOrg(Unique("owner")));
    grantee_ = new Principal(CreateOrg(Unique("grantee")));
    stranger_ = new Principal(CreateOrg(Unique("stranger")));
    // A public source for copies in, and a public-write sink for copies out.
    source_bucket_ = new std::string(Unique("src"));
    sink_bucket_ = new std::string(Unique("sink"));
    Send(*owner_, "PUT", *source_bucket_, "", {}, {{"x-amz-acl", "public-read"}});
    Send(*owner_, "PUT", *source_bucket_, "source.txt", {}, {{"x-amz-acl", "public-read"}},
         "source bytes");
    Send(*owner_, "PUT", *sink_bucket_, "", {}, {{"x-amz-acl", "public-read-write"}});
  }
  static void TearDownTestSuite() {
    delete owner_;
    delete grantee_;
    delete stranger_;
    delete source_bucket_;
    delete sink_bucket_;
  }

  // The ACL headers of a scenario (the grant goes to the grantee organisation).
  static HeaderList AclHeaders(const Scenario& s) {
    if (!s.canned.empty()) return {{"x-amz-acl", s.canned}};
    return {{GrantHeader(s.permission), "id=\"" + grantee_->id + "\""}};
  }

  // What S3 allows: the owner everything; others what the ACL grants.
  static bool Allowed(const Scenario& s, const Principal& who, const std::string& needed) {
    if (&who == owner_) return true;
    if (!s.canned.empty()) {
      if (s.canned == "public-read") return needed == "READ";
      if (s.canned == "public-read-write") return needed == "READ" || needed == "WRITE";
      if (s.canned == "authenticated-read") return needed == "READ" && !who.anonymous();
      return false;  // private; bucket-owner-* of an object the bucket owner wrote
    }
    return &who == grantee_ && (s.permission == "FULL_CONTROL" || s.permission == needed);
  }

  static Principal* owner_;
  static Principal* grantee_;
  static Principal* stranger_;
  static std::string* source_bucket_;
  static std::string* sink_bucket_;
};

Principal* AclMatrixTest::owner_ = nullptr;
Principal* AclMatrixTest::grantee_ = nullptr;
Principal* AclMatrixTest::stranger_ = nullptr;
std::string* AclMatrixTest::source_bucket_ = nullptr;
std::string* AclMatrixTest::sink_bucket_ = nullptr;

TEST_F(AclMatrixTest, EveryPrincipalEveryAclEveryOperation) {
  ASSERT_TRUE(owner_->client && grantee_->client && stranger_->client);
  ASSERT_FALSE(owner_->id.empty());
  const Principal anonymous = Anonymous();
  const std::vector<const Principal*> principals = {owner_, grantee_, stranger_, &anonymous};
  const std::string original = "original bytes";
  int checked = 0, denied = 0;

  for (const Scenario& s : Scenarios()) {
    for (const Principal* who : principals) {
      SCOPED_TRACE("acl " + s.name + ", principal " + who->name);
      const std::string bucket = Unique("m");
      const std::string key = "obj.txt";
      ASSERT_EQ(Send(*owner_, "PUT", bucket, "", {}, AclHeaders(s)).status, 200);
      ASSERT_EQ(Send(*owner_, "PUT", bucket, key, {}, AclHeaders(s), original).status, 200);
      const std::string bucket_acl = Send(*owner_, "GET", bucket, "", {{"acl", ""}}).body;
      const std::string object_acl = Send(*owner_, "GET", bucket, key, {{"acl", ""}}).body;
      ASSERT_NE(bucket_acl.find("<AccessControlPolicy"), std::string::npos) << bucket_acl;

      auto object_bytes = [&](const std::string& b, const std::string& k) {
        Reply r = Send(*owner_, "GET", b, k);
        return r.status == 200 ? r.body : "<status " + std::to_string(r.status) + ">";
      };
      auto absent = [&](const std::string& b, const std::string& k) {
        return Send(*owner_, "HEAD", b, k).status == 404;
      };
      // One operation: the reply must be the allowed success or 403 AccessDenied.
      auto expect = [&](const std::string& op, const std::string& needed, const Reply& r,
                        int success) {
        ++checked;
        bool allowed = Allowed(s, *who, needed);
        if (allowed) {
          EXPECT_EQ(r.status, success) << op << ": " << r.body;
        } else {
          ++denied;
          EXPECT_EQ(r.status, 403) << op << " should be denied: " << r.body;
          // HEAD answers carry no body.
          if (!r.body.empty()) {
            EXPECT_EQ(r.Code(), "AccessDenied") << op << ": " << r.body;
          }
        }
        return allowed;
      };

      // Reads.
      Reply list = Send(*who, "GET", bucket, "", {{"list-type", "2"}});
      if (expect("list", "READ", list, 200)) {
        EXPECT_NE(list.body.find("<Key>obj.txt</Key>"), std::string::npos) << list.body;
      }
      expect("head bucket", "READ", Send(*who, "HEAD", bucket, ""), 200);
      Reply get = Send(*who, "GET", bucket, key);
      if (expect("get", "READ", get, 200)) {
        EXPECT_EQ(get.body, original);
      }
      expect("head", "READ", Send(*who, "HEAD", bucket, key), 200);
      Reply get_bucket_acl = Send(*who, "GET", bucket, "", {{"acl", ""}});
      if (expect("get bucket acl", "READ_ACP", get_bucket_acl, 200)) {
        EXPECT_EQ(get_bucket_acl.body, bucket_acl);
      }
      Reply get_object_acl = Send(*who, "GET", bucket, key, {{"acl", ""}});
      if (expect("get object acl", "READ_ACP", get_object_acl, 200)) {
        EXPECT_EQ(get_object_acl.body, object_acl);
      }
      const std::string out_key = bucket + "-copy-out";
      Reply copy_out = Send(*who, "PUT", *sink_bucket_, out_key, {},
                            {{"x-amz-copy-source", bucket + "/" + key}});
      if (expect("copy out", "READ", copy_out, 200)) {
        EXPECT_EQ(object_bytes(*sink_bucket_, out_key), original);
      } else {
        EXPECT_TRUE(absent(*sink_bucket_, out_key));
      }

      // Writes.
      Reply put = Send(*who, "PUT", bucket, "new.txt", {}, {}, "new bytes");
      if (expect("put", "WRITE", put, 200)) {
        EXPECT_EQ(object_bytes(bucket, "new.txt"), "new bytes");
      } else {
        EXPECT_TRUE(absent(bucket, "new.txt"));
      }
      Reply copy_in = Send(*who, "PUT", bucket, "copied-in.txt", {},
                           {{"x-amz-copy-source", *source_bucket_ + "/source.txt"}});
      if (expect("copy in", "WRITE", copy_in, 200)) {
        EXPECT_EQ(object_bytes(bucket, "copied-in.txt"), "source bytes");
      } else {
        EXPECT_TRUE(absent(bucket, "copied-in.txt"));
      }
      Reply create = Send(*who, "POST", bucket, "multi.bin", {{"uploads", ""}});
      if (expect("create multipart upload", "WRITE", create, 200)) {
        auto init = DecodeInitiateMultipartUploadResult(create.body);
        ASSERT_TRUE(init.ok()) << create.body;
        const std::string upload_id = init->upload_id;
        Reply part = Send(*who, "PUT", bucket, "multi.bin",
                          {{"partNumber", "1"}, {"uploadId", upload_id}}, {}, "part one");
        ASSERT_EQ(part.status, 200) << part.body;
        std::string complete_xml =
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" +
            part.Header("etag") + "</ETag></Part></CompleteMultipartUpload>";
        Reply complete =
            Send(*who, "POST", bucket, "multi.bin", {{"uploadId", upload_id}}, {}, complete_xml);
        EXPECT_EQ(complete.status, 200) << complete.body;
        EXPECT_EQ(object_bytes(bucket, "multi.bin"), "part one");
      } else {
        Reply uploads = Send(*owner_, "GET", bucket, "", {{"uploads", ""}});
        EXPECT_EQ(uploads.body.find("<Upload>"), std::string::npos) << uploads.body;
        EXPECT_TRUE(absent(bucket, "multi.bin"));
      }
      Reply overwrite = Send(*who, "PUT", bucket, key, {}, AclHeaders(s), "overwritten");
      if (expect("overwrite", "WRITE", overwrite, 200)) {
        EXPECT_EQ(object_bytes(bucket, key), "overwritten");
        // The new object belongs to its writer; the owner rewrites it for the
        // ACL checks below.
        ASSERT_EQ(Send(*owner_, "PUT", bucket, key, {}, AclHeaders(s), original).status, 200);
      } else {
        EXPECT_EQ(object_bytes(bucket, key), original);
      }
      // Put ACLs: the same ACL again (allowed ones change nothing either), and
      // a public-read attempt that must not stick when denied.
      Reply put_object_acl = Send(*who, "PUT", bucket, key, {{"acl", ""}}, AclHeaders(s));
      expect("put object acl", "WRITE_ACP", put_object_acl, 200);
      Reply put_public =
          Send(*who, "PUT", bucket, key, {{"acl", ""}}, {{"x-amz-acl", "public-read"}});
      if (!Allowed(s, *who, "WRITE_ACP")) {
        EXPECT_EQ(put_public.status, 403);
        EXPECT_EQ(Send(*owner_, "GET", bucket, key, {{"acl", ""}}).body, object_acl);
      }
      Reply put_bucket_acl = Send(*who, "PUT", bucket, "", {{"acl", ""}}, AclHeaders(s));
      if (expect("put bucket acl", "WRITE_ACP", put_bucket_acl, 200)) {
        EXPECT_EQ(Send(*owner_, "GET", bucket, "", {{"acl", ""}}).body, bucket_acl);
      } else {
        Reply xml = Send(*who, "PUT", bucket, "", {{"acl", ""}}, {},
                         EncodeAccessControlPolicy(
                             PolicyForCannedAcl({owner_->id, owner_->name}, "public-read-write")));
        EXPECT_EQ(xml.status, 403);
        EXPECT_EQ(Send(*owner_, "GET", bucket, "", {{"acl", ""}}).body, bucket_acl);
      }
      // Delete last. The bucket ACL is as at the start (re-put above).
      Reply del = Send(*who, "DELETE", bucket, key);
      if (expect("delete", "WRITE", del, 204)) {
        EXPECT_TRUE(absent(bucket, key));
      } else {
        EXPECT_EQ(object_bytes(bucket, key), original);
      }

      // Clean up as the owner.
      for (const char* k : {"obj.txt", "new.txt", "copied-in.txt", "multi.bin"}) {
        Send(*owner_, "DELETE", bucket, k);
      }
      Send(*owner_, "DELETE", *sink_bucket_, out_key);
      EXPECT_EQ(Send(*owner_, "DELETE", bucket, "").status, 204);
    }
  }
  std::printf("[ matrix   ] %d operations checked, %d denied\n", checked, denied);
  EXPECT_GT(denied, 100);
}

}  // namespace
}  // namespace sos::testing
