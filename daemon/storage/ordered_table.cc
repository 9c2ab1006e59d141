#include "daemon/storage/ordered_table.h"

#include <xxhash.h>

#include <algorithm>

#include "daemon/storage/index_records.h"

namespace sos::storage {
namespace {

std::string LongKey(std::string_view key) {
  std::string k(key.substr(0, OrderedTable::kGroupPrefix));
  char h[8];
  PutFixed64(h, XXH3_64bits(key.data(), key.size()));
  k.append(h, 8);
  return k;
}

std::string LongValue(std::string_view key, std::string_view value) {
  Encoder e;
  e.String(key);
  e.out().append(value);
  return e.Take();
}

bool ParseLongValue(std::string_view stored, std::string_view* key, std::string_view* value) {
  Decoder d(stored);
  if (!d.StringView(key)) return false;
  *value = d.rest();
  return true;
}

Status CorruptLong() { return Status::Corruption("corrupt long-key entry in the index"); }

}  // namespace

std::string PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty() && static_cast<uint8_t>(s.back()) == 0xff) s.pop_back();
  if (!s.empty()) s.back() = static_cast<char>(static_cast<uint8_t>(s.back()) + 1);
  return s;
}

Result<bool> OrderedTable::Get(Txn& txn, std::string_view key, std::string_view* value) const {
  if (key.size() <= kMaxShortKey) return txn.Get(short_, key, value);
  std::string_view stored;
  SOS_ASSIGN_OR_RETURN(bool found, txn.Get(long_, LongKey(key), &stored));
  if (!found) return false;
  std::string_view full;
  if (!ParseLongValue(stored, &full, value)) return CorruptLong();
  return full == key;
}

Status OrderedTable::Put(Txn& txn, std::string_view key, std::string_view value) const {
  if (key.size() <= kMaxShortKey) return txn.Put(short_, key, value);
  std::string lk = LongKey(key);
  std::string_view stored, full, old;
  SOS_ASSIGN_OR_RETURN(bool found, txn.Get(long_, lk, &stored));
  if (found && (!ParseLongValue(stored, &full, &old) || full != key)) {
    return Status::Internal("64-bit hash collision between two long keys");
  }
  return txn.Put(long_, lk, LongValue(key, value));
}

Status OrderedTable::Del(Txn& txn, std::string_view key) const {
  if (key.size() <= kMaxShortKey) return txn.Del(short_, key);
  std::string_view ignored;
  SOS_ASSIGN_OR_RETURN(bool found, Get(txn, key, &ignored));
  if (!found) return Status::Ok();
  return txn.Del(long_, LongKey(key));
}

Result<OrderedIterator> OrderedIterator::Open(Txn& txn, const OrderedTable& table) {
  SOS_ASSIGN_OR_RETURN(Cursor s, Cursor::Open(txn, table.short_table()));
  SOS_ASSIGN_OR_RETURN(Cursor l, Cursor::Open(txn, table.long_table()));
  return OrderedIterator(std::move(s), std::move(l));
}

Status OrderedIterator::LoadGroup() {
  group_.clear();
  group_pos_ = 0;
  if (!long_.valid()) return Status::Ok();
  std::string prefix(long_.key().substr(0, OrderedTable::kGroupPrefix));
  do {
    std::string_view full, value;
    if (!ParseLongValue(long_.value(), &full, &value)) return CorruptLong();
    group_.emplace_back(std::string(full), std::string(value));
    SOS_ASSIGN_OR_RETURN(bool more, long_.Next());
    if (!more) break;
  } while (long_.key().substr(0, OrderedTable::kGroupPrefix) == prefix);
  std::sort(group_.begin(), group_.end());
  return Status::Ok();
}

void OrderedIterator::Pick() {
  bool s = short_.valid();
  bool l = group_pos_ < group_.size();
  on_short_ = s && (!l || short_.key() < std::string_view(group_[group_pos_].first));
  on_long_ = l && !on_short_;
}

Result<bool> OrderedIterator::Seek(std::string_view key) {
  if (key.size() <= OrderedTable::kMaxShortKey) {
    SOS_RETURN_IF_ERROR(short_.Seek(key).status());
  } else {
    SOS_ASSIGN_OR_RETURN(bool ok, short_.Seek(key.substr(0, OrderedTable::kMaxShortKey)));
    while (ok && short_.key() < key) {
      SOS_ASSIGN_OR_RETURN(ok, short_.Next());
    }
  }
  group_.clear();
  group_pos_ = 0;
  SOS_ASSIGN_OR_RETURN(bool any_long,
                       long_.Seek(key.substr(0, std::min(key.size(), OrderedTable::kGroupPrefix))));
  if (any_long) {
    SOS_RETURN_IF_ERROR(LoadGroup());
    while (group_pos_ < group_.size() && std::string_view(group_[group_pos_].first) < key) {
      ++group_pos_;
    }
    // Every key of a later group is greater than `key`.
    if (group_pos_ == group_.size()) SOS_RETURN_IF_ERROR(LoadGroup());
  }
  Pick();
  return valid();
}

Result<bool> OrderedIterator::Next() {
  if (on_short_) {
    SOS_RETURN_IF_ERROR(short_.Next().status());
  } else if (on_long_) {
    if (++group_pos_ == group_.size()) SOS_RETURN_IF_ERROR(LoadGroup());
  }
  Pick();
  return valid();
}

std::string_view OrderedIterator::key() const {
  return on_short_ ? short_.key() : std::string_view(group_[group_pos_].first);
}

std::string_view OrderedIterator::value() const {
  return on_short_ ? short_.value() : std::string_view(group_[group_pos_].second);
}

}  // namespace sos::storage
