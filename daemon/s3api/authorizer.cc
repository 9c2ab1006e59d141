#include "daemon/s3api/authorizer.h"

#include <memory>
#include <unordered_map>

#include "s3core/xml_codec.h"

namespace sos {
namespace {

Status Denied() { return Status::PermissionDenied("Access Denied"); }

bool Implies(std::string_view granted, Permission wanted) {
  if (granted == "FULL_CONTROL") return true;
  return granted == PermissionName(wanted);
}

bool GranteeMatches(const Grantee& grantee, const Principal& principal) {
  switch (grantee.type) {
    case Grantee::Type::kCanonicalUser:
      return !principal.anonymous && grantee.id == principal.account_id;
    case Grantee::Type::kGroup:
      if (grantee.uri == kAllUsersUri) return true;
      if (grantee.uri == kAuthenticatedUsersUri) return !principal.anonymous;
      return false;
    case Grantee::Type::kEmail:
      return false;  // sosd accounts have no e-mail addresses
  }
  return false;
}

}  // namespace

std::string_view PermissionName(Permission permission) {
  switch (permission) {
    case Permission::kRead:
      return "READ";
    case Permission::kWrite:
      return "WRITE";
    case Permission::kReadAcp:
      return "READ_ACP";
    case Permission::kWriteAcp:
      return "WRITE_ACP";
    case Permission::kFullControl:
      return "FULL_CONTROL";
  }
  return "FULL_CONTROL";
}

AccessRule AccessRuleFor(S3Op op) {
  using K = AccessRule::Kind;
  using P = Permission;
  switch (op) {
    case S3Op::kHealth:
    case S3Op::kReady:
    case S3Op::kMetrics:  // S3Service checks its own rule (S3ServiceOptions::metrics_root_only)
    case S3Op::kAdmin:    // the admin API authorizes (root only) itself
    case S3Op::kConsole:  // static files; the browser signs every S3 call itself
    case S3Op::kPreflight:
    case S3Op::kNotImplemented:
    case S3Op::kMethodNotAllowed:
      return {K::kPublic, P::kRead};
    case S3Op::kListBuckets:
    case S3Op::kCreateBucket:
      return {K::kAuthenticated, P::kFullControl};
    case S3Op::kHeadBucket:
    case S3Op::kListObjects:
    case S3Op::kListObjectsV2:
    case S3Op::kListObjectVersions:
    case S3Op::kListMultipartUploads:
      return {K::kBucket, P::kRead};
    case S3Op::kGetBucketAcl:
      return {K::kBucket, P::kReadAcp};
    case S3Op::kPutBucketAcl:
      return {K::kBucket, P::kWriteAcp};
    case S3Op::kPutObject:
    case S3Op::kCopyObject:  // plus READ on the source object, checked by the operation
    case S3Op::kDeleteObject:
    case S3Op::kDeleteObjects:
    case S3Op::kCreateMultipartUpload:
    case S3Op::kUploadPart:
    case S3Op::kUploadPartCopy:
    case S3Op::kCompleteMultipartUpload:
    case S3Op::kAbortMultipartUpload:
    case S3Op::kListParts:
      return {K::kBucket, P::kWrite};
    case S3Op::kGetObject:
    case S3Op::kHeadObject:
    case S3Op::kGetObjectAttributes:
      return {K::kObject, P::kRead};
    case S3Op::kGetObjectAcl:
    case S3Op::kGetObjectTagging:  // tags describe the object, as its ACL does
      return {K::kObject, P::kReadAcp};
    case S3Op::kPutObjectAcl:
    case S3Op::kPutObjectTagging:
    case S3Op::kDeleteObjectTagging:
      return {K::kObject, P::kWriteAcp};
    case S3Op::kDeleteBucket:
    case S3Op::kGetBucketLocation:
    case S3Op::kGetBucketVersioning:
    case S3Op::kPutBucketVersioning:
    case S3Op::kGetObjectLockConfiguration:
    case S3Op::kPutObjectLockConfiguration:
    case S3Op::kGetObjectRetention:
    case S3Op::kPutObjectRetention:
    case S3Op::kGetObjectLegalHold:
    case S3Op::kPutObjectLegalHold:
    case S3Op::kGetBucketCors:
    case S3Op::kPutBucketCors:
    case S3Op::kDeleteBucketCors:
    case S3Op::kGetBucketLifecycle:
    case S3Op::kPutBucketLifecycle:
    case S3Op::kDeleteBucketLifecycle:
    case S3Op::kGetBucketEmptyConfig:
      return {K::kBucketOwner, P::kFullControl};
  }
  return {K::kBucketOwner, P::kFullControl};
}

Status AuthorizeAuthenticated(const Principal& principal) {
  return principal.anonymous ? Denied() : Status::Ok();
}

namespace {

// The decoded form of a stored ACL. A connection thread checks the same few
// ACLs again and again (a bucket's public-read objects share one), and the
// XML parse is a large share of a small public GET: keep the last ones per
// thread. Bounded; nullptr for an unreadable ACL.
std::shared_ptr<const AccessControlPolicy> DecodedAcl(std::string_view acl) {
  constexpr size_t kMaxCached = 32;
  thread_local std::unordered_map<std::string, std::shared_ptr<const AccessControlPolicy>> cache;
  std::string key(acl);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  auto policy = DecodeAccessControlPolicy(acl);
  std::shared_ptr<const AccessControlPolicy> decoded;
  if (policy.ok()) decoded = std::make_shared<const AccessControlPolicy>(std::move(*policy));
  if (cache.size() >= kMaxCached) cache.clear();
  cache.emplace(std::move(key), decoded);
  return decoded;
}

}  // namespace

bool AclGrants(std::string_view acl, std::string_view owner_id, const Principal& principal,
               Permission permission) {
  if (!principal.anonymous && principal.account_id == owner_id) return true;
  if (acl.empty()) return false;
  auto policy = DecodedAcl(acl);
  if (!policy) return false;  // unreadable ACL: grant nothing beyond the owner
  for (const auto& grant : policy->grants) {
    if (GranteeMatches(grant.grantee, principal) && Implies(grant.permission, permission)) {
      return true;
    }
  }
  return false;
}

Status AuthorizeBucket(const Principal& principal, const BucketRecord& bucket,
                       Permission permission) {
  return AclGrants(bucket.acl, bucket.owner_id, principal, permission) ? Status::Ok() : Denied();
}

Status AuthorizeBucketOwner(const Principal& principal, const BucketRecord& bucket) {
  return !principal.anonymous && principal.account_id == bucket.owner_id ? Status::Ok() : Denied();
}

Status AuthorizeObject(const Principal& principal, const BucketRecord& bucket,
                       const ObjectRecord& object, Permission permission) {
  if (!principal.anonymous && principal.account_id == bucket.owner_id) return Status::Ok();
  return AclGrants(object.acl, object.owner_id, principal, permission) ? Status::Ok() : Denied();
}

Status AuthorizeUpload(const Principal& principal, const BucketRecord& bucket,
                       const UploadRecord& upload) {
  if (AuthorizeBucketOwner(principal, bucket).ok()) return Status::Ok();
  const std::string& initiator = upload.object.owner_id;
  bool is_initiator = principal.anonymous ? initiator.empty()
                                          : !initiator.empty() && initiator == principal.account_id;
  return is_initiator ? Status::Ok() : Denied();
}

std::string StoredAclForCanned(const Owner& owner, std::string_view canned_acl,
                               const Owner& bucket_owner) {
  return StoredAcl(PolicyForCannedAcl(owner, canned_acl, bucket_owner));
}

std::string StoredAcl(const AccessControlPolicy& policy) {
  bool private_acl = policy.grants.size() == 1 &&
                     policy.grants[0].grantee.type == Grantee::Type::kCanonicalUser &&
                     policy.grants[0].grantee.id == policy.owner.id &&
                     policy.grants[0].permission == "FULL_CONTROL";
  return private_acl ? std::string() : EncodeAccessControlPolicy(policy);
}

AccessControlPolicy EffectivePolicy(std::string_view stored_acl, const Owner& owner) {
  if (!stored_acl.empty()) {
    auto policy = DecodeAccessControlPolicy(stored_acl);
    if (policy.ok()) {
      // Display names may have changed since the ACL was written.
      if (policy->owner.id == owner.id) policy->owner.display_name = owner.display_name;
      return *std::move(policy);
    }
  }
  return PolicyForCannedAcl(owner, "private");
}

}  // namespace sos
