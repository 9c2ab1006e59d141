// acl get and acl set.
#include <optional>

#include "ctl/commands.h"
#include "ctl/exit_code.h"

namespace sos::ctl {

Status AclGet(Session& session, const std::string& text) {
  SOS_ASSIGN_OR_RETURN(S3Path path, session.ParsePath(text));
  SOS_ASSIGN_OR_RETURN(ObjectStore * store, session.Store(path));
  SOS_ASSIGN_OR_RETURN(AccessControlPolicy policy, store->GetAcl(path.bucket, path.key));
  nlohmann::json doc = PolicyJson(policy);
  doc["bucket"] = path.bucket;
  doc["key"] = path.key;
  session.out().Print(doc, PolicyTable(policy));
  return Status::Ok();
}

Status AclSet(Session& session, const AclSetArgs& args) {
  SOS_ASSIGN_OR_RETURN(S3Path path, session.ParsePath(args.path));
  if (args.canned_acl.empty() == args.grants.empty()) {
    return UsageError("acl set wants either a canned ACL or grant flags (--read ORG, ...)");
  }
  if (!args.canned_acl.empty()) {
    SOS_RETURN_IF_ERROR(CheckCannedAcl(args.canned_acl, session.out()));
  }
  SOS_ASSIGN_OR_RETURN(ObjectStore * store, session.Store(path));

  std::vector<std::string> keys;
  if (args.recursive) {
    std::vector<ObjectMeta> objects;
    SOS_RETURN_IF_ERROR(ListAllObjects(*store, path.bucket, path.key, &objects));
    for (const auto& o : objects) keys.push_back(o.key);
  } else {
    keys.push_back(path.key);
  }

  std::optional<AccessControlPolicy> policy;
  if (!args.grants.empty() && !keys.empty()) {
    // The owner comes from the current ACL; organisation names from the admin API.
    SOS_ASSIGN_OR_RETURN(AccessControlPolicy current, store->GetAcl(path.bucket, keys.front()));
    OrgResolver resolve = [&](const std::string& name) -> Result<std::string> {
      SOS_ASSIGN_OR_RETURN(AdminClient * admin, session.Admin());
      SOS_ASSIGN_OR_RETURN(nlohmann::json org, admin->GetOrg(name));
      if (!org.contains("id") || !org["id"].is_string()) {
        return Status::Corruption("the admin API returned no id for " + name);
      }
      return org["id"].get<std::string>();
    };
    SOS_ASSIGN_OR_RETURN(policy, BuildPolicy(current.owner, args.grants, resolve));
  }
  for (const auto& key : keys) {
    if (policy) {
      SOS_RETURN_IF_ERROR(store->PutAcl(path.bucket, key, *policy));
    } else {
      SOS_RETURN_IF_ERROR(store->PutCannedAcl(path.bucket, key, args.canned_acl));
    }
  }
  nlohmann::json doc = {{"bucket", path.bucket}, {"keys", keys}};
  if (policy) {
    doc["acl"] = PolicyJson(*policy);
  } else {
    doc["canned_acl"] = args.canned_acl;
  }
  std::string what = args.recursive
                         ? std::to_string(keys.size()) + " objects under " + path.ToString()
                         : path.ToString();
  session.out().Print(doc, "set the ACL of " + what);
  return Status::Ok();
}

}  // namespace sos::ctl
