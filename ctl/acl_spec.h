// AclSpec: what `sosctl acl set` asks for, and the AccessControlPolicy or
// canned ACL it becomes.
//
// Either one canned ACL (private, public-read, public-read-write,
// authenticated-read, bucket-owner-read, bucket-owner-full-control) or a list
// of grants, never both. A grant names a grantee as an organisation's
// canonical ID (64 hex digits), a group ("all-users", "authenticated-users"),
// or an organisation name that the caller resolves to its ID (sosd's admin
// API). Grants replace the ACL: the owner keeps FULL_CONTROL, plus the grants.
// Pure functions; thread-safe.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ctl/output.h"
#include "s3core/model.h"
#include "s3core/status.h"

namespace sos::ctl {

struct GrantSpec {
  std::string permission;  // READ, WRITE, READ_ACP, WRITE_ACP, FULL_CONTROL
  std::string grantee;     // as typed
};

// Usage error unless `canned` is one of S3's canned ACLs.
Status ValidateCannedAcl(const std::string& canned);
// True for public-read-write, which deserves a warning.
bool IsDangerousCannedAcl(const std::string& canned);
// ValidateCannedAcl, then the warning on `out` for a dangerous one.
Status CheckCannedAcl(const std::string& canned, Output& out);

// Resolves an organisation name to its canonical ID (sosd's admin API).
using OrgResolver = std::function<Result<std::string>(const std::string& name)>;

// One grantee as typed; `resolve` is only called for organisation names.
Result<Grantee> ParseGrantee(const std::string& text, const OrgResolver& resolve);

// The full policy: owner FULL_CONTROL, then each grant in order.
Result<AccessControlPolicy> BuildPolicy(const Owner& owner, const std::vector<GrantSpec>& grants,
                                        const OrgResolver& resolve);

// The policy as JSON ({"owner": {...}, "grants": [{"grantee", "type", "permission"}]})
// and as a table (GRANTEE, TYPE, PERMISSION).
nlohmann::json PolicyJson(const AccessControlPolicy& policy);
Table PolicyTable(const AccessControlPolicy& policy);

}  // namespace sos::ctl
