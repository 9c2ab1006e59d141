#include "cache/namespace_journal.h"

#include "s3core/persist/record_codec.h"

namespace sos {
namespace {

constexpr char kNextSeq[] = "next_delete_seq";  // in kMeta

std::string RenameKey(const std::string& from) { return "/" + from; }

}  // namespace

Result<uint64_t> NamespaceJournal::AddDeletes(const std::vector<std::string>& keys) {
  uint64_t first = 0;
  SOS_RETURN_IF_ERROR(LmdbWrite(
      env_,
      [&](LmdbTxn& txn) -> Status {
        SOS_ASSIGN_OR_RETURN(auto next, txn.GetCopy(CacheDb::kMeta, kNextSeq));
        first = next ? FromBigEndianKey(*next) : 1;
        uint64_t seq = first;
        for (const std::string& key : keys) {
          SOS_RETURN_IF_ERROR(txn.Put(CacheDb::kDeletes, BigEndianKey(seq++), key));
        }
        return txn.Put(CacheDb::kMeta, kNextSeq, BigEndianKey(seq));
      },
      /*durable=*/false));  // see the header: DeleteQueue syncs before sending
  return first;
}

Status NamespaceJournal::RemoveDeletes(const std::vector<uint64_t>& seqs) {
  return LmdbWrite(
      env_,
      [&](LmdbTxn& txn) -> Status {
        for (uint64_t seq : seqs) SOS_RETURN_IF_ERROR(txn.Del(CacheDb::kDeletes, BigEndianKey(seq)));
        return Status::Ok();
      },
      /*durable=*/true);
}

Result<std::vector<std::pair<uint64_t, std::string>>> NamespaceJournal::Deletes() {
  std::vector<std::pair<uint64_t, std::string>> out;
  SOS_RETURN_IF_ERROR(LmdbRead(env_, [&](LmdbTxn& txn) -> Status {
    return txn.ForEachPrefix(CacheDb::kDeletes, "", [&](std::string_view k, std::string_view v) {
      out.emplace_back(FromBigEndianKey(k), std::string(v));
      return true;
    });
  }));
  return out;
}

Result<uint64_t> NamespaceJournal::Unsent() {
  uint64_t unsent = 0;
  SOS_RETURN_IF_ERROR(LmdbRead(env_, [&](LmdbTxn& txn) -> Status {
    SOS_ASSIGN_OR_RETURN(uint64_t deletes, txn.Count(CacheDb::kDeletes));
    SOS_ASSIGN_OR_RETURN(uint64_t renames, txn.Count(CacheDb::kRenames));
    unsent = deletes + renames;
    return Status::Ok();
  }));
  return unsent;
}

Status NamespaceJournal::AddRename(const std::string& from, const std::string& to) {
  return LmdbWrite(
      env_, [&](LmdbTxn& txn) { return txn.Put(CacheDb::kRenames, RenameKey(from), to); },
      /*durable=*/true);
}

Status NamespaceJournal::RemoveRename(const std::string& from) {
  return LmdbWrite(
      env_, [&](LmdbTxn& txn) { return txn.Del(CacheDb::kRenames, RenameKey(from)); },
      /*durable=*/true);
}

Result<std::vector<std::pair<std::string, std::string>>> NamespaceJournal::Renames() {
  std::vector<std::pair<std::string, std::string>> out;
  SOS_RETURN_IF_ERROR(LmdbRead(env_, [&](LmdbTxn& txn) -> Status {
    return txn.ForEachPrefix(CacheDb::kRenames, "", [&](std::string_view k, std::string_view v) {
      out.emplace_back(std::string(k.substr(1)), std::string(v));
      return true;
    });
  }));
  return out;
}

}  // namespace sos
