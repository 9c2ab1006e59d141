// put, get, rm and headers.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>

#include "ctl/commands.h"
#include "ctl/exit_code.h"
#include "ctl/transfer.h"
#include "s3core/client/mime_types.h"

namespace sos::ctl {
namespace {

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

nlohmann::json MetaJson(const S3Path& path, const ObjectMeta& m) {
  nlohmann::json doc = {{"bucket", path.bucket},
                        {"key", path.key},
                        {"size", m.size},
                        {"etag", m.etag},
                        {"last_modified", FormatTimeJson(m.last_modified)},
                        {"content_type", m.content_type}};
  auto add = [&](const char* name, const std::string& value) {
    if (!value.empty()) doc[name] = value;
  };
  add("cache_control", m.cache_control);
  add("content_disposition", m.content_disposition);
  add("content_encoding", m.content_encoding);
  add("content_language", m.content_language);
  add("expires", m.expires);
  doc["metadata"] = m.user_meta;
  return doc;
}

Table MetaTable(const ObjectMeta& m) {
  Table t;
  auto add = [&](const std::string& name, const std::string& value) {
    if (!value.empty()) t.rows.push_back({name, value});
  };
  add("Content-Length", std::to_string(m.size));
  add("Content-Type", m.content_type);
  add("Cache-Control", m.cache_control);
  add("Content-Disposition", m.content_disposition);
  add("Content-Encoding", m.content_encoding);
  add("Content-Language", m.content_language);
  add("Expires", m.expires);
  add("ETag", m.etag);
  add("Last-Modified", FormatTime(m.last_modified));
  for (const auto& [k, v] : m.user_meta) add("x-amz-meta-" + k, v);
  return t;
}

// True when the policy grants nothing beyond the owner's FULL_CONTROL.
bool IsPrivate(const AccessControlPolicy& policy) {
  return std::all_of(policy.grants.begin(), policy.grants.end(), [&](const Grant& g) {
    return g.grantee.type == Grantee::Type::kCanonicalUser && g.grantee.id == policy.owner.id;
  });
}

}  // namespace

std::string BaseName(std::string_view path) {
  while (path.size() > 1 && path.ends_with('/')) path.remove_suffix(1);
  return std::string(path.substr(path.rfind('/') + 1));
}

Result<S3Path> ParseObjectPath(Session& session, const std::string& text) {
  SOS_ASSIGN_OR_RETURN(S3Path path, session.ParsePath(text));
  if (path.key.empty()) return UsageError("'" + text + "' needs a key: BUCKET/KEY");
  return path;
}

Result<WriteOptions> ApplyHeaderFlags(const HeaderFlags& flags, WriteOptions options) {
  if (flags.content_type) options.content_type = *flags.content_type;
  if (flags.cache_control) options.cache_control = *flags.cache_control;
  if (flags.content_disposition) options.content_disposition = *flags.content_disposition;
  if (flags.content_encoding) options.content_encoding = *flags.content_encoding;
  if (flags.content_language) options.content_language = *flags.content_language;
  if (flags.expires) options.expires = *flags.expires;
  for (const auto& name : flags.remove_meta) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (lower.starts_with("x-amz-meta-")) lower = lower.substr(11);
    options.user_meta.erase(lower);
  }
  for (const auto& pair : flags.meta) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      return UsageError("--meta wants NAME=VALUE, not '" + pair + "'");
    }
    std::string name = pair.substr(0, eq);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    options.user_meta[name] = pair.substr(eq + 1);
  }
  return options;
}

Status Put(Session& session, const PutArgs& args) {
  SOS_ASSIGN_OR_RETURN(S3Path dst, session.ParsePath(args.path));
  if (dst.key.empty() || dst.key.ends_with('/')) dst.key += BaseName(args.file);
  WriteOptions base;
  base.content_type = ContentTypeFor(args.file);
  SOS_ASSIGN_OR_RETURN(WriteOptions options, ApplyHeaderFlags(args.headers, base));
  if (!args.canned_acl.empty()) {
    SOS_RETURN_IF_ERROR(CheckCannedAcl(args.canned_acl, session.out()));
    options.canned_acl = args.canned_acl;
  }
  if (::access(args.file.c_str(), R_OK) != 0) {
    return UsageError("cannot read " + args.file + ": " + std::strerror(errno));
  }
  SOS_ASSIGN_OR_RETURN(ObjectStore * store, session.Store(dst));
  struct stat st {};
  uint64_t size = ::stat(args.file.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  ProgressBar bar(BaseName(args.file), size, session.ShowProgress());
  SOS_ASSIGN_OR_RETURN(UploadResult up, UploadFile(*store, args.file, dst, options, &bar));
  bar.Finish();
  session.out().Print(
      {{"bucket", dst.bucket},
       {"key", dst.key},
       {"size", up.size},
       {"etag", up.etag},
       {"parts", up.parts}},
      "uploaded " + args.file + " to " + dst.ToString() + " (" + FormatSize(up.size) + ")");
  return Status::Ok();
}

Status Get(Session& session, const GetArgs& args) {
  SOS_ASSIGN_OR_RETURN(S3Path src, ParseObjectPath(session, args.path));
  if (src.key.ends_with('/')) return UsageError("get needs an object, not the prefix " + src.key);
  SOS_ASSIGN_OR_RETURN(ObjectStore * store, session.Store(src));
  if (args.file == "-") {
    // stdout carries the bytes: nothing else is printed there.
    ProgressBar bar(BaseName(src.key), 0, session.ShowProgress());
    SOS_ASSIGN_OR_RETURN(GetResult got, DownloadToFd(*store, src, STDOUT_FILENO, &bar));
    bar.Finish();
    (void)got;
    return Status::Ok();
  }
  std::string file = args.file.empty() ? BaseName(src.key) : args.file;
  if (IsDirectory(file)) file += "/" + BaseName(src.key);
  // HEAD first: the bar knows the size, and a missing key creates no file.
  SOS_ASSIGN_OR_RETURN(ObjectMeta meta, store->Head(src.bucket, src.key));
  ProgressBar bar(BaseName(src.key), meta.size, session.ShowProgress());
  SOS_ASSIGN_OR_RETURN(GetResult got, DownloadToFile(*store, src, file, &bar));
  bar.Finish();
  session.out().Print(
      {{"bucket", src.bucket},
       {"key", src.key},
       {"file", file},
       {"size", got.length},
       {"etag", got.meta.etag}},
      "downloaded " + src.ToString() + " to " + file + " (" + FormatSize(got.length) + ")");
  return Status::Ok();
}

Status Remove(Session& session, const RemoveArgs& args) {
  std::vector<S3Path> paths;
  for (const auto& text : args.paths) {
    SOS_ASSIGN_OR_RETURN(S3Path p,
                         args.recursive ? session.ParsePath(text) : ParseObjectPath(session, text));
    paths.push_back(std::move(p));
  }
  nlohmann::json removed = nlohmann::json::array();
  uint64_t count = 0;
  for (const auto& p : paths) {
    SOS_ASSIGN_OR_RETURN(ObjectStore * store, session.Store(p));
    if (args.recursive) {
      uint64_t n = 0;
      SOS_RETURN_IF_ERROR(DeleteAllUnder(*store, p.bucket, p.key, &n));
      count += n;
      removed.push_back({{"bucket", p.bucket}, {"prefix", p.key}, {"objects", n}});
      continue;
    }
    // S3 deletes a missing key silently; a person asking to remove it wants to know.
    SOS_RETURN_IF_ERROR(store->Head(p.bucket, p.key).status());
    SOS_RETURN_IF_ERROR(store->Delete(p.bucket, p.key));
    ++count;
    removed.push_back({{"bucket", p.bucket}, {"key", p.key}});
  }
  session.out().Print({{"removed", removed}, {"objects", count}},
                      "removed " + std::to_string(count) + (count == 1 ? " object" : " objects"));
  return Status::Ok();
}

Status Headers(Session& session, const HeadersArgs& args) {
  SOS_ASSIGN_OR_RETURN(S3Path path, ParseObjectPath(session, args.path));
  SOS_ASSIGN_OR_RETURN(ObjectStore * store, session.Store(path));
  SOS_ASSIGN_OR_RETURN(ObjectMeta meta, store->Head(path.bucket, path.key));
  const HeaderFlags& f = args.headers;
  bool change = f.content_type || f.cache_control || f.content_disposition || f.content_encoding ||
                f.content_language || f.expires || !f.meta.empty() || !f.remove_meta.empty();
  if (change) {
    SOS_ASSIGN_OR_RETURN(WriteOptions options, ApplyHeaderFlags(f, WriteOptionsFromMeta(meta)));
    // A copy never carries the ACL over: keep it by hand.
    SOS_ASSIGN_OR_RETURN(AccessControlPolicy acl, store->GetAcl(path.bucket, path.key));
    CopyRequest copy;
    copy.src_bucket = copy.dst_bucket = path.bucket;
    copy.src_key = copy.dst_key = path.key;
    copy.replace_metadata = true;
    copy.options = std::move(options);
    copy.source_conditions.if_match = meta.etag;  // never rewrite a newer object's headers
    SOS_RETURN_IF_ERROR(store->Copy(copy).status());
    if (!IsPrivate(acl)) SOS_RETURN_IF_ERROR(store->PutAcl(path.bucket, path.key, acl));
    SOS_ASSIGN_OR_RETURN(meta, store->Head(path.bucket, path.key));
  }
  session.out().Print(MetaJson(path, meta), MetaTable(meta));
  return Status::Ok();
}

}  // namespace sos::ctl
