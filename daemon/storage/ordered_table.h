// OrderedTable: a byte-ordered map over two LMDB databases, for keys of any
// length.
//
// LMDB limits keys to 511 bytes, but an index key "bucket\0key" may be up to
// 1089 bytes (S3 keys are up to 1024). Keys that fit are stored as is in the
// `short` database. Longer keys go to the `long` database under
// key[0:kGroupPrefix] + XXH3(key) (the value carries the full key), so all long
// keys sharing their first kGroupPrefix bytes form one group of adjacent
// entries. The iterator merges both: groups are ordered among themselves by
// their prefix, and each group is sorted by full key in memory when the
// iterator enters it (groups are tiny in practice: they share ~500 bytes of
// key). The result is exact memcmp order over full keys, with O(log n) Seek.
//
// Thread-safety: as the Txn it is used with.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/storage/lmdb_index.h"

namespace sos::storage {

class OrderedTable {
 public:
  static constexpr size_t kMaxShortKey = 511;
  static constexpr size_t kGroupPrefix = 496;

  OrderedTable(Table short_table, Table long_table) : short_(short_table), long_(long_table) {}

  // Sets *value (a view valid until the txn ends or changes) if present.
  Result<bool> Get(Txn& txn, std::string_view key, std::string_view* value) const;
  Status Put(Txn& txn, std::string_view key, std::string_view value) const;
  Status Del(Txn& txn, std::string_view key) const;

  Table short_table() const { return short_; }
  Table long_table() const { return long_; }

 private:
  Table short_;
  Table long_;
};

class OrderedIterator {
 public:
  static Result<OrderedIterator> Open(Txn& txn, const OrderedTable& table);

  // Positions at the first key >= key; returns whether there is one.
  Result<bool> Seek(std::string_view key);
  Result<bool> Next();
  bool valid() const { return on_short_ || on_long_; }
  std::string_view key() const;
  std::string_view value() const;

 private:
  OrderedIterator(Cursor s, Cursor l) : short_(std::move(s)), long_(std::move(l)) {}
  Status LoadGroup();  // from long_'s position into group_
  void Pick();

  Cursor short_;
  Cursor long_;
  std::vector<std::pair<std::string, std::string>> group_;  // sorted (full key, value)
  size_t group_pos_ = 0;
  bool on_short_ = false;  // the current entry is short_'s
  bool on_long_ = false;   // the current entry is group_[group_pos_]
};

// The smallest string greater than every string starting with `prefix`
// ("" if there is none, i.e. prefix is all 0xff).
std::string PrefixSuccessor(std::string_view prefix);

}  // namespace sos::storage
