// The tables of sosd's index, in one LMDB environment (s3core/persist/lmdb.h
// is the layer: transactions, cursors, the error map, the durability rules).
// sosd funnels all writes through one committer thread at a time
// (commit_pipeline.h), and nobody holds a read txn across blob I/O.
//
// Thread-safety: as LmdbEnv (thread-safe); a txn or cursor is used by one
// thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "s3core/persist/lmdb.h"
#include "s3core/status.h"

namespace sos::storage {

enum class Table : int {
  kMeta = 0,     // engine state (next sequence number, counters, journal offsets)
  kAccounts,     // account id -> Account
  kKeys,         // access key id -> AccessKey
  kBuckets,      // bucket -> BucketRecord
  kObjects,      // bucket '\0' key -> ObjectRecord (without key); see ordered_table.h
  kObjectsLong,  // the same for index keys over LMDB's 511-byte key limit
  kUploads,      // upload id -> UploadRecord
  kUploadKeys,   // bucket '\0' key '\0' upload id -> "" (ListUploads, BucketNotEmpty)
  kUploadKeysLong,
  kParts,   // upload id '\0' big-endian part number -> PartRecord
  kRefs,    // blob id -> varint reference count (objects + parts)
  kNonces,  // single-use nonce -> Fixed64 expiry, ms since epoch (X-Sos-Once URLs)
  // blob id -> time + varint replicas: when the scrubber last read every
  // replica of it on the healthy drives and found them good. Not journalled
  // (a rebuilt index starts without it; the next pass fills it in).
  kVerified,
  // bucket '\0' key '\0' big-endian ~version_seq -> ObjectRecord: the
  // noncurrent versions and delete markers of versioned buckets, each key's
  // newest first (see versioning.h); the current version stays in kObjects.
  kVersions,
  kVersionsLong,
  kCount,
};

using Txn = LmdbTxn;
using Cursor = LmdbCursor;

// Opens (creating) the index directory and its tables. With `durable` every
// commit is on disk when it returns; without it only after LmdbEnv::Sync().
Result<std::unique_ptr<LmdbEnv>> OpenIndex(const std::string& dir, uint64_t map_size, bool durable);

}  // namespace sos::storage
