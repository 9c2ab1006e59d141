#include "cache/file_index.h"

#include "cache/record_codec.h"

namespace sos {
namespace {

constexpr uint8_t kVersion = 1;

std::string Key(const std::string& path) { return "/" + path; }
std::string PathOf(std::string_view key) { return std::string(key.substr(1)); }

}  // namespace

std::string EncodeFileRecord(const FileRecord& r) {
  RecordWriter w;
  w.U8(kVersion);
  w.U64(r.file_id);
  w.Str(r.etag);
  w.U64(r.base_size);
  w.U64(r.size);
  w.U8(r.dirty ? 1 : 0);
  w.Str(r.upload_id);
  w.I64(r.last_access_ns);
  w.Str(r.content_type);
  w.Map(r.user_meta);
  return w.Take();
}

bool DecodeFileRecord(std::string_view in, FileRecord* r) {
  RecordReader rd(in);
  uint8_t version, dirty;
  if (!rd.U8(&version) || version != kVersion) return false;
  if (!rd.U64(&r->file_id) || !rd.Str(&r->etag) || !rd.U64(&r->base_size) || !rd.U64(&r->size) ||
      !rd.U8(&dirty) || !rd.Str(&r->upload_id) || !rd.I64(&r->last_access_ns) ||
      !rd.Str(&r->content_type) || !rd.Map(&r->user_meta)) {
    return false;
  }
  r->dirty = dirty != 0;
  return true;
}

Result<std::unique_ptr<FileIndex>> FileIndex::Open(LmdbEnv& env) {
  SOS_ASSIGN_OR_RETURN(MDB_dbi files, env.OpenDb("files"));
  SOS_ASSIGN_OR_RETURN(MDB_dbi journal, env.OpenDb("journal"));
  SOS_ASSIGN_OR_RETURN(MDB_dbi meta, env.OpenDb("meta"));
  return std::unique_ptr<FileIndex>(new FileIndex(env, files, journal, meta));
}

Result<std::optional<FileRecord>> FileIndex::Get(const std::string& path) {
  std::optional<FileRecord> result;
  SOS_RETURN_IF_ERROR(env_.Read([&](LmdbTxn& txn) -> Status {
    SOS_ASSIGN_OR_RETURN(auto value, txn.Get(files_, Key(path)));
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
  Status s = env_.Write([&](LmdbTxn& txn) -> Status {
    SOS_ASSIGN_OR_RETURN(auto in_journal, txn.Get(journal_, Key(path)));
    was_dirty = in_journal.has_value();
    SOS_RETURN_IF_ERROR(txn.Put(files_, Key(path), EncodeFileRecord(record)));
    if (record.dirty) return txn.Put(journal_, Key(path), BigEndianKey(record.file_id));
    return txn.Delete(journal_, Key(path));
  });
  SOS_RETURN_IF_ERROR(s);
  return durable || record.dirty != was_dirty ? env_.Sync() : Status::Ok();
}

Status FileIndex::Remove(const std::string& path) {
  return env_.Write(
      [&](LmdbTxn& txn) -> Status {
        SOS_RETURN_IF_ERROR(txn.Delete(files_, Key(path)));
        return txn.Delete(journal_, Key(path));
      },
      /*durable=*/true);
}

Status FileIndex::Move(const std::string& from, const std::string& to, bool tree) {
  return env_.Write(
      [&](LmdbTxn& txn) -> Status {
        std::vector<std::pair<std::string, std::string>> moved;  // old key, value
        if (tree) {
          SOS_RETURN_IF_ERROR(txn.ForEachPrefix(
              files_, Key(from) + "/", [&](std::string_view k, std::string_view v) {
                moved.emplace_back(std::string(k), std::string(v));
                return true;
              }));
        } else {
          SOS_ASSIGN_OR_RETURN(auto value, txn.Get(files_, Key(from)));
          if (value) moved.emplace_back(Key(from), *value);
        }
        for (const auto& [old_key, value] : moved) {
          std::string new_key = Key(to) + old_key.substr(Key(from).size());
          SOS_ASSIGN_OR_RETURN(auto in_journal, txn.Get(journal_, old_key));
          SOS_RETURN_IF_ERROR(txn.Delete(files_, old_key));
          SOS_RETURN_IF_ERROR(txn.Delete(journal_, old_key));
          SOS_RETURN_IF_ERROR(txn.Put(files_, new_key, value));
          if (in_journal) {
            SOS_RETURN_IF_ERROR(txn.Put(journal_, new_key, *in_journal));
          } else {
            SOS_RETURN_IF_ERROR(txn.Delete(journal_, new_key));
          }
        }
        return Status::Ok();
      },
      /*durable=*/true);
}

Result<uint64_t> FileIndex::NewFileId() {
  uint64_t id = 0;
  SOS_RETURN_IF_ERROR(env_.Write([&](LmdbTxn& txn) -> Status {
    SOS_ASSIGN_OR_RETURN(auto value, txn.Get(meta_, "next_file_id"));
    id = value ? FromBigEndianKey(*value) : 1;
    return txn.Put(meta_, "next_file_id", BigEndianKey(id + 1));
  }));
  return id;
}

Result<std::vector<std::pair<std::string, FileRecord>>> FileIndex::Dirty() {
  std::vector<std::pair<std::string, FileRecord>> out;
  SOS_RETURN_IF_ERROR(env_.Read([&](LmdbTxn& txn) -> Status {
    std::vector<std::string> keys;
    SOS_RETURN_IF_ERROR(txn.ForEachPrefix(journal_, "", [&](std::string_view k, std::string_view) {
      keys.emplace_back(k);
      return true;
    }));
    for (const auto& k : keys) {
      SOS_ASSIGN_OR_RETURN(auto value, txn.Get(files_, k));
      FileRecord r;
      if (value && DecodeFileRecord(*value, &r)) out.emplace_back(PathOf(k), std::move(r));
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<std::pair<std::string, FileRecord>>> FileIndex::All() {
  std::vector<std::pair<std::string, FileRecord>> out;
  SOS_RETURN_IF_ERROR(env_.Read([&](LmdbTxn& txn) -> Status {
    return txn.ForEachPrefix(files_, "", [&](std::string_view k, std::string_view v) {
      FileRecord r;
      if (DecodeFileRecord(v, &r)) out.emplace_back(PathOf(k), std::move(r));
      return true;
    });
  }));
  return out;
}

Status FileIndex::ClaimIdentity(const std::string& identity, const std::function<void()>& wipe) {
  std::optional<std::string> current;
  SOS_RETURN_IF_ERROR(env_.Read([&](LmdbTxn& txn) -> Status {
    SOS_ASSIGN_OR_RETURN(current, txn.Get(meta_, "identity"));
    return Status::Ok();
  }));
  if (current && *current == identity) return Status::Ok();
  if (current) {
    SOS_ASSIGN_OR_RETURN(auto dirty, Dirty());
    if (!dirty.empty()) {
      return Status::AlreadyExists("the cache directory holds " + std::to_string(dirty.size()) +
                                   " unuploaded file(s) of another mount (" + *current + ")");
    }
    wipe();
    SOS_RETURN_IF_ERROR(env_.Write([&](LmdbTxn& txn) -> Status {
      SOS_RETURN_IF_ERROR(txn.Clear(files_));
      return txn.Clear(journal_);
    }));
  }
  return env_.Write([&](LmdbTxn& txn) { return txn.Put(meta_, "identity", identity); }, true);
}

}  // namespace sos
