// StorageEngineImpl: ListObjectVersions, a merge of the current versions
// (kObjects) and the noncurrent ones (kVersions) in key order.
#include "daemon/storage/engine_rules.h"
#include "daemon/storage/index_txn.h"
#include "daemon/storage/object_lock.h"
#include "daemon/storage/storage_engine_impl.h"
#include "daemon/storage/versioning.h"

namespace sos {

using storage::IndexTxn;
using storage::OrderedIterator;
using storage::Txn;

namespace {

// One of the two tables, positioned on an entry of the listing's scope.
struct Side {
  OrderedIterator it;
  bool versions;  // kVersions: keys carry '\0' + 8 bytes of sequence
  bool ok = false;

  // The S3 key of the entry, or nullopt past the scope.
  std::optional<std::string_view> Key(const std::string& scope, size_t base) const {
    if (!ok) return std::nullopt;
    std::string_view full = it.key();
    if (full.substr(0, scope.size()) != scope) return std::nullopt;
    if (versions) {
      if (full.size() < base + 9) return std::nullopt;
      return full.substr(base, full.size() - base - 9);
    }
    return full.substr(base);
  }
};

}  // namespace

Result<ListVersionsPage> StorageEngineImpl::ListObjectVersions(const std::string& bucket,
                                                               const ListVersionsQuery& q) {
  std::shared_lock world(world_mu_);
  SOS_ASSIGN_OR_RETURN(Txn txn, ReadTxn());
  IndexTxn itx(txn);
  SOS_ASSIGN_OR_RETURN(std::optional<BucketRecord> b, itx.GetBucket(bucket));
  if (!b) return storage::NoSuchBucket(bucket);
  ListVersionsPage page;
  if (q.max_keys <= 0) return page;
  const std::string base = storage::ObjectIndexKey(bucket, "");
  const std::string scope = base + q.prefix;
  SOS_ASSIGN_OR_RETURN(OrderedIterator cur_it, OrderedIterator::Open(txn, storage::kObjectTable));
  SOS_ASSIGN_OR_RETURN(OrderedIterator ver_it, OrderedIterator::Open(txn, storage::kVersionTable));
  Side cur{std::move(cur_it), false};
  Side ver{std::move(ver_it), true};

  std::string seen_version_of;  // a version of this key was passed: later ones are not latest
  if (!q.key_marker.empty() && q.key_marker >= q.prefix) {
    const std::string marker_key = base + q.key_marker + '\0';
    SOS_ASSIGN_OR_RETURN(cur.ok, cur.it.Seek(marker_key));  // keys after the marker
    std::optional<ObjectRecord> from;
    if (!q.version_id_marker.empty()) {
      SOS_ASSIGN_OR_RETURN(from,
                           storage::FindVersion(itx, bucket, q.key_marker, q.version_id_marker));
    }
    SOS_ASSIGN_OR_RETURN(std::optional<ObjectRecord> current, itx.GetObject(bucket, q.key_marker));
    const std::optional<uint64_t> gone_seq =
        from ? std::nullopt : storage::VersionSeqOf(q.version_id_marker);
    if (gone_seq) {
      // The marker version was deleted since: resume after where it was.
      const std::string at = storage::VersionIndexKey(bucket, q.key_marker, *gone_seq);
      SOS_ASSIGN_OR_RETURN(ver.ok, ver.it.Seek(at));
      if (ver.ok && ver.it.key() == at) {
        SOS_ASSIGN_OR_RETURN(ver.ok, ver.it.Next());
      }
      seen_version_of = q.key_marker;
    } else if (!from) {
      SOS_ASSIGN_OR_RETURN(ver.ok, ver.it.Seek(storage::PrefixSuccessor(marker_key)));
    } else if (current && current->version_seq == from->version_seq) {
      SOS_ASSIGN_OR_RETURN(ver.ok, ver.it.Seek(marker_key));  // all its noncurrent versions
      seen_version_of = q.key_marker;
    } else {
      SOS_ASSIGN_OR_RETURN(
          ver.ok, ver.it.Seek(storage::VersionIndexKey(bucket, q.key_marker, from->version_seq)));
      if (ver.ok) {
        SOS_ASSIGN_OR_RETURN(ver.ok, ver.it.Next());
      }
      seen_version_of = q.key_marker;
    }
  } else {
    SOS_ASSIGN_OR_RETURN(cur.ok, cur.it.Seek(scope));
    SOS_ASSIGN_OR_RETURN(ver.ok, ver.it.Seek(scope));
  }

  const size_t max_keys = static_cast<size_t>(q.max_keys);
  size_t count = 0;
  std::string current_of;  // the key whose current version was listed last
  while (true) {
    std::optional<std::string_view> ck = cur.Key(scope, base.size());
    std::optional<std::string_view> vk = ver.Key(scope, base.size());
    if (!ck && !vk) break;
    // The current version of a key comes before its noncurrent ones.
    Side& side = (ck && (!vk || *ck <= *vk)) ? cur : ver;
    std::string key(side.versions ? *vk : *ck);
    if (!q.delimiter.empty()) {
      size_t pos = key.find(q.delimiter, q.prefix.size());
      if (pos != std::string::npos) {
        std::string cp = key.substr(0, pos + q.delimiter.size());
        if (q.key_marker.empty() || cp > q.key_marker) {
          if (count == max_keys) {
            page.is_truncated = true;
            break;
          }
          page.common_prefixes.push_back(cp);
          ++count;
          page.next_key_marker = cp;
          page.next_version_id_marker.clear();
        }
        const std::string next = storage::PrefixSuccessor(base + cp);
        if (next.empty()) break;
        SOS_ASSIGN_OR_RETURN(cur.ok, cur.it.Seek(next));
        SOS_ASSIGN_OR_RETURN(ver.ok, ver.it.Seek(next));
        continue;
      }
    }
    if (count == max_keys) {
      page.is_truncated = true;
      break;
    }
    VersionEntry entry;
    SOS_ASSIGN_OR_RETURN(entry.record, storage::DecodeObject(side.it.value(), key, false));
    if (side.versions) {
      entry.is_latest = current_of != key && seen_version_of != key;
      seen_version_of = key;
    } else {
      entry.is_latest = true;
      current_of = key;
    }
    page.next_key_marker = key;
    page.next_version_id_marker = storage::VersionIdText(entry.record, b->versioning);
    if (page.next_version_id_marker.empty()) page.next_version_id_marker = "null";
    page.versions.push_back(std::move(entry));
    ++count;
    SOS_ASSIGN_OR_RETURN(side.ok, side.it.Next());
  }
  if (!page.is_truncated) {
    page.next_key_marker.clear();
    page.next_version_id_marker.clear();
  }
  return page;
}

Status StorageEngineImpl::SetBucketObjectLock(const std::string& name, const std::string& config) {
  std::shared_lock world(world_mu_);
  return Mutate([&](IndexTxn& itx) -> Status {
    SOS_ASSIGN_OR_RETURN(std::optional<BucketRecord> b, itx.GetBucket(name));
    if (!b) return storage::NoSuchBucket(name);
    if (b->versioning != "Enabled") {
      return Status::InvalidArgument(
          "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
          "InvalidBucketState");
    }
    b->object_lock = config;
    return itx.Apply(
        storage::JournalOp{storage::OpType::kPutBucket, name, {}, storage::EncodeBucket(*b)});
  });
}

Status StorageEngineImpl::SetObjectRetention(const std::string& bucket, const std::string& key,
                                             const std::string& version_id, const std::string& mode,
                                             TimePoint until, bool bypass_governance) {
  std::shared_lock world(world_mu_);
  return Mutate([&](IndexTxn& itx) -> Status {
    return storage::UpdateVersion(itx, bucket, key, version_id, [&](ObjectRecord& v) -> Status {
      if (v.delete_marker) return Status::InvalidArgument("a delete marker", "MethodNotAllowed");
      SOS_RETURN_IF_ERROR(
          storage::CheckRetentionChange(v, mode, until, storage::Now(), bypass_governance));
      v.lock_mode = mode;
      v.retain_until = mode.empty() ? TimePoint{} : until;
      return Status::Ok();
    });
  });
}

Status StorageEngineImpl::SetObjectLegalHold(const std::string& bucket, const std::string& key,
                                             const std::string& version_id, bool on) {
  std::shared_lock world(world_mu_);
  return Mutate([&](IndexTxn& itx) -> Status {
    return storage::UpdateVersion(itx, bucket, key, version_id, [&](ObjectRecord& v) {
      if (v.delete_marker) return Status::InvalidArgument("a delete marker", "MethodNotAllowed");
      v.legal_hold = on;
      return Status::Ok();
    });
  });
}

}  // namespace sos
