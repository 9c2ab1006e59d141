// sosfs: mounts an S3 bucket as a file system (see mount_options.h for the
// command line). Everything that can fail is checked before mounting
// (options, credentials, the bucket, the cache directory), so a bad mount
// exits 1 with a message and leaves nothing mounted; the daemon child of
// fuse_daemonize() opens LMDB and starts the upload threads.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/cache_dir_lock.h"
#include "fuse/core/filesystem.h"
#include "fuse/fuse_adapter.h"
#include "fuse/mount_options.h"
#include "s3core/client/credentials.h"
#include "s3core/client/curl_object_store.h"
#include "s3core/log.h"
#include "s3core/draining_mounts.h"
#include "s3core/service_notify.h"

namespace sos {
namespace {

// Lifetime of the URL that getfattr -n user.sos.presign returns.
constexpr int kPresignedUrlSeconds = 24 * 3600;

bool Readable(const std::string& path) { return ::access(path.c_str(), R_OK) == 0; }

Result<Credentials> LoadCredentials(const MountConfig& c) {
  if (!c.passwd_file.empty()) return CredentialsFromPasswdFile(c.passwd_file, c.bucket);
  if (!c.profile.empty()) return CredentialsFromProfile(c.profile);
  auto creds = LoadDefaultCredentials();
  if (creds.ok()) return creds;
  // s3fs-style passwd files in their usual places, sosfs's first, then s3fs's
  // own, so that an s3fs setup mounts unchanged.
  std::vector<std::string> candidates;
  const char* home = std::getenv("HOME");
  if (home) candidates.push_back(std::string(home) + "/.passwd-sosfs");
  candidates.push_back("/etc/passwd-sosfs");
  if (home) candidates.push_back(std::string(home) + "/.passwd-s3fs");
  candidates.push_back("/etc/passwd-s3fs");
  for (const auto& path : candidates) {
    if (Readable(path)) return CredentialsFromPasswdFile(path, c.bucket);
  }
  return Status::Unauthenticated(
      "no credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, use -o profile= or "
      "-o passwd_file=, or create ~/.passwd-sosfs (ACCESS:SECRET, mode 0600)");
}

std::string Explain(const Status& s, const MountConfig& c) {
  std::string where = "bucket '" + c.bucket + "' at " + c.endpoint;
  switch (s.code()) {
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied:
      return "access to " + where + " denied: check the credentials (" + s.ToString() + ")";
    case StatusCode::kNotFound:
      return where + " does not exist (" + s.ToString() + ")";
    default:
      return "cannot reach " + where + ": " + s.ToString();
  }
}

int Run(int argc, char** argv) {
  (void)InitLogging({"sosfs", "info", LogTarget::kStderr});
  auto parsed = ParseMountArgs(argc, argv);
  if (!parsed.ok()) {
    spdlog::error("{}", parsed.status().message());
    std::fprintf(stderr, "%s", MountUsage("sosfs").c_str());
    return 1;
  }
  MountConfig config = *parsed;
  (void)InitLogging({"sosfs", config.log_level, LogTarget::kStderr});  // validated by the parser
  for (const std::string& notice : config.notices) spdlog::info("{}", notice);
  if (config.show_help) {
    std::printf("%s", MountUsage("sosfs").c_str());
    return 0;
  }
  if (config.show_version) {
    std::printf("sosfs 0.1.0 (libfuse %d)\n", fuse_version());
    return 0;
  }
  char real[PATH_MAX];
  struct stat sb;
  if (::realpath(config.mountpoint.c_str(), real) == nullptr || ::stat(real, &sb) != 0 ||
      !S_ISDIR(sb.st_mode)) {
    spdlog::error("mount point {} is not a directory", config.mountpoint);
    return 1;
  }
  config.mountpoint = real;

  auto credentials = LoadCredentials(config);
  if (!credentials.ok()) {
    spdlog::error("{}", credentials.status().message());
    return 1;
  }
  CurlObjectStore::Options client;
  client.endpoint = config.endpoint;
  client.region = config.region;
  client.path_style = config.path_style;
  client.ca_file = config.ca_file;
  client.verify_tls = config.verify_tls;
  client.credentials = *credentials;
  {
    // Fail fast: wrong credentials, a missing bucket or a dead endpoint.
    CurlObjectStore::Options probe_options = client;
    probe_options.max_retries = 1;
    CurlObjectStore probe(probe_options);
    Status s = probe.HeadBucket(config.bucket);
    if (!s.ok()) {
      spdlog::error("{}", Explain(s, config));
      return 1;
    }
  }
  CurlObjectStore store(client);

  std::string cache_dir = config.cache_dir.empty() ? DefaultCacheDir(config) : config.cache_dir;
  if (cache_dir[0] != '/') {
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof cwd) != nullptr) cache_dir = std::string(cwd) + "/" + cache_dir;
  }
  // A previous instance may still be uploading after its unmount: wait for it.
  auto lock = CacheDirLock::Acquire(cache_dir, std::chrono::seconds(60));
  if (!lock.ok()) {
    spdlog::error("{}", lock.status().message());
    return 1;
  }

  FilesystemOptions options;
  options.bucket = config.bucket;
  options.prefix = config.prefix;
  options.defaults.uid = config.uid.value_or(::getuid());
  options.defaults.gid = config.gid.value_or(::getgid());
  options.defaults.file_mode = config.file_mode.value_or(0644);
  options.defaults.dir_mode = config.dir_mode.value_or(0755);
  options.defaults.umask = config.umask;
  options.defaults.mount_time_ns = NsFromTimespec(NowTimespec());
  options.read_only = config.read_only;
  options.cache_dir = cache_dir;
  options.cache_size = config.cache_size;
  options.stat_ttl = config.stat_ttl;
  options.upload_delay = config.writeback_delay;
  options.min_disk_free = config.min_disk_free;
  options.identity = config.endpoint + "/" + config.bucket + "/" + config.prefix;
  options.default_acl = config.default_acl;
  if (config.default_acl == "public-read-write") {
    spdlog::warn(
        "default_acl=public-read-write lets anyone overwrite and delete the files written here; "
        "not recommended");
  }
  const std::string bucket = config.bucket;
  options.public_url = [&store, bucket](const std::string& key) {
    return store.client().UrlFor(bucket, key);
  };
  options.presigned_url = [&store, bucket](const std::string& key) {
    return store.client().Presign("GET", bucket, key, kPresignedUrlSeconds);
  };
  Filesystem fs(store, options);

  std::vector<std::string> fuse_argv = {argv[0]};
  std::string opts = "fsname=" + config.bucket + ",subtype=sosfs";
  for (const auto& o : config.fuse_options) opts += "," + o;
  fuse_argv.push_back("-o");
  fuse_argv.push_back(opts);
  if (config.debug) fuse_argv.push_back("-d");
  std::vector<char*> cargv;
  for (auto& a : fuse_argv) cargv.push_back(a.data());
  fuse_args args = FUSE_ARGS_INIT(static_cast<int>(cargv.size()), cargv.data());
  fuse_session* se = fuse_session_new(&args, &FuseOperations(), sizeof(fuse_lowlevel_ops), &fs);
  if (se == nullptr) {
    spdlog::error("cannot create the FUSE session (bad mount options?)");
    return 1;
  }
  if (fuse_set_signal_handlers(se) != 0) {
    fuse_session_destroy(se);
    return 1;
  }
  if (fuse_session_mount(se, config.mountpoint.c_str()) != 0) {
    // libfuse printed its own reason; name the usual cause plainly too.
    std::string why;
    if (::access("/dev/fuse", R_OK | W_OK) != 0) {
      why = ": /dev/fuse is missing or not usable (" + std::string(std::strerror(errno)) +
            "; load the fuse module, or bind the device into the container)";
    }
    spdlog::error("cannot mount on {}{}", config.mountpoint, why);
    fuse_remove_signal_handlers(se);
    fuse_session_destroy(se);
    return 1;
  }
  fuse_daemonize(config.foreground ? 1 : 0);
  // Detached, stderr is /dev/null: from here the log goes to syslog (journald),
  // so that an upload that fails is always seen.
  (void)InitLogging({"sosfs", config.log_level});

  // Only the main thread may take SIGTERM/SIGINT/SIGHUP: it is the one libfuse's
  // loop wakes up with. Threads started from here on (uploads, TBB, curl)
  // inherit the blocked mask.
  sigset_t signals, previous;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, &previous);
  int rc = 1;
  Status init = fs.Init();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (!init.ok()) {
    spdlog::error("cannot open the cache in {}: {}", cache_dir, init.ToString());
  } else {
    fuse_loop_config* loop = fuse_loop_cfg_create();
    fuse_loop_cfg_set_max_threads(loop, 16);
    NotifyReady("mounted " + config.bucket + " at " + config.mountpoint);
    rc = fuse_session_loop_mt(se, loop) == 0 ? 0 : 1;
    fuse_loop_cfg_destroy(loop);
  }
  NotifyStopping("unmounting; pending uploads go on until they are on the server");
  fuse_session_unmount(se);
  // Unmounted: now wait for the uploads still pending (a service manager's
  // stop timeout bounds this; what is left stays in the cache's journal).
  std::optional<DrainingMark> draining;  // a local sosd stopping now waits for us
  if (const size_t pending = fs.PendingChanges(); pending > 0) {
    spdlog::info("unmounted {}; waiting until {} pending upload(s) and delete(s) are on the server",
                 config.mountpoint, pending);
    draining.emplace(kDrainingMountsDir, config.mountpoint);
  }
  fs.Shutdown();
  draining.reset();
  if (const size_t left = fs.PendingChanges(); left > 0) {
    spdlog::warn("{} upload(s) or delete(s) not on the server; they stay in the cache's journal "
                 "for the next mount",
                 left);
  }
  fuse_remove_signal_handlers(se);
  fuse_session_destroy(se);
  fuse_opt_free_args(&args);
  ShutdownLogging();
  return rc;
}

}  // namespace
}  // namespace sos

int main(int argc, char** argv) { return sos::Run(argc, argv); }
