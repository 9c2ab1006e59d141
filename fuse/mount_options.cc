#include "fuse/mount_options.h"

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 312
#endif
#include <fuse_opt.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string_view>

#include "s3core/log.h"
#include "s3core/units.h"

namespace sos {
namespace {

enum Key {
  kSource = 100,  // FUSE_OPT_KEY_* are negative
  kEndpoint,
  kRegion,
  kProfile,
  kPasswdFile,
  kPathStyle,
  kVirtualHost,
  kUrl,
  kUseCache,
  kStatCacheExpire,
  kUid,
  kGid,
  kUmask,
  kFileMode,
  kDirMode,
  kCacheDir,
  kCacheSize,
  kStatTtl,
  kWritebackDelay,
  kEnsureDiskfree,
  kDefaultAcl,
  kLogLevel,
  kForeground,
  kDebug,
  kHelp,
  kVersion,
  kReadOnly,
  kAllowOther,
  kAllowRoot,
  kCaFile,
  kInsecure,
};

const fuse_opt kSpecs[] = {
    FUSE_OPT_KEY("endpoint=", kEndpoint),
    FUSE_OPT_KEY("url=", kUrl),
    FUSE_OPT_KEY("use_path_request_style", kPathStyle),
    FUSE_OPT_KEY("use_cache=", kUseCache),
    FUSE_OPT_KEY("stat_cache_expire=", kStatCacheExpire),
    FUSE_OPT_KEY("region=", kRegion),
    FUSE_OPT_KEY("profile=", kProfile),
    FUSE_OPT_KEY("passwd_file=", kPasswdFile),
    FUSE_OPT_KEY("path_style", kPathStyle),
    FUSE_OPT_KEY("virtual_host", kVirtualHost),
    FUSE_OPT_KEY("uid=", kUid),
    FUSE_OPT_KEY("gid=", kGid),
    FUSE_OPT_KEY("umask=", kUmask),
    FUSE_OPT_KEY("file_mode=", kFileMode),
    FUSE_OPT_KEY("dir_mode=", kDirMode),
    FUSE_OPT_KEY("cache_dir=", kCacheDir),
    FUSE_OPT_KEY("cache_size=", kCacheSize),
    FUSE_OPT_KEY("stat_ttl=", kStatTtl),
    FUSE_OPT_KEY("writeback_delay=", kWritebackDelay),
    FUSE_OPT_KEY("ensure_diskfree=", kEnsureDiskfree),
    FUSE_OPT_KEY("default_acl=", kDefaultAcl),
    FUSE_OPT_KEY("log_level=", kLogLevel),
    FUSE_OPT_KEY("foreground", kForeground),
    FUSE_OPT_KEY("-f", kForeground),
    FUSE_OPT_KEY("debug", kDebug),
    FUSE_OPT_KEY("-d", kDebug),
    FUSE_OPT_KEY("-h", kHelp),
    FUSE_OPT_KEY("--help", kHelp),
    FUSE_OPT_KEY("-V", kVersion),
    FUSE_OPT_KEY("--version", kVersion),
    FUSE_OPT_KEY("ro", kReadOnly),
    FUSE_OPT_KEY("allow_other", kAllowOther),
    FUSE_OPT_KEY("allow_root", kAllowRoot),
    FUSE_OPT_KEY("ca_file=", kCaFile),
    FUSE_OPT_KEY("insecure", kInsecure),
    FUSE_OPT_KEY("no_check_certificate", kInsecure),  // s3fs's name
    FUSE_OPT_END,
};

// fstab options meant for mount(8) or systemd, not for us.
bool Ignored(std::string_view opt) {
  static constexpr std::string_view kIgnored[] = {"_netdev", "nofail",   "rw",     "dev",  "suid",
                                                  "exec",    "auto",     "noauto", "user", "nouser",
                                                  "users",   "defaults", "-s"};
  for (auto i : kIgnored) {
    if (opt == i) return true;
  }
  return opt.substr(0, 2) == "x-" || opt.substr(0, 8) == "comment=";
}

// Kernel/libfuse mount options passed through as they are.
bool PassThrough(std::string_view opt) {
  static constexpr std::string_view kFlags[] = {
      "default_permissions", "auto_unmount", "nosuid",      "nodev", "noexec", "noatime",
      "nodiratime",          "relatime",     "strictatime", "sync",  "async",  "dirsync"};
  for (auto f : kFlags) {
    if (opt == f) return true;
  }
  return opt.substr(0, 7) == "fsname=" || opt.substr(0, 8) == "subtype=" ||
         opt.substr(0, 9) == "max_read=";
}

// s3fs's tuning options: sosfs chooses these itself (parallel parts, retries,
// timeouts, its own caches), so an fstab line written for s3fs mounts, and the
// option is logged as ignored.
bool S3fsTuning(std::string_view opt) {
  static constexpr std::string_view kNames[] = {"multireq_max",
                                                "parallel_count",
                                                "multipart_size",
                                                "multipart_copy_size",
                                                "max_stat_cache_size",
                                                "enable_noobj_cache",
                                                "connect_timeout",
                                                "readwrite_timeout",
                                                "retries",
                                                "del_cache",
                                                "mp_umask",
                                                "use_xattr",
                                                "notsup_compat_dir",
                                                "compat_dir",
                                                "complement_stat",
                                                "curldbg",
                                                "dbglevel",
                                                "sigv2",
                                                "sigv4",
                                                "max_dirty_data",
                                                "singlepart_copy_limit",
                                                "nocopyapi",
                                                "norenameapi",
                                                "nomultipart",
                                                "noua",
                                                "listobjectsv2",
                                                "enable_content_md5",
                                                "enable_unsigned_payload",
                                                "nonempty",
                                                "kernel_cache",
                                                "noxmlns",
                                                "instance_name",
                                                "logfile",
                                                "stat_cache_interval_expire",
                                                "check_cache_dir_exist",
                                                "mime",
                                                "storage_class",
                                                "use_rrs",
                                                "ssl_verify_hostname",
                                                "cipher_suites",
                                                "public_bucket",
                                                "requester_pays",
                                                "fake_diskfree"};
  std::string_view name = opt.substr(0, opt.find('='));
  for (auto n : kNames) {
    if (name == n) return true;
  }
  return false;
}

struct ParseState {
  MountConfig config;
  std::vector<std::string> positional;
  std::string error;
};

std::optional<uint64_t> ParseNumber(const std::string& s, int base, uint64_t max) {
  // Digits only: strtoull would also skip leading whitespace and then wrap a
  // '-' around ("\t-1" is 2^64-1).
  if (s.empty() || s[0] < '0' || s[0] > '9') return std::nullopt;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str(), &end, base);
  if (errno != 0 || *end != '\0' || v > max) return std::nullopt;
  return v;
}

int Process(void* data, const char* arg, int key, fuse_args*) {
  auto* st = static_cast<ParseState*>(data);
  MountConfig& c = st->config;
  std::string a(arg);
  size_t eq = a.find('=');
  std::string value = eq == std::string::npos ? "" : a.substr(eq + 1);
  auto bad = [&](const char* why) {
    st->error = "invalid value in option '" + a + "': " + why;
    return -1;
  };
  auto set_id = [&](std::optional<uint32_t>* out) {
    auto v = ParseNumber(value, 10, 0xfffffffe);
    if (!v) return bad("expected a decimal id");
    *out = static_cast<uint32_t>(*v);
    return 0;
  };
  auto set_mode = [&](std::optional<uint32_t>* out) {
    auto v = ParseNumber(value, 8, 07777);
    if (!v) return bad("expected octal permission bits, e.g. 0644");
    *out = static_cast<uint32_t>(*v);
    return 0;
  };
  auto set_duration = [&](std::chrono::milliseconds* out, std::chrono::milliseconds max,
                          const std::string& max_text) {
    auto v = ParseDuration(value);
    if (!v.ok() || *v > max) {
      st->error = "invalid value in option '" + a + "': expected a duration of at most " +
                  max_text + ": seconds (30), or 500ms, 30s, 5m, 1h";
      return -1;
    }
    *out = *v;
    return 0;
  };
  auto set_text = [&](std::string* out) {
    if (value.empty()) return bad("empty");
    *out = value;
    return 0;
  };
  switch (key) {
    case FUSE_OPT_KEY_NONOPT:
      st->positional.push_back(a);
      return 0;
    case FUSE_OPT_KEY_OPT:
      // Empty items (",," or a trailing comma) come from templates such as a
      // unit's "-o endpoint=${ENDPOINT},${OPTIONS}" with nothing in OPTIONS.
      if (a.empty() || Ignored(a)) return 0;
      if (S3fsTuning(a)) {
        c.notices.push_back("s3fs option '" + a + "' ignored: sosfs tunes this itself");
        return 0;
      }
      if (PassThrough(a)) {
        c.fuse_options.push_back(a);
        return 0;
      }
      st->error = "unknown option '" + a + "'";
      return -1;
    case kEndpoint:
      if (value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0) {
        // s3fs's endpoint= is the region name (its URL is url=).
        if (value.empty() || value.find_first_of("/:.") != std::string::npos) {
          return bad("expected http://host[:port], https://..., or (as s3fs) a region name");
        }
        c.region = value;
        c.notices.push_back("endpoint=" + value + " taken as the region, as s3fs does");
        return 0;
      }
      c.endpoint = value;
      return 0;
    case kUrl:
      if (value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0) {
        return bad("expected http://host[:port] or https://...");
      }
      c.endpoint = value;
      return 0;
    case kUseCache:
      // s3fs's use_cache=DIR holds the caches of many mounts (often /tmp):
      // this mount's goes in a directory of its own below it. Empty turns
      // s3fs's cache off; sosfs always has one.
      if (!value.empty()) c.cache_root = value;
      return 0;
    case kStatCacheExpire: {
      auto v = ParseNumber(value, 10, 365 * 24 * 3600);
      if (!v) return bad("expected seconds");
      c.stat_ttl = std::chrono::seconds(*v);
      return 0;
    }
    case kCaFile:
      return set_text(&c.ca_file);
    case kInsecure:
      c.verify_tls = false;
      c.notices.push_back("'" + a + "': the endpoint's TLS certificate is NOT verified");
      return 0;
    case kRegion:
      return set_text(&c.region);
    case kProfile:
      return set_text(&c.profile);
    case kPasswdFile:
      c.passwd_file = value;  // empty: not given (a template's unset variable)
      return 0;
    case kPathStyle:
      c.path_style = true;
      return 0;
    case kVirtualHost:
      c.path_style = false;
      return 0;
    case kUid:
      return set_id(&c.uid);
    case kGid:
      return set_id(&c.gid);
    case kUmask:
      return set_mode(&c.umask);
    case kFileMode:
      return set_mode(&c.file_mode);
    case kDirMode:
      return set_mode(&c.dir_mode);
    case kCacheDir:
      return set_text(&c.cache_dir);
    case kCacheSize: {
      auto v = ParseSize(value);
      if (!v.ok() || *v == 0) return bad("expected a size such as 512M or 4G");
      c.cache_size = *v;
      return 0;
    }
    case kStatTtl:
      return set_duration(&c.stat_ttl, std::chrono::days(365), "a year");
    case kEnsureDiskfree: {  // s3fs's option, in MiB
      auto v = ParseNumber(value, 10, uint64_t{1} << 30);
      if (!v) return bad("expected MiB");
      c.min_disk_free = *v << 20;
      return 0;
    }
    case kWritebackDelay:
      return set_duration(&c.writeback_delay, std::chrono::hours(24), "a day");
    case kDefaultAcl: {
      static constexpr std::string_view kCanned[] = {
          "private",           "public-read",
          "public-read-write", "authenticated-read",
          "bucket-owner-read", "bucket-owner-full-control"};
      if (std::find(std::begin(kCanned), std::end(kCanned), value) == std::end(kCanned)) {
        return bad(
            "expected a canned ACL: private, public-read, public-read-write, "
            "authenticated-read, bucket-owner-read, bucket-owner-full-control");
      }
      c.default_acl = value;
      return 0;
    }
    case kLogLevel:
      if (!ValidateLogLevel(value).ok()) {
        return bad("expected a log level: trace, debug, info, warn, error, critical or off");
      }
      c.log_level = value;
      return 0;
    case kForeground:
      c.foreground = true;
      return 0;
    case kDebug:
      c.debug = true;
      c.foreground = true;
      return 0;
    case kHelp:
      c.show_help = true;
      return 0;
    case kVersion:
      c.show_version = true;
      return 0;
    case kReadOnly:
      c.read_only = true;
      c.fuse_options.push_back("ro");
      return 0;
    case kAllowOther:
      c.allow_other = true;
      c.fuse_options.push_back("allow_other");
      return 0;
    case kAllowRoot:
      c.allow_root = true;
      c.fuse_options.push_back("allow_root");
      return 0;
  }
  st->error = "unexpected argument '" + a + "'";
  return -1;
}

}  // namespace

Result<MountConfig> ParseMountArgs(int argc, char** argv) {
  ParseState st;
  fuse_args args = FUSE_ARGS_INIT(argc, argv);
  int rc = fuse_opt_parse(&args, &st, kSpecs, Process);
  fuse_opt_free_args(&args);
  if (rc != 0) {
    return Status::InvalidArgument(st.error.empty() ? "cannot parse the command line" : st.error);
  }
  MountConfig& c = st.config;
  if (c.show_help || c.show_version) return c;
  if (st.positional.size() != 2) {
    return Status::InvalidArgument(st.positional.size() < 2
                                       ? "expected BUCKET[:/prefix] and MOUNTPOINT"
                                       : "unexpected argument '" + st.positional[2] + "'");
  }
  std::string source = st.positional[0];
  if (source.rfind("sosfs#", 0) == 0) source = source.substr(6);
  size_t colon = source.find(':');
  c.bucket = source.substr(0, colon);
  if (colon != std::string::npos) {
    std::string prefix = source.substr(colon + 1);
    while (!prefix.empty() && prefix.front() == '/') prefix.erase(prefix.begin());
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    c.prefix = prefix.empty() ? "" : prefix + "/";
  }
  if (c.bucket.empty() || c.bucket.find('/') != std::string::npos) {
    return Status::InvalidArgument("invalid bucket name '" + c.bucket + "'");
  }
  c.mountpoint = st.positional[1];
  if (c.allow_other) c.fuse_options.push_back("default_permissions");
  return c;
}

std::string DefaultCacheDir(const MountConfig& c) {
  std::string name = c.bucket;
  if (!c.prefix.empty()) {
    std::string p = c.prefix.substr(0, c.prefix.size() - 1);
    for (char& ch : p) {
      if (ch == '/') ch = '_';
    }
    name += "@" + p;
  }
  // Different endpoints with the same bucket name get different caches.
  size_t h = std::hash<std::string>()(c.endpoint);
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, "-%08x", static_cast<unsigned>(h & 0xffffffffu));
  name += suffix;
  if (!c.cache_root.empty()) return c.cache_root + "/sosfs-" + name;
  if (::geteuid() == 0) return "/var/cache/sosfs/" + name;
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/sosfs/" + name;
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "/tmp") + "/.cache/sosfs/" + name;
}

std::string MountUsage(const char* program) {
  return std::string("usage: ") + program +
         " BUCKET[:/prefix] MOUNTPOINT [-f] [-d] [-o option[,option...]]\n"
         "\n"
         "Mounts an S3 bucket (or a prefix of it) as a file system.\n"
         "\n"
         "options:\n"
         "  endpoint=URL        S3 endpoint (default http://127.0.0.1:8000, the local sosd)\n"
         "  region=REGION       signing region (default us-east-1)\n"
         "  profile=NAME        credentials from this ~/.aws/credentials profile\n"
         "  passwd_file=PATH    credentials from an s3fs passwd file (mode 0600)\n"
         "  ca_file=PATH        extra CA certificates (PEM) for an https endpoint\n"
         "  insecure            do not verify the endpoint's TLS certificate (test setups;\n"
         "                      s3fs's no_check_certificate)\n"
         "  path_style          path-style requests (default)\n"
         "  virtual_host        virtual-hosted-style requests (bucket.host)\n"
         "  uid=N gid=N         owner of objects without x-amz-meta-uid/gid\n"
         "  umask=OCTAL         mask applied to every mode\n"
         "  file_mode=OCTAL     permissions of files without x-amz-meta-mode (0644)\n"
         "  dir_mode=OCTAL      permissions of directories without x-amz-meta-mode (0755)\n"
         "  ro                  read-only mount\n"
         "  allow_other         let other users in (implies default_permissions)\n"
         "  allow_root          let root in\n"
         "  cache_dir=PATH      local cache (default /var/cache/sosfs/BUCKET-...)\n"
         "  cache_size=SIZE     local cache limit, e.g. 4G (dirty data is never evicted)\n"
         "  ensure_diskfree=MiB free space kept on the cache's disk (512): clean data is\n"
         "                      evicted for it; when unuploaded data fills the cache,\n"
         "                      writers wait for uploads (not when the remote is down)\n"
         "  stat_ttl=DURATION   how long metadata is trusted: seconds, or 500ms, 5m, 1h (30)\n"
         "  writeback_delay=DURATION\n"
         "                      how long a closed file or a delete waits in the local\n"
         "                      journal before it is sent (200ms): what follows it goes\n"
         "                      in the same upload or DeleteObjects batch\n"
         "  default_acl=ACL     canned ACL of every object written (default: private)\n"
         "  log_level=LEVEL     trace, debug, info, warn, error, critical, off (info); the log\n"
         "                      goes to stderr in the foreground, to syslog/journald once "
         "detached\n"
         "  foreground, -f      stay in the foreground\n"
         "  debug, -d           log every FUSE request (implies foreground)\n"
         "fstab options for mount(8) (_netdev, nofail, noauto, x-systemd.*, ...) are ignored.\n"
         "\n"
         "s3fs fstab lines work with fuse.sosfs in place of fuse.s3fs: url=URL is endpoint=,\n"
         "endpoint=REGION (not a URL) is region=, use_path_request_style is path_style,\n"
         "use_cache=DIR holds the cache (in a directory of its own), stat_cache_expire=SECONDS\n"
         "is stat_ttl=; without url= the endpoint is the local sosd, not AWS; s3fs's tuning\n"
         "options (multireq_max, parallel_count, multipart_size, nonempty, ...) are accepted and\n"
         "logged as ignored; credentials are also looked for in ~/.passwd-s3fs, "
         "/etc/passwd-s3fs.\n";
}

}  // namespace sos
