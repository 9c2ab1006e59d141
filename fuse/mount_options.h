// MountConfig and ParseMountArgs: the sosfs command line.
//
//   sosfs BUCKET[:/prefix] MOUNTPOINT [-f] [-d] [-o opt[,opt...]]
//
// The shape mount.fuse3 uses for `mount -t fuse.sosfs BUCKET DIR -o ...`
// (source first, options after, "sosfs#BUCKET" in old fstabs) is accepted.
// -o options are parsed with libfuse's fuse_opt; unknown or malformed ones are
// errors. Options fstab adds for mount(8) itself (_netdev, nofail, rw, dev,
// suid, exec, auto, noauto, user, nouser, defaults, x-systemd.*, x-*) are
// ignored; kernel and libfuse mount options sosfs supports (allow_other,
// allow_root, ro, nosuid, nodev, noexec, noatime, default_permissions, ...)
// are passed to libfuse. Pure function; thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "s3core/status.h"

namespace sos {

struct MountConfig {
  std::string bucket;
  std::string prefix;  // "" or "dir/sub/" (no leading slash, trailing slash)
  std::string mountpoint;

  std::string endpoint = "http://127.0.0.1:8000";
  std::string region = "us-east-1";
  std::string profile;
  std::string passwd_file;
  bool path_style = true;
  std::string ca_file;     // extra CA bundle; empty: the system's
  bool verify_tls = true;  // false: `insecure`

  bool allow_other = false;
  bool allow_root = false;
  bool read_only = false;
  bool foreground = false;
  bool debug = false;

  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
  std::optional<uint32_t> umask;
  std::optional<uint32_t> file_mode;
  std::optional<uint32_t> dir_mode;

  std::string cache_dir;   // empty: the default for this bucket
  std::string cache_root;  // s3fs's use_cache=DIR: the default's name, below DIR
  uint64_t cache_size = uint64_t{4} << 30;
  std::chrono::milliseconds stat_ttl{30000};
  std::chrono::milliseconds writeback_delay{200};  // FilesystemOptions::upload_delay
  uint64_t min_disk_free = uint64_t{512} << 20;    // ensure_diskfree=MiB
  std::string default_acl;  // canned ACL for writes; "" = the server's default
  std::string log_level = "info";

  // Mount options handed to libfuse/the kernel ("allow_other", "ro", ...).
  std::vector<std::string> fuse_options;
  // s3fs options accepted for an fstab line written for s3fs, with what sosfs
  // made of each; logged once logging is up.
  std::vector<std::string> notices;
  bool show_help = false;
  bool show_version = false;
};

Result<MountConfig> ParseMountArgs(int argc, char** argv);
std::string MountUsage(const char* program);

// The default cache directory of a mount: /var/cache/sosfs/... for root,
// $XDG_CACHE_HOME or ~/.cache/sosfs/... for others.
std::string DefaultCacheDir(const MountConfig& config);

}  // namespace sos
