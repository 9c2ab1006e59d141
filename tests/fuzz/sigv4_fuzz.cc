// Fuzzes SigV4 verification, Authorization header and pre-signed query forms.
//
// Input: a text request head (see fuzz_util.h), an empty line, then one byte
// of options for the round trip. The head goes through Authenticate exactly
// as sosd passes it, at 2013-05-24T00:00:00Z with AWS's example keys, and
// whatever it accepts must make a usable body decoder. Then, for every head
// an HTTP server would pass, the round trip: SignV4 and PresignV4 sign it as
// a client would, and VerifySigV4 must accept both. A signer and a verifier
// that canonicalize differently fail here.
#include <cstdint>
#include <string>

#include "daemon/auth/authenticator.h"
#include "daemon/auth/chunked_payload.h"
#include "daemon/auth/payload_verifier.h"
#include "daemon/auth/sigv4_verify.h"
#include "s3core/sigv4.h"
#include "s3core/time_format.h"
#include "tests/fuzz/fuzz_util.h"

namespace sos::fuzz {
namespace {

const TimePoint kNow = *ParseIso8601Basic("20130524T000000Z");
const Credentials kCredentials{std::string(kAccessKey), std::string(kSecretKey), ""};

bool IsLowerHex64(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// What a verified request must yield, and the body decoder it implies.
void CheckVerified(const HttpRequestHead& head, const SigV4Auth& auth) {
  FUZZ_CHECK(auth.access_key_id == kAccessKey);
  FUZZ_CHECK(IsLowerHex64(auth.seed_signature));
  FUZZ_CHECK(auth.signing_key.size() == 32);
  FUZZ_CHECK(auth.scope.size() > 8 && auth.scope.compare(0, 8, auth.amz_date, 0, 8) == 0);
  if (auth.payload_mode == PayloadMode::kSha256) FUZZ_CHECK(IsLowerHex64(auth.payload_hash));
  auto verifier = PayloadVerifier::Create(head, &auth);
  if (verifier.ok()) {
    (void)verifier->Feed("0\r\n\r\n", [](std::string_view) { return Status::Ok(); });
    (void)verifier->Finish();
  }
}

constexpr std::string_view kPayloads[] = {
    kUnsignedPayload,
    kStreamingSignedPayload,
    kStreamingUnsignedPayloadTrailer,
    kStreamingSignedPayloadTrailer,
    kEmptySha256Hex,
    "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
};

void RoundTrip(const HttpRequestHead& head, uint8_t options) {
  if (!ServerWouldPass(head)) return;
  // A client never sends the parameters and headers its signer sets, nor
  // an x-amz-decoded-content-length that is not a number (checked after the
  // signature, so it would fail the request for another reason).
  auto signable =
      ToSignable(head, [](std::string_view name) { return name.rfind("X-Amz-", 0) == 0; },
                 {"authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token",
                  "x-amz-decoded-content-length"});
  if (!signable) return;
  if (!FindHeader(HttpRequestHead{"", "", signable->headers}, "host")) {
    signable->headers.emplace_back("Host", "examplebucket.s3.amazonaws.com");
  }
  Credentials credentials = kCredentials;
  if (options & 0x80) credentials.session_token = "AQoDYXdzEJr//token+/=";
  SigningRequest request{signable->method, signable->path, signable->query, signable->headers,
                         std::string(kPayloads[(options & 0x7f) % std::size(kPayloads)])};
  const std::string target = TargetWithQuery(signable->path, signable->query);

  HttpRequestHead signed_head{request.method, target, request.headers};
  for (auto& h : SignV4(request, credentials, "us-east-1", "s3", kNow)) {
    signed_head.headers.push_back(std::move(h));
  }
  auto verified = VerifySigV4(signed_head, LookupSecret, kNow);
  FUZZ_CHECK_OK(verified);
  FUZZ_CHECK(!verified->presigned);
  FUZZ_CHECK(verified->payload_hash == AsciiLower(request.payload_hash));
  FUZZ_CHECK(verified->session_token == credentials.session_token);
  CheckVerified(signed_head, *verified);

  request.payload_hash = std::string(kUnsignedPayload);
  int expires = 1 + options * 2371 % kMaxPresignExpiresSeconds;
  auto query = PresignV4(request, credentials, "us-east-1", "s3", kNow, expires);
  FUZZ_CHECK_OK(query);
  HttpRequestHead presigned{request.method, signable->path + "?" + *query, request.headers};
  auto verified_query = VerifySigV4(presigned, LookupSecret, kNow);
  FUZZ_CHECK_OK(verified_query);
  FUZZ_CHECK(verified_query->presigned);
  CheckVerified(presigned, *verified_query);
}

// The head as sosd passes it, then the round trip.
void FuzzOne(const TextRequest& request) {
  auto auth = Authenticate(request.head, LookupSecret, kNow);
  if (auth.ok() && auth->sigv4) CheckVerified(request.head, *auth->sigv4);
  RoundTrip(request.head, request.options);
}

}  // namespace
}  // namespace sos::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sos::fuzz::FuzzOne(sos::fuzz::ParseTextRequest(data, size));
  return 0;
}
