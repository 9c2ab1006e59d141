// Authorizer: who may do what to a bucket or object. Every access decision of
// the S3 API is made here, so the full ACL work (explicit grants, bucket
// policies) extends this file and nothing else.
//
// The model today: the organisation (account) that owns a bucket may do
// everything in it. Anyone else — another organisation or an anonymous
// request — is allowed only what the stored ACL grants: ACLs are S3
// AccessControlPolicy documents (EncodeAccessControlPolicy) kept in the
// bucket or object record; "" means private (owner FULL_CONTROL only).
// Grants name a canonical user, the AllUsers group (anyone, anonymous too) or
// the AuthenticatedUsers group. Bucket READ allows listing, bucket WRITE
// creating/overwriting/deleting objects; object READ allows GET/HEAD; READ_ACP
// and WRITE_ACP read and replace the ACL; FULL_CONTROL implies all.
// Canned ACLs and grant headers become policies through s3core/acl.h.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "daemon/s3api/request_router.h"
#include "daemon/storage/storage_engine.h"
#include "s3core/acl.h"
#include "s3core/model.h"
#include "s3core/status.h"

namespace sos {

// Who sent the request, after authentication.
struct Principal {
  bool anonymous = true;
  std::string account_id;     // canonical ID; empty when anonymous
  std::string access_key_id;  // empty when anonymous
};

enum class Permission { kRead, kWrite, kReadAcp, kWriteAcp, kFullControl };

std::string_view PermissionName(Permission permission);  // "READ", ...

// What an operation needs before it runs.
struct AccessRule {
  enum class Kind {
    kPublic,         // anyone (health probe, CORS preflight)
    kAuthenticated,  // any authenticated principal (ListBuckets, CreateBucket)
    kBucketOwner,    // the bucket owner only (bucket configuration)
    kBucket,         // `permission` on the bucket
    kObject,         // `permission` on the object; the operation checks it once loaded
  };
  Kind kind = Kind::kBucketOwner;
  Permission permission = Permission::kFullControl;
};
AccessRule AccessRuleFor(S3Op op);

// AccessDenied unless the principal is authenticated.
Status AuthorizeAuthenticated(const Principal& principal);
// The bucket owner always; others by the bucket's ACL.
Status AuthorizeBucket(const Principal& principal, const BucketRecord& bucket,
                       Permission permission);
Status AuthorizeBucketOwner(const Principal& principal, const BucketRecord& bucket);
// The bucket owner and the object owner always; others by the object's ACL.
Status AuthorizeObject(const Principal& principal, const BucketRecord& bucket,
                       const ObjectRecord& object, Permission permission);
// An existing multipart upload may be continued (UploadPart, UploadPartCopy),
// completed, aborted or listed (ListParts) only by its initiator or the
// bucket owner: bucket WRITE lets others start uploads of their own, not take
// over someone else's. An anonymous initiator is the anonymous principal.
Status AuthorizeUpload(const Principal& principal, const BucketRecord& bucket,
                       const UploadRecord& upload);
// Whether the stored ACL `acl` (of a resource owned by `owner_id`) grants
// `permission` to the principal. The owner is granted what "" grants it.
bool AclGrants(std::string_view acl, std::string_view owner_id, const Principal& principal,
               Permission permission);

// The value to store for a canned ACL: "" for private, else the encoded policy.
std::string StoredAclForCanned(const Owner& owner, std::string_view canned_acl,
                               const Owner& bucket_owner = {});
// The value to store for a policy: "" when it grants only the owner FULL_CONTROL.
std::string StoredAcl(const AccessControlPolicy& policy);
// The policy to show for a stored ACL (decoded, or owner FULL_CONTROL for "").
AccessControlPolicy EffectivePolicy(std::string_view stored_acl, const Owner& owner);

}  // namespace sos
