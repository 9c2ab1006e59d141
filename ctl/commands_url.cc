// presign and public-url.
#include <algorithm>
#include <cctype>

#include "ctl/acl_spec.h"
#include "ctl/commands.h"
#include "ctl/exit_code.h"
#include "ctl/presign.h"
#include "s3core/units.h"

namespace sos::ctl {

Status Presign(Session& session, const PresignArgs& args) {
  SOS_ASSIGN_OR_RETURN(S3Path path, ParseObjectPath(session, args.path));
  auto expires = ParseDuration(args.expires);
  if (!expires.ok()) return UsageError(expires.status().message());
  if (expires->count() % 1000 != 0) return UsageError("--expires counts whole seconds");
  PresignOptions options;
  options.method = args.method;
  std::transform(options.method.begin(), options.method.end(), options.method.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  options.expires = std::chrono::duration_cast<std::chrono::seconds>(*expires);
  if (args.once) options.once_nonce = NewOnceNonce();
  if (!args.canned_acl.empty()) {
    SOS_RETURN_IF_ERROR(CheckCannedAcl(args.canned_acl, session.out()));
    options.headers.emplace_back("x-amz-acl", args.canned_acl);
  }
  for (const std::string& spec : args.headers) {
    SOS_ASSIGN_OR_RETURN(auto header, ParseHeaderSpec(spec));
    options.headers.push_back(std::move(header));
  }
  SOS_ASSIGN_OR_RETURN(Settings settings, session.GetSettings());
  SOS_ASSIGN_OR_RETURN(Credentials credentials, session.GetCredentials());
  auto now = std::chrono::system_clock::now();
  SOS_ASSIGN_OR_RETURN(std::string url, PresignObjectUrl(settings.endpoint, settings.region,
                                                         credentials, path, options, now));
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [name, value] : options.headers) {
    headers[name] = value;
    // The URL alone is not enough: say so once per header, off stdout.
    session.out().Note("the request must send the signed header '" + name + ": " + value + "'");
  }
  session.out().Print({{"url", url},
                       {"method", options.method},
                       {"expires_seconds", options.expires.count()},
                       {"expires_at", FormatTimeJson(now + options.expires)},
                       {"once", args.once},
                       {"headers", headers}},
                      url);
  return Status::Ok();
}

Status PublicUrl(Session& session, const std::string& text) {
  SOS_ASSIGN_OR_RETURN(S3Path path, ParseObjectPath(session, text));
  SOS_ASSIGN_OR_RETURN(Settings settings, session.GetSettings());
  std::string url = PublicObjectUrl(settings.endpoint, path);
  session.out().Print({{"url", url}}, url);
  return Status::Ok();
}

}  // namespace sos::ctl
