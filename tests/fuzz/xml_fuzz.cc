// Fuzzes the XML decoders of s3core/xml_codec.h with one document per input.
//
// Every input goes to every decoder. For the request bodies sosd parses
// (CompleteMultipartUpload, Delete, AccessControlPolicy, CORSConfiguration,
// CreateBucketConfiguration, VersioningConfiguration, ObjectLockConfiguration,
// Retention, LegalHold) whatever decodes must
// keep the documented limits and survive a round trip: its encoding decodes
// again, to a value that encodes to the same bytes. The response documents a
// client decodes must merely fail cleanly on bad input.
#include <cstdint>
#include <string>

#include "s3core/xml_codec.h"
#include "tests/fuzz/fuzz_util.h"

namespace sos::fuzz {
namespace {

// Decode(Encode(v)) must succeed and encode to Encode(v) again.
template <typename T, typename Encode, typename Decode>
void CheckRoundTrip(const T& value, Encode encode, Decode decode) {
  const std::string encoded = encode(value);
  auto again = decode(encoded);
  FUZZ_CHECK_OK(again);
  FUZZ_CHECK(encode(*again) == encoded);
}

void RequestDocuments(std::string_view xml) {
  auto decode_parts = [](std::string_view x) { return DecodeCompleteMultipartUpload(x); };
  if (auto parts = decode_parts(xml); parts.ok()) {
    FUZZ_CHECK(!parts->empty());
    for (const CompletedPart& p : *parts) FUZZ_CHECK(p.part_number >= 0 && !p.etag.empty());
    CheckRoundTrip(*parts, EncodeCompleteMultipartUpload, decode_parts);
  }
  auto decode_delete = [](std::string_view x) { return DecodeDeleteRequest(x); };
  if (auto request = decode_delete(xml); request.ok()) {
    FUZZ_CHECK(!request->objects.empty() && request->objects.size() <= kMaxDeleteKeys);
    for (const DeleteObjectXml& o : request->objects) FUZZ_CHECK(!o.key.empty());
    CheckRoundTrip(*request, EncodeDeleteRequest, decode_delete);
  }
  auto decode_acl = [](std::string_view x) { return DecodeAccessControlPolicy(x); };
  if (auto policy = decode_acl(xml); policy.ok()) {
    FUZZ_CHECK(!policy->owner.id.empty());
    CheckRoundTrip(*policy, EncodeAccessControlPolicy, decode_acl);
  } else {
    FUZZ_CHECK(policy.status().s3_code() == "MalformedACLError");
  }
  auto decode_cors = [](std::string_view x) { return DecodeCorsConfiguration(x); };
  if (auto cors = decode_cors(xml); cors.ok()) {
    FUZZ_CHECK(!cors->rules.empty() && cors->rules.size() <= kMaxCorsRules);
    for (const CorsRule& r : cors->rules) {
      FUZZ_CHECK(!r.allowed_origins.empty() && !r.allowed_methods.empty());
      FUZZ_CHECK(!r.max_age_seconds || *r.max_age_seconds >= 0);
    }
    CheckRoundTrip(*cors, EncodeCorsConfiguration, decode_cors);
  }
  auto decode_location = [](std::string_view x) { return DecodeCreateBucketConfiguration(x); };
  if (auto location = decode_location(xml); location.ok()) {
    CheckRoundTrip(*location, EncodeCreateBucketConfiguration, decode_location);
  }
  auto decode_versioning = [](std::string_view x) { return DecodeVersioningConfiguration(x); };
  if (auto versioning = decode_versioning(xml); versioning.ok()) {
    CheckRoundTrip(*versioning, EncodeVersioningConfiguration, decode_versioning);
  }
  auto decode_lock = [](std::string_view x) { return DecodeObjectLockConfiguration(x); };
  if (auto lock = decode_lock(xml); lock.ok()) {
    FUZZ_CHECK(lock->mode.empty() || ((lock->days > 0) != (lock->years > 0)));
    FUZZ_CHECK(lock->days <= 36500 && lock->years <= 100);
    CheckRoundTrip(*lock, EncodeObjectLockConfiguration, decode_lock);
  }
  auto decode_retention = [](std::string_view x) { return DecodeRetention(x); };
  if (auto retention = decode_retention(xml); retention.ok()) {
    FUZZ_CHECK(retention->mode.empty() || ValidLockMode(retention->mode));
    CheckRoundTrip(*retention, EncodeRetention, decode_retention);
  }
  auto decode_hold = [](std::string_view x) { return DecodeLegalHold(x); };
  if (auto hold = decode_hold(xml); hold.ok()) {
    CheckRoundTrip(*hold, EncodeLegalHold, decode_hold);
  }
}

void ResponseDocuments(std::string_view xml) {
  (void)DecodeListAllMyBucketsResult(xml);
  (void)DecodeLocationConstraint(xml);
  (void)DecodeListBucketResult(xml);
  (void)DecodeListVersionsResult(xml);
  (void)DecodeInitiateMultipartUploadResult(xml);
  (void)DecodeCompleteMultipartUploadResult(xml);
  (void)DecodeListPartsResult(xml);
  (void)DecodeListMultipartUploadsResult(xml);
  (void)DecodeCopyObjectResult(xml);
  (void)DecodeCopyPartResult(xml);
  (void)DecodeDeleteResult(xml);
  (void)DecodeError(xml);
}

}  // namespace
}  // namespace sos::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view xml = sos::fuzz::FuzzInput(data, size);
  sos::fuzz::RequestDocuments(xml);
  sos::fuzz::ResponseDocuments(xml);
  return 0;
}
