// The admin API of sosd: organisations and their keys (contract and JSON
// shapes in s3core/admin_api.h). Requests are authenticated like S3 requests
// and allowed for the root organisation only; everything, errors included,
// is answered in JSON. Secrets are drawn from RAND_bytes, returned once at
// creation and never logged (the access log carries only the path).
#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "daemon/s3api/s3_context.h"
#include "daemon/s3api/s3_error_table.h"
#include "daemon/s3api/store_health.h"
#include "s3core/admin_api.h"
#include "s3core/crypto.h"
#include "s3core/time_format.h"
#include "s3core/uri.h"

namespace sos::s3api {
namespace {

using nlohmann::json;

constexpr size_t kMaxAdminBody = 64 << 10;
constexpr size_t kMaxOrgName = 64;
constexpr std::string_view kUpperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr std::string_view kSecretAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// Organisation names are unique; creation checks and creates under this lock.
std::mutex create_mu;

Status Error(StatusCode code, std::string message, std::string s3_code) {
  return Status(code, std::move(message), std::move(s3_code));
}
Status NoSuchOrganisation(std::string_view org) {
  return Error(StatusCode::kNotFound,
               "No organisation named or with the ID '" + std::string(org) + "'.",
               "NoSuchOrganisation");
}

Status SendJson(Context& ctx, int status, const json& body) {
  StartResponse(ctx, status);
  if (status == 204) return ctx.out.Send(204, "", "");
  return ctx.out.Send(status, "application/json", body.dump() + "\n");
}

Status ValidateOrgName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= kMaxOrgName;
  for (char c : name) {
    ok &= (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  }
  if (!ok) {
    return Error(StatusCode::kInvalidArgument,
                 "An organisation name is 1 to 64 characters of [a-z0-9._-].",
                 "InvalidOrganisationName");
  }
  return Status::Ok();
}

bool IsCanonicalId(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

json OrgJson(const Account& a) {
  return {{"id", a.id}, {"name", a.display_name}, {"created", FormatIso8601Extended(a.created)}};
}

// An organisation by canonical ID or by name.
Result<Account> FindOrg(Context& ctx, std::string_view org) {
  if (IsCanonicalId(org)) {
    auto a = ctx.engine.GetAccount(std::string(org));
    if (a.ok()) return a;
    if (a.status().code() != StatusCode::kNotFound) return a.status();
  }
  SOS_ASSIGN_OR_RETURN(std::vector<Account> all, ctx.engine.ListAccounts());
  for (Account& a : all) {
    if (a.display_name == org) return std::move(a);
  }
  return NoSuchOrganisation(org);
}

Result<AccessKey> NewKey(Context& ctx, const std::string& account_id) {
  AccessKey key;
  key.account_id = account_id;
  key.created = ctx.now;
  SOS_ASSIGN_OR_RETURN(std::string tail, RandomString(16, kUpperAlnum));
  key.access_key_id = "SOSK" + tail;
  SOS_ASSIGN_OR_RETURN(key.secret, RandomString(40, kSecretAlphabet));
  SOS_RETURN_IF_ERROR(ctx.engine.AddKey(key));
  return key;
}

Result<json> ReadJsonBody(Context& ctx) {
  SOS_ASSIGN_OR_RETURN(std::string body, ReadSmallBody(ctx, kMaxAdminBody, /*required=*/true));
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Error(StatusCode::kInvalidArgument, "The body is not a JSON object.", "MalformedJSON");
  }
  return doc;
}

Status CreateOrg(Context& ctx) {
  SOS_ASSIGN_OR_RETURN(json doc, ReadJsonBody(ctx));
  auto name_it = doc.find("name");
  if (name_it == doc.end() || !name_it->is_string()) {
    return Error(StatusCode::kInvalidArgument, "\"name\" (a string) is required.",
                 "InvalidOrganisationName");
  }
  std::string name = name_it->get<std::string>();
  SOS_RETURN_IF_ERROR(ValidateOrgName(name));
  Account account;
  {
    std::lock_guard lock(create_mu);
    SOS_ASSIGN_OR_RETURN(std::vector<Account> all, ctx.engine.ListAccounts());
    for (const Account& a : all) {
      if (a.display_name == name) {
        return Error(StatusCode::kAlreadyExists, "The organisation '" + name + "' exists.",
                     "OrganisationAlreadyExists");
      }
    }
    SOS_ASSIGN_OR_RETURN(std::string raw, RandomBytes(32));
    account.id = HexEncode(raw);
    account.display_name = name;
    account.created = ctx.now;
    SOS_RETURN_IF_ERROR(ctx.engine.CreateAccount(account));
  }
  SOS_ASSIGN_OR_RETURN(AccessKey key, NewKey(ctx, account.id));
  json out = OrgJson(account);
  out["access_key_id"] = key.access_key_id;
  out["secret_access_key"] = key.secret;
  return SendJson(ctx, 201, out);
}

Status ListOrgs(Context& ctx) {
  SOS_ASSIGN_OR_RETURN(std::vector<Account> all, ctx.engine.ListAccounts());
  std::sort(all.begin(), all.end(),
            [](const Account& a, const Account& b) { return a.display_name < b.display_name; });
  json orgs = json::array();
  for (const Account& a : all) orgs.push_back(OrgJson(a));
  return SendJson(ctx, 200, {{"orgs", orgs}});
}

Status DeleteOrg(Context& ctx, const Account& org) {
  if (org.id == ctx.options.root_account_id) {
    return Error(StatusCode::kPermissionDenied, "The root organisation cannot be deleted.",
                 "AccessDenied");
  }
  Status s = ctx.engine.DeleteAccount(org.id);
  if (s.code() == StatusCode::kNotEmpty) {
    return Error(StatusCode::kNotEmpty,
                 "The organisation '" + org.display_name + "' still owns buckets.",
                 "OrganisationNotEmpty");
  }
  if (s.code() == StatusCode::kNotFound) return NoSuchOrganisation(org.id);
  SOS_RETURN_IF_ERROR(s);
  return SendJson(ctx, 204, {});
}

Status ListOrgKeys(Context& ctx, const Account& org) {
  SOS_ASSIGN_OR_RETURN(std::vector<AccessKey> keys, ctx.engine.ListKeys(org.id));
  json out = json::array();
  for (const AccessKey& k : keys) {
    out.push_back(
        {{"access_key_id", k.access_key_id}, {"created", FormatIso8601Extended(k.created)}});
  }
  return SendJson(ctx, 200, {{"keys", out}});
}

Status DeleteKey(Context& ctx, const std::string& access_key_id) {
  auto key = ctx.engine.LookupKey(access_key_id);
  if (!key.ok()) {
    if (key.status().code() != StatusCode::kNotFound) return key.status();
    return Error(StatusCode::kNotFound, "No access key '" + access_key_id + "'.", "NoSuchKey");
  }
  if (key->account_id == ctx.options.root_account_id) {
    // Without a key nobody could administer the store any more.
    SOS_ASSIGN_OR_RETURN(std::vector<AccessKey> root_keys, ctx.engine.ListKeys(key->account_id));
    if (root_keys.size() <= 1) {
      return Error(StatusCode::kAlreadyExists,
                   "This is the root organisation's last key; add another one first.",
                   "LastRootKey");
    }
  }
  Status s = ctx.engine.RevokeKey(access_key_id);
  if (s.code() == StatusCode::kNotFound) {
    return Error(StatusCode::kNotFound, "No access key '" + access_key_id + "'.", "NoSuchKey");
  }
  SOS_RETURN_IF_ERROR(s);
  return SendJson(ctx, 204, {});
}

Status MethodNotAllowed(const std::string& method) {
  return Error(StatusCode::kNotSupported, "The method " + method + " is not allowed here.",
               "MethodNotAllowed");
}

std::string Iso(TimePoint t) {
  return t.time_since_epoch().count() == 0 ? "" : FormatIso8601Extended(t);
}

// The store: drives, counts, health and the scrubber (sosctl admin info);
// `extra` members are added (e.g. the pass a scrub request waits for).
Status StoreInfo(Context& ctx, int status, const json& extra = json::object()) {
  SOS_ASSIGN_OR_RETURN(StorageStats stats, ctx.engine.Stats());
  const StoreHealth health = EvaluateHealth(stats);
  json drives = json::array();
  for (const DriveStats& d : stats.drives) {
    drives.push_back({{"path", d.path},
                      {"ok", d.ok},
                      {"error", d.error},
                      {"full", d.full},
                      {"refilling", d.refilling},
                      {"free_bytes", d.free_bytes},
                      {"total_bytes", d.total_bytes},
                      {"read_faults", d.read_faults},
                      {"checksum_failures", d.checksum_failures},
                      {"write_faults", d.write_faults},
                      {"repairs", d.repairs}});
  }
  const ScrubProgress& sc = stats.scrub;
  json doc = {{"state", HealthName(health.state)},
              {"reasons", health.reasons},
              {"drives", drives},
              {"quorum", stats.quorum},
              {"objects", stats.objects},
              {"blobs", stats.blobs},
              {"bytes", stats.bytes_logical},
              {"uploads", stats.uploads},
              {"under_replicated", stats.under_replicated},
              {"pending_repairs", stats.pending_repairs},
              {"scrub",
               {{"running", sc.running},
                {"blobs_done", sc.blobs_done},
                {"blobs_total", sc.blobs_total},
                {"bytes_done", sc.bytes_done},
                {"faults_found", sc.faults_found},
                {"faults_total", sc.faults_total},
                {"passes_completed", sc.passes_completed},
                {"pass_started", sc.running ? Iso(sc.pass_started) : ""},
                {"last_pass_started", Iso(sc.last_pass_started)},
                {"last_pass_completed", Iso(sc.last_pass_completed)}}}};
  doc.update(extra);
  return SendJson(ctx, status, doc);
}

// One object's copies: for each of its blobs, the drives holding a replica
// and when the scrubber last verified them (sosctl admin object).
Status ObjectReplicasInfo(Context& ctx) {
  const std::string* bucket = ctx.route.Query("bucket");
  const std::string* key = ctx.route.Query("key");
  if (!bucket || !key || bucket->empty() || key->empty()) {
    return Error(StatusCode::kInvalidArgument, "Name the object: ?bucket=B&key=K.",
                 "InvalidArgument");
  }
  SOS_ASSIGN_OR_RETURN(ObjectRecord object, ctx.engine.HeadObject(*bucket, *key));
  std::vector<std::string> ids;
  std::set<std::string_view> seen;
  for (const Segment& s : object.segments) {
    if (!s.is_inline() && seen.insert(s.blob_id).second) ids.push_back(s.blob_id);
  }
  SOS_ASSIGN_OR_RETURN(std::vector<BlobReplicas> blobs, ctx.engine.InspectBlobs(ids));
  SOS_ASSIGN_OR_RETURN(StorageStats stats, ctx.engine.Stats());
  json out = json::array();
  // The object is as safe as its least-copied, least-recently verified blob
  // (an empty or inline one has no blob: it is as safe as the index, whose
  // journal and snapshots are on every healthy drive).
  size_t copies = stats.drives.size();
  if (blobs.empty()) {
    copies = 0;
    for (const DriveStats& d : stats.drives) copies += d.ok ? 1 : 0;
  }
  std::optional<TimePoint> verified =
      blobs.empty() ? std::nullopt : std::optional(TimePoint::max());
  for (const BlobReplicas& b : blobs) {
    json drives = json::array();
    size_t present = 0;
    for (size_t d = 0; d < b.on_drive.size() && d < stats.drives.size(); ++d) {
      if (b.on_drive[d]) {
        drives.push_back(stats.drives[d].path);
        ++present;
      }
    }
    copies = std::min(copies, present);
    verified = b.last_verified && verified ? std::min(*verified, *b.last_verified)
                                           : std::optional<TimePoint>();
    out.push_back({{"id", b.blob_id},
                   {"size", b.size},
                   {"drives", drives},
                   {"last_verified", b.last_verified ? Iso(*b.last_verified) : ""},
                   {"replicas_verified", b.replicas_verified}});
  }
  return SendJson(ctx, 200,
                  {{"bucket", *bucket},
                   {"key", *key},
                   {"size", object.meta.size},
                   {"etag", object.meta.etag},
                   {"copies", copies},
                   {"last_verified", verified ? Iso(*verified) : ""},
                   {"blobs", out}});
}

// Path segments after "/-/admin/", percent-decoded.
Result<std::vector<std::string>> Segments(std::string_view path) {
  std::vector<std::string> out;
  std::string_view rest = path.substr(admin::kPathPrefix.size());
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    auto seg = UriDecode(rest.substr(0, slash), /*plus_is_space=*/false);
    if (!seg || seg->empty()) {
      return Error(StatusCode::kInvalidArgument, "Malformed admin path.", "InvalidURI");
    }
    out.push_back(std::move(*seg));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return out;
}

Status Dispatch(Context& ctx, const std::function<Status()>& authenticate) {
  if (ctx.options.root_account_id.empty()) {
    return Error(StatusCode::kNotFound, "The admin API is not enabled.", "NoSuchResource");
  }
  SOS_RETURN_IF_ERROR(authenticate());
  if (ctx.principal.anonymous || ctx.principal.account_id != ctx.options.root_account_id) {
    return Error(StatusCode::kPermissionDenied, "Only the root organisation may use the admin API.",
                 "AccessDenied");
  }
  SOS_RETURN_IF_ERROR(CheckSingleUse(ctx));
  SOS_ASSIGN_OR_RETURN(std::vector<std::string> seg, Segments(ctx.route.wire_path));
  const std::string& m = ctx.head.method;
  if (!seg.empty() && seg[0] == "orgs") {
    if (seg.size() == 1) {
      if (m == "POST") return CreateOrg(ctx);
      if (m == "GET") return ListOrgs(ctx);
      return MethodNotAllowed(m);
    }
    if (seg.size() == 2 || (seg.size() == 3 && seg[2] == "keys")) {
      SOS_ASSIGN_OR_RETURN(Account org, FindOrg(ctx, seg[1]));
      if (seg.size() == 2) {
        if (m == "GET") return SendJson(ctx, 200, OrgJson(org));
        if (m == "DELETE") return DeleteOrg(ctx, org);
        return MethodNotAllowed(m);
      }
      if (m == "POST") {
        SOS_ASSIGN_OR_RETURN(AccessKey key, NewKey(ctx, org.id));
        return SendJson(ctx, 201,
                        {{"access_key_id", key.access_key_id},
                         {"secret_access_key", key.secret},
                         {"org_id", org.id}});
      }
      if (m == "GET") return ListOrgKeys(ctx, org);
      return MethodNotAllowed(m);
    }
  }
  if (seg.size() == 1 && seg[0] == "info") {
    if (m == "GET") return StoreInfo(ctx, 200);
    return MethodNotAllowed(m);
  }
  if (seg.size() == 1 && seg[0] == "scrub") {
    if (m != "POST") return MethodNotAllowed(m);
    // A pass from now, in the background (?now: without the rate caps); the
    // answer is the state as it starts: callers poll info for the end.
    const bool now = std::any_of(ctx.route.query.begin(), ctx.route.query.end(),
                                 [](const auto& q) { return q.first == "now"; });
    const uint64_t done_at = ctx.engine.StartScrub(now);
    return StoreInfo(ctx, 202, {{"scrub_done_at_passes", done_at}});
  }
  if (seg.size() == 1 && seg[0] == "object") {
    if (m == "GET") return ObjectReplicasInfo(ctx);
    return MethodNotAllowed(m);
  }
  if (seg.size() == 1 && seg[0] == "heal") {
    if (m != "POST") return MethodNotAllowed(m);
    SOS_RETURN_IF_ERROR(ctx.engine.Heal());
    return StoreInfo(ctx, 200);
  }
  if (seg.size() == 2 && seg[0] == "keys") {
    if (m == "DELETE") return DeleteKey(ctx, seg[1]);
    return MethodNotAllowed(m);
  }
  return Error(StatusCode::kNotFound, "No such admin resource.", "NoSuchResource");
}

}  // namespace

Status AdminApi(Context& ctx, const std::function<Status()>& authenticate) {
  Status s = Dispatch(ctx, authenticate);
  if (!s.ok() && !ctx.out.headers_sent() && !ctx.out.finished()) {
    // The one Status->HTTP table (s3_error_table.h) answers for the admin API too.
    S3Error error = S3ErrorFor(s);
    int http = error.http_status;
    std::string code = s.s3_code().empty() ? error.code : s.s3_code();
    std::string message = http >= 500 ? "We encountered an internal error." : s.message();
    (void)SendJson(ctx, http, {{"code", code}, {"message", message}});
  }
  return s;
}

}  // namespace sos::s3api
