#include "ctl/tree.h"

#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "ctl/commands.h"

namespace sos::ctl {
namespace fs = std::filesystem;

bool TreeFilters::Allows(const std::string& rel) const {
  bool included = true;
  for (const auto& [include, pattern] : rules) {
    if (::fnmatch(pattern.c_str(), rel.c_str(), 0) == 0) included = include;
  }
  return included;
}

bool IsSafeRelativePath(const std::string& rel) {
  if (rel.empty() || rel.find('\0') != std::string::npos) return false;
  size_t start = 0;
  while (start <= rel.size()) {
    size_t end = rel.find('/', start);
    if (end == std::string::npos) end = rel.size();
    std::string_view part(rel.data() + start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

std::string AsPrefix(std::string key) {
  if (!key.empty() && !key.ends_with('/')) key += '/';
  return key;
}

Result<LocalTree> ListLocalTree(const std::string& root, bool follow_symlinks) {
  LocalTree tree;
  std::error_code ec;
  auto options = fs::directory_options::skip_permission_denied;
  if (follow_symlinks) options |= fs::directory_options::follow_directory_symlink;
  fs::recursive_directory_iterator it(root, options, ec), end;
  if (ec) return StatusFromErrno(ec.value(), "cannot read " + root);
  // The directories above the current entry: one seen again is a symlink loop
  // (a directory reached twice along different paths is not).
  using DirId = std::pair<dev_t, ino_t>;
  struct stat root_st {};
  if (::stat(root.c_str(), &root_st) != 0) return StatusFromErrno(errno, "cannot stat " + root);
  std::vector<DirId> above;
  for (; it != end; it.increment(ec)) {
    if (ec) return StatusFromErrno(ec.value(), "cannot read below " + root);
    const fs::path& path = it->path();
    std::string rel = path.lexically_relative(root).generic_string();
    struct stat st {};
    bool is_link = it->is_symlink(ec);
    if (is_link && !follow_symlinks) {
      tree.skipped.push_back(rel + ": a symbolic link (skipped; drop --no-follow-symlinks)");
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (::stat(path.c_str(), &st) != 0) {
      tree.skipped.push_back(rel + ": " + std::strerror(errno));
      tree.complete = false;
      continue;
    }
    if (S_ISDIR(st.st_mode) && ::access(path.c_str(), R_OK | X_OK) != 0) {
      tree.skipped.push_back(rel + "/: " + std::strerror(errno));
      tree.complete = false;
      it.disable_recursion_pending();
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      above.resize(static_cast<size_t>(it.depth()));
      DirId id{st.st_dev, st.st_ino};
      if (id == DirId{root_st.st_dev, root_st.st_ino} ||
          std::find(above.begin(), above.end(), id) != above.end()) {
        tree.skipped.push_back(rel + ": a symbolic link loop");
        it.disable_recursion_pending();
      }
      above.push_back(id);
      continue;
    }
    if (!S_ISREG(st.st_mode)) {
      tree.skipped.push_back(rel + ": not a regular file");
      continue;
    }
    TreeEntry e;
    e.rel = std::move(rel);
    e.size = static_cast<uint64_t>(st.st_size);
    e.mtime = TimePoint(std::chrono::duration_cast<TimePoint::duration>(
        std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
    tree.files.push_back(std::move(e));
  }
  return tree;
}

Result<RemoteTree> ListRemoteTree(ObjectStore& store, const std::string& bucket,
                                  const std::string& prefix, bool local_names) {
  std::vector<ObjectMeta> objects;
  SOS_RETURN_IF_ERROR(ListAllObjects(store, bucket, prefix, &objects));
  RemoteTree tree;
  for (ObjectMeta& o : objects) {
    if (o.key.ends_with('/')) continue;  // a directory marker
    std::string rel = o.key.substr(prefix.size());
    if (rel.empty() || (local_names && !IsSafeRelativePath(rel))) {
      tree.unsafe.push_back(o.key);
      continue;
    }
    tree.objects.push_back({std::move(rel), o.size, o.last_modified, std::move(o.etag)});
  }
  return tree;
}

}  // namespace sos::ctl
