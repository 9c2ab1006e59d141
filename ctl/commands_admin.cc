// org create|list|rm and key create|list|revoke, on sosd's admin API.
#include "ctl/commands.h"

namespace sos::ctl {
namespace {

std::string Str(const nlohmann::json& doc, const char* name) {
  auto it = doc.find(name);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Status OrgCreate(Session& session, const std::string& name) {
  SOS_ASSIGN_OR_RETURN(AdminClient * admin, session.Admin());
  SOS_ASSIGN_OR_RETURN(nlohmann::json org, admin->CreateOrg(name));
  Table t;
  for (const char* field : {"id", "name", "created", "access_key_id", "secret_access_key"}) {
    t.rows.push_back({field, Str(org, field)});
  }
  session.out().Print(org, t);
  if (!session.out().json()) session.out().Warn("the secret key is shown only once: store it now");
  return Status::Ok();
}

Status OrgList(Session& session) {
  SOS_ASSIGN_OR_RETURN(AdminClient * admin, session.Admin());
  SOS_ASSIGN_OR_RETURN(nlohmann::json doc, admin->ListOrgs());
  Table t;
  t.columns = {"NAME", "ID", "CREATED"};
  if (doc.contains("orgs") && doc["orgs"].is_array()) {
    for (const auto& org : doc["orgs"]) {
      t.rows.push_back({Str(org, "name"), Str(org, "id"), Str(org, "created")});
    }
  }
  session.out().Print(doc, t);
  return Status::Ok();
}

Status OrgRemove(Session& session, const std::string& org) {
  SOS_ASSIGN_OR_RETURN(AdminClient * admin, session.Admin());
  SOS_RETURN_IF_ERROR(admin->DeleteOrg(org));
  session.out().Print({{"org", org}, {"removed", true}}, "removed organisation " + org);
  return Status::Ok();
}

Status KeyCreate(Session& session, const std::string& org) {
  SOS_ASSIGN_OR_RETURN(AdminClient * admin, session.Admin());
  SOS_ASSIGN_OR_RETURN(nlohmann::json key, admin->CreateKey(org));
  Table t;
  for (const char* field : {"org_id", "access_key_id", "secret_access_key"}) {
    t.rows.push_back({field, Str(key, field)});
  }
  session.out().Print(key, t);
  if (!session.out().json()) session.out().Warn("the secret key is shown only once: store it now");
  return Status::Ok();
}

Status KeyList(Session& session, const std::string& org) {
  SOS_ASSIGN_OR_RETURN(AdminClient * admin, session.Admin());
  SOS_ASSIGN_OR_RETURN(nlohmann::json doc, admin->ListKeys(org));
  Table t;
  t.columns = {"ACCESS KEY", "CREATED"};
  if (doc.contains("keys") && doc["keys"].is_array()) {
    for (const auto& key : doc["keys"]) {
      t.rows.push_back({Str(key, "access_key_id"), Str(key, "created")});
    }
  }
  session.out().Print(doc, t);
  return Status::Ok();
}

Status KeyRevoke(Session& session, const std::string& access_key_id) {
  SOS_ASSIGN_OR_RETURN(AdminClient * admin, session.Admin());
  SOS_RETURN_IF_ERROR(admin->RevokeKey(access_key_id));
  session.out().Print({{"access_key_id", access_key_id}, {"revoked", true}},
                      "revoked key " + access_key_id);
  return Status::Ok();
}

}  // namespace sos::ctl
