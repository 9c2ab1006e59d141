// The records the index and the journals store, in the one record format
// (s3core/persist/index_records.h).
//
// Each record starts with a format version byte, then fields in a fixed order:
// integers as varints, strings length-prefixed, times as ticks (so a decoded
// record is byte-identical to the one written, ACL strings and timestamps
// included). Decoders are total: malformed input yields Corruption, never UB.
// An object record does not contain its key (the index key does); DecodeObject
// takes it back as an argument.
//
// A JournalOp is one change of the index (put/delete of one record); a commit
// is a list of ops. The journals store exactly these, and IndexTxn::Apply is
// the only function that turns them into index changes (see index_txn.h).
//
// Stateless functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/storage/storage_engine.h"
#include "s3core/persist/record_codec.h"

namespace sos::storage {

std::string EncodeAccount(const Account& a);
Result<Account> DecodeAccount(std::string_view in);
std::string EncodeKey(const AccessKey& k);
Result<AccessKey> DecodeKey(std::string_view in);
std::string EncodeBucket(const BucketRecord& b);
Result<BucketRecord> DecodeBucket(std::string_view in);
// The key is not stored; `with_segments` = false skips decoding them (listings).
std::string EncodeObject(const ObjectRecord& o);
Result<ObjectRecord> DecodeObject(std::string_view in, std::string_view key,
                                  bool with_segments = true);
// Only the segments of an encoded object (refcounting).
Result<std::vector<Segment>> DecodeObjectSegments(std::string_view in);
std::string EncodeUpload(const UploadRecord& u);
Result<UploadRecord> DecodeUpload(std::string_view in);
std::string EncodePart(const PartRecord& p);
Result<PartRecord> DecodePart(std::string_view in);
// A kVerified value: when the scrubber last found `replicas` replicas good.
std::string EncodeVerified(TimePoint at, uint32_t replicas);
Status DecodeVerified(std::string_view in, TimePoint* at, uint32_t* replicas);

enum class OpType : uint8_t {
  kPutAccount = 1,  // a = account id, value = EncodeAccount
  kDeleteAccount,   // a = account id
  kPutKey,          // a = access key id, value = EncodeKey
  kDeleteKey,       // a = access key id
  kPutBucket,       // a = bucket, value = EncodeBucket
  kDeleteBucket,    // a = bucket
  kPutObject,       // a = bucket, b = key, value = EncodeObject
  kDeleteObject,    // a = bucket, b = key
  kPutUpload,       // a = upload id, value = EncodeUpload
  kDeleteUpload,    // a = upload id (its parts go with it)
  kPutPart,         // a = upload id, value = EncodePart
  kPutNonce,        // a = single-use nonce, value = Fixed64 expiry (ms since epoch)
  kDeleteNonce,     // a = single-use nonce
  kPutVersion,      // a = bucket, b = key, value = EncodeObject (a noncurrent version)
  kDeleteVersion,   // a = bucket, b = key, value = Fixed64 version_seq
};
inline constexpr uint8_t kMaxOpType = static_cast<uint8_t>(OpType::kDeleteVersion);

struct JournalOp {
  OpType type{};
  std::string a;
  std::string b;
  std::string value;
};

void EncodeOps(const std::vector<JournalOp>& ops, std::string* out);
Result<std::vector<JournalOp>> DecodeOps(std::string_view in);

Status CorruptRecord(std::string_view what);

}  // namespace sos::storage
