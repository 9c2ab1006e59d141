// S3 versioning in the index: the rules every write, delete and lookup of a
// versioned bucket goes through.
//
// The current version of a key stays in kObjects, where listings, reads and
// conditions find it as in an unversioned bucket. The versions it replaced
// and the delete markers live in kVersions under "bucket\0key\0~seq", each
// key's newest first. Invariant: a current version is newer than every entry
// of its key in kVersions; a key without a current version has either no
// entry there or a delete marker as its newest.
//
// A version's id is its sequence number (unique per key, increasing) in hex
// plus random hex, 32 characters as S3's; "" in a record is the null version
// (written before versioning was enabled, or while it is suspended), shown to
// clients as "null".
//
// Every function applies its changes through IndexTxn::Apply (so they are
// journalled and refcounted) and expects the caller's write transaction.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/storage/index_txn.h"

namespace sos::storage {

inline constexpr std::string_view kNullVersion = "null";

// The sequence number in a version id sosd made (nullopt: not one).
std::optional<uint64_t> VersionSeqOf(std::string_view version_id);

// The id S3 shows for `record` in a bucket whose versioning is `state`:
// "" when the bucket was never versioned.
std::string VersionIdText(const ObjectRecord& record, std::string_view state);

// Makes `record` the current version of record.meta.key (replacing
// `current`, the key's current version if any) under the bucket's rules; sets
// record's version fields.
Status PutCurrent(IndexTxn& itx, const BucketRecord& bucket,
                  const std::optional<ObjectRecord>& current, ObjectRecord& record);

// DeleteObject without a version id: unversioned buckets drop the current
// version, versioned ones keep it and add a delete marker (owned by owner_id).
Result<DeleteOutcome> DeleteCurrent(IndexTxn& itx, const BucketRecord& bucket,
                                    const std::string& key, const std::string& owner_id,
                                    TimePoint now);

// DeleteObject of one version, for good; the next newest becomes current
// unless it is a delete marker. A version that is not there: success. A
// locked one: AccessDenied (object_lock.h).
Result<DeleteOutcome> DeleteVersion(IndexTxn& itx, const BucketRecord& bucket,
                                    const std::string& key, const std::string& version_id,
                                    TimePoint now, bool bypass_governance);

// Changes version `version_id` of key ("": the current one) in place, where
// it is kept; `change` may refuse. NoSuchKey / NoSuchVersion when absent.
Status UpdateVersion(IndexTxn& itx, const std::string& bucket, const std::string& key,
                     const std::string& version_id,
                     const std::function<Status(ObjectRecord&)>& change);

// The version `version_id` ("null" or an id) of key: the current one or a
// noncurrent one or a delete marker. InvalidArgument for an id sosd never
// makes; nullopt when it is not there.
Result<std::optional<ObjectRecord>> FindVersion(IndexTxn& itx, const std::string& bucket,
                                                const std::string& key,
                                                const std::string& version_id);

}  // namespace sos::storage
