// FilesystemOptions: how one sosfs mount behaves (what the -o options set, plus
// tuning knobs tests turn down). A plain value shared read-only by the
// Filesystem and the classes it owns.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "fuse/core/s3fs_meta.h"
#include "s3core/client/object_copy.h"
#include "s3core/status.h"

namespace sos {

struct FilesystemOptions {
  std::string bucket;
  std::string prefix;  // key prefix of the mount: "" or "some/dir/"
  MountDefaults defaults;
  bool read_only = false;
  // Canned ACL sent with every object sosfs writes ("" = the server's
  // default, private); -o default_acl=.
  std::string default_acl;

  // URLs for the user.sos.url and user.sos.presign attributes, given the
  // object key (unset in tests without an endpoint: the attributes are absent).
  std::function<std::string(const std::string& key)> public_url;
  std::function<Result<std::string>(const std::string& key)> presigned_url;

  // Local cache (cache/): where, how big, how long metadata stays fresh.
  std::string cache_dir;
  uint64_t cache_size = uint64_t{4} << 30;
  std::chrono::milliseconds stat_ttl{30000};
  std::string identity;  // endpoint/bucket/prefix; binds cache_dir to this mount
  std::function<int64_t()> cache_clock;  // tests: the metadata cache's clock (ns since the epoch)
  // The floor kept free on the cache's disk (-o ensure_diskfree=MiB): clean
  // files are evicted to keep it, and writers wait for uploads below it.
  uint64_t min_disk_free = uint64_t{512} << 20;
  std::function<uint64_t()> disk_free;  // tests: bytes free on the cache's disk
  // When unuploaded data fills the cache (over cache_size or under the
  // floor), writers wait for uploads, but only while one has finished within
  // this long: with the remote down, writes go on until the disk is full.
  std::chrono::milliseconds backpressure_stall{10000};

  // Data path.
  uint64_t block_size = uint64_t{1} << 20;           // unit of fetching and of the block index
  uint64_t multipart_threshold = uint64_t{8} << 20;  // single PUT below, multipart from here
  uint64_t part_size = uint64_t{8} << 20;            // grows so that parts <= 10000
  // Sequential reads fetch ahead in the background: readahead_blocks at
  // first, the window doubling each time it moves while the reads stay
  // sequential, up to max_readahead_blocks; fetches are ranged GETs of up to
  // fetch_chunk bytes, read_concurrency at a time for the whole mount (what
  // hides the round trips of a distant endpoint).
  int readahead_blocks = 8;
  int max_readahead_blocks = 64;
  uint64_t fetch_chunk = uint64_t{4} << 20;
  int read_concurrency = 8;
  LargeCopyOptions large_copy;                       // server-side copies over 5 GiB go multipart

  // Concurrency.
  int head_concurrency = 64;  // parallel HEADs when listing a directory
  int copy_concurrency = 16;  // parallel copies when renaming a directory
  // Opening a directory fetches the listings of up to list_prefetch of its
  // subdirectories ahead, prefetch_threads at once (ls -lR, find, du).
  int list_prefetch = 64;
  int prefetch_threads = 32;
  // Opening a file of at most small_file_size bytes for reading fetches the
  // next small_file_prefetch small files of its directory (by name) ahead.
  int small_file_prefetch = 8;
  uint64_t small_file_size = uint64_t{1} << 20;
  int upload_threads = 4;     // files uploaded at once
  // A closed file waits this long before its upload starts, so that the
  // attribute changes tools make right after close go up with the data; a
  // delete waits as long, so that the ones after it share its batch
  // (-o writeback_delay=).
  std::chrono::milliseconds upload_delay{200};
  int part_concurrency = 4;  // parts of one multipart upload at once

  // Upload retries: `upload_attempts` tries per round with exponential backoff
  // from retry_delay; a failed round is retried after requeue_delay.
  int upload_attempts = 4;
  std::chrono::milliseconds retry_delay{200};
  std::chrono::milliseconds requeue_delay{5000};
  // Shutdown gives failing uploads this many more rounds before leaving them
  // in the journal for the next mount.
  int shutdown_rounds = 3;
};

}  // namespace sos
