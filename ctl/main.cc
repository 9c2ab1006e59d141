// sosctl: the command line of sos. Parses the command line with CLI11, runs
// one command from ctl/commands.h and turns its Status into the exit code.
#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <map>

#include "ctl/commands.h"
#include "ctl/exit_code.h"

namespace {

using sos::Status;
using namespace sos::ctl;

constexpr const char* kEnvironmentHelp =
    "ENVIRONMENT:\n"
    "  SOS_ENDPOINT, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL   endpoint (first set wins; then\n"
    "                                endpoint_url in ~/.aws/config; default\n"
    "                                http://127.0.0.1:8000, the local sosd)\n"
    "  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN   credentials\n"
    "  AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE   a profile of an AWS credentials file\n"
    "  AWS_CONFIG_FILE                          ~/.aws/config (endpoint_url, region, ca_bundle)\n"
    "  AWS_REGION, AWS_DEFAULT_REGION            region (default us-east-1)\n"
    "  AWS_CA_BUNDLE                            extra CA certificates (PEM)\n"
    "  XDG_CONFIG_HOME                          aliases in $XDG_CONFIG_HOME/sos/aliases.json\n"
    "                                           (else ~/.config/sos/aliases.json)\n"
    "Paths are BUCKET/KEY, s3://BUCKET/KEY or ALIAS/BUCKET/KEY. cp and sync take local\n"
    "paths too: there, only s3://... and ALIAS/... are remote.\n\n";

// Shown under each command's --help.
const std::map<std::string, const char*> kExamples = {
    {"mb", "  sosctl mb photos\n  sosctl mb www --acl public-read\n"},
    {"rb",
     "  sosctl rb photos\n  sosctl rb scratch --force      # its objects, versions and uploads "
     "too\n"},
    {"ls", "  sosctl ls\n  sosctl ls photos/2026/\n  sosctl ls -r photos --json\n"},
    {"cp",
     "  sosctl cp photo.jpg s3://media/2026/             upload one file\n"
     "  sosctl cp -r ./site s3://www/ --acl public-read   upload a tree\n"
     "  sosctl cp -r s3://backups/db/ ./restore           download a tree\n"
     "  sosctl cp s3://a/big.iso s3://b/big.iso           copy on the server\n"
     "  sosctl cp -r ./logs s3://b/logs --exclude '*' --include '*.gz'\n"},
    {"sync",
     "  sosctl sync ./photos s3://media/photos            upload what changed\n"
     "  sosctl sync s3://media/photos ./photos --delete   mirror down, removing extras\n"
     "  sosctl sync ./www s3://www --dry-run              show what would change\n"},
    {"put",
     "  sosctl put report.pdf docs/2026/\n  sosctl put a.css www/a.css --cache-control "
     "max-age=3600\n"},
    {"get", "  sosctl get docs/2026/report.pdf .\n  sosctl get docs/a.txt - | less\n"},
    {"rm", "  sosctl rm docs/old.txt docs/older.txt\n  sosctl rm -r docs/2019/\n"},
    {"stat", "  sosctl stat docs/2026/report.pdf --json\n"},
    {"cat", "  sosctl cat logs/app.log | grep ERROR\n"},
    {"du", "  sosctl du photos\n  sosctl du photos/2026/ --json\n"},
    {"headers", "  sosctl headers www/index.html --cache-control no-cache\n"},
    {"acl",
     "  sosctl acl get photos/cat.jpg\n  sosctl acl set photos/cat.jpg public-read\n"
     "  sosctl acl set shared --read partner-org\n"},
    {"cors",
     "  sosctl cors set www rules.json\n  sosctl cors get www --json\n  sosctl cors rm www\n"},
    {"presign",
     "  sosctl presign media/report.pdf --expires 2h          a link to download it\n"
     "  sosctl presign drop/upload.bin --method put --once    a one-time upload link\n"},
    {"public-url", "  sosctl public-url www/index.html\n"},
    {"mount",
     "  sosctl mount status /mnt/sos\n"
     "  sosctl mount wait /mnt/sos --timeout 30m && umount /mnt/sos\n"},
    {"alias",
     "  sosctl alias set exo https://sos-ch-gva-2.exo.io --profile exo\n"
     "  sosctl ls exo/photos\n  sosctl alias ls\n"},
    {"admin", "  sosctl admin info\n  sosctl admin scrub --now --json\n  sosctl admin heal\n"},
    {"org", "  sosctl org create acme --json\n  sosctl org list\n"},
    {"key", "  sosctl key create acme\n  sosctl key revoke AKIA...\n"},
};

// --include/--exclude in the order given (the last match wins, as in the aws CLI).
void CollectFilters(CLI::App* cmd, TransferFlags& flags) {
  std::map<std::string, size_t> next;  // per option: how many of its values were taken
  for (CLI::Option* opt : cmd->parse_order()) {
    std::string name = opt->get_name();
    if (name != "--include" && name != "--exclude") continue;
    const auto& values = opt->results();
    size_t& i = next[name];
    if (i < values.size()) flags.filters.emplace_back(name == "--include", values[i++]);
  }
}

void AddTransferFlags(CLI::App* cmd, TransferFlags& f) {
  cmd->add_option("--include", "include paths matching GLOB again (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--exclude", "leave out paths matching GLOB (repeatable; '*' crosses '/')")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--parallel", f.parallel, "files in flight at once (default 16)");
  cmd->add_flag("--no-follow-symlinks{false}", f.follow_symlinks,
                "skip symbolic links instead of copying what they point to");
  cmd->add_flag("--dry-run", f.dry_run, "print what would be done, do nothing");
  cmd->add_option("--acl", f.canned_acl, "canned ACL of uploaded and copied objects");
}

void AddHeaderFlags(CLI::App* cmd, HeaderFlags& f) {
  cmd->add_option("--content-type", f.content_type, "Content-Type");
  cmd->add_option("--cache-control", f.cache_control, "Cache-Control");
  cmd->add_option("--content-disposition", f.content_disposition, "Content-Disposition");
  cmd->add_option("--content-encoding", f.content_encoding, "Content-Encoding");
  cmd->add_option("--content-language", f.content_language, "Content-Language");
  cmd->add_option("--expires", f.expires, "Expires (an HTTP date)");
  cmd->add_option("--meta", f.meta, "user metadata NAME=VALUE (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "sosctl: buckets, objects, ACLs, pre-signed URLs, organisations and keys of an S3 "
      "endpoint (sosd or any S3 service)",
      "sosctl"};
  app.footer(std::string(kEnvironmentHelp) + ExitCodeHelp());
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the subcommand: `org create X --json`

  GlobalFlags global;
  app.set_version_flag("--version", "sosctl " SOS_VERSION);
  app.add_option("--endpoint-url,--endpoint", global.endpoint,
                 "S3 endpoint URL (else SOS_ENDPOINT, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL)");
  app.add_option("--region", global.region, "region (else AWS_REGION, us-east-1)");
  app.add_option("--profile", global.profile, "credentials profile (else AWS_PROFILE)");
  app.add_flag("--json", global.json, "print one JSON document (errors too)");
  app.add_flag("--no-progress", global.no_progress, "never draw a progress bar");
  app.add_option("--ca-bundle,--ca-file", global.ca_bundle,
                 "extra CA certificates, PEM (else AWS_CA_BUNDLE)");
  app.add_flag("--no-verify-ssl,--insecure", global.no_verify_ssl,
               "do not verify the endpoint's TLS certificate (test setups only)");

  std::function<Status(Session&)> run;

  MakeBucketArgs mb;
  auto* mb_cmd = app.add_subcommand("mb", "make a bucket");
  mb_cmd->add_option("bucket", mb.bucket, "bucket name")->required();
  mb_cmd->add_option("--acl", mb.canned_acl, "canned ACL (e.g. public-read)");
  mb_cmd->callback([&] { run = [&](Session& s) { return MakeBucket(s, mb); }; });

  RemoveBucketArgs rb;
  auto* rb_cmd = app.add_subcommand("rb", "remove a bucket");
  rb_cmd->add_option("bucket", rb.bucket, "bucket name")->required();
  rb_cmd->add_flag(
      "--force", rb.force,
      "delete its objects, their old versions and delete markers, and its uploads first");
  rb_cmd->callback([&] { run = [&](Session& s) { return RemoveBucket(s, rb); }; });

  ListArgs ls;
  auto* ls_cmd = app.add_subcommand("ls", "list buckets, or the objects under BUCKET[/PREFIX]");
  ls_cmd->add_option("path", ls.path, "BUCKET[/PREFIX]");
  ls_cmd->add_flag("-r,--recursive", ls.recursive, "list every object, not one level");
  ls_cmd->callback([&] { run = [&](Session& s) { return List(s, ls); }; });

  PutArgs put;
  auto* put_cmd = app.add_subcommand("put", "upload a file (multipart above 8 MiB)");
  put_cmd->add_option("file", put.file, "local file")->required();
  put_cmd->add_option("path", put.path, "BUCKET/KEY (a trailing / adds the file name)")->required();
  put_cmd->add_option("--acl", put.canned_acl, "canned ACL");
  AddHeaderFlags(put_cmd, put.headers);
  put_cmd->callback([&] { run = [&](Session& s) { return Put(s, put); }; });

  GetArgs get;
  auto* get_cmd = app.add_subcommand("get", "download an object");
  get_cmd->add_option("path", get.path, "BUCKET/KEY")->required();
  get_cmd->add_option("file", get.file, "local file or directory, - for stdout");
  get_cmd->callback([&] { run = [&](Session& s) { return Get(s, get); }; });

  RemoveArgs rm;
  auto* rm_cmd = app.add_subcommand("rm", "remove objects");
  rm_cmd->add_option("paths", rm.paths, "BUCKET/KEY ...")->required();
  rm_cmd->add_flag("-r,--recursive", rm.recursive, "remove every object under BUCKET/PREFIX");
  rm_cmd->callback([&] { run = [&](Session& s) { return Remove(s, rm); }; });

  CopyArgs cp;
  auto* cp_cmd = app.add_subcommand(
      "cp", "copy files and objects: local to S3, S3 to local, S3 to S3 (server-side)");
  cp_cmd->add_option("src", cp.src, "local path, s3://BUCKET/KEY or ALIAS/BUCKET/KEY")->required();
  cp_cmd
      ->add_option("dst", cp.dst,
                   "local path (- for stdout), s3://BUCKET[/KEY] or ALIAS/BUCKET[/KEY]")
      ->required();
  cp_cmd->add_flag("-r,--recursive", cp.recursive, "copy a directory or prefix and all below it");
  AddTransferFlags(cp_cmd, cp.flags);
  AddHeaderFlags(cp_cmd, cp.flags.headers);
  cp_cmd->callback([&] {
    CollectFilters(cp_cmd, cp.flags);
    run = [&](Session& s) { return Copy(s, cp); };
  });

  SyncArgs sync;
  auto* sync_cmd = app.add_subcommand(
      "sync", "make DST hold what SRC holds: copy what is missing, of another size or newer");
  sync_cmd->alias("mirror");
  sync_cmd->add_option("src", sync.src, "local directory, s3://BUCKET[/PREFIX] or ALIAS/...")
      ->required();
  sync_cmd->add_option("dst", sync.dst, "local directory, s3://BUCKET[/PREFIX] or ALIAS/...")
      ->required();
  sync_cmd->add_flag("--delete", sync.delete_extra, "remove what DST has and SRC has not");
  sync_cmd->add_flag("--checksum", sync.checksum,
                     "compare contents (MD5 / multipart ETag), not size and time");
  AddTransferFlags(sync_cmd, sync.flags);
  AddHeaderFlags(sync_cmd, sync.flags.headers);
  sync_cmd->callback([&] {
    CollectFilters(sync_cmd, sync.flags);
    run = [&](Session& s) { return Sync(s, sync); };
  });

  std::string inspect_path;
  auto* stat_cmd = app.add_subcommand("stat", "show an object's size, ETag, time and metadata");
  stat_cmd->add_option("path", inspect_path, "BUCKET/KEY")->required();
  stat_cmd->callback([&] { run = [&](Session& s) { return Stat(s, inspect_path); }; });
  auto* cat_cmd = app.add_subcommand("cat", "write an object to stdout");
  cat_cmd->add_option("path", inspect_path, "BUCKET/KEY")->required();
  cat_cmd->callback([&] { run = [&](Session& s) { return Cat(s, inspect_path); }; });
  auto* du_cmd = app.add_subcommand("du", "total size and count of the objects under a prefix");
  du_cmd->add_option("path", inspect_path, "BUCKET[/PREFIX]")->required();
  du_cmd->callback([&] { run = [&](Session& s) { return DiskUsage(s, inspect_path); }; });

  auto* cors_cmd = app.add_subcommand("cors", "a bucket's CORS rules (browsers on other sites)");
  cors_cmd->require_subcommand(1);
  std::string cors_bucket, cors_file;
  auto* cors_get = cors_cmd->add_subcommand("get", "print the rules as the aws CLI's JSON");
  cors_get->add_option("bucket", cors_bucket, "BUCKET")->required();
  cors_get->callback([&] { run = [&](Session& s) { return CorsGet(s, cors_bucket); }; });
  auto* cors_set = cors_cmd->add_subcommand(
      "set",
      "replace the rules with FILE: the aws CLI's JSON ({\"CORSRules\": [{\"AllowedOrigins\":\n"
      "  [\"https://app.example\"], \"AllowedMethods\": [\"GET\"]}]}) or S3's XML");
  cors_set->add_option("bucket", cors_bucket, "BUCKET")->required();
  cors_set->add_option("file", cors_file, "rules file, JSON or XML")->required();
  cors_set->callback([&] { run = [&](Session& s) { return CorsSet(s, cors_bucket, cors_file); }; });
  auto* cors_rm = cors_cmd->add_subcommand("rm", "remove every CORS rule");
  cors_rm->add_option("bucket", cors_bucket, "BUCKET")->required();
  cors_rm->callback([&] { run = [&](Session& s) { return CorsRemove(s, cors_bucket); }; });

  auto* mount_cmd = app.add_subcommand("mount", "a sosfs mount's uploads: status, wait");
  mount_cmd->require_subcommand(1);
  std::string mountpoint, mount_timeout = "10m";
  auto* mount_status = mount_cmd->add_subcommand(
      "status", "dirty files and bytes, uploads queued, running and failed, cache use");
  mount_status->add_option("mountpoint", mountpoint, "where the bucket is mounted")->required();
  mount_status->callback([&] { run = [&](Session& s) { return MountStatus(s, mountpoint); }; });
  auto* mount_wait = mount_cmd->add_subcommand(
      "wait", "return once every write to the mount is on the server (exit 1 after --timeout)");
  mount_wait->add_option("mountpoint", mountpoint, "where the bucket is mounted")->required();
  mount_wait->add_option("--timeout", mount_timeout, "how long to wait: 90s, 10m, 1h (10m)");
  mount_wait->callback(
      [&] { run = [&](Session& s) { return MountWait(s, mountpoint, mount_timeout); }; });

  auto* alias_cmd = app.add_subcommand("alias", "saved endpoints: ALIAS/BUCKET/KEY paths");
  alias_cmd->require_subcommand(1);
  std::string alias_name, alias_url, alias_profile;
  auto* alias_set = alias_cmd->add_subcommand("set", "save (or replace) an alias");
  alias_set->add_option("name", alias_name, "alias name")->required();
  alias_set->add_option("url", alias_url, "endpoint URL, scheme://host[:port]")->required();
  alias_set->add_option("--profile", alias_profile, "credentials profile to use with it");
  alias_set->callback(
      [&] { run = [&](Session& s) { return AliasSet(s, alias_name, alias_url, alias_profile); }; });
  auto* alias_ls = alias_cmd->add_subcommand("ls", "list aliases");
  alias_ls->callback([&] { run = [&](Session& s) { return AliasList(s); }; });
  auto* alias_rm = alias_cmd->add_subcommand("rm", "remove an alias");
  alias_rm->add_option("name", alias_name, "alias name")->required();
  alias_rm->callback([&] { run = [&](Session& s) { return AliasRemove(s, alias_name); }; });

  HeadersArgs headers;
  auto* headers_cmd = app.add_subcommand(
      "headers", "show an object's headers, or change them (a self-copy keeping data and ACL)");
  headers_cmd->add_option("path", headers.path, "BUCKET/KEY")->required();
  AddHeaderFlags(headers_cmd, headers.headers);
  headers_cmd->add_option("--remove-meta", headers.headers.remove_meta, "remove user metadata NAME")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  headers_cmd->callback([&] { run = [&](Session& s) { return Headers(s, headers); }; });

  auto* acl_cmd = app.add_subcommand("acl", "show or set ACLs");
  acl_cmd->require_subcommand(1);
  std::string acl_get_path;
  auto* acl_get_cmd = acl_cmd->add_subcommand("get", "show the ACL of a bucket or object");
  acl_get_cmd->add_option("path", acl_get_path, "BUCKET[/KEY]")->required();
  acl_get_cmd->callback([&] { run = [&](Session& s) { return AclGet(s, acl_get_path); }; });

  AclSetArgs acl_set;
  std::vector<std::string> grant_read, grant_write, grant_read_acp, grant_write_acp, grant_full;
  auto* acl_set_cmd = acl_cmd->add_subcommand(
      "set",
      "set a canned ACL, or replace the ACL with grants (the owner keeps FULL_CONTROL). ORG is "
      "an organisation name or canonical ID, all-users or authenticated-users");
  acl_set_cmd->add_option("path", acl_set.path, "BUCKET[/KEY], or BUCKET/PREFIX with -r")
      ->required();
  acl_set_cmd->add_option("canned", acl_set.canned_acl,
                          "private, public-read, public-read-write, authenticated-read, "
                          "bucket-owner-read, bucket-owner-full-control");
  for (auto [flag, list] : {std::pair{"--read", &grant_read},
                            {"--write", &grant_write},
                            {"--read-acp", &grant_read_acp},
                            {"--write-acp", &grant_write_acp},
                            {"--full-control", &grant_full}}) {
    acl_set_cmd->add_option(flag, *list, "grant to ORG (repeatable)")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  }
  acl_set_cmd->add_flag("-r,--recursive", acl_set.recursive,
                        "apply to every object under the prefix");
  acl_set_cmd->callback([&] {
    for (auto [permission, list] : {std::pair{"READ", &grant_read},
                                    {"WRITE", &grant_write},
                                    {"READ_ACP", &grant_read_acp},
                                    {"WRITE_ACP", &grant_write_acp},
                                    {"FULL_CONTROL", &grant_full}}) {
      for (const auto& org : *list) acl_set.grants.push_back({permission, org});
    }
    run = [&](Session& s) { return AclSet(s, acl_set); };
  });

  PresignArgs presign;
  auto* presign_cmd = app.add_subcommand("presign", "print a pre-signed URL");
  presign_cmd->alias("share");
  presign_cmd->add_option("path", presign.path, "BUCKET/KEY")->required();
  presign_cmd->add_option("--method", presign.method, "get, head, put or delete")
      ->check(CLI::IsMember({"get", "head", "put", "delete"}, CLI::ignore_case));
  presign_cmd->add_option("--expires", presign.expires, "lifetime: 90s, 15m, 2h, 7d (max 7d)");
  presign_cmd->add_flag("--once", presign.once, "single use (sosd): a second use is refused");
  presign_cmd->add_option("--acl", presign.canned_acl,
                          "sign x-amz-acl: CANNED into the URL (the request must send it)");
  presign_cmd->add_option("--header", presign.headers,
                          "sign NAME:VALUE into the URL (repeatable; the request must send it)");
  presign_cmd->callback([&] { run = [&](Session& s) { return Presign(s, presign); }; });

  std::string public_path;
  auto* public_cmd = app.add_subcommand(
      "public-url", "print the plain URL of an object (public once its ACL is public-read)");
  public_cmd->add_option("path", public_path, "BUCKET/KEY")->required();
  public_cmd->callback([&] { run = [&](Session& s) { return PublicUrl(s, public_path); }; });

  auto* admin_cmd =
      app.add_subcommand("admin", "the store: health, drives, scrubbing (sosd, root key)");
  admin_cmd->require_subcommand(1);
  bool scrub_now = false;
  auto* admin_info = admin_cmd->add_subcommand(
      "info",
      "state (ok, degraded, failing) and why, drives, objects, under-replicated, last scrub");
  admin_info->callback([&] { run = [&](Session& s) { return AdminInfo(s); }; });
  auto* admin_scrub = admin_cmd->add_subcommand(
      "scrub", "start a scrub pass now (every replica re-read, bad ones repaired)");
  admin_scrub->add_flag("--now", scrub_now,
                        "without the rate caps, and return once the pass is done");
  admin_scrub->callback([&] { run = [&](Session& s) { return AdminScrub(s, scrub_now); }; });
  auto* admin_heal = admin_cmd->add_subcommand(
      "heal", "re-check failed drives and repair every replica known to be bad or missing, now");
  admin_heal->callback([&] { run = [&](Session& s) { return AdminHeal(s); }; });
  std::string admin_object_path;
  auto* admin_object = admin_cmd->add_subcommand(
      "object", "where an object's copies are, and when the scrubber last verified them");
  admin_object->add_option("path", admin_object_path, "BUCKET/KEY")->required();
  admin_object->callback(
      [&] { run = [&](Session& s) { return AdminObject(s, admin_object_path); }; });

  auto* org_cmd = app.add_subcommand("org", "organisations (sosd, root key)");
  org_cmd->require_subcommand(1);
  std::string org_name;
  auto* org_create = org_cmd->add_subcommand("create", "create one; prints its ID and first key");
  org_create->add_option("name", org_name, "organisation name")->required();
  org_create->callback([&] { run = [&](Session& s) { return OrgCreate(s, org_name); }; });
  auto* org_list = org_cmd->add_subcommand("list", "list organisations");
  org_list->callback([&] { run = [&](Session& s) { return OrgList(s); }; });
  auto* org_rm = org_cmd->add_subcommand("rm", "remove an organisation that owns no bucket");
  org_rm->add_option("org", org_name, "name or canonical ID")->required();
  org_rm->callback([&] { run = [&](Session& s) { return OrgRemove(s, org_name); }; });

  auto* key_cmd = app.add_subcommand("key", "access keys (sosd, root key)");
  key_cmd->require_subcommand(1);
  std::string key_arg;
  auto* key_create = key_cmd->add_subcommand("create", "create a key for an organisation");
  key_create->add_option("org", key_arg, "name or canonical ID")->required();
  key_create->callback([&] { run = [&](Session& s) { return KeyCreate(s, key_arg); }; });
  auto* key_list = key_cmd->add_subcommand("list", "list an organisation's keys");
  key_list->add_option("org", key_arg, "name or canonical ID")->required();
  key_list->callback([&] { run = [&](Session& s) { return KeyList(s, key_arg); }; });
  auto* key_revoke = key_cmd->add_subcommand("revoke", "revoke a key");
  key_revoke->add_option("access_key_id", key_arg, "access key ID")->required();
  key_revoke->callback([&] { run = [&](Session& s) { return KeyRevoke(s, key_arg); }; });

  for (CLI::App* cmd : app.get_subcommands({})) {
    if (auto it = kExamples.find(cmd->get_name()); it != kExamples.end()) {
      cmd->footer(std::string("Examples:\n") + it->second);
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and a pointer to --help
    return kExitUsage;
  }

  Output output(global.json, std::cout, std::cerr);
  Session session(global, output);
  if (!run) {
    output.Error(UsageError("no command given (see --help)"));
    return kExitUsage;
  }
  Status status = run(session);
  if (!status.ok()) output.Error(status);
  return ExitCodeFor(status);
}
