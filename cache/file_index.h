// FileIndex: the locally cached files and the dirty journal.
//
// "files" maps a path (relative to the mount prefix) to the FileRecord of its
// local cache file: which remote version the cached bytes came from, and, for
// a dirty file, the attributes that must reach the remote with its data.
// "journal" lists the paths whose record is dirty: local changes not yet
// uploaded. A dirty record is written durably (forced to disk), so after a
// crash of sosfs, Dirty() tells which uploads to resume; "meta" holds the
// file-id counter and the identity of the mount the cache belongs to.
//
// Thread-safety: thread-safe (each call is one LMDB transaction). Callers
// serialise changes to one path themselves (FileState's lock).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cache/cache_db.h"

namespace sos {

struct FileRecord {
  uint64_t file_id = 0;    // names the local data file
  std::string etag;        // remote version the cached bytes belong to; "" = none
  uint64_t base_size = 0;  // bytes [0, base_size) are that version's
  uint64_t size = 0;       // logical size when last recorded
  bool dirty = false;      // local changes not yet uploaded
  std::string upload_id;   // multipart upload in flight (aborted after a crash)
  int64_t last_access_ns = 0;
  // Dirty files: what the next upload sends along with the data.
  std::string content_type;
  std::map<std::string, std::string> user_meta;
  // The remote version the next upload replaces (its If-Match; "" = none,
  // If-None-Match: *), or unknown (no condition).
  std::optional<std::string> expected_etag;

  friend bool operator==(const FileRecord&, const FileRecord&) = default;
};

class FileIndex {
 public:
  // Uses the kFiles, kJournal and kMeta databases of env (which must outlive this).
  explicit FileIndex(LmdbEnv& env) : env_(env) {}

  Result<std::optional<FileRecord>> Get(const std::string& path);
  // Stores the record; its journal entry follows record.dirty. Forced to disk
  // when the record enters or leaves the journal, or when `durable`.
  Status Put(const std::string& path, const FileRecord& record, bool durable = false);
  // Forgets the record and its journal entry.
  Status Remove(const std::string& path);
  // Moves a record (replacing the one at `to`), or every record below
  // from/ to the same place below to/ when tree is true.
  Status Move(const std::string& from, const std::string& to, bool tree = false);
  Result<uint64_t> NewFileId();

  // Records in the journal (dirty), and all records.
  Result<std::vector<std::pair<std::string, FileRecord>>> Dirty();
  Result<std::vector<std::pair<std::string, FileRecord>>> All();

  // Binds the cache to one mount (endpoint, bucket, prefix). A cache bound to
  // another mount is wiped when clean and refused (kAlreadyExists) when dirty
  // or when `unsent` (its journalled deletes and renames) is not zero.
  Status ClaimIdentity(const std::string& identity, uint64_t unsent,
                       const std::function<void()>& wipe);

 private:
  LmdbEnv& env_;
};

std::string EncodeFileRecord(const FileRecord& r);
bool DecodeFileRecord(std::string_view in, FileRecord* r);

}  // namespace sos
