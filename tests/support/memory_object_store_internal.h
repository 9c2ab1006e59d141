// State and S3 rules shared by the memory_object_store*.cc files; not part of
// the public API. The structs are guarded by MemoryObjectStore::mu_; the free
// functions are pure.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "s3core/acl.h"
#include "tests/support/memory_object_store.h"
#include "s3core/s3_errors.h"

namespace sos {

struct MemoryObjectStore::Object {
  std::shared_ptr<const std::string> data;  // immutable once stored
  ObjectMeta meta;
  std::string canned_acl;
  std::optional<AccessControlPolicy> acl;  // set by PutAcl; wins over canned_acl
};

struct MemoryObjectStore::Upload {
  struct Part {
    std::shared_ptr<const std::string> data;
    std::string md5;   // raw digest, for the multipart ETag
    std::string etag;  // quoted hex MD5
    TimePoint last_modified{};
  };
  std::string key;
  std::string upload_id;
  TimePoint initiated{};
  WriteOptions options;
  std::map<int, Part> parts;
};

struct MemoryObjectStore::Bucket {
  TimePoint created{};
  std::string canned_acl;
  std::optional<AccessControlPolicy> acl;  // set by PutAcl; wins over canned_acl
  std::map<std::string, Object> objects;   // std::string order is UTF-8 byte order
  std::map<std::string, Upload> uploads;   // by upload id
};

namespace memstore {

using sos::NoSuchBucket;
using sos::NoSuchKey;
using sos::NoSuchUpload;

// Keys are 1..1024 bytes.
Status ValidateKey(const std::string& key);

// Reads the whole body into *data; returns its raw MD5. A source shorter or
// longer than its declared Size() is "IncompleteBody".
Result<std::string> ReadBody(BodySource& body, std::string* data);
std::string QuotedMd5Hex(const std::string& raw_md5);

ObjectMeta MetaFromOptions(const WriteOptions& options, const std::string& key, uint64_t size,
                           const std::string& etag, TimePoint now);

}  // namespace memstore
}  // namespace sos
