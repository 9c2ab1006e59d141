#include "cache/block_index.h"

#include "s3core/persist/record_codec.h"

namespace sos {
namespace {

std::string Key(uint64_t file_id, uint64_t block) {
  return BigEndianKey(file_id) + BigEndianKey(block);
}

}  // namespace

Result<std::vector<uint8_t>> BlockIndex::Load(uint64_t file_id) {
  std::vector<uint8_t> flags;
  SOS_RETURN_IF_ERROR(LmdbRead(env_, [&](LmdbTxn& txn) {
    return txn.ForEachPrefix(CacheDb::kBlocks, BigEndianKey(file_id),
                             [&](std::string_view k, std::string_view v) {
                               uint64_t block = FromBigEndianKey(k.substr(8));
                               if (block >= (uint64_t{1} << 32)) return true;  // corrupt; skip
                               if (flags.size() <= block) flags.resize(block + 1, 0);
                               flags[block] = v.empty() ? 0 : static_cast<uint8_t>(v[0]);
                               return true;
                             });
  }));
  return flags;
}

Status BlockIndex::Set(uint64_t file_id, const std::vector<std::pair<uint64_t, uint8_t>>& changes,
                       bool durable) {
  if (changes.empty()) return Status::Ok();
  return LmdbWrite(
      env_,
      [&](LmdbTxn& txn) -> Status {
        for (const auto& [block, flags] : changes) {
          if (flags == 0) {
            SOS_RETURN_IF_ERROR(txn.Del(CacheDb::kBlocks, Key(file_id, block)));
          } else {
            char v = static_cast<char>(flags);
            SOS_RETURN_IF_ERROR(
                txn.Put(CacheDb::kBlocks, Key(file_id, block), std::string_view(&v, 1)));
          }
        }
        return Status::Ok();
      },
      durable);
}

Status BlockIndex::Replace(uint64_t file_id, const std::vector<uint8_t>& flags, bool durable) {
  return LmdbWrite(
      env_,
      [&](LmdbTxn& txn) -> Status {
        SOS_RETURN_IF_ERROR(txn.DeletePrefix(CacheDb::kBlocks, BigEndianKey(file_id)));
        for (uint64_t b = 0; b < flags.size(); ++b) {
          if (flags[b] == 0) continue;
          char v = static_cast<char>(flags[b]);
          SOS_RETURN_IF_ERROR(txn.Put(CacheDb::kBlocks, Key(file_id, b), std::string_view(&v, 1)));
        }
        return Status::Ok();
      },
      durable);
}

Status BlockIndex::Clear(uint64_t file_id) {
  return LmdbWrite(env_, [&](LmdbTxn& txn) {
    return txn.DeletePrefix(CacheDb::kBlocks, BigEndianKey(file_id));
  });
}

}  // namespace sos
