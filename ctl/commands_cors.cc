// cors get / set / rm: a bucket's CORS rules, in the JSON the aws CLI uses
// (`aws s3api put-bucket-cors --cors-configuration file://rules.json`), or as
// S3's XML. Rules are checked locally with the same decoder sosd uses before
// anything is sent.
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ctl/commands.h"
#include "ctl/exit_code.h"
#include "s3core/crypto.h"
#include "s3core/xml_codec.h"

namespace sos::ctl {
namespace {

nlohmann::json ToJson(const CorsConfiguration& config) {
  nlohmann::json rules = nlohmann::json::array();
  for (const CorsRule& r : config.rules) {
    nlohmann::json rule = {{"AllowedOrigins", r.allowed_origins},
                           {"AllowedMethods", r.allowed_methods}};
    if (!r.id.empty()) rule["ID"] = r.id;
    if (!r.allowed_headers.empty()) rule["AllowedHeaders"] = r.allowed_headers;
    if (!r.expose_headers.empty()) rule["ExposeHeaders"] = r.expose_headers;
    if (r.max_age_seconds) rule["MaxAgeSeconds"] = *r.max_age_seconds;
    rules.push_back(std::move(rule));
  }
  return {{"CORSRules", rules}};
}

Result<CorsConfiguration> FromJson(const nlohmann::json& doc) {
  CorsConfiguration config;
  try {
    for (const auto& r : doc.at("CORSRules")) {
      CorsRule rule;
      rule.id = r.value("ID", "");
      rule.allowed_origins = r.at("AllowedOrigins").get<std::vector<std::string>>();
      rule.allowed_methods = r.at("AllowedMethods").get<std::vector<std::string>>();
      rule.allowed_headers = r.value("AllowedHeaders", std::vector<std::string>{});
      rule.expose_headers = r.value("ExposeHeaders", std::vector<std::string>{});
      if (r.contains("MaxAgeSeconds")) rule.max_age_seconds = r.at("MaxAgeSeconds").get<int>();
      config.rules.push_back(std::move(rule));
    }
  } catch (const nlohmann::json::exception& e) {
    return UsageError(std::string("CORS rules: ") + e.what());
  }
  return config;
}

Result<S3Path> BucketPath(Session& session, const std::string& text) {
  SOS_ASSIGN_OR_RETURN(S3Path path, session.ParsePath(text));
  if (!path.key.empty()) return UsageError("cors takes a bucket, not " + text);
  return path;
}

S3Request CorsRequest(const std::string& method, const S3Path& path) {
  S3Request req;
  req.method = method;
  req.bucket = path.bucket;
  req.query = {{"cors", ""}};
  return req;
}

}  // namespace

Status CorsGet(Session& session, const std::string& bucket) {
  SOS_ASSIGN_OR_RETURN(S3Path path, BucketPath(session, bucket));
  SOS_ASSIGN_OR_RETURN(S3HttpClient * http, session.Http(path));
  SOS_ASSIGN_OR_RETURN(S3Response response, http->Execute(CorsRequest("GET", path)));
  SOS_ASSIGN_OR_RETURN(CorsConfiguration config, DecodeCorsConfiguration(response.body));
  nlohmann::json doc = ToJson(config);
  session.out().Print(doc, doc.dump(2));
  return Status::Ok();
}

Status CorsSet(Session& session, const std::string& bucket, const std::string& file) {
  SOS_ASSIGN_OR_RETURN(S3Path path, BucketPath(session, bucket));
  std::ifstream in(file, std::ios::binary);
  if (!in) return UsageError("cannot read " + file);
  std::ostringstream text;
  text << in.rdbuf();
  std::string body = text.str();
  size_t first = body.find_first_not_of(" \t\r\n");
  CorsConfiguration config;
  if (first != std::string::npos && body[first] == '<') {
    auto decoded = DecodeCorsConfiguration(body);
    if (!decoded.ok())
      return UsageError("CORS rules in " + file + ": " + decoded.status().message());
    config = std::move(*decoded);
  } else {
    auto doc = nlohmann::json::parse(body, nullptr, false);
    if (doc.is_discarded()) return UsageError(file + " is neither JSON nor XML");
    SOS_ASSIGN_OR_RETURN(config, FromJson(doc));
  }
  // What is sent is what sosd's decoder accepts: checked here first.
  std::string xml = EncodeCorsConfiguration(config);
  auto checked = DecodeCorsConfiguration(xml);
  if (!checked.ok()) return UsageError("CORS rules in " + file + ": " + checked.status().message());
  SOS_ASSIGN_OR_RETURN(S3HttpClient * http, session.Http(path));
  S3Request req = CorsRequest("PUT", path);
  StringViewSource source(xml);
  req.body = &source;
  req.headers = {{"content-type", "application/xml"}, {"content-md5", Base64Encode(Md5(xml))}};
  SOS_RETURN_IF_ERROR(http->Execute(req).status());
  session.out().Print(
      {{"bucket", path.bucket}, {"rules", config.rules.size()}},
      "set " + std::to_string(config.rules.size()) + " CORS rule(s) on " + path.bucket);
  return Status::Ok();
}

Status CorsRemove(Session& session, const std::string& bucket) {
  SOS_ASSIGN_OR_RETURN(S3Path path, BucketPath(session, bucket));
  SOS_ASSIGN_OR_RETURN(S3HttpClient * http, session.Http(path));
  SOS_RETURN_IF_ERROR(http->Execute(CorsRequest("DELETE", path)).status());
  session.out().Print({{"bucket", path.bucket}, {"cors", nullptr}},
                      "removed the CORS rules of " + path.bucket);
  return Status::Ok();
}

}  // namespace sos::ctl
