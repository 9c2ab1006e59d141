// sosctl's exit codes: the one Status -> exit code mapping scripts rely on.
#include <gtest/gtest.h>

#include "ctl/admin_client.h"
#include "ctl/exit_code.h"
#include "s3core/s3_error_map.h"

namespace sos::ctl {
namespace {

TEST(CtlExitCode, MapsStatusesToDocumentedCodes) {
  EXPECT_EQ(ExitCodeFor(Status::Ok()), 0);
  EXPECT_EQ(ExitCodeFor(UsageError("bad flag")), 2);
  EXPECT_EQ(ExitCodeFor(Status::NotFound("x", "NoSuchBucket")), 3);
  EXPECT_EQ(ExitCodeFor(Status::NotFound("x", "NoSuchKey")), 3);
  EXPECT_EQ(ExitCodeFor(Status::PermissionDenied("x")), 4);
  EXPECT_EQ(ExitCodeFor(Status::Unauthenticated("x", "InvalidAccessKeyId")), 4);
  EXPECT_EQ(ExitCodeFor(Status::Unavailable("x", "SlowDown")), 1);
  EXPECT_EQ(ExitCodeFor(Status::NotEmpty("x", "BucketNotEmpty")), 1);
  EXPECT_EQ(ExitCodeFor(Status::AlreadyExists("x", "BucketAlreadyOwnedByYou")), 1);
  // A server-side InvalidArgument is a failed operation, not a usage error.
  EXPECT_EQ(ExitCodeFor(Status::InvalidArgument("x")), 1);
  EXPECT_EQ(ExitCodeFor(Status::IOError("disk")), 1);
}

TEST(CtlExitCode, MapsS3ErrorResponses) {
  // What the client makes of real responses, through s3core's one error table.
  EXPECT_EQ(ExitCodeFor(StatusFromS3Error(404, "NoSuchBucket", "m")), 3);
  EXPECT_EQ(ExitCodeFor(StatusFromS3Error(404, "NoSuchKey", "m")), 3);
  EXPECT_EQ(ExitCodeFor(StatusFromS3Error(404, "NoSuchOrganisation", "m")), 3);
  EXPECT_EQ(ExitCodeFor(StatusFromS3Error(403, "AccessDenied", "m")), 4);
  EXPECT_EQ(ExitCodeFor(StatusFromS3Error(403, "SignatureDoesNotMatch", "m")), 4);
  EXPECT_EQ(ExitCodeFor(StatusFromS3Error(403, "InvalidAccessKeyId", "m")), 4);
  EXPECT_EQ(ExitCodeFor(StatusFromS3Error(409, "BucketNotEmpty", "m")), 1);
  EXPECT_EQ(ExitCodeFor(StatusFromS3Error(409, "OrganisationAlreadyExists", "m")), 1);
  EXPECT_EQ(ExitCodeFor(StatusFromS3Error(500, "InternalError", "m")), 1);
}

TEST(CtlExitCode, MapsAdminApiJsonErrors) {
  Status missing = AdminClient::StatusFromAdminResponse(
      404, R"({"code": "NoSuchOrganisation", "message": "no organisation acme"})");
  EXPECT_EQ(ExitCodeFor(missing), 3);
  EXPECT_EQ(missing.s3_code(), "NoSuchOrganisation");
  EXPECT_EQ(missing.message(), "no organisation acme");
  Status taken = AdminClient::StatusFromAdminResponse(
      409, R"({"code": "OrganisationAlreadyExists", "message": "taken"})");
  EXPECT_EQ(ExitCodeFor(taken), 1);
  EXPECT_EQ(taken.s3_code(), "OrganisationAlreadyExists");
  EXPECT_EQ(ExitCodeFor(AdminClient::StatusFromAdminResponse(
                403, R"({"code": "AccessDenied", "message": "root only"})")),
            4);
  // Not JSON (an older sosd, a proxy): the HTTP status still decides.
  EXPECT_EQ(ExitCodeFor(AdminClient::StatusFromAdminResponse(404, "<html>")), 3);
  EXPECT_EQ(ExitCodeFor(AdminClient::StatusFromAdminResponse(502, "")), 1);
}

TEST(CtlExitCode, HelpDocumentsEveryCode) {
  std::string help = ExitCodeHelp();
  for (const char* line :
       {"0  ok", "1  the operation failed", "2  usage error", "3  not found", "4  access denied"}) {
    EXPECT_NE(help.find(line), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace sos::ctl
