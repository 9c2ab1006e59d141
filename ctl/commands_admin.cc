// admin info|scrub|heal, org create|list|rm and key create|list|revoke, on
// sosd's admin API.
#include <chrono>
#include <cstdio>
#include <thread>

#include "ctl/commands.h"

namespace sos::ctl {
namespace {

std::string Str(const nlohmann::json& doc, const char* name) {
  auto it = doc.find(name);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
}

uint64_t Num(const nlohmann::json& doc, const char* name) {
  auto it = doc.find(name);
  return it != doc.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

std::string Gib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f GiB", static_cast<double>(bytes) / (1 << 30));
  return buf;
}

// The store's document as a table: state and reasons, drives, counts, scrubber.
void PrintStore(Session& session, const nlohmann::json& doc) {
  Table t;
  t.rows.push_back({"state", Str(doc, "state")});
  if (doc.contains("reasons") && doc["reasons"].is_array()) {
    for (const auto& r : doc["reasons"])
      t.rows.push_back({"", r.is_string() ? r.get<std::string>() : ""});
  }
  if (doc.contains("drives") && doc["drives"].is_array()) {
    for (const auto& d : doc["drives"]) {
      const bool ok = d.value("ok", false);
      std::string line =
          std::string(ok ? (d.value("full", false) ? "full" : "ok") : "FAILED") + ", " +
          Gib(Num(d, "free_bytes")) + " free of " + Gib(Num(d, "total_bytes")) + ", read faults " +
          std::to_string(Num(d, "read_faults")) + ", write faults " +
          std::to_string(Num(d, "write_faults")) + ", repairs " + std::to_string(Num(d, "repairs"));
      if (!ok) line += ": " + Str(d, "error");
      t.rows.push_back({"drive " + Str(d, "path"), line});
    }
  }
  t.rows.push_back({"objects", std::to_string(Num(doc, "objects"))});
  t.rows.push_back({"bytes", std::to_string(Num(doc, "bytes"))});
  t.rows.push_back({"under-replicated", std::to_string(Num(doc, "under_replicated"))});
  const nlohmann::json scrub = doc.value("scrub", nlohmann::json::object());
  t.rows.push_back({"scrub", scrub.value("running", false)
                                 ? "running: " + std::to_string(Num(scrub, "blobs_done")) + " of " +
                                       std::to_string(Num(scrub, "blobs_total")) + " blobs"
                                 : "idle"});
  const std::string last = Str(scrub, "last_pass_completed");
  t.rows.push_back({"last scrub", last.empty()
                                      ? "never"
                                      : last + " (" + std::to_string(Num(scrub, "faults_total")) +
                                            " bad replicas found in all)"});
  session.out().Print(doc, t);
}

}  // namespace

Status AdminInfo(Session& session) {
  SOS_ASSIGN_OR_RETURN(AdminClient * admin, session.Admin());
  SOS_ASSIGN_OR_RETURN(nlohmann::json doc, admin->StoreInfo());
  PrintStore(session, doc);
  return Status::Ok();
}

Status AdminScrub(Session& session, bool now) {
  SOS_ASSIGN_OR_RETURN(AdminClient * admin, session.Admin());
  SOS_ASSIGN_OR_RETURN(nlohmann::json doc, admin->Scrub(now));
  if (now) {
    // Done once the scrubber has completed the pass sosd said was ours.
    const uint64_t done = Num(doc, "scrub_done_at_passes");
    while (Num(doc["scrub"], "passes_completed") < done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      SOS_ASSIGN_OR_RETURN(doc, admin->StoreInfo());
    }
  }
  PrintStore(session, doc);
  return Status::Ok();
}

Status AdminHeal(Session& session) {
  SOS_ASSIGN_OR_RETURN(AdminClient * admin, session.Admin());
  SOS_ASSIGN_OR_RETURN(nlohmann::json doc, admin->Heal());
  PrintStore(session, doc);
  return Status::Ok();
}

Status AdminObject(Session& session, const std::string& text) {
  SOS_ASSIGN_OR_RETURN(S3Path path, ParseObjectPath(session, text));
  SOS_ASSIGN_OR_RETURN(AdminClient * admin, session.Admin(path.alias));
  SOS_ASSIGN_OR_RETURN(nlohmann::json doc, admin->ObjectReplicas(path.bucket, path.key));
  Table t;
  t.rows.push_back({"object", path.ToString()});
  t.rows.push_back({"size", std::to_string(Num(doc, "size"))});
  t.rows.push_back({"copies", std::to_string(Num(doc, "copies"))});
  const std::string verified = Str(doc, "last_verified");
  t.rows.push_back({"last verified", verified.empty() ? "not yet" : verified});
  if (doc.contains("blobs") && doc["blobs"].is_array()) {
    for (const auto& b : doc["blobs"]) {
      std::string drives;
      if (b.contains("drives") && b["drives"].is_array()) {
        for (const auto& d : b["drives"]) drives += (drives.empty() ? "" : ", ") + d.get<std::string>();
      }
      const std::string when = Str(b, "last_verified");
      t.rows.push_back({"blob " + Str(b, "id"),
                        "on " + (drives.empty() ? std::string("no drive") : drives) +
                            "; verified " + (when.empty() ? "not yet" : when)});
    }
  }
  session.out().Print(doc, t);
  return Status::Ok();
}

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
