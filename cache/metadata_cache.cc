#include "cache/metadata_cache.h"

#include <algorithm>

#include "s3core/log.h"
#include "s3core/persist/record_codec.h"

namespace sos {
namespace {

// Records of another version are misses (this is a cache); 1 was the
// fixed-width format before the one record codec.
constexpr uint8_t kVersion = 2;

std::string Key(const std::string& path) { return "/" + path; }
// Every key strictly below path.
std::string TreePrefix(const std::string& path) { return path.empty() ? "/" : "/" + path + "/"; }

// An "attrs" value: version, expiry, then the entry (positive) or nothing.
std::string AttrValue(int64_t expires, const RemoteEntry* entry) {
  Encoder w;
  w.Byte(kVersion);
  w.Fixed64(static_cast<uint64_t>(expires));
  w.Byte(entry != nullptr ? 1 : 0);
  return entry != nullptr ? w.Take() + EncodeRemoteEntry(*entry) : w.Take();
}

}  // namespace

std::optional<DirListing> DecodeDirListing(std::string_view value) {
  Decoder r(value);
  uint8_t version;
  uint64_t expires, n;
  DirListing listing;
  if (!r.Byte(&version) || version != kVersion || !r.Fixed64(&expires) || !r.Varint(&n)) {
    return std::nullopt;
  }
  listing.expires = static_cast<int64_t>(expires);
  // Children are appended as they are read, never sized from the stored
  // count: a corrupt count then fails at the end of the input instead of
  // allocating gigabytes.
  for (uint64_t i = 0; i < n; ++i) {
    DirChild c;
    uint8_t is_dir;
    if (!r.String(&c.name) || !r.Byte(&is_dir)) return std::nullopt;
    c.is_dir = is_dir != 0;
    listing.children.push_back(std::move(c));
  }
  return listing;
}

std::string EncodeDirListing(const DirListing& listing) {
  Encoder w;
  w.Byte(kVersion);
  w.Fixed64(static_cast<uint64_t>(listing.expires));
  w.Varint(listing.children.size());
  for (const DirChild& c : listing.children) {
    w.String(c.name);
    w.Byte(c.is_dir ? 1 : 0);
  }
  return w.Take();
}

std::string EncodeRemoteEntry(const RemoteEntry& e) {
  Encoder w;
  w.Byte((e.is_dir ? 1 : 0) | (e.has_marker ? 2 : 0));
  w.Varint(e.size);
  w.String(e.etag);
  w.Fixed64(static_cast<uint64_t>(e.last_modified_ns));
  w.String(e.content_type);
  w.Map(e.user_meta);
  return w.Take();
}

bool DecodeRemoteEntry(std::string_view in, RemoteEntry* e) {
  Decoder r(in);
  uint8_t flags;
  uint64_t modified;
  if (!r.Byte(&flags) || !r.Varint(&e->size) || !r.String(&e->etag) || !r.Fixed64(&modified) ||
      !r.String(&e->content_type) || !r.Map(&e->user_meta)) {
    return false;
  }
  e->last_modified_ns = static_cast<int64_t>(modified);
  e->is_dir = flags & 1;
  e->has_marker = flags & 2;
  return true;
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
  Status s = LmdbRead(env_, [&](LmdbTxn& txn) -> Status {
    std::string_view value;
    SOS_ASSIGN_OR_RETURN(bool found, txn.Get(CacheDb::kAttrs, Key(path), &value));
    if (!found) return Status::Ok();
    Decoder r(value);
    uint8_t version, positive;
    uint64_t expires;
    if (!r.Byte(&version) || version != kVersion || !r.Fixed64(&expires) || !r.Byte(&positive)) {
      return Status::Ok();
    }
    if (static_cast<int64_t>(expires) <= Now()) return Status::Ok();
    if (!positive) {
      hit = Hit::kNegative;
      return Status::Ok();
    }
    RemoteEntry e;
    if (DecodeRemoteEntry(r.rest(), &e)) {
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
  std::string value = AttrValue(Now() + ttl_.count(), &entry);
  Report(LmdbWrite(env_, [&](LmdbTxn& txn) { return txn.Put(CacheDb::kAttrs, Key(path), value); }));
}

void MetadataCache::PutNegative(const std::string& path) {
  if (ttl_.count() <= 0) return;
  std::string value = AttrValue(Now() + ttl_.count(), nullptr);
  Report(LmdbWrite(env_, [&](LmdbTxn& txn) { return txn.Put(CacheDb::kAttrs, Key(path), value); }));
}

void MetadataCache::InvalidateAttr(const std::string& path) {
  Report(LmdbWrite(env_, [&](LmdbTxn& txn) { return txn.Del(CacheDb::kAttrs, Key(path)); }));
}

std::optional<std::vector<DirChild>> MetadataCache::GetDir(const std::string& path) {
  if (ttl_.count() <= 0) return std::nullopt;
  std::optional<std::vector<DirChild>> result;
  Status s = LmdbRead(env_, [&](LmdbTxn& txn) -> Status {
    SOS_ASSIGN_OR_RETURN(auto value, txn.GetCopy(CacheDb::kDirs, Key(path)));
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
  Report(LmdbWrite(env_, [&](LmdbTxn& txn) -> Status {
    SOS_RETURN_IF_ERROR(txn.Put(CacheDb::kDirs, Key(path), value));
    for (const auto& [name, e] : children) {
      std::string child = path.empty() ? name : path + "/" + name;
      SOS_RETURN_IF_ERROR(txn.Put(CacheDb::kAttrs, Key(child), AttrValue(listing.expires, &e)));
    }
    return Status::Ok();
  }));
}

void MetadataCache::UpdateDirChild(const std::string& dir, const std::string& name,
                                   std::optional<bool> is_dir) {
  if (ttl_.count() <= 0) return;
  Report(LmdbWrite(env_, [&](LmdbTxn& txn) -> Status {
    SOS_ASSIGN_OR_RETURN(auto value, txn.GetCopy(CacheDb::kDirs, Key(dir)));
    if (!value) return Status::Ok();
    auto listing = DecodeDirListing(*value);
    if (!listing || listing->expires <= Now()) return txn.Del(CacheDb::kDirs, Key(dir));
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
    return txn.Put(CacheDb::kDirs, Key(dir), EncodeDirListing(*listing));
  }));
}

void MetadataCache::InvalidateDir(const std::string& path) {
  Report(LmdbWrite(env_, [&](LmdbTxn& txn) { return txn.Del(CacheDb::kDirs, Key(path)); }));
}

void MetadataCache::InvalidateTree(const std::string& path) {
  Report(LmdbWrite(env_, [&](LmdbTxn& txn) -> Status {
    SOS_RETURN_IF_ERROR(txn.Del(CacheDb::kAttrs, Key(path)));
    SOS_RETURN_IF_ERROR(txn.Del(CacheDb::kDirs, Key(path)));
    SOS_RETURN_IF_ERROR(txn.DeletePrefix(CacheDb::kAttrs, TreePrefix(path)));
    return txn.DeletePrefix(CacheDb::kDirs, TreePrefix(path));
  }));
}

void MetadataCache::Clear() {
  Status s = LmdbWrite(env_, [&](LmdbTxn& txn) -> Status {
    SOS_RETURN_IF_ERROR(txn.Clear(CacheDb::kAttrs));
    return txn.Clear(CacheDb::kDirs);
  });
  if (!s.ok() && !reported_.exchange(true)) {
    spdlog::error("cannot clear the metadata cache: {}", s.ToString());
  }
}

}  // namespace sos
