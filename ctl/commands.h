// The sosctl commands: one function per command, each taking its parsed
// arguments and the Session, printing through the Session's Output and
// returning the Status that decides the exit code (ctl/exit_code.h).
// main.cc maps the command line onto these structs (CLI11). Not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ctl/acl_spec.h"
#include "ctl/s3_path.h"
#include "ctl/session.h"

namespace sos::ctl {

// mb BUCKET [--acl CANNED]
struct MakeBucketArgs {
  std::string bucket;
  std::string canned_acl;
};
Status MakeBucket(Session& session, const MakeBucketArgs& args);

// rb BUCKET [--force]
struct RemoveBucketArgs {
  std::string bucket;
  bool force = false;  // delete every object and upload first
};
Status RemoveBucket(Session& session, const RemoveBucketArgs& args);

// ls [BUCKET[/PREFIX]] [-r]
struct ListArgs {
  std::string path;  // empty: list buckets
  bool recursive = false;
};
Status List(Session& session, const ListArgs& args);

// Metadata flags shared by put and headers.
struct HeaderFlags {
  std::optional<std::string> content_type, cache_control, content_disposition, content_encoding,
      content_language, expires;
  std::vector<std::string> meta;         // "name=value"
  std::vector<std::string> remove_meta;  // names (headers only)
};

// put FILE BUCKET/KEY (a key ending in '/' or no key: + the file's name)
struct PutArgs {
  std::string file;
  std::string path;
  std::string canned_acl;
  HeaderFlags headers;
};
Status Put(Session& session, const PutArgs& args);

// get BUCKET/KEY [FILE|DIR|-]
struct GetArgs {
  std::string path;
  std::string file;
};
Status Get(Session& session, const GetArgs& args);

// rm BUCKET/KEY... [-r]
struct RemoveArgs {
  std::vector<std::string> paths;
  bool recursive = false;
};
Status Remove(Session& session, const RemoveArgs& args);

// Options shared by cp and sync.
struct TransferFlags {
  std::vector<std::pair<bool, std::string>> filters;  // (--include?, glob) in command-line order
  int parallel = 16;                                  // files in flight at once
  bool follow_symlinks = true;
  bool dry_run = false;
  std::string canned_acl;
  HeaderFlags headers;
};

// cp [-r] SRC DST: SRC and DST are local paths, s3://BUCKET[/KEY] or
// ALIAS/BUCKET[/KEY]; at least one is remote (S3 to S3 is a server-side copy).
struct CopyArgs {
  std::string src, dst;
  bool recursive = false;
  TransferFlags flags;
};
Status Copy(Session& session, const CopyArgs& args);

// sync SRC DST (alias mirror): copies what is missing or differs (size, or a
// newer source; with --checksum the content), --delete removes the rest.
struct SyncArgs {
  std::string src, dst;
  bool delete_extra = false;
  bool checksum = false;
  TransferFlags flags;
};
Status Sync(Session& session, const SyncArgs& args);

// stat BUCKET/KEY, cat BUCKET/KEY, du BUCKET[/PREFIX]
Status Stat(Session& session, const std::string& path);
Status Cat(Session& session, const std::string& path);
Status DiskUsage(Session& session, const std::string& path);

// cors get BUCKET, cors set BUCKET FILE (the aws CLI's JSON, or S3's XML), cors rm BUCKET
Status CorsGet(Session& session, const std::string& bucket);
Status CorsSet(Session& session, const std::string& bucket, const std::string& file);
Status CorsRemove(Session& session, const std::string& bucket);

// mount status MOUNTPOINT: a sosfs mount's upload state; mount wait MOUNTPOINT
// [--timeout 10m]: returns once every write is on the server (kTimeout else).
Status MountStatus(Session& session, const std::string& mountpoint);
Status MountWait(Session& session, const std::string& mountpoint, const std::string& timeout);

// alias set NAME URL [--profile P], alias ls, alias rm NAME
Status AliasSet(Session& session, const std::string& name, const std::string& url,
                const std::string& profile);
Status AliasList(Session& session);
Status AliasRemove(Session& session, const std::string& name);

// headers BUCKET/KEY [--content-type ...]: shows them, or changes them by a self-copy.
struct HeadersArgs {
  std::string path;
  HeaderFlags headers;
};
Status Headers(Session& session, const HeadersArgs& args);

// acl get BUCKET[/KEY]
Status AclGet(Session& session, const std::string& path);

// acl set BUCKET[/KEY] [CANNED] [--read ORG]... [-r]
struct AclSetArgs {
  std::string path;
  std::string canned_acl;
  std::vector<GrantSpec> grants;
  bool recursive = false;  // every object under the prefix
};
Status AclSet(Session& session, const AclSetArgs& args);

// presign BUCKET/KEY [--method get|head|put|delete] [--expires 15m] [--once]
//                    [--acl CANNED] [--header NAME:VALUE]...
struct PresignArgs {
  std::string path;
  std::string method = "get";
  std::string expires = "15m";
  bool once = false;
  std::string canned_acl;            // signed as x-amz-acl
  std::vector<std::string> headers;  // "NAME:VALUE", each signed
};
Status Presign(Session& session, const PresignArgs& args);

// public-url BUCKET/KEY
Status PublicUrl(Session& session, const std::string& path);

// org create|list|rm, key create|list|revoke (sosd's admin API).
// admin info|scrub|heal: the store's health, drives and scrubber (sosd, root key).
Status AdminInfo(Session& session);
Status AdminScrub(Session& session, bool now);
Status AdminHeal(Session& session);
Status AdminObject(Session& session, const std::string& path);
Status OrgCreate(Session& session, const std::string& name);
Status OrgList(Session& session);
Status OrgRemove(Session& session, const std::string& org);
Status KeyCreate(Session& session, const std::string& org);
Status KeyList(Session& session, const std::string& org);
Status KeyRevoke(Session& session, const std::string& access_key_id);

// Helpers shared by the command files.
Result<S3Path> ParseObjectPath(Session& session, const std::string& text);  // needs a key
Result<WriteOptions> ApplyHeaderFlags(const HeaderFlags& flags, WriteOptions options);
// Every object under `prefix` (no delimiter, all pages).
Status ListAllObjects(ObjectStore& store, const std::string& bucket, const std::string& prefix,
                      std::vector<ObjectMeta>* out);
// The last path component ("a/b/" -> "b").
std::string BaseName(std::string_view path);
// One key DeleteMany could not delete (AccessDenied -> kPermissionDenied).
Status DeleteErrorStatus(const DeleteError& e);
// DeleteMany over every object under `prefix`; *deleted counts them.
Status DeleteAllUnder(ObjectStore& store, const std::string& bucket, const std::string& prefix,
                      uint64_t* deleted);

}  // namespace sos::ctl
