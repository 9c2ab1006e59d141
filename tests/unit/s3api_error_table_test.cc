// The Status -> (HTTP status, S3 code) table and the XML error body.
#include <gtest/gtest.h>

#include "daemon/s3api/s3_error_table.h"
#include "s3core/xml_codec.h"

namespace sos {
namespace {

TEST(S3ErrorTableTest, KnownCodes) {
  const std::vector<std::pair<std::string, int>> expected = {
      {"NoSuchKey", 404},
      {"NoSuchBucket", 404},
      {"NoSuchUpload", 404},
      {"NoSuchCORSConfiguration", 404},
      {"AccessDenied", 403},
      {"SignatureDoesNotMatch", 403},
      {"InvalidAccessKeyId", 403},
      {"RequestTimeTooSkewed", 403},
      {"PreconditionFailed", 412},
      {"NotModified", 304},
      {"InvalidRange", 416},
      {"EntityTooSmall", 400},
      {"EntityTooLarge", 400},
      {"InvalidPart", 400},
      {"InvalidPartOrder", 400},
      {"MalformedXML", 400},
      {"InvalidBucketName", 400},
      {"KeyTooLongError", 400},
      {"BucketNotEmpty", 409},
      {"BucketAlreadyExists", 409},
      {"BucketAlreadyOwnedByYou", 409},
      {"BadDigest", 400},
      {"InvalidDigest", 400},
      {"XAmzContentSHA256Mismatch", 400},
      {"IncompleteBody", 400},
      {"InvalidArgument", 400},
      {"InvalidRequest", 400},
      {"InvalidURI", 400},
      {"MetadataTooLarge", 400},
      {"AuthorizationHeaderMalformed", 400},
      {"MissingContentLength", 411},
      {"MethodNotAllowed", 405},
      {"NotImplemented", 501},
      {"InternalError", 500},
      {"SlowDown", 503},
  };
  for (const auto& [code, http] : expected) {
    EXPECT_EQ(HttpStatusForS3Code(code), http) << code;
    S3Error e = S3ErrorFor(Status(StatusCode::kInternal, "m", code));
    EXPECT_EQ(e.http_status, http) << code;
    EXPECT_EQ(e.code, code);
  }
  EXPECT_EQ(HttpStatusForS3Code("NoSuchThing"), 0);
}

TEST(S3ErrorTableTest, FallsBackOnStatusCode) {
  struct Case {
    Status status;
    int http;
    std::string code;
  };
  const std::vector<Case> cases = {
      {Status::NotFound("x"), 404, "NoSuchKey"},
      {Status::PermissionDenied("x", ""), 403, "AccessDenied"},
      {Status::Unauthenticated("x", ""), 403, "SignatureDoesNotMatch"},
      {Status(StatusCode::kPreconditionFailed, "x"), 412, "PreconditionFailed"},
      {Status(StatusCode::kNotModified, "x"), 304, "NotModified"},
      {Status::InvalidArgument("x", ""), 400, "InvalidArgument"},
      {Status(StatusCode::kRangeNotSatisfiable, "x"), 416, "InvalidRange"},
      {Status::NotEmpty("x"), 409, "BucketNotEmpty"},
      {Status::NotSupported("x", ""), 501, "NotImplemented"},
      {Status::Unavailable("x"), 503, "SlowDown"},
      {Status::IOError("disk gone"), 500, "InternalError"},
      {Status::Corruption("bad block"), 500, "InternalError"},
      {Status::Internal("bug"), 500, "InternalError"},
      {Status::TooLarge("x", ""), 400, "EntityTooLarge"},
      {Status::NoSpace("full"), 507, "InsufficientStorage"},
      // An unknown S3 code does not decide the HTTP status.
      {Status(StatusCode::kNotFound, "x", "NoSuchFrobnicator"), 404, "NoSuchKey"},
  };
  for (const auto& c : cases) {
    S3Error e = S3ErrorFor(c.status);
    EXPECT_EQ(e.http_status, c.http) << c.status.ToString();
    EXPECT_EQ(e.code, c.code) << c.status.ToString();
  }
  // The s3 code of a Status wins over its StatusCode.
  EXPECT_EQ(S3ErrorFor(Status::Corruption("m", "BadDigest")).http_status, 400);
  EXPECT_EQ(S3ErrorFor(Status::InvalidArgument("m", "KeyTooLongError")).code, "KeyTooLongError");
}

TEST(S3ErrorTableTest, ErrorXmlCarriesEverything) {
  std::string xml = S3ErrorXml({404, "NoSuchKey"}, "The specified key does not exist.",
                               "/bucket/a%26b", "0123456789ABCDEF", "bucket", "a&b");
  auto doc = DecodeError(xml);
  ASSERT_TRUE(doc.ok()) << doc.status().ToString() << "\n" << xml;
  EXPECT_EQ(doc->code, "NoSuchKey");
  EXPECT_EQ(doc->message, "The specified key does not exist.");
  EXPECT_EQ(doc->resource, "/bucket/a%26b");
  EXPECT_EQ(doc->request_id, "0123456789ABCDEF");
  EXPECT_EQ(doc->bucket_name, "bucket");
  EXPECT_EQ(doc->key, "a&b");
}

// A server-side failure's message names files, drives and errno: the client
// reads the code's generic text; the detail stays in the log.
TEST(S3ErrorTableTest, ServerSideMessagesRevealNoPaths) {
  const std::string where = "/var/lib/sos/drive1/tmp/00112233445566778899aabbccddeeff";
  const std::vector<Status> hidden = {
      Status::NoSpace("blob 0011 reached only 1 of 3 drives (quorum 2): write " + where +
                      ": No space left on device"),
      Status::NoSpace("lmdb put: MDB_MAP_FULL (raise StorageOptions::map_size)"),
      Status::IOError("open " + where + ": Input/output error"),
      Status::Corruption("bad checksum table in " + where),
      Status::Internal("storage engine open: " + where),
      Status::NotFound("open " + where + ": No such file or directory"),
      Status::Unavailable("drive " + where + " is failed"),
      Status::TooLarge("lmdb put " + where + ": MDB_TXN_FULL", "InternalError"),
  };
  for (const Status& status : hidden) {
    S3Error error = S3ErrorFor(status);
    std::string message = S3ErrorMessage(error, status);
    EXPECT_EQ(message.find("/var/lib"), std::string::npos) << status.ToString();
    EXPECT_EQ(message.find("lmdb"), std::string::npos) << status.ToString();
    std::string xml = S3ErrorXml(error, message, "/bucket/key", "0123456789ABCDEF");
    EXPECT_EQ(xml.find("/var/lib"), std::string::npos) << xml;
  }
  const Status& full = hidden.front();
  EXPECT_EQ(S3ErrorFor(full).http_status, 507);
  EXPECT_EQ(S3ErrorMessage(S3ErrorFor(full), full),
            "There is not enough storage left to complete the request.");
  const Status missing = Status::NotFound("open " + where + ": No such file or directory");
  EXPECT_EQ(S3ErrorMessage(S3ErrorFor(missing), missing), "The specified key does not exist.");

  // What the S3 layer writes for clients is theirs to read.
  const std::vector<Status> shown = {
      Status::NotFound("The specified key does not exist: a/b", "NoSuchKey"),
      Status::InvalidArgument("Part number must be an integer between 1 and 10000"),
      Status::NotSupported("If-None-Match on writes only supports '*'"),
      Status::PreconditionFailed("At least one of the pre-conditions you specified did not hold"),
      Status::PermissionDenied("Request has expired"),
      Status::Corruption("The Content-MD5 you specified did not match what we received.",
                         "BadDigest"),
  };
  for (const Status& status : shown) {
    EXPECT_EQ(S3ErrorMessage(S3ErrorFor(status), status), status.message()) << status.ToString();
  }
}

TEST(S3ErrorTableTest, RequestsRefusedByTheHttpLayer) {
  EXPECT_EQ(S3ErrorForHttpRejection(431).http_status, 400);
  EXPECT_EQ(S3ErrorForHttpRejection(431).code, "RequestHeaderSectionTooLarge");
  EXPECT_EQ(S3ErrorForHttpRejection(400).code, "BadRequest");
  EXPECT_EQ(S3ErrorForHttpRejection(505).http_status, 505);
  EXPECT_EQ(S3ErrorForHttpRejection(503).http_status, 503);
  EXPECT_EQ(S3ErrorForHttpRejection(503).code, "SlowDown");
}

}  // namespace
}  // namespace sos
