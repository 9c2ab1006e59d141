#include "cache/metadata_cache.h"

#include <algorithm>

#include "cache/record_codec.h"
#include "s3core/log.h"

namespace sos {
namespace {

constexpr uint8_t kVersion = 1;

std::string Key(const std::string& path) { return "/" + path; }
// Every key strictly below path.
std::string TreePrefix(const std::string& path) { return path.empty() ? "/" : "/" + path + "/"; }

}  // namespace

std::optional<DirListing> DecodeDirListing(std::string_view value) {
  RecordReader r(value);
  uint8_t version;
  uint32_t n;
  DirListing listing;
  if (!r.U8(&version) || version != kVersion || !r.I64(&listing.expires) || !r.U32(&n)) {
    return std::nullopt;
  }
  // Children are appended as they are read, never sized from the stored
  // count: a corrupt count then fails at the end of the input instead of
  // allocating gigabytes.
  for (uint32_t i = 0; i < n; ++i) {
    DirChild c;
    uint8_t is_dir;
    if (!r.Str(&c.name) || !r.U8(&is_dir)) return std::nullopt;
    c.is_dir = is_dir != 0;
    listing.children.push_back(std::move(c));
  }
  return listing;
}

std::string EncodeDirListing(const DirListing& listing) {
  RecordWriter w;
  w.U8(kVersion);
  w.I64(listing.expires);
  w.U32(static_cast<uint32_t>(listing.children.size()));
  for (const DirChild& c : listing.children) {
    w.Str(c.name);
    w.U8(c.is_dir ? 1 : 0);
  }
  return w.Take();
}

std::string EncodeRemoteEntry(const RemoteEntry& e) {
  RecordWriter w;
  w.U8((e.is_dir ? 1 : 0) | (e.has_marker ? 2 : 0));
  w.U64(e.size);
  w.Str(e.etag);
  w.I64(e.last_modified_ns);
  w.Str(e.content_type);
  w.Map(e.user_meta);
  return w.Take();
}

bool DecodeRemoteEntry(std::string_view in, RemoteEntry* e) {
  RecordReader r(in);
  uint8_t flags;
  if (!r.U8(&flags) || !r.U64(&e->size) || !r.Str(&e->etag) || !r.I64(&e->last_modified_ns) ||
      !r.Str(&e->content_type) || !r.Map(&e->user_meta)) {
    return false;
  }
  e->is_dir = flags & 1;
  e->has_marker = flags & 2;
  return true;
}

Result<std::unique_ptr<MetadataCache>> MetadataCache::Open(LmdbEnv& env,
                                                           std::chrono::nanoseconds ttl,
                                                           Clock clock) {
  SOS_ASSIGN_OR_RETURN(MDB_dbi attrs, env.OpenDb("attrs"));
  SOS_ASSIGN_OR_RETURN(MDB_dbi dirs, env.OpenDb("dirs"));
  return std::unique_ptr<MetadataCache>(new MetadataCache(env, attrs, dirs, ttl, std::move(clock)));
}

int64_t MetadataCache::Now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void MetadataCache::Report(const Status& s) {
  if (s.ok()) return;
  if (s.code() == StatusCode::kNoSpace) {
    Clear();
    return;
  }
  if (!reported_.exchange(true)) {
    spdlog::error("metadata cache disabled by an error: {}", s.ToString());
  }
}

MetadataCache::Hit MetadataCache::GetAttr(const std::string& path, RemoteEntry* entry) {
  if (ttl_.count() <= 0) return Hit::kMiss;
  Hit hit = Hit::kMiss;
  Status s = env_.Read([&](LmdbTxn& txn) -> Status {
    SOS_ASSIGN_OR_RETURN(auto value, txn.Get(attrs_, Key(path)));
    if (!value) return Status::Ok();
    RecordReader r(*value);
    uint8_t version, positive;
    int64_t expires;
    if (!r.U8(&version) || version != kVersion || !r.I64(&expires) || !r.U8(&positive)) {
      return Status::Ok();
    }
    if (expires <= Now()) return Status::Ok();
    if (!positive) {
      hit = Hit::kNegative;
      return Status::Ok();
    }
    RemoteEntry e;
    if (DecodeRemoteEntry(value->substr(1 + 8 + 1), &e)) {
      *entry = std::move(e);
      hit = Hit::kPositive;
    }
    return Status::Ok();
  });
  Report(s);
  return s.ok() ? hit : Hit::kMiss;
}

void MetadataCache::PutAttr(const std::string& path, const RemoteEntry& entry) {
  if (ttl_.count() <= 0) return;
  RecordWriter w;
  w.U8(kVersion);
  w.I64(Now() + ttl_.count());
  w.U8(1);
  std::string value = w.Take() + EncodeRemoteEntry(entry);
  Report(env_.Write([&](LmdbTxn& txn) { return txn.Put(attrs_, Key(path), value); }));
}

void MetadataCache::PutNegative(const std::string& path) {
  if (ttl_.count() <= 0) return;
  RecordWriter w;
  w.U8(kVersion);
  w.I64(Now() + ttl_.count());
  w.U8(0);
  Report(env_.Write([&](LmdbTxn& txn) { return txn.Put(attrs_, Key(path), w.data()); }));
}

void MetadataCache::InvalidateAttr(const std::string& path) {
  Report(env_.Write([&](LmdbTxn& txn) { return txn.Delete(attrs_, Key(path)); }));
}

std::optional<std::vector<DirChild>> MetadataCache::GetDir(const std::string& path) {
  if (ttl_.count() <= 0) return std::nullopt;
  std::optional<std::vector<DirChild>> result;
  Status s = env_.Read([&](LmdbTxn& txn) -> Status {
    SOS_ASSIGN_OR_RETURN(auto value, txn.Get(dirs_, Key(path)));
    if (!value) return Status::Ok();
    auto listing = DecodeDirListing(*value);
    if (listing && listing->expires > Now()) result = std::move(listing->children);
    return Status::Ok();
  });
  Report(s);
  return s.ok() ? result : std::nullopt;
}

void MetadataCache::PutDir(const std::string& path,
                           const std::vector<std::pair<std::string, RemoteEntry>>& children) {
  if (ttl_.count() <= 0) return;
  DirListing listing;
  listing.expires = Now() + ttl_.count();
  for (const auto& [name, e] : children) listing.children.push_back({name, e.is_dir});
  const std::string value = EncodeDirListing(listing);
  Report(env_.Write([&](LmdbTxn& txn) -> Status {
    SOS_RETURN_IF_ERROR(txn.Put(dirs_, Key(path), value));
    for (const auto& [name, e] : children) {
      RecordWriter a;
      a.U8(kVersion);
      a.I64(listing.expires);
      a.U8(1);
      std::string child = path.empty() ? name : path + "/" + name;
      SOS_RETURN_IF_ERROR(txn.Put(attrs_, Key(child), a.Take() + EncodeRemoteEntry(e)));
    }
    return Status::Ok();
  }));
}

void MetadataCache::UpdateDirChild(const std::string& dir, const std::string& name,
                                   std::optional<bool> is_dir) {
  if (ttl_.count() <= 0) return;
  Report(env_.Write([&](LmdbTxn& txn) -> Status {
    SOS_ASSIGN_OR_RETURN(auto value, txn.Get(dirs_, Key(dir)));
    if (!value) return Status::Ok();
    auto listing = DecodeDirListing(*value);
    if (!listing || listing->expires <= Now()) return txn.Delete(dirs_, Key(dir));
    auto& children = listing->children;
    auto at = std::lower_bound(children.begin(), children.end(), name,
                               [](const DirChild& c, const std::string& n) { return c.name < n; });
    const bool present = at != children.end() && at->name == name;
    if (is_dir && present) {
      at->is_dir = *is_dir;
    } else if (is_dir) {
      children.insert(at, DirChild{name, *is_dir});
    } else if (present) {
      children.erase(at);
    }
    return txn.Put(dirs_, Key(dir), EncodeDirListing(*listing));
  }));
}

void MetadataCache::InvalidateDir(const std::string& path) {
  Report(env_.Write([&](LmdbTxn& txn) { return txn.Delete(dirs_, Key(path)); }));
}

void MetadataCache::InvalidateTree(const std::string& path) {
  Report(env_.Write([&](LmdbTxn& txn) -> Status {
    SOS_RETURN_IF_ERROR(txn.Delete(attrs_, Key(path)));
    SOS_RETURN_IF_ERROR(txn.Delete(dirs_, Key(path)));
    SOS_RETURN_IF_ERROR(txn.DeletePrefix(attrs_, TreePrefix(path)));
    return txn.DeletePrefix(dirs_, TreePrefix(path));
  }));
}

void MetadataCache::Clear() {
  Status s = env_.Write([&](LmdbTxn& txn) -> Status {
    SOS_RETURN_IF_ERROR(txn.Clear(attrs_));
    return txn.Clear(dirs_);
  });
  if (!s.ok() && !reported_.exchange(true)) {
    spdlog::error("cannot clear the metadata cache: {}", s.ToString());
  }
}

}  // namespace sos
