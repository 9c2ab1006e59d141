// StorageEngineImpl: accounts, access keys and buckets.
#include "daemon/storage/engine_rules.h"
#include "daemon/storage/index_txn.h"
#include "daemon/storage/storage_engine_impl.h"

namespace sos {

using storage::IndexTxn;
using storage::JournalOp;
using storage::OpType;
using storage::Table;
using storage::Txn;

namespace {

constexpr size_t kMaxIdSize = 256;

Status NoSuchAccount(const std::string& id) {
  return Status::NotFound("account '" + id + "' does not exist", "NoSuchAccount");
}

Status NoSuchKeyId(const std::string& id) {
  return Status::NotFound("access key '" + id + "' does not exist", "InvalidAccessKeyId");
}

Status CheckId(const std::string& id, const char* what) {
  if (id.empty() || id.size() > kMaxIdSize) {
    return Status::InvalidArgument(std::string(what) + " must be 1 to 256 bytes");
  }
  return Status::Ok();
}

// Every record of a table, decoded.
template <typename T, typename F>
Result<std::vector<T>> Scan(Txn& txn, Table table, F decode) {
  std::vector<T> out;
  SOS_ASSIGN_OR_RETURN(storage::Cursor c, storage::Cursor::Open(txn, table));
  SOS_ASSIGN_OR_RETURN(bool ok, c.First());
  while (ok) {
    SOS_ASSIGN_OR_RETURN(T v, decode(c.value()));
    out.push_back(std::move(v));
    SOS_ASSIGN_OR_RETURN(ok, c.Next());
  }
  return out;
}

}  // namespace

Status StorageEngineImpl::CreateAccount(const Account& account) {
  SOS_RETURN_IF_ERROR(CheckId(account.id, "account id"));
  std::shared_lock world(world_mu_);
  Account a = account;
  if (a.created == TimePoint{}) a.created = storage::Now();
  return Mutate([&](IndexTxn& itx) -> Status {
    SOS_ASSIGN_OR_RETURN(std::optional<Account> existing, itx.GetAccount(a.id));
    if (existing) return Status::AlreadyExists("account '" + a.id + "' exists");
    return itx.Apply(JournalOp{OpType::kPutAccount, a.id, {}, storage::EncodeAccount(a)});
  });
}

Result<Account> StorageEngineImpl::GetAccount(const std::string& id) {
  std::shared_lock world(world_mu_);
  SOS_ASSIGN_OR_RETURN(Txn txn, ReadTxn());
  IndexTxn itx(txn);
  SOS_ASSIGN_OR_RETURN(std::optional<Account> a, itx.GetAccount(id));
  if (!a) return NoSuchAccount(id);
  return std::move(*a);
}

Result<std::vector<Account>> StorageEngineImpl::ListAccounts() {
  std::shared_lock world(world_mu_);
  SOS_ASSIGN_OR_RETURN(Txn txn, ReadTxn());
  return Scan<Account>(txn, Table::kAccounts, storage::DecodeAccount);
}

Status StorageEngineImpl::DeleteAccount(const std::string& id) {
  std::shared_lock world(world_mu_);
  std::vector<std::string> revoked;
  SOS_RETURN_IF_ERROR(Mutate([&](IndexTxn& itx) -> Status {
    SOS_ASSIGN_OR_RETURN(std::optional<Account> a, itx.GetAccount(id));
    if (!a) return NoSuchAccount(id);
    SOS_ASSIGN_OR_RETURN(std::vector<BucketRecord> buckets,
                         Scan<BucketRecord>(itx.txn(), Table::kBuckets, storage::DecodeBucket));
    for (const BucketRecord& b : buckets) {
      if (b.owner_id == id) {
        return Status::NotEmpty("account '" + id + "' still owns bucket '" + b.name + "'",
                                "AccountNotEmpty");
      }
    }
    // Its keys go with it: they could no longer sign anything valid.
    SOS_ASSIGN_OR_RETURN(std::vector<AccessKey> keys,
                         Scan<AccessKey>(itx.txn(), Table::kKeys, storage::DecodeKey));
    for (const AccessKey& k : keys) {
      if (k.account_id != id) continue;
      SOS_RETURN_IF_ERROR(itx.Apply(JournalOp{OpType::kDeleteKey, k.access_key_id, {}, {}}));
      revoked.push_back(k.access_key_id);
    }
    return itx.Apply(JournalOp{OpType::kDeleteAccount, id, {}, {}});
  }));
  for (const std::string& k : revoked) InvalidateKeys(k);
  return Status::Ok();
}

Status StorageEngineImpl::AddKey(const AccessKey& key) {
  SOS_RETURN_IF_ERROR(CheckId(key.access_key_id, "access key id"));
  if (key.secret.empty()) return Status::InvalidArgument("empty secret");
  std::shared_lock world(world_mu_);
  AccessKey k = key;
  if (k.created == TimePoint{}) k.created = storage::Now();
  return Mutate([&](IndexTxn& itx) -> Status {
    SOS_ASSIGN_OR_RETURN(std::optional<Account> a, itx.GetAccount(k.account_id));
    if (!a) return NoSuchAccount(k.account_id);
    SOS_ASSIGN_OR_RETURN(std::optional<AccessKey> existing, itx.GetKey(k.access_key_id));
    if (existing) return Status::AlreadyExists("access key '" + k.access_key_id + "' exists");
    return itx.Apply(JournalOp{OpType::kPutKey, k.access_key_id, {}, storage::EncodeKey(k)});
  });
}

Result<AccessKey> StorageEngineImpl::LookupKey(const std::string& access_key_id) {
  uint64_t gen;
  {
    std::shared_lock lock(key_cache_mu_);
    auto it = key_cache_.find(access_key_id);
    if (it != key_cache_.end()) return it->second;
    gen = key_cache_gen_;
  }
  std::optional<AccessKey> key;
  {
    std::shared_lock world(world_mu_);
    SOS_ASSIGN_OR_RETURN(Txn txn, ReadTxn());
    IndexTxn itx(txn);
    SOS_ASSIGN_OR_RETURN(key, itx.GetKey(access_key_id));
  }
  if (!key) return NoSuchKeyId(access_key_id);
  std::unique_lock lock(key_cache_mu_);
  // Not if a revocation ran meanwhile: the read may predate it.
  if (gen == key_cache_gen_) key_cache_.emplace(access_key_id, *key);
  return std::move(*key);
}

Result<std::vector<AccessKey>> StorageEngineImpl::ListKeys(const std::string& account_id) {
  std::shared_lock world(world_mu_);
  SOS_ASSIGN_OR_RETURN(Txn txn, ReadTxn());
  SOS_ASSIGN_OR_RETURN(std::vector<AccessKey> all,
                       Scan<AccessKey>(txn, Table::kKeys, storage::DecodeKey));
  std::vector<AccessKey> out;
  for (AccessKey& k : all) {
    if (k.account_id == account_id) out.push_back(std::move(k));
  }
  return out;
}

Status StorageEngineImpl::RevokeKey(const std::string& access_key_id) {
  std::shared_lock world(world_mu_);
  SOS_RETURN_IF_ERROR(Mutate([&](IndexTxn& itx) -> Status {
    SOS_ASSIGN_OR_RETURN(std::optional<AccessKey> k, itx.GetKey(access_key_id));
    if (!k) return NoSuchKeyId(access_key_id);
    return itx.Apply(JournalOp{OpType::kDeleteKey, access_key_id, {}, {}});
  }));
  InvalidateKeys(access_key_id);
  return Status::Ok();
}

Status StorageEngineImpl::CreateBucket(const BucketRecord& bucket) {
  if (bucket.name.empty() || bucket.name.size() > 255 ||
      bucket.name.find('\0') != std::string::npos) {
    return Status::InvalidArgument("invalid bucket name", "InvalidBucketName");
  }
  std::shared_lock world(world_mu_);
  BucketRecord b = bucket;
  if (b.created == TimePoint{}) b.created = storage::Now();
  return Mutate([&](IndexTxn& itx) -> Status {
    SOS_ASSIGN_OR_RETURN(std::optional<BucketRecord> existing, itx.GetBucket(b.name));
    if (existing) {
      if (existing->owner_id == b.owner_id) {
        return Status::AlreadyExists("you already own bucket '" + b.name + "'",
                                     "BucketAlreadyOwnedByYou");
      }
      return Status::AlreadyExists("bucket '" + b.name + "' exists", "BucketAlreadyExists");
    }
    return itx.Apply(JournalOp{OpType::kPutBucket, b.name, {}, storage::EncodeBucket(b)});
  });
}

Result<BucketRecord> StorageEngineImpl::GetBucket(const std::string& name) {
  std::shared_lock world(world_mu_);
  SOS_ASSIGN_OR_RETURN(Txn txn, ReadTxn());
  IndexTxn itx(txn);
  SOS_ASSIGN_OR_RETURN(std::optional<BucketRecord> b, itx.GetBucket(name));
  if (!b) return storage::NoSuchBucket(name);
  return std::move(*b);
}

Result<std::vector<BucketRecord>> StorageEngineImpl::ListBuckets() {
  std::shared_lock world(world_mu_);
  SOS_ASSIGN_OR_RETURN(Txn txn, ReadTxn());
  return Scan<BucketRecord>(txn, Table::kBuckets, storage::DecodeBucket);
}

Status StorageEngineImpl::DeleteBucket(const std::string& name) {
  // As S3 does: uploads in progress go with the bucket (their parts are
  // freed), a batch per commit, so that many of them make no huge record.
  constexpr size_t kUploadsPerCommit = 1000;
  std::shared_lock world(world_mu_);
  for (bool more = true; more;) {
    SOS_RETURN_IF_ERROR(Mutate([&](IndexTxn& itx) -> Status {
      SOS_ASSIGN_OR_RETURN(std::optional<BucketRecord> b, itx.GetBucket(name));
      if (!b) return storage::NoSuchBucket(name);
      SOS_ASSIGN_OR_RETURN(bool objects, itx.BucketHasObjects(name));
      if (objects) return Status::NotEmpty("bucket '" + name + "' is not empty", "BucketNotEmpty");
      SOS_ASSIGN_OR_RETURN(std::vector<std::string> uploads,
                           itx.UploadIds(name, "", kUploadsPerCommit + 1));
      more = uploads.size() > kUploadsPerCommit;
      if (more) uploads.resize(kUploadsPerCommit);
      for (std::string& id : uploads) {
        SOS_RETURN_IF_ERROR(itx.Apply(JournalOp{OpType::kDeleteUpload, std::move(id), {}, {}}));
      }
      if (more) return Status::Ok();
      return itx.Apply(JournalOp{OpType::kDeleteBucket, name, {}, {}});
    }));
  }
  return Status::Ok();
}

Status StorageEngineImpl::SetBucketAcl(const std::string& name, const std::string& acl) {
  return UpdateBucketRecord(name, [&](BucketRecord& b) { b.acl = acl; });
}

Status StorageEngineImpl::SetBucketCors(const std::string& name, const std::string& cors) {
  return UpdateBucketRecord(name, [&](BucketRecord& b) { b.cors = cors; });
}

Status StorageEngineImpl::SetBucketLifecycle(const std::string& name,
                                             const std::string& lifecycle) {
  return UpdateBucketRecord(name, [&](BucketRecord& b) { b.lifecycle = lifecycle; });
}

Status StorageEngineImpl::SetBucketVersioning(const std::string& name, const std::string& state) {
  if (state != "Enabled" && state != "Suspended") {
    return Status::InvalidArgument("versioning is Enabled or Suspended", "MalformedXML");
  }
  std::shared_lock world(world_mu_);
  return Mutate([&](IndexTxn& itx) -> Status {
    SOS_ASSIGN_OR_RETURN(std::optional<BucketRecord> b, itx.GetBucket(name));
    if (!b) return storage::NoSuchBucket(name);
    if (!b->object_lock.empty() && state != "Enabled") {
      return Status::InvalidArgument(
          "An Object Lock configuration is present on this bucket, so the "
          "versioning state cannot be changed.",
          "InvalidBucketState");
    }
    b->versioning = state;
    return itx.Apply(JournalOp{OpType::kPutBucket, name, {}, storage::EncodeBucket(*b)});
  });
}

Status StorageEngineImpl::UpdateBucketRecord(const std::string& name,
                                             const std::function<void(BucketRecord&)>& change) {
  std::shared_lock world(world_mu_);
  return Mutate([&](IndexTxn& itx) -> Status {
    SOS_ASSIGN_OR_RETURN(std::optional<BucketRecord> b, itx.GetBucket(name));
    if (!b) return storage::NoSuchBucket(name);
    change(*b);
    return itx.Apply(JournalOp{OpType::kPutBucket, name, {}, storage::EncodeBucket(*b)});
  });
}

}  // namespace sos
