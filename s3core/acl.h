// S3 access control lists as the protocol spells them: canned ACL names
// (x-amz-acl), the explicit grant headers (x-amz-grant-read, -write,
// -read-acp, -write-acp, -full-control) and the AccessControlPolicy they
// become. The one mapping shared by sosd's authorizer and MemoryObjectStore.
//
// Contract: a policy made here always names the owner and grants it
// FULL_CONTROL first; grant headers add their grantees in header order
// (full-control, read, write, read-acp, write-acp). Canonical IDs and e-mail
// addresses are parsed, not resolved: the caller checks that the IDs exist
// and decides about e-mail grantees. Group URIs may be given in full or as
// their last path element ("AllUsers", "AuthenticatedUsers").
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s3core/model.h"
#include "s3core/status.h"

namespace sos {

// "" (= private), "private", "public-read", "public-read-write",
// "authenticated-read", "bucket-owner-read", "bucket-owner-full-control".
// aws-exec-read and log-delivery-write are NotSupported (they name AWS
// services); anything else is InvalidArgument.
Status ValidateCannedAcl(std::string_view canned_acl);

// Owner FULL_CONTROL plus what the canned ACL grants. `bucket_owner` matters
// for the bucket-owner-* ACLs of objects written by someone else.
AccessControlPolicy PolicyForCannedAcl(const Owner& owner, std::string_view canned_acl,
                                       const Owner& bucket_owner = {});

// The x-amz-grant-* header names and the permission each grants.
inline constexpr std::pair<std::string_view, std::string_view> kGrantHeaders[] = {
    {"x-amz-grant-full-control", "FULL_CONTROL"},
    {"x-amz-grant-read", "READ"},
    {"x-amz-grant-write", "WRITE"},
    {"x-amz-grant-read-acp", "READ_ACP"},
    {"x-amz-grant-write-acp", "WRITE_ACP"},
};

// True if any x-amz-grant-* header is present (names any case).
bool HasGrantHeaders(const std::vector<std::pair<std::string, std::string>>& headers);

// The grants of the x-amz-grant-* headers: each value is a comma-separated
// list of `id="..."`, `uri="..."` or `emailAddress="..."` (quotes optional).
// InvalidArgument for an unknown header of the family, an unknown grantee
// type, an empty value or an unknown group URI.
Result<std::vector<Grant>> ParseGrantHeaders(
    const std::vector<std::pair<std::string, std::string>>& headers);

// Owner FULL_CONTROL followed by `grants` (a FULL_CONTROL grant to the owner
// among them is not repeated).
AccessControlPolicy PolicyFromGrants(const Owner& owner, std::vector<Grant> grants);

// Adds the owner's FULL_CONTROL grant (first) unless the policy has it.
void EnsureOwnerFullControl(AccessControlPolicy& policy);

// True if the policy lets anyone (AllUsers) write: WRITE or FULL_CONTROL.
bool GrantsPublicWrite(const AccessControlPolicy& policy);

}  // namespace sos
