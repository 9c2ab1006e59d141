// The trees cp -r and sync work on: the files below a local directory and the
// objects below an S3 prefix, each named by its path relative to the root
// ('/'-separated), with size and modification time; and the include/exclude
// filters that select among them.
//
// Local trees: regular files; symlinks are followed (to files and to
// directories, loops refused) unless follow_symlinks is false, when they are
// skipped; FIFOs, sockets and devices are skipped with a warning. Remote
// trees: every object under the prefix except "directory markers" (keys
// ending in '/'). A key that cannot be a safe local path (an empty, "." or
// ".." component, or a NUL) is reported in `unsafe` and never written to disk.
//
// Filters follow the aws CLI: everything is included, then each --exclude /
// --include pattern in the order given may change that; the last match wins.
// Patterns are fnmatch globs over the relative path ('*' crosses '/').
//
// Pure functions over the file system and the store; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ctl/s3_path.h"
#include "s3core/client/object_store.h"
#include "s3core/model.h"
#include "s3core/status.h"

namespace sos::ctl {

struct TreeEntry {
  std::string rel;  // relative path, '/'-separated
  uint64_t size = 0;
  TimePoint mtime{};  // local: the file's mtime; remote: LastModified
  std::string etag;   // remote only, quoted
};

struct TreeFilters {
  std::vector<std::pair<bool, std::string>> rules;  // (include?, pattern) in order
  bool Allows(const std::string& rel) const;
};

struct LocalTree {
  std::vector<TreeEntry> files;
  std::vector<std::string> skipped;  // what was left out, and why
  // False when a directory or file could not be read: sync must then not
  // delete at the destination what it may only have failed to see.
  bool complete = true;
};
Result<LocalTree> ListLocalTree(const std::string& root, bool follow_symlinks);

struct RemoteTree {
  std::vector<TreeEntry> objects;
  std::vector<std::string> unsafe;  // keys that cannot become local paths
};
// `prefix` is used as given: pass "dir/" to list the tree below dir. With
// `local_names`, keys that cannot be local paths go to `unsafe` instead.
Result<RemoteTree> ListRemoteTree(ObjectStore& store, const std::string& bucket,
                                  const std::string& prefix, bool local_names);

// True when `rel` can be joined below a local directory without leaving it.
bool IsSafeRelativePath(const std::string& rel);

// A directory-like prefix: "" stays "", anything else ends in '/'.
std::string AsPrefix(std::string key);

}  // namespace sos::ctl
