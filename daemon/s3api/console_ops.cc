// The web console (console/), on a listener of its own: its embedded files
// under /-/console/, and /-/console/config.json, what the page needs to sign
// requests (the region), to offer (the admin views) and to link to (the S3
// port). No authentication: the files hold no secret, and the page signs each
// S3 and admin call in the browser (SigV4).
//
// Why a listener of its own: pages uploaded to a bucket render on the S3
// port, and there could imitate a login form. On the console's origin nothing
// but these files ever renders (objects go out as attachments, to signed
// requests only: S3ServiceOptions::console), so a page that asks for a secret
// on that origin is the console.
//
// The headers keep the page to itself: a Content-Security-Policy that allows
// only its own scripts and styles and connections to this origin (no inline
// script, no third party, no framing), nosniff and no referrer.
#include <nlohmann/json.hpp>

#include "console/console_assets.h"
#include "daemon/s3api/s3_context.h"

namespace sos::s3api {
namespace {

constexpr std::string_view kPrefix = "/-/console/";
constexpr std::string_view kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'; "
    "require-trusted-types-for 'script'; trusted-types sos-xml";

void AddPageHeaders(Context& ctx) {
  ctx.out.AddHeader("Content-Security-Policy", kPolicy);
  ctx.out.AddHeader("X-Content-Type-Options", "nosniff");
  ctx.out.AddHeader("Referrer-Policy", "no-referrer");
  ctx.out.AddHeader("X-Frame-Options", "DENY");
  ctx.out.AddHeader("Cross-Origin-Opener-Policy", "same-origin");
  ctx.out.AddHeader("Cache-Control", "no-cache");
}

}  // namespace

Status ServeConsole(Context& ctx) {
  if (!ctx.options.console) {
    return Status::NotFound("The console is not served on this port.", "NoSuchResource");
  }
  const std::string& path = ctx.route.wire_path;
  if (path.size() < kPrefix.size()) {  // "/-/console": the page's modules are relative to "/"
    StartResponse(ctx, 301);
    ctx.out.AddHeader("Location", std::string(kPrefix));
    return ctx.out.Send(301, "text/plain", "");
  }
  std::string_view file = std::string_view(path).substr(kPrefix.size());
  if (file.empty()) file = "index.html";
  if (file == "config.json") {
    nlohmann::json config = {
        {"region", ctx.options.region},
        {"admin", !ctx.options.root_account_id.empty()},
        {"s3", {{"scheme", ctx.options.console_s3_scheme}, {"port", ctx.options.console_s3_port}}}};
    StartResponse(ctx, 200, /*console_page=*/true);
    AddPageHeaders(ctx);
    return ctx.out.Send(200, "application/json", config.dump());
  }
  const console::Asset* asset = console::FindAsset(file);
  if (asset == nullptr) {
    return Status::NotFound("The console has no file " + std::string(file) + ".", "NoSuchResource");
  }
  StartResponse(ctx, 200, /*console_page=*/true);
  AddPageHeaders(ctx);
  return ctx.out.Send(200, asset->content_type, asset->body);
}

}  // namespace sos::s3api
