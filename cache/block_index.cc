#include "cache/block_index.h"

#include "cache/record_codec.h"

namespace sos {
namespace {

std::string Key(uint64_t file_id, uint64_t block) {
  return BigEndianKey(file_id) + BigEndianKey(block);
}

}  // namespace

Result<std::unique_ptr<BlockIndex>> BlockIndex::Open(LmdbEnv& env) {
  SOS_ASSIGN_OR_RETURN(MDB_dbi blocks, env.OpenDb("blocks"));
  return std::unique_ptr<BlockIndex>(new BlockIndex(env, blocks));
}

Result<std::vector<uint8_t>> BlockIndex::Load(uint64_t file_id) {
  std::vector<uint8_t> flags;
  SOS_RETURN_IF_ERROR(env_.Read([&](LmdbTxn& txn) {
    return txn.ForEachPrefix(blocks_, BigEndianKey(file_id),
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
  return env_.Write(
      [&](LmdbTxn& txn) -> Status {
        for (const auto& [block, flags] : changes) {
          if (flags == 0) {
            SOS_RETURN_IF_ERROR(txn.Delete(blocks_, Key(file_id, block)));
          } else {
            char v = static_cast<char>(flags);
            SOS_RETURN_IF_ERROR(txn.Put(blocks_, Key(file_id, block), std::string_view(&v, 1)));
          }
        }
        return Status::Ok();
      },
      durable);
}

Status BlockIndex::Replace(uint64_t file_id, const std::vector<uint8_t>& flags, bool durable) {
  return env_.Write(
      [&](LmdbTxn& txn) -> Status {
        SOS_RETURN_IF_ERROR(txn.DeletePrefix(blocks_, BigEndianKey(file_id)));
        for (uint64_t b = 0; b < flags.size(); ++b) {
          if (flags[b] == 0) continue;
          char v = static_cast<char>(flags[b]);
          SOS_RETURN_IF_ERROR(txn.Put(blocks_, Key(file_id, b), std::string_view(&v, 1)));
        }
        return Status::Ok();
      },
      durable);
}

Status BlockIndex::Clear(uint64_t file_id) {
  return env_.Write([&](LmdbTxn& txn) { return txn.DeletePrefix(blocks_, BigEndianKey(file_id)); });
}

}  // namespace sos
