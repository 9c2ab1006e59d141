// Filesystem: extended attributes and statfs.
//
// user.NAME is stored as the object's x-amz-meta-NAME header (S3 lower-cases
// header names, so NAME is lower-cased too); the s3fs attribute headers
// (mode, uid, ...) are not available as xattrs. user.sos.etag and
// user.sos.state are virtual and read-only. Other namespaces are not
// supported (getxattr says ENODATA, setxattr ENOTSUP).
#include <sys/xattr.h>

#include <cctype>

#include "fuse/filesystem.h"
#include "fuse/fs_errors.h"

namespace sos {
namespace {

constexpr std::string_view kUserPrefix = "user.";
constexpr std::string_view kVirtualPrefix = "user.sos.";
constexpr const char* kEtagXattr = "user.sos.etag";
constexpr const char* kStateXattr = "user.sos.state";
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

Result<std::string> Filesystem::GetXattr(uint64_t ino, const std::string& name) {
  SOS_ASSIGN_OR_RETURN(Node node, ResolveIno(ino));
  if (name == kEtagXattr) {
    std::string etag = node.file ? node.file->etag() : node.remote.etag;
    if (etag.empty()) return fs::NoAttribute(name);
    return etag;
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
  if (!StartsWith(name, kUserPrefix)) return fs::NoAttribute(name);
  auto key = MetaName(name);
  if (!key.ok()) return fs::NoAttribute(name);
  std::map<std::string, std::string> xattrs =
      node.file ? node.file->Xattrs() : XattrsOf(node.remote.user_meta);
  auto it = xattrs.find(*key);
  if (it == xattrs.end()) return fs::NoAttribute(name);
  return it->second;
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
