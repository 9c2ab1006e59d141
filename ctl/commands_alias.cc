// alias set / ls / rm: saved endpoints (aliases.h).
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "ctl/aliases.h"
#include "ctl/commands.h"
#include "ctl/exit_code.h"

namespace sos::ctl {
namespace {

const char* GetEnv(const char* name) { return std::getenv(name); }

}  // namespace

Status AliasSet(Session& session, const std::string& name, const std::string& url,
                const std::string& profile) {
  SOS_RETURN_IF_ERROR(CheckAliasName(name));
  GlobalFlags flags;
  flags.endpoint = url;
  SOS_ASSIGN_OR_RETURN(Settings checked,
                       ResolveSettings(flags, [](const char*) -> const char* { return nullptr; }));
  std::string file = AliasFilePath(GetEnv);
  SOS_ASSIGN_OR_RETURN(AliasMap aliases, LoadAliases(file));
  aliases[name] = Alias{checked.endpoint, profile};
  SOS_RETURN_IF_ERROR(SaveAliases(file, aliases));
  session.out().Print({{"alias", name}, {"url", checked.endpoint}, {"profile", profile}},
                      "alias " + name + " -> " + checked.endpoint +
                          (profile.empty() ? "" : " (profile " + profile + ")"));
  return Status::Ok();
}

Status AliasList(Session& session) {
  SOS_ASSIGN_OR_RETURN(AliasMap aliases, LoadAliases(AliasFilePath(GetEnv)));
  nlohmann::json doc = {{"aliases", nlohmann::json::array()}};
  Table t;
  t.columns = {"ALIAS", "URL", "PROFILE"};
  for (const auto& [name, alias] : aliases) {
    doc["aliases"].push_back({{"alias", name}, {"url", alias.url}, {"profile", alias.profile}});
    t.rows.push_back({name, alias.url, alias.profile});
  }
  session.out().Print(doc, t);
  return Status::Ok();
}

Status AliasRemove(Session& session, const std::string& name) {
  std::string file = AliasFilePath(GetEnv);
  SOS_ASSIGN_OR_RETURN(AliasMap aliases, LoadAliases(file));
  if (aliases.erase(name) == 0) return Status::NotFound("no alias '" + name + "'", "NoSuchAlias");
  SOS_RETURN_IF_ERROR(SaveAliases(file, aliases));
  session.out().Print({{"alias", name}, {"removed", true}}, "removed alias " + name);
  return Status::Ok();
}

}  // namespace sos::ctl
