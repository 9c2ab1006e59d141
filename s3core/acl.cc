#include "s3core/acl.h"

#include "s3core/http_request_head.h"

namespace sos {
namespace {

constexpr std::string_view kGrantPrefix = "x-amz-grant-";

bool IsGrantHeader(std::string_view name) {
  return name.size() > kGrantPrefix.size() &&
         EqualsIgnoreCase(name.substr(0, kGrantPrefix.size()), kGrantPrefix);
}

Result<std::string> GroupUri(std::string_view uri) {
  for (const char* known : {kAllUsersUri, kAuthenticatedUsersUri}) {
    std::string_view k(known);
    if (uri == k || uri == k.substr(k.rfind('/') + 1)) return std::string(k);
  }
  return Status::InvalidArgument("Invalid group uri: " + std::string(uri), "InvalidArgument");
}

// One `type=value` item of a grant header.
Result<Grantee> ParseGrantee(std::string_view item) {
  size_t eq = item.find('=');
  if (eq == std::string_view::npos) {
    return Status::InvalidArgument("Invalid grantee '" + std::string(item) + "': want type=value",
                                   "InvalidArgument");
  }
  std::string_view type = TrimOws(item.substr(0, eq));
  std::string_view value = TrimOws(item.substr(eq + 1));
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  if (value.empty()) {
    return Status::InvalidArgument("Empty grantee value for " + std::string(type),
                                   "InvalidArgument");
  }
  Grantee g;
  if (EqualsIgnoreCase(type, "id")) {
    g.type = Grantee::Type::kCanonicalUser;
    g.id = value;
  } else if (EqualsIgnoreCase(type, "uri")) {
    g.type = Grantee::Type::kGroup;
    SOS_ASSIGN_OR_RETURN(g.uri, GroupUri(value));
  } else if (EqualsIgnoreCase(type, "emailAddress")) {
    g.type = Grantee::Type::kEmail;
    g.email = value;
  } else {
    return Status::InvalidArgument("Invalid grantee type '" + std::string(type) + "'",
                                   "InvalidArgument");
  }
  return g;
}

}  // namespace

Status ValidateCannedAcl(std::string_view canned_acl) {
  for (std::string_view known :
       {"", "private", "public-read", "public-read-write", "authenticated-read",
        "bucket-owner-read", "bucket-owner-full-control"}) {
    if (canned_acl == known) return Status::Ok();
  }
  if (canned_acl == "aws-exec-read" || canned_acl == "log-delivery-write") {
    return Status::NotSupported("The canned ACL " + std::string(canned_acl) +
                                " is not supported by sos.");
  }
  return Status::InvalidArgument("Unknown canned ACL '" + std::string(canned_acl) + "'.",
                                 "InvalidArgument");
}

AccessControlPolicy PolicyForCannedAcl(const Owner& owner, std::string_view canned_acl,
                                       const Owner& bucket_owner) {
  AccessControlPolicy policy;
  policy.owner = owner;
  auto user = [&](const Owner& who, const char* permission) {
    Grant g;
    g.grantee.type = Grantee::Type::kCanonicalUser;
    g.grantee.id = who.id;
    g.grantee.display_name = who.display_name;
    g.permission = permission;
    policy.grants.push_back(std::move(g));
  };
  auto group = [&](const char* uri, const char* permission) {
    Grant g;
    g.grantee.type = Grantee::Type::kGroup;
    g.grantee.uri = uri;
    g.permission = permission;
    policy.grants.push_back(std::move(g));
  };
  user(owner, "FULL_CONTROL");
  if (canned_acl == "public-read") {
    group(kAllUsersUri, "READ");
  } else if (canned_acl == "public-read-write") {
    group(kAllUsersUri, "READ");
    group(kAllUsersUri, "WRITE");
  } else if (canned_acl == "authenticated-read") {
    group(kAuthenticatedUsersUri, "READ");
  } else if (!bucket_owner.id.empty() && bucket_owner.id != owner.id) {
    if (canned_acl == "bucket-owner-read") user(bucket_owner, "READ");
    if (canned_acl == "bucket-owner-full-control") user(bucket_owner, "FULL_CONTROL");
  }
  return policy;
}

bool HasGrantHeaders(const std::vector<std::pair<std::string, std::string>>& headers) {
  for (const auto& [name, value] : headers) {
    if (IsGrantHeader(name)) return true;
  }
  return false;
}

Result<std::vector<Grant>> ParseGrantHeaders(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  for (const auto& [name, value] : headers) {
    if (!IsGrantHeader(name)) continue;
    bool known = false;
    for (const auto& [header, permission] : kGrantHeaders) known |= EqualsIgnoreCase(name, header);
    if (!known) {
      return Status::InvalidArgument("Unknown grant header " + name, "InvalidArgument");
    }
  }
  std::vector<Grant> grants;
  for (const auto& [header, permission] : kGrantHeaders) {
    for (const auto& [name, value] : headers) {
      if (!EqualsIgnoreCase(name, header)) continue;
      // Items are separated by commas outside quotes.
      std::string_view rest = value;
      bool any = false;
      while (true) {
        size_t end = 0;
        bool quoted = false;
        while (end < rest.size() && (quoted || rest[end] != ',')) {
          if (rest[end] == '"') quoted = !quoted;
          ++end;
        }
        std::string_view item = TrimOws(rest.substr(0, end));
        if (!item.empty()) {
          SOS_ASSIGN_OR_RETURN(Grantee grantee, ParseGrantee(item));
          grants.push_back(Grant{std::move(grantee), std::string(permission)});
          any = true;
        }
        if (end >= rest.size()) break;
        rest.remove_prefix(end + 1);
      }
      if (!any) {
        return Status::InvalidArgument("Empty " + std::string(header) + " header",
                                       "InvalidArgument");
      }
    }
  }
  return grants;
}

void EnsureOwnerFullControl(AccessControlPolicy& policy) {
  for (const Grant& g : policy.grants) {
    if (g.grantee.type == Grantee::Type::kCanonicalUser && g.grantee.id == policy.owner.id &&
        g.permission == "FULL_CONTROL") {
      return;
    }
  }
  Grant owner;
  owner.grantee.type = Grantee::Type::kCanonicalUser;
  owner.grantee.id = policy.owner.id;
  owner.grantee.display_name = policy.owner.display_name;
  owner.permission = "FULL_CONTROL";
  policy.grants.insert(policy.grants.begin(), std::move(owner));
}

AccessControlPolicy PolicyFromGrants(const Owner& owner, std::vector<Grant> grants) {
  AccessControlPolicy policy = PolicyForCannedAcl(owner, "private");
  for (Grant& g : grants) {
    bool owner_full = g.grantee.type == Grantee::Type::kCanonicalUser && g.grantee.id == owner.id &&
                      g.permission == "FULL_CONTROL";
    if (!owner_full) policy.grants.push_back(std::move(g));
  }
  return policy;
}

bool GrantsPublicWrite(const AccessControlPolicy& policy) {
  for (const Grant& g : policy.grants) {
    if (g.grantee.type == Grantee::Type::kGroup && g.grantee.uri == kAllUsersUri &&
        (g.permission == "WRITE" || g.permission == "FULL_CONTROL")) {
      return true;
    }
  }
  return false;
}

}  // namespace sos
