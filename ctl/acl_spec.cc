#include "ctl/acl_spec.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "ctl/exit_code.h"

namespace sos::ctl {
namespace {

constexpr std::array<std::string_view, 6> kCannedAcls = {
    "private",           "public-read",
    "public-read-write", "authenticated-read",
    "bucket-owner-read", "bucket-owner-full-control"};

bool IsCanonicalId(const std::string& text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string GranteeName(const Grantee& g) {
  switch (g.type) {
    case Grantee::Type::kGroup:
      if (g.uri == kAllUsersUri) return "all-users";
      if (g.uri == kAuthenticatedUsersUri) return "authenticated-users";
      return g.uri;
    case Grantee::Type::kEmail:
      return g.email;
    case Grantee::Type::kCanonicalUser:
      break;
  }
  return g.id;
}

const char* GranteeType(const Grantee& g) {
  switch (g.type) {
    case Grantee::Type::kGroup:
      return "group";
    case Grantee::Type::kEmail:
      return "email";
    case Grantee::Type::kCanonicalUser:
      break;
  }
  return "org";
}

}  // namespace

Status ValidateCannedAcl(const std::string& canned) {
  if (std::find(kCannedAcls.begin(), kCannedAcls.end(), canned) != kCannedAcls.end()) {
    return Status::Ok();
  }
  std::string list;
  for (auto name : kCannedAcls) list += (list.empty() ? "" : ", ") + std::string(name);
  return UsageError("unknown canned ACL '" + canned + "' (one of: " + list + ")");
}

bool IsDangerousCannedAcl(const std::string& canned) { return canned == "public-read-write"; }

Status CheckCannedAcl(const std::string& canned, Output& out) {
  SOS_RETURN_IF_ERROR(ValidateCannedAcl(canned));
  if (IsDangerousCannedAcl(canned)) {
    out.Warn(canned + " is not recommended: anyone can overwrite and delete");
  }
  return Status::Ok();
}

Result<Grantee> ParseGrantee(const std::string& text, const OrgResolver& resolve) {
  Grantee g;
  if (text == "all-users" || text == "AllUsers" || text == kAllUsersUri) {
    g.type = Grantee::Type::kGroup;
    g.uri = kAllUsersUri;
    return g;
  }
  if (text == "authenticated-users" || text == "AuthenticatedUsers" ||
      text == kAuthenticatedUsersUri) {
    g.type = Grantee::Type::kGroup;
    g.uri = kAuthenticatedUsersUri;
    return g;
  }
  if (text.empty()) return UsageError("empty grantee");
  g.type = Grantee::Type::kCanonicalUser;
  if (IsCanonicalId(text)) {
    g.id = text;
    return g;
  }
  if (!resolve) return UsageError("'" + text + "' is not a canonical ID (64 hex digits)");
  auto id = resolve(text);
  if (!id.ok()) return id.status();
  g.id = *id;
  return g;
}

Result<AccessControlPolicy> BuildPolicy(const Owner& owner, const std::vector<GrantSpec>& grants,
                                        const OrgResolver& resolve) {
  AccessControlPolicy policy;
  policy.owner = owner;
  Grant full;
  full.grantee.type = Grantee::Type::kCanonicalUser;
  full.grantee.id = owner.id;
  full.permission = "FULL_CONTROL";
  policy.grants.push_back(full);
  for (const auto& spec : grants) {
    SOS_ASSIGN_OR_RETURN(Grantee grantee, ParseGrantee(spec.grantee, resolve));
    bool duplicate = std::any_of(policy.grants.begin(), policy.grants.end(), [&](const Grant& g) {
      return g.permission == spec.permission && g.grantee.type == grantee.type &&
             g.grantee.id == grantee.id && g.grantee.uri == grantee.uri;
    });
    if (duplicate) continue;
    Grant grant;
    grant.grantee = std::move(grantee);
    grant.permission = spec.permission;
    policy.grants.push_back(std::move(grant));
  }
  return policy;
}

nlohmann::json PolicyJson(const AccessControlPolicy& policy) {
  nlohmann::json grants = nlohmann::json::array();
  for (const auto& g : policy.grants) {
    nlohmann::json j = {{"grantee", GranteeName(g.grantee)},
                        {"type", GranteeType(g.grantee)},
                        {"permission", g.permission}};
    if (!g.grantee.display_name.empty()) j["display_name"] = g.grantee.display_name;
    grants.push_back(std::move(j));
  }
  return {{"owner", {{"id", policy.owner.id}, {"display_name", policy.owner.display_name}}},
          {"grants", std::move(grants)}};
}

Table PolicyTable(const AccessControlPolicy& policy) {
  Table t;
  t.columns = {"GRANTEE", "TYPE", "PERMISSION"};
  for (const auto& g : policy.grants) {
    std::string name = GranteeName(g.grantee);
    if (!g.grantee.display_name.empty()) name += " (" + g.grantee.display_name + ")";
    t.rows.push_back({name, GranteeType(g.grantee), g.permission});
  }
  return t;
}

}  // namespace sos::ctl
