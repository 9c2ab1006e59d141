#include "fuse/core/remote_tree.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "fuse/core/fs_errors.h"
#include "fuse/core/inode_table.h"
#include "s3core/client/object_copy.h"
#include "s3core/client/parallel.h"

namespace sos {
namespace {

int64_t ToNs(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

int64_t NowNs() { return ToNs(std::chrono::system_clock::now()); }

constexpr size_t kMaxSymlinkTarget = 4096;

}  // namespace

RemoteEntry EntryFromMeta(const ObjectMeta& meta, bool is_dir) {
  RemoteEntry e;
  e.is_dir = is_dir;
  e.has_marker = is_dir;
  e.size = meta.size;
  e.etag = meta.etag;
  e.last_modified_ns = ToNs(meta.last_modified);
  e.content_type = meta.content_type;
  e.user_meta = meta.user_meta;
  return e;
}

Result<RemoteEntry> RemoteTree::Stat(const std::string& path) {
  if (path.empty()) {
    RemoteEntry root;
    root.is_dir = true;
    return root;
  }
  RemoteEntry cached;
  switch (cache_.GetAttr(path, &cached)) {
    case MetadataCache::Hit::kPositive:
      // A file whose delete is pending may hide a directory of the same name.
      if (!DeletePending(path, cached)) return cached;
      break;
    case MetadataCache::Hit::kNegative:
      return fs::NotFound(path);
    case MetadataCache::Hit::kMiss:
      break;
  }
  // A fresh listing of the parent answers "does not exist" without a request.
  if (auto listing = cache_.GetDir(ParentPath(path))) {
    std::string name = BaseName(path);
    bool listed = std::any_of(listing->begin(), listing->end(),
                              [&](const DirChild& c) { return c.name == name; });
    if (!listed) return fs::NotFound(path);
  }
  const uint64_t epoch = Epoch();
  auto entry = StatRemote(path);
  StoreIfCurrent(epoch, [&] {
    if (entry.ok()) {
      cache_.PutAttr(path, *entry);
    } else if (entry.status().code() == StatusCode::kNotFound) {
      cache_.PutNegative(path);
    }
  });
  if (entry.ok() && DeletePending(path, *entry)) return fs::NotFound(path);
  return entry;
}

bool RemoteTree::DeletePending(const std::string& path, const RemoteEntry& entry) const {
  return deletes_.Pending(entry.is_dir ? DirKey(path) : Key(path));
}

Result<RemoteEntry> RemoteTree::StatRemote(const std::string& path) {
  auto head = store_.Head(options_.bucket, Key(path));
  if (head.ok() && !deletes_.Pending(Key(path))) return EntryFromMeta(*head, false);
  if (!head.ok() && head.status().code() != StatusCode::kNotFound) return head.status();
  ListRequest req;
  req.bucket = options_.bucket;
  req.prefix = DirKey(path);
  req.max_keys = 1;
  SOS_ASSIGN_OR_RETURN(ListResult list, store_.List(req));
  if (list.objects.empty() && list.common_prefixes.empty()) return fs::NotFound(path);
  RemoteEntry dir;
  dir.is_dir = true;
  if (!list.objects.empty() && list.objects[0].key == DirKey(path)) {
    auto marker = store_.Head(options_.bucket, DirKey(path));
    if (marker.ok()) return EntryFromMeta(*marker, true);
    if (marker.status().code() != StatusCode::kNotFound) return marker.status();
  }
  return dir;
}

Result<std::vector<std::pair<std::string, RemoteEntry>>> RemoteTree::List(const std::string& dir) {
  std::vector<std::pair<std::string, RemoteEntry>> entries;
  std::vector<bool> need_head;
  const uint64_t epoch = Epoch();
  bool fetched = false;  // from the remote: the cache learns it, with a new expiry
  if (auto listing = cache_.GetDir(dir)) {
    for (const DirChild& c : *listing) {
      RemoteEntry e;
      bool fresh = cache_.GetAttr(JoinPath(dir, c.name), &e) == MetadataCache::Hit::kPositive;
      if (!fresh) e.is_dir = c.is_dir;
      entries.emplace_back(c.name, std::move(e));
      need_head.push_back(!fresh);
    }
  } else {
    fetched = true;
    const std::string prefix = DirKey(dir);
    std::map<std::string, std::pair<RemoteEntry, bool>> by_name;  // entry, needs HEAD
    ListRequest req;
    req.bucket = options_.bucket;
    req.prefix = prefix;
    req.delimiter = "/";
    req.include_user_meta = true;
    do {
      SOS_ASSIGN_OR_RETURN(ListResult page, store_.List(req));
      for (const ObjectMeta& m : page.objects) {
        if (!m.user_meta.empty()) server_user_meta_ = true;
      }
      for (const ObjectMeta& m : page.objects) {
        std::string name = m.key.substr(prefix.size());
        if (name.empty() || name.find('/') != std::string::npos) continue;
        if (deletes_.Pending(m.key)) continue;  // a directory of the same name may show
        bool head = m.user_meta.empty() && !server_user_meta_;
        by_name[name] = {EntryFromMeta(m, false), head};  // a file wins over a directory
      }
      for (const std::string& cp : page.common_prefixes) {
        std::string name = cp.substr(prefix.size());
        if (!name.empty() && name.back() == '/') name.pop_back();
        if (name.empty() || name.find('/') != std::string::npos) continue;
        RemoteEntry d;
        d.is_dir = true;
        // sosd lists each directory's marker with it: no HEAD needed.
        bool head = !page.markers_listed;
        if (auto marker = page.prefix_markers.find(cp); marker != page.prefix_markers.end()) {
          d = EntryFromMeta(marker->second, true);
          head = false;
        }
        by_name.emplace(name, std::make_pair(d, head));
      }
      req.continuation_token = page.next_token;
      if (!page.is_truncated || page.next_token.empty()) break;
    } while (true);
    std::vector<std::string> subdirs;
    for (auto& [name, v] : by_name) {
      if (v.first.is_dir) subdirs.push_back(JoinPath(dir, name));
      entries.emplace_back(name, std::move(v.first));
      need_head.push_back(v.second);
    }
    if (on_subdirs_ && !subdirs.empty()) on_subdirs_(subdirs);
  }
  SOS_RETURN_IF_ERROR(FillEntries(dir, &entries, need_head));
  // A listing served from the cache is stored again only if HEADs refreshed
  // some of it: storing it would push its expiry on, and a directory listed
  // more often than stat_ttl would never see another client's changes.
  const bool refreshed = std::find(need_head.begin(), need_head.end(), true) != need_head.end();
  if (fetched || refreshed) StoreIfCurrent(epoch, [&] { cache_.PutDir(dir, entries); });
  std::erase_if(entries, [&](const auto& e) { return DeletePending(JoinPath(dir, e.first), e.second); });
  return entries;
}

Status RemoteTree::FillEntries(const std::string& dir,
                               std::vector<std::pair<std::string, RemoteEntry>>* entries,
                               const std::vector<bool>& need_head) {
  std::vector<size_t> todo;
  for (size_t i = 0; i < entries->size(); ++i) {
    if (need_head[i]) todo.push_back(i);
  }
  std::vector<bool> gone(entries->size(), false);
  std::mutex mu;
  Status first_error;
  ParallelFor(todo.size(), options_.head_concurrency, [&](size_t t) {
    auto& [name, entry] = (*entries)[todo[t]];
    std::string path = JoinPath(dir, name);
    if (entry.is_dir) {
      auto marker = store_.Head(options_.bucket, DirKey(path));
      if (marker.ok()) {
        entry = EntryFromMeta(*marker, true);
      } else if (marker.status().code() == StatusCode::kNotFound) {
        entry = RemoteEntry();
        entry.is_dir = true;
      } else {
        std::lock_guard lock(mu);
        if (first_error.ok()) first_error = marker.status();
      }
      return;
    }
    auto head = store_.Head(options_.bucket, Key(path));
    if (head.ok()) {
      entry = EntryFromMeta(*head, false);
    } else if (head.status().code() == StatusCode::kNotFound) {
      gone[todo[t]] = true;  // deleted since the listing
    } else {
      std::lock_guard lock(mu);
      if (first_error.ok()) first_error = head.status();
    }
  });
  SOS_RETURN_IF_ERROR(first_error);
  size_t out = 0;
  for (size_t i = 0; i < entries->size(); ++i) {
    if (gone[i]) continue;
    if (out != i) (*entries)[out] = std::move((*entries)[i]);
    ++out;
  }
  entries->resize(out);
  return Status::Ok();
}

Result<bool> RemoteTree::HasChildren(const std::string& dir) {
  // A fresh listing answers, as it answers lookups (rm -r lists each
  // directory before its rmdir).
  if (auto listing = cache_.GetDir(dir)) {
    return std::any_of(listing->begin(), listing->end(), [&](const DirChild& c) {
      const std::string path = JoinPath(dir, c.name);
      return !deletes_.Pending(c.is_dir ? DirKey(path) : Key(path));
    });
  }
  // Without a delimiter: every key below, so that children whose deletes
  // are still pending can be skipped one by one.
  ListRequest req;
  req.bucket = options_.bucket;
  req.prefix = DirKey(dir);
  do {
    SOS_ASSIGN_OR_RETURN(ListResult page, store_.List(req));
    for (const ObjectMeta& m : page.objects) {
      if (m.key != req.prefix && !deletes_.Pending(m.key)) return true;
    }
    req.continuation_token = page.next_token;
    if (!page.is_truncated || page.next_token.empty()) return false;
  } while (true);
}

Result<RemoteEntry> RemoteTree::PutMarker(const std::string& dir,
                                          const std::map<std::string, std::string>& user_meta) {
  return PutWhole(dir, /*is_dir=*/true, "", user_meta);
}

Result<RemoteEntry> RemoteTree::PutSpecial(const std::string& path, const std::string& body,
                                           const std::map<std::string, std::string>& user_meta) {
  return PutWhole(path, /*is_dir=*/false, body, user_meta);
}

Result<RemoteEntry> RemoteTree::PutWhole(const std::string& path, bool is_dir,
                                         std::string_view body,
                                         const std::map<std::string, std::string>& user_meta) {
  SOS_RETURN_IF_ERROR(deletes_.Settle(is_dir ? DirKey(path) : Key(path), /*below=*/false));
  WriteOptions opts;
  opts.content_type = is_dir ? kDirContentType : kFileContentType;
  opts.user_meta = user_meta;
  opts.canned_acl = options_.default_acl;
  StringViewSource source(body);
  SOS_ASSIGN_OR_RETURN(
      PutResult put, store_.Put(options_.bucket, is_dir ? DirKey(path) : Key(path), source, opts));
  RemoteEntry e;
  e.is_dir = is_dir;
  e.has_marker = is_dir;
  e.size = body.size();
  e.etag = put.etag;
  e.last_modified_ns = NowNs();
  e.content_type = opts.content_type;
  e.user_meta = user_meta;
  Mutated([&] {
    cache_.PutAttr(path, e);
    cache_.UpdateDirChild(ParentPath(path), BaseName(path), is_dir);
  });
  return e;
}

Result<std::string> RemoteTree::ReadSymlink(const std::string& path) {
  std::string target;
  GetRequest req;
  req.bucket = options_.bucket;
  req.key = Key(path);
  req.range = ByteRange::Closed(0, kMaxSymlinkTarget - 1);
  auto got = store_.Get(req, AppendTo(&target));
  if (!got.ok()) {
    if (got.status().code() != StatusCode::kRangeNotSatisfiable) return got.status();
    return std::string();  // empty object: empty target
  }
  return target;
}

Result<RemoteEntry> RemoteTree::ReplaceMeta(const std::string& path, const RemoteEntry& current,
                                            const std::map<std::string, std::string>& user_meta) {
  if (current.is_dir && !current.has_marker) return PutMarker(path, user_meta);
  CopyRequest req;
  req.src_bucket = req.dst_bucket = options_.bucket;
  req.src_key = req.dst_key = current.is_dir ? DirKey(path) : Key(path);
  req.replace_metadata = true;
  req.options.canned_acl = options_.default_acl;
  req.options.content_type = !current.content_type.empty() ? current.content_type
                             : current.is_dir              ? kDirContentType
                                                           : kFileContentType;
  req.options.user_meta = user_meta;
  SOS_ASSIGN_OR_RETURN(CopyResult copied,
                       CopyObjectAnySize(store_, req, current.size, options_.large_copy));
  RemoteEntry e = current;
  e.etag = copied.etag;
  e.last_modified_ns = ToNs(copied.last_modified);
  e.user_meta = user_meta;
  e.content_type = req.options.content_type;
  Mutated([&] {
    cache_.PutAttr(path, e);
    cache_.UpdateDirChild(ParentPath(path), BaseName(path), e.is_dir);
  });
  return e;
}

Result<std::string> RemoteTree::CopyFile(const std::string& from, const std::string& to,
                                         const RemoteEntry* source, const std::string& if_match,
                                         bool replace_meta) {
  SOS_RETURN_IF_ERROR(deletes_.Settle(Key(to), /*below=*/false));
  CopyRequest req;
  req.src_bucket = req.dst_bucket = options_.bucket;
  req.src_key = Key(from);
  req.dst_key = Key(to);
  req.options.canned_acl = options_.default_acl;
  if (!if_match.empty()) req.source_conditions.if_match = if_match;
  if (replace_meta && source != nullptr) {
    req.replace_metadata = true;
    req.options.content_type =
        source->content_type.empty() ? kFileContentType : source->content_type;
    req.options.user_meta = source->user_meta;
  }
  SOS_ASSIGN_OR_RETURN(
      CopyResult copied,
      CopyObjectAnySize(store_, req, source ? source->size : kUnknownSize, options_.large_copy));
  Mutated([&] {
    if (source != nullptr) {
      RemoteEntry e = *source;
      e.etag = copied.etag;
      e.last_modified_ns = ToNs(copied.last_modified);
      cache_.PutAttr(to, e);
    } else {
      cache_.InvalidateAttr(to);
    }
    cache_.UpdateDirChild(ParentPath(to), BaseName(to), false);
  });
  return copied.etag;
}

Status RemoteTree::DeleteFile(const std::string& path) {
  SOS_RETURN_IF_ERROR(deletes_.Add({Key(path)}));
  Mutated([&] {
    cache_.PutNegative(path);
    cache_.UpdateDirChild(ParentPath(path), BaseName(path), std::nullopt);
  });
  return Status::Ok();
}

Status RemoteTree::DeleteDir(const std::string& dir) {
  SOS_RETURN_IF_ERROR(deletes_.Add({DirKey(dir)}));
  Mutated([&] {
    cache_.InvalidateTree(dir);
    cache_.PutNegative(dir);
    cache_.UpdateDirChild(ParentPath(dir), BaseName(dir), std::nullopt);
  });
  return Status::Ok();
}

Result<std::vector<ObjectMeta>> RemoteTree::ListAll(const std::string& key_prefix) {
  std::vector<ObjectMeta> objects;
  ListRequest req;
  req.bucket = options_.bucket;
  req.prefix = key_prefix;
  do {
    SOS_ASSIGN_OR_RETURN(ListResult page, store_.List(req));
    for (ObjectMeta& m : page.objects) objects.push_back(std::move(m));
    req.continuation_token = page.next_token;
    if (!page.is_truncated || page.next_token.empty()) break;
  } while (true);
  return objects;
}

Status RemoteTree::RenameDir(const std::string& from, const std::string& to) {
  const std::string src = DirKey(from);
  const std::string dst = DirKey(to);
  // Deleted objects must not be copied back to life, nor land on copies.
  SOS_RETURN_IF_ERROR(deletes_.Settle(src, /*below=*/true));
  SOS_RETURN_IF_ERROR(deletes_.Settle(dst, /*below=*/true));
  SOS_ASSIGN_OR_RETURN(std::vector<ObjectMeta> objects, ListAll(src));
  std::vector<std::string> keys;
  for (const ObjectMeta& m : objects) keys.push_back(m.key);
  std::mutex mu;
  Status first_error;
  ParallelFor(keys.size(), options_.copy_concurrency, [&](size_t i) {
    CopyRequest req;
    req.src_bucket = req.dst_bucket = options_.bucket;
    req.src_key = keys[i];
    req.dst_key = dst + keys[i].substr(src.size());
    req.options.canned_acl = options_.default_acl;
    auto copied = CopyObjectAnySize(store_, req, objects[i].size, options_.large_copy);
    if (!copied.ok()) {
      std::lock_guard lock(mu);
      if (first_error.ok()) first_error = copied.status();
    }
  });
  Mutated([&] {
    cache_.InvalidateTree(to);
    cache_.UpdateDirChild(ParentPath(to), BaseName(to), true);
  });
  SOS_RETURN_IF_ERROR(first_error);
  // The directory's own key too, marker or not: it hides the old name at once.
  if (std::find(keys.begin(), keys.end(), src) == keys.end()) keys.push_back(src);
  SOS_RETURN_IF_ERROR(deletes_.Add(keys));
  Mutated([&] {
    cache_.InvalidateTree(from);
    cache_.PutNegative(from);
    cache_.UpdateDirChild(ParentPath(from), BaseName(from), std::nullopt);
  });
  return Status::Ok();
}

void RemoteTree::NoteDeleted(const std::vector<std::string>& keys) {
  // What was fetched while the deletes were pending may still hold them (a
  // directory whose children were going). Dropped, not made negative: the
  // same path may be something else by now (a directory where a file was).
  Mutated([&] {
    for (const std::string& key : keys) {
      if (key.size() <= options_.prefix.size()) continue;
      std::string path = key.substr(options_.prefix.size());
      if (path.back() == '/') path.pop_back();
      if (path.empty()) continue;
      cache_.InvalidateAttr(path);
      cache_.InvalidateDir(ParentPath(path));
    }
  });
}

void RemoteTree::NoteEntry(const std::string& path, const RemoteEntry& entry) {
  Mutated([&] {
    cache_.PutAttr(path, entry);
    cache_.UpdateDirChild(ParentPath(path), BaseName(path), entry.is_dir);
  });
}

void RemoteTree::NoteChanged(const std::string& path) {
  Mutated([&] {
    cache_.InvalidateAttr(path);
    cache_.InvalidateDir(ParentPath(path));
  });
}

void RemoteTree::NoteLocalOnly(const std::string& path) {
  // The store has nothing at path and the parent's listing stays right: the
  // Filesystem overlays files that exist only locally.
  Mutated([&] { cache_.InvalidateAttr(path); });
}

void RemoteTree::NoteNewEmptyDir(const std::string& dir) {
  Mutated([&] { cache_.PutDir(dir, {}); });
}

void RemoteTree::ForgetTree(const std::string& path) {
  Mutated([&] {
    cache_.InvalidateTree(path);
    cache_.InvalidateDir(ParentPath(path));
  });
}

uint64_t RemoteTree::Epoch() {
  std::lock_guard lock(epoch_mu_);
  return epoch_;
}

void RemoteTree::Mutated(const std::function<void()>& fn) {
  std::lock_guard lock(epoch_mu_);
  ++epoch_;
  fn();
}

void RemoteTree::StoreIfCurrent(uint64_t epoch, const std::function<void()>& fn) {
  std::lock_guard lock(epoch_mu_);
  if (epoch_ == epoch) fn();
}

}  // namespace sos
