// Binary encodings of everything the index and the journals store.
//
// Each record starts with a format version byte, then fields in a fixed order:
// integers as LEB128 varints, strings length-prefixed, times as the int64 count
// of system_clock ticks (so a decoded record is byte-identical to the one
// written, ACL strings and timestamps included). Decoders are total: malformed
// input yields Corruption, never UB. An object record does not contain its key
// (the index key does); DecodeObject takes it back as an argument.
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

namespace sos::storage {

class Encoder {
 public:
  void Byte(uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void Varint(uint64_t v);
  void Fixed32(uint32_t v);
  void Fixed64(uint64_t v);
  void String(std::string_view s);
  void Time(TimePoint t);
  std::string& out() { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  bool Byte(uint8_t* b);
  bool Varint(uint64_t* v);
  bool Fixed32(uint32_t* v);
  bool Fixed64(uint64_t* v);
  bool String(std::string* s);
  bool StringView(std::string_view* s);
  bool Time(TimePoint* t);
  bool done() const { return in_.empty(); }
  std::string_view rest() const { return in_; }

 private:
  std::string_view in_;
};

void PutFixed32(char* p, uint32_t v);
void PutFixed64(char* p, uint64_t v);
uint32_t GetFixed32(const char* p);
uint64_t GetFixed64(const char* p);

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
};
inline constexpr uint8_t kMaxOpType = static_cast<uint8_t>(OpType::kDeleteNonce);

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
