// StorageEngineImpl: single-use nonces (X-Sos-Once pre-signed URLs).
#include <algorithm>

#include "daemon/storage/index_txn.h"
#include "daemon/storage/storage_engine_impl.h"

namespace sos {

using storage::IndexTxn;
using storage::JournalOp;
using storage::OpType;
using storage::Table;
using storage::Txn;

namespace {

constexpr size_t kMaxNonceSize = 256;

int64_t Millis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

Status StorageEngineImpl::ConsumeNonce(const std::string& nonce, TimePoint expires) {
  if (nonce.empty() || nonce.size() > kMaxNonceSize) {
    return Status::InvalidArgument("a nonce must be 1 to 256 bytes");
  }
  std::string value(8, '\0');
  PutFixed64(value.data(), static_cast<uint64_t>(std::max<int64_t>(0, Millis(expires))));
  std::shared_lock world(world_mu_);
  // The check and the put share one write transaction: concurrent consumers
  // of one nonce are serialised by the commit pipeline, so one wins.
  return Mutate([&](IndexTxn& itx) -> Status {
    std::string_view existing;
    SOS_ASSIGN_OR_RETURN(bool found, itx.txn().Get(Table::kNonces, nonce, &existing));
    if (found) return Status::AlreadyExists("nonce already used");
    return itx.Apply(JournalOp{OpType::kPutNonce, nonce, {}, value});
  });
}

Result<uint64_t> StorageEngineImpl::PurgeNonces(TimePoint now) {
  std::vector<std::string> expired;
  std::shared_lock world(world_mu_);
  {
    SOS_ASSIGN_OR_RETURN(Txn txn, ReadTxn());
    SOS_ASSIGN_OR_RETURN(storage::Cursor c, storage::Cursor::Open(txn, Table::kNonces));
    SOS_ASSIGN_OR_RETURN(bool ok, c.First());
    while (ok) {
      std::string_view v = c.value();
      if (v.size() == 8 && static_cast<int64_t>(GetFixed64(v.data())) < Millis(now)) {
        expired.emplace_back(c.key());
      }
      SOS_ASSIGN_OR_RETURN(ok, c.Next());
    }
  }
  if (expired.empty()) return uint64_t{0};
  SOS_RETURN_IF_ERROR(Mutate([&](IndexTxn& itx) -> Status {
    for (const std::string& nonce : expired) {
      SOS_RETURN_IF_ERROR(itx.Apply(JournalOp{OpType::kDeleteNonce, nonce, {}, {}}));
    }
    return Status::Ok();
  }));
  return static_cast<uint64_t>(expired.size());
}

}  // namespace sos
