// Filesystem: extended attributes and statfs.
//
// user.NAME is stored as the object's x-amz-meta-NAME header (S3 lower-cases
// header names, so NAME is lower-cased too); the s3fs attribute headers
// (mode, uid, ...) are not available as xattrs. Other namespaces are not
// supported: getxattr and setxattr say ENOTSUP at once, without a lookup,
// which tells `ls -l` (security.selinux, system.posix_acl_access) to stop
// asking for the whole mount instead of once per file.
//
// Virtual attributes bring the object store to the shell: user.sos.status on
// the mount root is the mount's upload state as JSON (sosctl mount status);
// user.sos.etag and
// user.sos.state (clean/dirty/uploading) are read-only; user.sos.url (the
// plain URL, for public objects) and user.sos.presign (a fresh pre-signed GET
// URL) are computed; user.sos.acl reads the object's ACL as a canned name
// ("custom" when it is none) and sets a canned ACL (both upload a dirty file
// first). The ACL lasts until the object is rewritten; rewrites carry the
// mount's default_acl. They are not listed by listxattr, so that copies with
// `cp --preserve=xattr` or rsync -X do not try to write them elsewhere.
#include <sys/xattr.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "fuse/core/filesystem.h"
#include "fuse/core/fs_errors.h"
#include "s3core/acl.h"
#include "s3core/log.h"

namespace sos {
namespace {

constexpr std::string_view kUserPrefix = "user.";
constexpr std::string_view kVirtualPrefix = "user.sos.";
constexpr const char* kEtagXattr = "user.sos.etag";
constexpr const char* kStateXattr = "user.sos.state";
constexpr const char* kAclXattr = "user.sos.acl";
constexpr const char* kUrlXattr = "user.sos.url";
constexpr const char* kPresignXattr = "user.sos.presign";
constexpr const char* kStatusXattr = "user.sos.status";
constexpr std::string_view kCannedAcls[] = {"private",           "public-read",
                                            "public-read-write", "authenticated-read",
                                            "bucket-owner-read", "bucket-owner-full-control"};
constexpr size_t kMaxValue = 2048;  // S3 allows 2 KB of user metadata in all

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The metadata name for a user.* xattr, or an error.
Result<std::string> MetaName(const std::string& name) {
  if (StartsWith(name, kVirtualPrefix)) return fs::NotPermitted(name + " is read-only");
  if (!StartsWith(name, kUserPrefix)) return Status::NotSupported("only user.* attributes");
  std::string key = name.substr(kUserPrefix.size());
  if (key.empty()) return Status::InvalidArgument("empty attribute name");
  for (char& c : key) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return Status::InvalidArgument("attribute names may use [a-z0-9._-] only");
    }
  }
  if (IsAttrMetaName(key)) return fs::NotPermitted(name + " is reserved for file attributes");
  return key;
}

// The canned ACL whose policy equals `policy` (grant order aside), or "custom".
std::string CannedAclName(const AccessControlPolicy& policy) {
  auto as_set = [](const AccessControlPolicy& p) {
    std::vector<std::string> grants;
    for (const Grant& g : p.grants) {
      grants.push_back(std::to_string(static_cast<int>(g.grantee.type)) + "|" + g.grantee.id + "|" +
                       g.grantee.uri + "|" + g.grantee.email + "|" + g.permission);
    }
    std::sort(grants.begin(), grants.end());
    grants.erase(std::unique(grants.begin(), grants.end()), grants.end());
    return grants;
  };
  const auto actual = as_set(policy);
  for (std::string_view name : kCannedAcls) {
    if (as_set(PolicyForCannedAcl(policy.owner, name, policy.owner)) == actual) {
      // bucket-owner-* equal private when the writer owns the bucket.
      return std::string(
          name == "bucket-owner-full-control" || name == "bucket-owner-read" ? "private" : name);
    }
  }
  return "custom";
}

bool IsObject(const NodeAttr& attr) { return !attr.IsDir(); }

Status CheckValue(const std::string& value) {
  if (value.size() > kMaxValue) return Status::TooLarge("attribute value too large");
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      return Status::InvalidArgument("attribute values must be printable text");
    }
  }
  return Status::Ok();
}

}  // namespace

Status Filesystem::SetXattr(uint64_t ino, const std::string& name, const std::string& value,
                            int flags) {
  if (name == kAclXattr) return SetCannedAcl(ino, value);
  SOS_ASSIGN_OR_RETURN(std::string key, MetaName(name));
  SOS_RETURN_IF_ERROR(CheckValue(value));
  SOS_RETURN_IF_ERROR(CheckWritable());
  SOS_ASSIGN_OR_RETURN(Node node, ResolveIno(ino));
  std::map<std::string, std::string> current =
      node.file ? node.file->Xattrs() : XattrsOf(node.remote.user_meta);
  bool exists = current.count(key) != 0;
  if ((flags & XATTR_CREATE) != 0 && exists) return fs::Exists(name);
  if ((flags & XATTR_REPLACE) != 0 && !exists) return fs::NoAttribute(name);
  return ChangeMeta(node,
                    [&](NodeAttr* a, std::map<std::string, std::string>* x) {
                      (*x)[key] = value;
                      a->ctime = NowTimespec();
                    })
      .status();
}

Result<std::string> Filesystem::MountStatus() {
  // Dirty: in the journal (closed, waiting or failed), or changed in memory
  // by a writer that has not closed or flushed yet.
  SOS_ASSIGN_OR_RETURN(auto journal, cache_->files().Dirty());
  std::map<std::string, uint64_t> dirty;  // path -> size
  for (const auto& [path, record] : journal) dirty[path] = record.size;
  for (const auto& st : registry_->All()) {
    if (st->dirty() && !st->deleted()) dirty[st->path()] = st->Attr().size;
  }
  uint64_t dirty_bytes = 0;
  for (const auto& [path, size] : dirty) dirty_bytes += size;
  const Uploader::Stats up = uploader_->stats();
  const DeleteQueue::Stats del = deletes_->stats();
  nlohmann::json doc = {{"bucket", options_.bucket},
                        {"prefix", options_.prefix},
                        {"dirty_files", dirty.size()},
                        {"dirty_bytes", dirty_bytes},
                        {"queued", up.queued},
                        {"retrying", up.retrying},
                        {"uploading", up.uploading},
                        {"uploaded", up.uploaded},
                        {"failed", up.failed},
                        {"last_error", up.last_error},
                        {"pending_deletes", del.pending},
                        {"deleted", del.deleted},
                        {"delete_failures", del.failed},
                        {"last_delete_error", del.last_error},
                        {"cache_bytes", cache_->usage()},
                        {"cache_limit", cache_->options().size_limit}};
  // File names need not be UTF-8: replace what is not, never throw.
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::string> Filesystem::GetXattr(uint64_t ino, const std::string& name) {
  if (!StartsWith(name, kUserPrefix)) return Status::NotSupported("only user.* attributes");
  SOS_ASSIGN_OR_RETURN(Node node, ResolveIno(ino));
  if (name == kStatusXattr) {
    if (!node.path.empty()) return fs::NoAttribute(name);  // the mount root's only
    return MountStatus();
  }
  if (name == kEtagXattr) {
    std::string etag = node.file ? node.file->etag() : node.remote.etag;
    if (etag.empty()) return fs::NoAttribute(name);
    return etag;
  }
  if (name == kUrlXattr) {
    if (!options_.public_url || !IsObject(node.attr)) return fs::NoAttribute(name);
    return options_.public_url(remote_->Key(node.path));
  }
  if (name == kPresignXattr) {
    if (!options_.presigned_url || !IsObject(node.attr)) return fs::NoAttribute(name);
    return options_.presigned_url(remote_->Key(node.path));
  }
  if (name == kAclXattr) {
    if (!IsObject(node.attr)) return fs::NoAttribute(name);
    // The ACL lives on the store: a file still waiting for its upload gets it now.
    if (node.file && node.file->dirty()) SOS_RETURN_IF_ERROR(uploader_->Sync(node.file));
    auto policy = store_.GetAcl(options_.bucket, remote_->Key(node.path));
    if (!policy.ok()) {
      // Not uploaded yet: there is no ACL to show.
      if (policy.status().code() == StatusCode::kNotFound) return fs::NoAttribute(name);
      return policy.status();
    }
    return CannedAclName(*policy);
  }
  if (name == kStateXattr) {
    if (!node.file) return std::string("clean");
    switch (node.file->phase()) {
      case FileState::Phase::kClean:
        return std::string("clean");
      case FileState::Phase::kDirty:
        return std::string("dirty");
      case FileState::Phase::kUploading:
        return std::string("uploading");
    }
  }
  auto key = MetaName(name);
  if (!key.ok()) return fs::NoAttribute(name);
  std::map<std::string, std::string> xattrs =
      node.file ? node.file->Xattrs() : XattrsOf(node.remote.user_meta);
  auto it = xattrs.find(*key);
  if (it == xattrs.end()) return fs::NoAttribute(name);
  return it->second;
}

Status Filesystem::SetCannedAcl(uint64_t ino, const std::string& acl) {
  if (std::find(std::begin(kCannedAcls), std::end(kCannedAcls), acl) == std::end(kCannedAcls)) {
    return Status::InvalidArgument(
        "user.sos.acl takes a canned ACL: private, public-read, public-read-write, "
        "authenticated-read, bucket-owner-read, bucket-owner-full-control");
  }
  SOS_RETURN_IF_ERROR(CheckWritable());
  SOS_ASSIGN_OR_RETURN(Node node, ResolveIno(ino));
  if (!IsObject(node.attr)) return Status::NotSupported("ACLs are set on files, not directories");
  // The ACL belongs to the object on the store: upload pending data first.
  if (node.file && node.file->dirty()) SOS_RETURN_IF_ERROR(uploader_->Sync(node.file));
  if (acl == "public-read-write") {
    spdlog::warn("{} is now public-read-write: anyone can overwrite and delete it; not recommended",
                 node.path);
  }
  return store_.PutCannedAcl(options_.bucket, remote_->Key(node.path), acl);
}

Result<std::vector<std::string>> Filesystem::ListXattr(uint64_t ino) {
  SOS_ASSIGN_OR_RETURN(Node node, ResolveIno(ino));
  std::map<std::string, std::string> xattrs =
      node.file ? node.file->Xattrs() : XattrsOf(node.remote.user_meta);
  std::vector<std::string> names;
  for (const auto& [k, v] : xattrs) names.push_back(std::string(kUserPrefix) + k);
  return names;
}

Status Filesystem::RemoveXattr(uint64_t ino, const std::string& name) {
  SOS_ASSIGN_OR_RETURN(std::string key, MetaName(name));
  SOS_RETURN_IF_ERROR(CheckWritable());
  SOS_ASSIGN_OR_RETURN(Node node, ResolveIno(ino));
  std::map<std::string, std::string> current =
      node.file ? node.file->Xattrs() : XattrsOf(node.remote.user_meta);
  if (current.count(key) == 0) return fs::NoAttribute(name);
  return ChangeMeta(node,
                    [&](NodeAttr* a, std::map<std::string, std::string>* x) {
                      x->erase(key);
                      a->ctime = NowTimespec();
                    })
      .status();
}

FsStats Filesystem::StatFs() const {
  FsStats s;
  s.block_size = 4096;
  s.blocks = uint64_t{1} << 38;  // 1 PiB: object storage has no fixed size
  s.blocks_free = s.blocks;
  s.files = uint64_t{1} << 32;
  s.files_free = s.files;
  s.name_max = kNameMax;
  return s;
}

}  // namespace sos
