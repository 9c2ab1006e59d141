// Access rules at the edges: no existence oracle (a key the caller may not
// read, in a bucket it may not list, answers 403 whether it exists or not, on
// every operation), multipart uploads kept to their initiator and the bucket
// owner, and single-use URLs that the admin API honours and that a missing
// key cannot turn into many downloads.
#include <gtest/gtest.h>
#include <unistd.h>

#include "s3core/crypto.h"
#include "s3core/xml_codec.h"
#include "tests/e2e/acl_e2e_util.h"

namespace sos::testing {
namespace {

class AclHardeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    owner_ = CreateOrg(Unique("hard-owner"));
    writer_ = CreateOrg(Unique("hard-writer"));
    stranger_ = CreateOrg(Unique("hard-stranger"));
    ASSERT_TRUE(owner_.client && writer_.client && stranger_.client);
    bucket_ = Unique("hard");
    ASSERT_EQ(Send(owner_, "PUT", bucket_, "").status, 200);
    ASSERT_EQ(Send(owner_, "PUT", bucket_, "exists.txt", {}, {}, "private bytes").status, 200);
  }
  void TearDown() override {
    for (const char* k : {"exists.txt", "later.txt", "mp.bin", "own.bin"}) {
      Send(owner_, "DELETE", bucket_, k);
    }
    Reply uploads = Send(owner_, "GET", bucket_, "", {{"uploads", ""}});
    if (auto list = DecodeListMultipartUploadsResult(uploads.body); list.ok()) {
      for (const auto& u : list->page.uploads) {
        Send(owner_, "DELETE", bucket_, u.key, {{"uploadId", u.upload_id}});
      }
    }
    DeleteWithEveryVersion(bucket_);
  }
  // A versioned bucket is empty once every version and marker is gone.
  void DeleteWithEveryVersion(const std::string& bucket) {
    Reply versions = Send(owner_, "GET", bucket, "", {{"versions", ""}});
    if (auto list = DecodeListVersionsResult(versions.body); list.ok()) {
      for (const auto& v : list->versions) {
        EXPECT_EQ(Send(owner_, "DELETE", bucket, v.meta.key, {{"versionId", v.version_id}}).status,
                  204);
      }
      for (const auto& m : list->delete_markers) {
        EXPECT_EQ(Send(owner_, "DELETE", bucket, m.key, {{"versionId", m.version_id}}).status, 204);
      }
    }
    EXPECT_EQ(Send(owner_, "DELETE", bucket, "").status, 204);
  }

  std::string StartUpload(const Principal& who, const std::string& key) {
    Reply r = Send(who, "POST", bucket_, key, {{"uploads", ""}});
    EXPECT_EQ(r.status, 200) << who.name << ": " << r.body;
    auto xml = DecodeInitiateMultipartUploadResult(r.body);
    return xml.ok() ? xml->upload_id : "";
  }
  std::string CompleteXml(const std::string& etag) {
    return "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + etag +
           "</ETag></Part></CompleteMultipartUpload>";
  }

  Principal owner_, writer_, stranger_;
  std::string bucket_;
};

TEST_F(AclHardeningTest, NoExistenceOracle) {
  struct Op {
    std::string method;
    HeaderList query;
    std::string body;
  };
  const std::vector<Op> ops = {{"GET", {}, ""},
                               {"HEAD", {}, ""},
                               {"GET", {{"acl", ""}}, ""},
                               {"PUT", {{"acl", ""}}, ""},
                               {"GET", {{"tagging", ""}}, ""},
                               {"GET", {{"uploadId", "nope"}}, ""},
                               {"POST", {{"uploadId", "nope"}}, ""}};
  for (const Principal& who : {stranger_, Anonymous()}) {
    for (const Op& op : ops) {
      Reply there = Send(who, op.method, bucket_, "exists.txt", op.query, {}, op.body);
      Reply absent = Send(who, op.method, bucket_, "missing.txt", op.query, {}, op.body);
      std::string what = who.name + " " + op.method + " " +
                         (op.query.empty() ? std::string() : "?" + op.query[0].first);
      EXPECT_EQ(there.status, absent.status) << what << ": " << there.body << " / " << absent.body;
      EXPECT_EQ(there.Code(), absent.Code()) << what;
      EXPECT_NE(absent.status, 404) << what << ": " << absent.body;
    }
  }
  // Whoever may list the bucket learns nothing new from a 404.
  Reply owner_view = Send(owner_, "GET", bucket_, "missing.txt", {{"acl", ""}});
  EXPECT_EQ(owner_view.status, 404);
  EXPECT_EQ(owner_view.Code(), "NoSuchKey");
}

TEST_F(AclHardeningTest, MultipartUploadsBelongToTheirInitiator) {
  ASSERT_EQ(Send(owner_, "PUT", bucket_, "", {{"acl", ""}},
                 {{"x-amz-grant-write", "id=\"" + writer_.id + "\""}})
                .status,
            200);
  const std::string part(5 << 20, 'p');
  const std::string theirs = StartUpload(owner_, "mp.bin");
  ASSERT_FALSE(theirs.empty());
  Reply owner_part =
      Send(owner_, "PUT", bucket_, "mp.bin", {{"partNumber", "1"}, {"uploadId", theirs}}, {}, part);
  ASSERT_EQ(owner_part.status, 200) << owner_part.body;
  const std::string etag = owner_part.Header("etag");

  // The writer may start uploads of its own, not continue, list, complete or abort the owner's.
  for (const Principal& who : {writer_, stranger_, Anonymous()}) {
    SCOPED_TRACE(who.name);
    Reply upload = Send(who, "PUT", bucket_, "mp.bin", {{"partNumber", "2"}, {"uploadId", theirs}},
                        {}, "hijack");
    EXPECT_EQ(upload.status, 403) << upload.body;
    Reply copy = Send(who, "PUT", bucket_, "mp.bin", {{"partNumber", "2"}, {"uploadId", theirs}},
                      {{"x-amz-copy-source", "/" + bucket_ + "/exists.txt"}});
    EXPECT_EQ(copy.status, 403) << copy.body;
    Reply list = Send(who, "GET", bucket_, "mp.bin", {{"uploadId", theirs}});
    EXPECT_EQ(list.status, 403) << list.body;
    Reply complete =
        Send(who, "POST", bucket_, "mp.bin", {{"uploadId", theirs}}, {}, CompleteXml(etag));
    EXPECT_EQ(complete.status, 403) << complete.body;
    Reply abort = Send(who, "DELETE", bucket_, "mp.bin", {{"uploadId", theirs}});
    EXPECT_EQ(abort.status, 403) << abort.body;
    EXPECT_EQ(abort.Code(), "AccessDenied");
  }
  // Still the owner's, intact: one part, and it completes.
  Reply parts = Send(owner_, "GET", bucket_, "mp.bin", {{"uploadId", theirs}});
  ASSERT_EQ(parts.status, 200) << parts.body;
  auto listed = DecodeListPartsResult(parts.body);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->page.parts.size(), 1u);
  EXPECT_EQ(Send(owner_, "POST", bucket_, "mp.bin", {{"uploadId", theirs}}, {}, CompleteXml(etag))
                .status,
            200);
  EXPECT_EQ(Send(owner_, "GET", bucket_, "mp.bin").body.size(), part.size());

  // The writer's own upload: it continues and completes it; the stranger
  // cannot start one; the bucket owner may abort the writer's.
  const std::string own = StartUpload(writer_, "own.bin");
  ASSERT_FALSE(own.empty());
  Reply own_part =
      Send(writer_, "PUT", bucket_, "own.bin", {{"partNumber", "1"}, {"uploadId", own}}, {}, "w");
  ASSERT_EQ(own_part.status, 200) << own_part.body;
  EXPECT_EQ(Send(writer_, "GET", bucket_, "own.bin", {{"uploadId", own}}).status, 200);
  EXPECT_EQ(Send(writer_, "POST", bucket_, "own.bin", {{"uploadId", own}}, {},
                 CompleteXml(own_part.Header("etag")))
                .status,
            200);
  EXPECT_EQ(Send(stranger_, "POST", bucket_, "x.bin", {{"uploads", ""}}).status, 403);
  const std::string abandoned = StartUpload(writer_, "own.bin");
  EXPECT_EQ(Send(owner_, "DELETE", bucket_, "own.bin", {{"uploadId", abandoned}}).status, 204);
}

// A public-read object's tags stay the owner's: neither GetObjectTagging nor
// a CopyObject that would carry them into the copier's bucket reveals them.
// As S3's ACLs: a WRITE grantee deletes objects (a delete marker in a
// versioned bucket), never a version; a write-only backup key cannot destroy
// the history that versioning keeps.
TEST_F(AclHardeningTest, OnlyTheBucketOwnerDeletesVersions) {
  ASSERT_EQ(Send(owner_, "PUT", bucket_, "", {{"versioning", ""}}, {},
                 "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>")
                .status,
            200);
  ASSERT_EQ(Send(owner_, "PUT", bucket_, "", {{"acl", ""}},
                 {{"x-amz-grant-write", "id=\"" + writer_.id + "\""}})
                .status,
            200);
  Reply put = Send(owner_, "PUT", bucket_, "later.txt", {}, {}, "history");
  ASSERT_EQ(put.status, 200);
  const std::string version = put.Header("x-amz-version-id");
  ASSERT_EQ(version.size(), 32u);
  Reply denied = Send(writer_, "DELETE", bucket_, "later.txt", {{"versionId", version}});
  EXPECT_EQ(denied.status, 403) << denied.body;
  const std::string batch = "<Delete><Object><Key>later.txt</Key><VersionId>" + version +
                            "</VersionId></Object></Delete>";
  Reply many = Send(writer_, "POST", bucket_, "", {{"delete", ""}},
                    {{"content-md5", Base64Encode(Md5(batch))}}, batch);
  EXPECT_EQ(many.status, 200) << many.body;
  EXPECT_NE(many.body.find("AccessDenied"), std::string::npos) << many.body;
  Reply marker = Send(writer_, "DELETE", bucket_, "later.txt");  // a plain delete: a marker
  EXPECT_EQ(marker.status, 204) << marker.body;
  EXPECT_EQ(marker.Header("x-amz-delete-marker"), "true");
  // The version is still there, and its owner may delete it (and the marker).
  Reply kept = Send(owner_, "GET", bucket_, "later.txt", {{"versionId", version}});
  EXPECT_EQ(kept.status, 200);
  EXPECT_EQ(kept.body, "history");
  EXPECT_EQ(Send(owner_, "DELETE", bucket_, "later.txt", {{"versionId", version}}).status, 204);
  EXPECT_EQ(Send(owner_, "DELETE", bucket_, "later.txt",
                 {{"versionId", marker.Header("x-amz-version-id")}}).status,
            204);
}

// Setting a lock is the bucket owner's: a WRITE grantee (or anyone on a
// public-read-write bucket) cannot make data nobody may ever delete; the
// bucket's default retention applies to its uploads all the same.
TEST_F(AclHardeningTest, OnlyTheBucketOwnerLocksObjects) {
  const std::string vault = Unique("hard-vault");
  ASSERT_EQ(Send(owner_, "PUT", vault, "", {}, {{"x-amz-bucket-object-lock-enabled", "true"}})
                .status,
            200);
  ASSERT_EQ(Send(owner_, "PUT", vault, "", {{"acl", ""}},
                 {{"x-amz-grant-write", "id=\"" + writer_.id + "\""}})
                .status,
            200);
  const std::string body = "chunk";
  const HeaderList lock = {
      {"content-md5", Base64Encode(Md5(body))},
      {"x-amz-object-lock-mode", "COMPLIANCE"},
      {"x-amz-object-lock-retain-until-date", "2200-01-01T00:00:00Z"}};
  Reply denied = Send(writer_, "PUT", vault, "forever", {}, lock, body);
  EXPECT_EQ(denied.status, 403) << denied.body;
  Reply held = Send(writer_, "PUT", vault, "held", {},
                    {{"content-md5", Base64Encode(Md5(body))},
                     {"x-amz-object-lock-legal-hold", "ON"}},
                    body);
  EXPECT_EQ(held.status, 403) << held.body;
  Reply plain = Send(writer_, "PUT", vault, "plain", {}, {}, body);
  EXPECT_EQ(plain.status, 200) << plain.body;
  DeleteWithEveryVersion(vault);  // none is locked
}

TEST_F(AclHardeningTest, TagsDoNotLeakThroughACopy) {
  ASSERT_EQ(Send(owner_, "PUT", bucket_, "later.txt", {},
                 {{"x-amz-acl", "public-read"}, {"x-amz-tagging", "secret=yes"}}, "public bytes")
                .status,
            200);
  EXPECT_EQ(Send(stranger_, "GET", bucket_, "later.txt").status, 200);
  EXPECT_EQ(Send(stranger_, "GET", bucket_, "later.txt", {{"tagging", ""}}).status, 403);
  const std::string theirs = Unique("hard-theirs");
  ASSERT_EQ(Send(stranger_, "PUT", theirs, "").status, 200);
  const HeaderList source = {{"x-amz-copy-source", "/" + bucket_ + "/later.txt"}};
  Reply copy = Send(stranger_, "PUT", theirs, "copy.txt", {}, source);
  EXPECT_EQ(copy.status, 403) << copy.body;
  EXPECT_EQ(Send(stranger_, "GET", theirs, "copy.txt", {{"tagging", ""}}).status, 404);
  // Replacing the tags needs no permission on them: the bytes are readable.
  HeaderList replace = source;
  replace.emplace_back("x-amz-tagging-directive", "REPLACE");
  Reply replaced = Send(stranger_, "PUT", theirs, "copy.txt", {}, replace);
  EXPECT_EQ(replaced.status, 200) << replaced.body;
  Reply tags = Send(stranger_, "GET", theirs, "copy.txt", {{"tagging", ""}});
  EXPECT_EQ(tags.status, 200);
  EXPECT_EQ(tags.body.find("secret"), std::string::npos) << tags.body;
  Send(stranger_, "DELETE", theirs, "copy.txt");
  Send(stranger_, "DELETE", theirs, "");
}

TEST_F(AclHardeningTest, AdminApiHonoursSingleUseUrls) {
  const std::string nonce = "admin-once-" + std::to_string(::getpid()) + "-abcdefghij";
  Principal root = Root();
  auto url = root.client->Presign("GET", "-", "admin/orgs", 600, {{"X-Sos-Once", nonce}});
  ASSERT_TRUE(url.ok());
  ASSERT_NE(url->find("/-/admin/orgs?"), std::string::npos) << *url;
  Reply first = Fetch("GET", *url);
  EXPECT_EQ(first.status, 200) << first.body;
  EXPECT_NE(first.body.find(owner_.name), std::string::npos) << first.body;
  Reply second = Fetch("GET", *url);
  EXPECT_EQ(second.status, 403) << second.body;
  EXPECT_NE(second.body.find("already been used"), std::string::npos) << second.body;
}

// A once-URL for a key that does not exist yet: the first authorised request
// uses it up (404), so the object created afterwards is not served by it --
// nor, racing its creation, many times.
TEST_F(AclHardeningTest, SingleUseUrlForAMissingKeyServesAtMostOnce) {
  const std::string nonce = "missing-once-" + std::to_string(::getpid()) + "-abcdefgh";
  auto url = owner_.client->Presign("GET", bucket_, "later.txt", 600, {{"X-Sos-Once", nonce}});
  ASSERT_TRUE(url.ok());
  Reply before = Fetch("GET", *url);
  EXPECT_EQ(before.status, 404) << before.body;
  EXPECT_EQ(before.Code(), "NoSuchKey");
  ASSERT_EQ(Send(owner_, "PUT", bucket_, "later.txt", {}, {}, "created later").status, 200);
  Reply after = Fetch("GET", *url);
  EXPECT_EQ(after.status, 403) << after.body;
  EXPECT_EQ(after.body.find("created later"), std::string::npos);
  // A request that is refused does not use a URL up: another organisation's
  // URL for the owner's private object is denied each time.
  auto denied = stranger_.client->Presign("GET", bucket_, "exists.txt", 600,
                                          {{"X-Sos-Once", nonce + "-stranger"}});
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(Fetch("GET", *denied).status, 403);
  ASSERT_EQ(Send(owner_, "PUT", bucket_, "exists.txt", {{"acl", ""}},
                 {{"x-amz-grant-read", "id=\"" + stranger_.id + "\""}})
                .status,
            200);
  EXPECT_EQ(Fetch("GET", *denied).status, 200) << "the denied request left the URL unused";
  EXPECT_EQ(Fetch("GET", *denied).status, 403);
}

}  // namespace
}  // namespace sos::testing
