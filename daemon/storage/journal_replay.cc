// Journal::Replay: the read side of the journal, for Rebuild (rules in
// journal.h).
#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "daemon/storage/journal.h"
#include "daemon/storage/journal_format.h"

namespace sos::storage {
namespace {

struct DriveFiles {
  std::map<uint64_t, std::string> logs;   // gen -> path
  std::map<uint64_t, std::string> snaps;  // gen -> path
};

bool ParseGenName(const std::string& name, uint64_t* gen, std::string* ext) {
  if (name.size() < 18 || name[16] != '.') return false;
  for (int i = 0; i < 16; ++i) {
    if (!std::isxdigit(static_cast<unsigned char>(name[i]))) return false;
  }
  if (std::sscanf(name.c_str(), "%16" SCNx64, gen) != 1) return false;
  *ext = name.substr(17);
  return true;
}

// Reads a whole snapshot; with apply == nullptr it only validates it.
Status ReadSnapshot(const std::string& path, uint64_t* next_seq,
                    const std::function<Status(uint64_t, std::vector<JournalOp>)>* apply) {
  SOS_ASSIGN_OR_RETURN(RecordReader r, RecordReader::Open(path));
  if (r.header().magic != kSnapMagic) return Status::Corruption("not a snapshot: " + path);
  *next_seq = r.header().seq;
  uint64_t seq, records = 0;
  std::string payload;
  while (r.Next(&seq, &payload)) {
    if (seq == kSnapshotEnd) {
      Decoder d(payload);
      uint64_t n;
      if (!d.Varint(&n) || n != records) break;
      return Status::Ok();
    }
    ++records;
    if (apply) {
      SOS_ASSIGN_OR_RETURN(std::vector<JournalOp> ops, DecodeOps(payload));
      SOS_RETURN_IF_ERROR((*apply)(0, std::move(ops)));
    }
  }
  return Status::Corruption("incomplete or corrupt snapshot " + path);
}

// The records of one drive's logs, generation after generation.
class ChainReader {
 public:
  ChainReader(std::vector<std::pair<uint64_t, std::string>> files,
              const std::map<uint64_t, uint64_t>* gen_start)
      : files_(std::move(files)), gen_start_(gen_start) {}

  // The current record, or nullopt at the end of the chain.
  std::optional<uint64_t> head() {
    while (!have_) {
      if (!reader_) {
        if (next_file_ == files_.size()) return std::nullopt;
        gen_ = files_[next_file_].first;
        auto r = RecordReader::Open(files_[next_file_++].second);
        if (!r.ok()) continue;
        reader_.emplace(std::move(r).value());
        // A record this generation holds at or past the first seq of a later
        // generation was never committed (its commit failed or crashed).
        limit_ = ~uint64_t{0};
        auto later = gen_start_->upper_bound(gen_);
        if (later != gen_start_->end()) limit_ = later->second;
      }
      if (!reader_->Next(&seq_, &payload_) || seq_ >= limit_) {
        reader_.reset();
        continue;
      }
      have_ = true;
    }
    return seq_;
  }
  std::string& payload() { return payload_; }
  void Pop() { have_ = false; }

 private:
  std::vector<std::pair<uint64_t, std::string>> files_;
  const std::map<uint64_t, uint64_t>* gen_start_;
  size_t next_file_ = 0;
  std::optional<RecordReader> reader_;
  uint64_t gen_ = 0;
  uint64_t limit_ = 0;
  bool have_ = false;
  uint64_t seq_ = 0;
  std::string payload_;
};

}  // namespace

Result<Journal::ReplayResult> Journal::Replay(
    DriveSet& drives, const std::function<Status(uint64_t, std::vector<JournalOp>)>& apply) {
  std::vector<DriveFiles> files(drives.size());
  std::map<uint64_t, uint64_t> log_start;  // gen -> first seq, from every readable log header
  // The same, only from logs holding records. A generation whose rotation was
  // never committed (crash in a checkpoint) never receives a record, so only
  // these prove that a previous generation's records past their first seq
  // were never committed.
  std::map<uint64_t, uint64_t> gen_start;
  for (size_t d = 0; d < drives.size(); ++d) {
    auto names = ListDir(drives.JournalDir(d));
    if (!names.ok()) continue;
    for (const std::string& n : *names) {
      uint64_t gen;
      std::string ext;
      if (!ParseGenName(n, &gen, &ext)) continue;
      std::string path = JoinPath(drives.JournalDir(d), n);
      if (ext == "snap") files[d].snaps[gen] = path;
      if (ext == "log") {
        files[d].logs[gen] = path;
        auto r = RecordReader::Open(path);
        if (r.ok() && r->header().magic == kLogMagic && r->header().gen == gen) {
          log_start.emplace(gen, r->header().seq);
          uint64_t seq;
          std::string payload;
          if (r->Next(&seq, &payload)) gen_start.emplace(gen, r->header().seq);
        }
      }
    }
  }

  ReplayResult result;
  for (const DriveFiles& f : files) {
    if (!f.logs.empty()) result.max_gen = std::max(result.max_gen, f.logs.rbegin()->first);
    if (!f.snaps.empty()) result.max_gen = std::max(result.max_gen, f.snaps.rbegin()->first);
  }
  // The newest snapshot that reads back complete on some drive.
  std::set<uint64_t, std::greater<>> snap_gens;
  for (const DriveFiles& f : files) {
    for (const auto& [gen, path] : f.snaps) snap_gens.insert(gen);
  }
  std::string snap_path;
  uint64_t snap_gen = 0, next_seq = 0;
  for (uint64_t gen : snap_gens) {
    for (const DriveFiles& f : files) {
      auto it = f.snaps.find(gen);
      if (it == f.snaps.end()) continue;
      uint64_t seq;
      if (ReadSnapshot(it->second, &seq, nullptr).ok()) {
        snap_path = it->second;
        snap_gen = gen;
        next_seq = seq;
        break;
      }
      drives.Log("sos storage: rebuild skips damaged snapshot " + it->second);
    }
    if (!snap_path.empty()) break;
  }
  if (snap_path.empty()) {
    // Without a snapshot, only a journal that starts at the beginning will do.
    if (log_start.empty() || log_start.begin()->second != 1) {
      if (log_start.empty()) return result;  // no journal at all: an empty store
      return Status::Corruption("no usable journal snapshot on any drive");
    }
    snap_gen = log_start.begin()->first;
    next_seq = 1;
  } else {
    uint64_t seq;
    SOS_RETURN_IF_ERROR(ReadSnapshot(snap_path, &seq, &apply));
  }

  std::vector<ChainReader> chains;
  for (const DriveFiles& f : files) {
    std::vector<std::pair<uint64_t, std::string>> chain;
    for (const auto& [gen, path] : f.logs) {
      if (gen >= snap_gen) chain.emplace_back(gen, path);
    }
    chains.emplace_back(std::move(chain), &gen_start);
  }
  uint64_t expected = next_seq;
  while (true) {
    std::optional<uint64_t> low;
    for (ChainReader& c : chains) {
      std::optional<uint64_t> h;
      while ((h = c.head()) && *h < expected) c.Pop();  // duplicates of applied records
      if (h && (!low || *h < *low)) low = h;
    }
    if (!low) break;
    if (*low > expected) {
      drives.Log("sos storage: rebuild found no record " + std::to_string(expected) + " to " +
                 std::to_string(*low - 1) + " on any drive; continuing after the gap");
      expected = *low;
    }
    // Every live drive holds the same record; a different one can only be an
    // uncommitted leftover on a drive that went stale, so the majority wins.
    std::map<std::string, int> votes;
    for (ChainReader& c : chains) {
      if (c.head() == expected) ++votes[c.payload()];
    }
    auto best = votes.begin();
    for (auto it = votes.begin(); it != votes.end(); ++it) {
      if (it->second > best->second) best = it;
    }
    SOS_ASSIGN_OR_RETURN(std::vector<JournalOp> ops, DecodeOps(best->first));
    SOS_RETURN_IF_ERROR(apply(expected, std::move(ops)));
    for (ChainReader& c : chains) {
      if (c.head() == expected) c.Pop();
    }
    ++expected;
  }
  result.next_seq = expected;
  return result;
}

}  // namespace sos::storage
