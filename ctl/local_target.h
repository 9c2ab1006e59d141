// LocalTarget: a local directory that cp -r and sync write into and delete
// from. Paths below the root are walked one component at a time with
// O_NOFOLLOW, so neither a symbolic link inside the target nor a hostile key
// can make sosctl write, rename or delete anything outside it (a link where
// a directory is expected is an error for that file). The root itself is the
// user's choice and may be a link. Created directories get 0777 & ~umask,
// files 0666 & ~umask, as cp and mkdir -p give them.
//
// Downloads land in a hidden ".sosctl-part-XXXXXXXX" file in the same
// directory, get the object's LastModified as mtime, and are renamed over the
// name only when every byte arrived. Thread-safe: no state but the root.
#pragma once

#include <string>

#include "ctl/progress_bar.h"
#include "ctl/s3_path.h"
#include "s3core/client/object_store.h"
#include "s3core/status.h"

namespace sos::ctl {

class LocalTarget {
 public:
  explicit LocalTarget(std::string root) : root_(std::move(root)) {}

  // `rel` must be IsSafeRelativePath (tree.h).
  Status Download(ObjectStore& store, const S3Path& src, const std::string& rel,
                  ProgressBar* progress) const;
  // Removes the file `rel` (a missing one is fine).
  Status Remove(const std::string& rel) const;

 private:
  const std::string root_;
};

}  // namespace sos::ctl
