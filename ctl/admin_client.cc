#include "ctl/admin_client.h"

#include <optional>

#include "ctl/exit_code.h"
#include "s3core/admin_api.h"
#include "s3core/s3_error_map.h"

namespace sos::ctl {
namespace {

S3ClientOptions PathStyle(S3ClientOptions options) {
  options.path_style = true;
  return options;
}

// One path segment of a user-given name, kept from adding segments.
Result<std::string> Segment(const std::string& name, const char* what) {
  if (name.empty() || name.find('/') != std::string::npos) {
    return UsageError(std::string("invalid ") + what + " '" + name + "'");
  }
  return name;
}

}  // namespace

AdminClient::AdminClient(S3ClientOptions options) : client_(PathStyle(std::move(options))) {}

Status AdminClient::StatusFromAdminResponse(long http_status, const std::string& body) {
  std::string code, message;
  auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_object()) {
    if (doc.contains("code") && doc["code"].is_string()) code = doc["code"];
    if (doc.contains("message") && doc["message"].is_string()) message = doc["message"];
  }
  if (code.empty() && http_status == 404) {
    message = "not found (does this sosd have the admin API?)";
  }
  return StatusFromS3Error(http_status, code, message);
}

Result<nlohmann::json> AdminClient::Call(const std::string& method, const std::string& path,
                                         const nlohmann::json* body, const HeaderList& query) {
  // "/-/admin/orgs" is bucket "-" and key "admin/orgs" in path style.
  std::string full = std::string(admin::kPathPrefix) + path;  // "/-/admin/..."
  S3Request r;
  r.method = method;
  r.bucket = "-";
  r.key = full.substr(3);
  r.query = query;
  std::string text;
  std::optional<StringViewSource> source;
  if (body) {
    text = body->dump();
    source.emplace(text);
    r.body = &*source;
    r.headers.emplace_back("content-type", "application/json");
  }
  S3Response error;
  r.error_response = &error;
  auto resp = client_.Execute(r);
  if (!resp.ok()) {
    if (error.status == 0) return resp.status();  // transport error: nothing answered
    return StatusFromAdminResponse(error.status, error.body);
  }
  if (resp->body.empty()) return nlohmann::json::object();
  auto doc = nlohmann::json::parse(resp->body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::Corruption("the admin API answered with invalid JSON");
  return doc;
}

Result<nlohmann::json> AdminClient::CreateOrg(const std::string& name) {
  SOS_ASSIGN_OR_RETURN(std::string n, Segment(name, "organisation name"));
  nlohmann::json body = {{"name", n}};
  return Call("POST", "orgs", &body);
}

Result<nlohmann::json> AdminClient::ListOrgs() { return Call("GET", "orgs", nullptr); }

Result<nlohmann::json> AdminClient::StoreInfo() { return Call("GET", "info", nullptr); }

Result<nlohmann::json> AdminClient::Scrub(bool now) {
  return Call("POST", "scrub", nullptr, now ? HeaderList{{"now", ""}} : HeaderList{});
}

Result<nlohmann::json> AdminClient::Heal() { return Call("POST", "heal", nullptr); }

Result<nlohmann::json> AdminClient::ObjectReplicas(const std::string& bucket,
                                                   const std::string& key) {
  return Call("GET", "object", nullptr, HeaderList{{"bucket", bucket}, {"key", key}});
}

Result<nlohmann::json> AdminClient::GetOrg(const std::string& org) {
  SOS_ASSIGN_OR_RETURN(std::string o, Segment(org, "organisation"));
  return Call("GET", "orgs/" + o, nullptr);
}

Status AdminClient::DeleteOrg(const std::string& org) {
  SOS_ASSIGN_OR_RETURN(std::string o, Segment(org, "organisation"));
  return Call("DELETE", "orgs/" + o, nullptr).status();
}

Result<nlohmann::json> AdminClient::CreateKey(const std::string& org) {
  SOS_ASSIGN_OR_RETURN(std::string o, Segment(org, "organisation"));
  nlohmann::json body = nlohmann::json::object();
  return Call("POST", "orgs/" + o + "/keys", &body);
}

Result<nlohmann::json> AdminClient::ListKeys(const std::string& org) {
  SOS_ASSIGN_OR_RETURN(std::string o, Segment(org, "organisation"));
  return Call("GET", "orgs/" + o + "/keys", nullptr);
}

Status AdminClient::RevokeKey(const std::string& access_key_id) {
  SOS_ASSIGN_OR_RETURN(std::string k, Segment(access_key_id, "access key id"));
  return Call("DELETE", "keys/" + k, nullptr).status();
}

}  // namespace sos::ctl
