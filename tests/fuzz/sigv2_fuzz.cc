// Fuzzes SigV2 verification, Authorization header and query-string forms.
//
// Input: a text request head (see fuzz_util.h), an empty line, then one byte
// of options for the round trip. The head goes through Authenticate as sosd
// passes it (SigV2 allowed), at Tue, 27 Mar 2007 19:36:42 GMT with AWS's
// example keys. Then, for every head an HTTP server would pass, SignV2 and
// PresignV2 sign it as a client would (path- or virtual-hosted style, Date or
// x-amz-date) and VerifySigV2 must accept both.
#include <chrono>
#include <cstdint>
#include <string>

#include "daemon/auth/authenticator.h"
#include "daemon/auth/sigv2_verify.h"
#include "s3core/sigv2.h"
#include "s3core/time_format.h"
#include "tests/fuzz/fuzz_util.h"

namespace sos::fuzz {
namespace {

const TimePoint kNow = *ParseHttpDate("Tue, 27 Mar 2007 19:36:42 GMT");
const Credentials kCredentials{std::string(kAccessKey), std::string(kSecretKey), ""};

void RoundTrip(const HttpRequestHead& head, uint8_t options) {
  if (!ServerWouldPass(head)) return;
  auto signable =
      ToSignable(head,
                 [](std::string_view name) {
                   return name == "AWSAccessKeyId" || name == "Expires" || name == "Signature";
                 },
                 {"authorization", "date", "x-amz-date"});
  if (!signable) return;
  signable->headers.emplace_back((options & 1) ? "x-amz-date" : "Date", FormatHttpDate(kNow));
  SigV2VerifyOptions verify_options;
  if (options & 2) verify_options.virtual_host_bucket = "johnsmith";
  SigningRequest request{signable->method, signable->path, signable->query, signable->headers, ""};

  HttpRequestHead signed_head{request.method, TargetWithQuery(signable->path, signable->query),
                              request.headers};
  signed_head.headers.emplace_back(
      "Authorization", SignV2(request, kCredentials, verify_options.virtual_host_bucket));
  auto verified = VerifySigV2(signed_head, LookupSecret, kNow, verify_options);
  FUZZ_CHECK_OK(verified);
  FUZZ_CHECK(!verified->presigned && verified->access_key_id == kAccessKey);

  TimePoint expires = kNow + std::chrono::seconds(1 + options * 977);
  HttpRequestHead presigned{
      request.method,
      signable->path + "?" +
          PresignV2(request, kCredentials, expires, verify_options.virtual_host_bucket),
      request.headers};
  auto verified_query = VerifySigV2(presigned, LookupSecret, kNow, verify_options);
  FUZZ_CHECK_OK(verified_query);
  FUZZ_CHECK(verified_query->presigned && verified_query->access_key_id == kAccessKey);
}

// The head as sosd passes it, path- and virtual-hosted style, then the round trip.
void FuzzOne(const TextRequest& request) {
  auto auth = Authenticate(request.head, LookupSecret, kNow);
  if (auth.ok() && auth->scheme != AuthScheme::kAnonymous) {
    FUZZ_CHECK(auth->access_key_id == kAccessKey);
  }
  SigV2VerifyOptions virtual_host;
  virtual_host.virtual_host_bucket = "johnsmith";
  auto v2 = VerifySigV2(request.head, LookupSecret, kNow, virtual_host);
  if (v2.ok()) FUZZ_CHECK(v2->access_key_id == kAccessKey);
  RoundTrip(request.head, request.options);
}

}  // namespace
}  // namespace sos::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sos::fuzz::FuzzOne(sos::fuzz::ParseTextRequest(data, size));
  return 0;
}
