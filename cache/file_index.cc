#include "cache/file_index.h"

#include "s3core/persist/record_codec.h"

namespace sos {
namespace {

// Version 2 is the one record format's; version 1 (fixed-width integers,
// u32-length strings) is still read, so that a cache holding unsent writes
// survives an upgrade of sosfs.
constexpr uint8_t kVersion = 2;
constexpr uint8_t kVersionFixedWidth = 1;

std::string Key(const std::string& path) { return "/" + path; }
std::string PathOf(std::string_view key) { return std::string(key.substr(1)); }

}  // namespace

std::string EncodeFileRecord(const FileRecord& r) {
  Encoder e;
  e.Byte(kVersion);
  e.Varint(r.file_id);
  e.String(r.etag);
  e.Varint(r.base_size);
  e.Varint(r.size);
  e.Byte(r.dirty ? 1 : 0);
  e.String(r.upload_id);
  e.Fixed64(static_cast<uint64_t>(r.last_access_ns));
  e.String(r.content_type);
  e.Map(r.user_meta);
  e.Byte(r.expected_etag ? 1 : 0);  // a late field: records without it still read
  if (r.expected_etag) e.String(*r.expected_etag);
  return e.Take();
}

namespace {

bool FixedWidthString(Decoder& d, std::string* s) {
  uint32_t n;
  std::string_view v;
  if (!d.Fixed32(&n) || !d.Bytes(n, &v)) return false;
  s->assign(v);
  return true;
}

bool DecodeFixedWidthRecord(Decoder& d, FileRecord* r, uint8_t* dirty, uint64_t* last_access) {
  uint32_t n;
  if (!d.Fixed64(&r->file_id) || !FixedWidthString(d, &r->etag) || !d.Fixed64(&r->base_size) ||
      !d.Fixed64(&r->size) || !d.Byte(dirty) || !FixedWidthString(d, &r->upload_id) ||
      !d.Fixed64(last_access) || !FixedWidthString(d, &r->content_type) || !d.Fixed32(&n)) {
    return false;
  }
  r->user_meta.clear();
  for (uint32_t i = 0; i < n; ++i) {
    std::string k, v;
    if (!FixedWidthString(d, &k) || !FixedWidthString(d, &v)) return false;
    r->user_meta[std::move(k)] = std::move(v);
  }
  return true;
}

}  // namespace

bool DecodeFileRecord(std::string_view in, FileRecord* r) {
  Decoder d(in);
  uint8_t version, dirty;
  uint64_t last_access;
  bool ok = false;
  if (!d.Byte(&version)) return false;
  if (version == kVersion) {
    ok = d.Varint(&r->file_id) && d.String(&r->etag) && d.Varint(&r->base_size) &&
         d.Varint(&r->size) && d.Byte(&dirty) && d.String(&r->upload_id) &&
         d.Fixed64(&last_access) && d.String(&r->content_type) && d.Map(&r->user_meta);
    r->expected_etag.reset();
    uint8_t has_expected = 0;
    if (ok && !d.done() && (ok = d.Byte(&has_expected)) && has_expected != 0) {
      std::string expected;
      ok = d.String(&expected);
      r->expected_etag = std::move(expected);
    }
  } else if (version == kVersionFixedWidth) {
    ok = DecodeFixedWidthRecord(d, r, &dirty, &last_access);
  }
  if (!ok || !d.done()) return false;
  r->dirty = dirty != 0;
  r->last_access_ns = static_cast<int64_t>(last_access);
  return true;
}

Result<std::optional<FileRecord>> FileIndex::Get(const std::string& path) {
  std::optional<FileRecord> result;
  SOS_RETURN_IF_ERROR(LmdbRead(env_, [&](LmdbTxn& txn) -> Status {
    SOS_ASSIGN_OR_RETURN(auto value, txn.GetCopy(CacheDb::kFiles, Key(path)));
    if (!value) return Status::Ok();
    FileRecord r;
    if (!DecodeFileRecord(*value, &r)) return Status::Corruption("bad file record for " + path);
    result = std::move(r);
    return Status::Ok();
  }));
  return result;
}

Status FileIndex::Put(const std::string& path, const FileRecord& record, bool durable) {
  bool was_dirty = false;
  Status s = LmdbWrite(env_, [&](LmdbTxn& txn) -> Status {
    SOS_ASSIGN_OR_RETURN(auto in_journal, txn.GetCopy(CacheDb::kJournal, Key(path)));
    was_dirty = in_journal.has_value();
    SOS_RETURN_IF_ERROR(txn.Put(CacheDb::kFiles, Key(path), EncodeFileRecord(record)));
    if (record.dirty) return txn.Put(CacheDb::kJournal, Key(path), BigEndianKey(record.file_id));
    return txn.Del(CacheDb::kJournal, Key(path));
  });
  SOS_RETURN_IF_ERROR(s);
  return durable || record.dirty != was_dirty ? env_.Sync() : Status::Ok();
}

Status FileIndex::Remove(const std::string& path) {
  // Forced to disk only for a dirty record: forgetting a clean one after a
  // crash of the machine costs nothing, and rm -r would pay a flush per file.
  bool was_dirty = false;
  SOS_RETURN_IF_ERROR(LmdbWrite(env_, [&](LmdbTxn& txn) -> Status {
    SOS_ASSIGN_OR_RETURN(auto in_journal, txn.GetCopy(CacheDb::kJournal, Key(path)));
    was_dirty = in_journal.has_value();
    SOS_RETURN_IF_ERROR(txn.Del(CacheDb::kFiles, Key(path)));
    return txn.Del(CacheDb::kJournal, Key(path));
  }));
  return was_dirty ? env_.Sync() : Status::Ok();
}

Status FileIndex::Move(const std::string& from, const std::string& to, bool tree) {
  return LmdbWrite(
      env_,
      [&](LmdbTxn& txn) -> Status {
        std::vector<std::pair<std::string, std::string>> moved;  // old key, value
        if (tree) {
          SOS_RETURN_IF_ERROR(txn.ForEachPrefix(
              CacheDb::kFiles, Key(from) + "/", [&](std::string_view k, std::string_view v) {
                moved.emplace_back(std::string(k), std::string(v));
                return true;
              }));
        } else {
          SOS_ASSIGN_OR_RETURN(auto value, txn.GetCopy(CacheDb::kFiles, Key(from)));
          if (value) moved.emplace_back(Key(from), *value);
        }
        for (const auto& [old_key, value] : moved) {
          std::string new_key = Key(to) + old_key.substr(Key(from).size());
          SOS_ASSIGN_OR_RETURN(auto in_journal, txn.GetCopy(CacheDb::kJournal, old_key));
          SOS_RETURN_IF_ERROR(txn.Del(CacheDb::kFiles, old_key));
          SOS_RETURN_IF_ERROR(txn.Del(CacheDb::kJournal, old_key));
          SOS_RETURN_IF_ERROR(txn.Put(CacheDb::kFiles, new_key, value));
          if (in_journal) {
            SOS_RETURN_IF_ERROR(txn.Put(CacheDb::kJournal, new_key, *in_journal));
          } else {
            SOS_RETURN_IF_ERROR(txn.Del(CacheDb::kJournal, new_key));
          }
        }
        return Status::Ok();
      },
      /*durable=*/true);
}

Result<uint64_t> FileIndex::NewFileId() {
  uint64_t id = 0;
  SOS_RETURN_IF_ERROR(LmdbWrite(env_, [&](LmdbTxn& txn) -> Status {
    SOS_ASSIGN_OR_RETURN(auto value, txn.GetCopy(CacheDb::kMeta, "next_file_id"));
    id = value ? FromBigEndianKey(*value) : 1;
    return txn.Put(CacheDb::kMeta, "next_file_id", BigEndianKey(id + 1));
  }));
  return id;
}

Result<std::vector<std::pair<std::string, FileRecord>>> FileIndex::Dirty() {
  std::vector<std::pair<std::string, FileRecord>> out;
  SOS_RETURN_IF_ERROR(LmdbRead(env_, [&](LmdbTxn& txn) -> Status {
    std::vector<std::string> keys;
    SOS_RETURN_IF_ERROR(
        txn.ForEachPrefix(CacheDb::kJournal, "", [&](std::string_view k, std::string_view) {
          keys.emplace_back(k);
          return true;
        }));
    for (const auto& k : keys) {
      SOS_ASSIGN_OR_RETURN(auto value, txn.GetCopy(CacheDb::kFiles, k));
      FileRecord r;
      if (value && DecodeFileRecord(*value, &r)) out.emplace_back(PathOf(k), std::move(r));
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<std::pair<std::string, FileRecord>>> FileIndex::All() {
  std::vector<std::pair<std::string, FileRecord>> out;
  SOS_RETURN_IF_ERROR(LmdbRead(env_, [&](LmdbTxn& txn) -> Status {
    return txn.ForEachPrefix(CacheDb::kFiles, "", [&](std::string_view k, std::string_view v) {
      FileRecord r;
      if (DecodeFileRecord(v, &r)) out.emplace_back(PathOf(k), std::move(r));
      return true;
    });
  }));
  return out;
}

Status FileIndex::ClaimIdentity(const std::string& identity, uint64_t unsent,
                                const std::function<void()>& wipe) {
  std::optional<std::string> current;
  SOS_RETURN_IF_ERROR(LmdbRead(env_, [&](LmdbTxn& txn) -> Status {
    SOS_ASSIGN_OR_RETURN(current, txn.GetCopy(CacheDb::kMeta, "identity"));
    return Status::Ok();
  }));
  if (current && *current == identity) return Status::Ok();
  if (current) {
    SOS_ASSIGN_OR_RETURN(auto dirty, Dirty());
    if (!dirty.empty() || unsent != 0) {
      return Status::AlreadyExists("the cache directory holds " + std::to_string(dirty.size()) +
                                   " unuploaded file(s) and " + std::to_string(unsent) +
                                   " unsent delete(s) or rename(s) of another mount (" + *current +
                                   ")");
    }
    wipe();
    SOS_RETURN_IF_ERROR(LmdbWrite(env_, [&](LmdbTxn& txn) -> Status {
      SOS_RETURN_IF_ERROR(txn.Clear(CacheDb::kFiles));
      return txn.Clear(CacheDb::kJournal);
    }));
  }
  return LmdbWrite(
      env_, [&](LmdbTxn& txn) { return txn.Put(CacheDb::kMeta, "identity", identity); }, true);
}

}  // namespace sos
