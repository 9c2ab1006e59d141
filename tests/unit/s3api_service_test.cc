// S3Service in process: signed requests through the whole pipeline against an
// in-memory StorageEngine fake, responses captured without sockets. The real
// engine and server are exercised by tests/e2e; this checks the S3 semantics
// of the handlers themselves, fast.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <mutex>

#include "daemon/auth/chunked_payload.h"
#include "daemon/s3api/s3_service.h"
#include "s3core/crypto.h"
#include "s3core/time_format.h"
#include "s3core/uri.h"
#include "s3core/xml_codec.h"

namespace sos {
namespace {

// ---- An in-memory StorageEngine with the documented semantics -------------

class FakeEngine : public StorageEngine {
 public:
  Status CreateAccount(const Account& a) override {
    std::lock_guard lock(mu_);
    accounts_[a.id] = a;
    return Status::Ok();
  }
  Result<Account> GetAccount(const std::string& id) override {
    std::lock_guard lock(mu_);
    auto it = accounts_.find(id);
    if (it == accounts_.end()) return Status::NotFound("no account");
    return it->second;
  }
  Result<std::vector<Account>> ListAccounts() override {
    std::lock_guard lock(mu_);
    std::vector<Account> out;
    for (auto& [id, a] : accounts_) out.push_back(a);
    return out;
  }
  Status DeleteAccount(const std::string& id) override {
    std::lock_guard lock(mu_);
    accounts_.erase(id);
    return Status::Ok();
  }
  Status AddKey(const AccessKey& key) override {
    std::lock_guard lock(mu_);
    keys_[key.access_key_id] = key;
    return Status::Ok();
  }
  Result<AccessKey> LookupKey(const std::string& id) override {
    std::lock_guard lock(mu_);
    auto it = keys_.find(id);
    if (it == keys_.end()) return Status::NotFound("no key");
    return it->second;
  }
  Result<std::vector<AccessKey>> ListKeys(const std::string& account) override {
    std::lock_guard lock(mu_);
    std::vector<AccessKey> out;
    for (auto& [id, k] : keys_) {
      if (k.account_id == account) out.push_back(k);
    }
    return out;
  }
  Status RevokeKey(const std::string& id) override {
    std::lock_guard lock(mu_);
    keys_.erase(id);
    return Status::Ok();
  }

  Status CreateBucket(const BucketRecord& b) override {
    std::lock_guard lock(mu_);
    auto it = buckets_.find(b.name);
    if (it != buckets_.end()) {
      return Status::AlreadyExists("exists", it->second.owner_id == b.owner_id
                                                 ? "BucketAlreadyOwnedByYou"
                                                 : "BucketAlreadyExists");
    }
    buckets_[b.name] = b;
    objects_[b.name];
    return Status::Ok();
  }
  Result<BucketRecord> GetBucket(const std::string& name) override {
    std::lock_guard lock(mu_);
    auto it = buckets_.find(name);
    if (it == buckets_.end()) return NoBucket();
    return it->second;
  }
  Result<std::vector<BucketRecord>> ListBuckets() override {
    std::lock_guard lock(mu_);
    std::vector<BucketRecord> out;
    for (auto& [n, b] : buckets_) out.push_back(b);
    return out;
  }
  Status DeleteBucket(const std::string& name) override {
    std::lock_guard lock(mu_);
    if (!buckets_.count(name)) return NoBucket();
    if (!objects_[name].empty()) return Status::NotEmpty("not empty", "BucketNotEmpty");
    buckets_.erase(name);
    objects_.erase(name);
    return Status::Ok();
  }
  Status SetBucketAcl(const std::string& name, const std::string& acl) override {
    std::lock_guard lock(mu_);
    if (!buckets_.count(name)) return NoBucket();
    buckets_[name].acl = acl;
    return Status::Ok();
  }
  Status SetBucketCors(const std::string& name, const std::string& cors) override {
    std::lock_guard lock(mu_);
    if (!buckets_.count(name)) return NoBucket();
    buckets_[name].cors = cors;
    return Status::Ok();
  }

  class Writer : public BlobWriter {
   public:
    explicit Writer(FakeEngine* e) : e_(e), md5_(DigestAlgorithm::kMd5) {}
    Status Write(std::string_view data) override {
      {
        std::lock_guard lock(e_->mu_);
        if (!e_->failure_.ok()) return e_->failure_;
      }
      data_.append(data);
      md5_.Update(data);
      return Status::Ok();
    }
    Result<Segment> Finish() override {
      raw_md5_ = md5_.Finish();
      if (data_.empty()) return Segment{};  // as the engine: empty data is inline, no blob
      std::lock_guard lock(e_->mu_);
      std::string id = "blob" + std::to_string(++e_->next_id_);
      e_->blobs_[id] = data_;
      return Segment{id, 0, data_.size()};
    }
    std::string md5() const override { return raw_md5_; }
    uint64_t size() const override { return data_.size(); }

   private:
    FakeEngine* e_;
    std::string data_;
    Digest md5_;
    std::string raw_md5_;
  };
  Result<std::unique_ptr<BlobWriter>> NewBlob(BlobUse) override {
    return std::unique_ptr<BlobWriter>(new Writer(this));
  }

  Result<ObjectRecord> CommitObject(const std::string& bucket, ObjectRecord record,
                                    const WritePrecondition& p) override {
    std::lock_guard lock(mu_);
    if (!buckets_.count(bucket)) return NoBucket();
    auto& objects = objects_[bucket];
    auto it = objects.find(record.meta.key);
    SOS_RETURN_IF_ERROR(Check(p, it == objects.end() ? nullptr : &it->second));
    objects[record.meta.key] = record;
    return record;
  }
  Result<ObjectRecord> HeadObject(const std::string& bucket, const std::string& key,
                                  const std::string& version_id) override {
    std::lock_guard lock(mu_);
    if (!buckets_.count(bucket)) return NoBucket();
    if (!version_id.empty() && version_id != "null") return Status::InvalidArgument("version");
    auto& objects = objects_[bucket];
    auto it = objects.find(key);
    if (it == objects.end()) return Status::NotFound("no key", "NoSuchKey");
    return it->second;
  }
  class Reader : public ObjectReader {
   public:
    explicit Reader(std::string data) : data_(std::move(data)) {}
    Status Read(uint64_t offset, uint64_t length, const BodySink& sink) override {
      if (offset + length > data_.size()) return Status::InvalidArgument("read past end");
      for (uint64_t done = 0; done < length;) {
        uint64_t n = std::min<uint64_t>(length - done, 7000);
        SOS_RETURN_IF_ERROR(sink(std::string_view(data_).substr(offset + done, n)));
        done += n;
      }
      return Status::Ok();
    }

   private:
    std::string data_;
  };
  Result<std::unique_ptr<ObjectReader>> OpenObject(const ObjectRecord& record) override {
    std::lock_guard lock(mu_);
    std::string data;
    for (const auto& s : record.segments) data += blobs_[s.blob_id].substr(s.offset, s.length);
    return std::unique_ptr<ObjectReader>(new Reader(std::move(data)));
  }
  Result<DeleteOutcome> DeleteObject(const std::string& bucket, const std::string& key,
                                     const std::string& version_id, bool) override {
    std::lock_guard lock(mu_);
    if (!buckets_.count(bucket)) return NoBucket();
    if (!failure_.ok()) return failure_;
    if (!version_id.empty() && version_id != "null") return Status::InvalidArgument("version");
    objects_[bucket].erase(key);
    return DeleteOutcome{};
  }
  Result<ListObjectsPage> ListObjects(const std::string& bucket,
                                      const ListObjectsQuery& q) override {
    std::lock_guard lock(mu_);
    if (!buckets_.count(bucket)) return NoBucket();
    ListObjectsPage page;
    int n = 0;
    for (auto it = objects_[bucket].upper_bound(q.start_after); it != objects_[bucket].end();
         ++it) {
      const std::string& key = it->first;
      if (key.compare(0, q.prefix.size(), q.prefix) != 0) continue;
      std::string entry = key;
      bool is_prefix = false;
      if (!q.delimiter.empty()) {
        size_t d = key.find(q.delimiter, q.prefix.size());
        if (d != std::string::npos) {
          entry = key.substr(0, d + q.delimiter.size());
          is_prefix = true;
          if (!page.common_prefixes.empty() && page.common_prefixes.back() == entry) continue;
          if (entry <= q.start_after) continue;
        }
      }
      if (n == q.max_keys) {
        page.is_truncated = true;
        break;
      }
      ++n;
      if (is_prefix) {
        page.common_prefixes.push_back(entry);
      } else {
        page.objects.push_back(it->second);
      }
      page.next_start_after = entry;
    }
    return page;
  }
  Result<ObjectRecord> CopyObject(const std::string& sb, const std::string& sk,
                                  const std::string& db, ObjectRecord dst,
                                  const WritePrecondition& p,
                                  const std::optional<ObjectVersion>& version,
                                  const std::string& src_version_id) override {
    if (!src_version_id.empty() && src_version_id != "null") {
      return Status::InvalidArgument("version");
    }
    std::lock_guard lock(mu_);
    if (!buckets_.count(sb) || !buckets_.count(db)) return NoBucket();
    auto src = objects_[sb].find(sk);
    if (src == objects_[sb].end()) return Status::NotFound("no key", "NoSuchKey");
    if (version && !version->Matches(src->second.meta)) return Status::Cancelled("changed");
    auto existing = objects_[db].find(dst.meta.key);
    SOS_RETURN_IF_ERROR(Check(p, existing == objects_[db].end() ? nullptr : &existing->second));
    dst.segments = src->second.segments;
    dst.meta.size = src->second.meta.size;
    objects_[db][dst.meta.key] = dst;
    return dst;
  }
  Status SetObjectAcl(const std::string& b, const std::string& k, const std::string& acl,
                      const std::optional<ObjectVersion>& /*version*/) override {
    std::lock_guard lock(mu_);
    auto it = objects_[b].find(k);
    if (it == objects_[b].end()) return Status::NotFound("no key", "NoSuchKey");
    it->second.acl = acl;
    return Status::Ok();
  }

  Result<UploadRecord> CreateUpload(const std::string& bucket, const std::string& key,
                                    const ObjectRecord& object) override {
    std::lock_guard lock(mu_);
    if (!buckets_.count(bucket)) return NoBucket();
    UploadRecord u{"upload" + std::to_string(++next_id_), bucket, key,
                   std::chrono::system_clock::now(), object};
    uploads_[u.upload_id].record = u;
    return u;
  }
  Result<UploadRecord> GetUpload(const std::string& bucket, const std::string& key,
                                 const std::string& id) override {
    std::lock_guard lock(mu_);
    auto it = uploads_.find(id);
    if (it == uploads_.end() || it->second.record.bucket != bucket ||
        it->second.record.key != key) {
      return Status::NotFound("no upload", "NoSuchUpload");
    }
    return it->second.record;
  }
  Status PutPart(const std::string& id, const PartRecord& part) override {
    std::lock_guard lock(mu_);
    auto it = uploads_.find(id);
    if (it == uploads_.end()) return Status::NotFound("no upload", "NoSuchUpload");
    it->second.parts[part.part_number] = part;
    return Status::Ok();
  }
  Result<std::vector<PartRecord>> ListParts(const std::string& id) override {
    std::lock_guard lock(mu_);
    auto it = uploads_.find(id);
    if (it == uploads_.end()) return Status::NotFound("no upload", "NoSuchUpload");
    std::vector<PartRecord> out;
    for (auto& [n, p] : it->second.parts) out.push_back(p);
    return out;
  }
  Result<ObjectRecord> CompleteUpload(const std::string& id,
                                      const std::vector<CompletedPart>& parts,
                                      const WritePrecondition& p, uint64_t min_part) override {
    std::lock_guard lock(mu_);
    auto it = uploads_.find(id);
    if (it == uploads_.end()) return Status::NotFound("no upload", "NoSuchUpload");
    ObjectRecord record = it->second.record.object;
    std::string md5s;
    uint64_t size = 0;
    int last = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (parts[i].part_number <= last) {
        return Status::InvalidArgument("order", "InvalidPartOrder");
      }
      last = parts[i].part_number;
      auto part = it->second.parts.find(parts[i].part_number);
      if (part == it->second.parts.end() || part->second.etag != parts[i].etag) {
        return Status::InvalidArgument("part", "InvalidPart");
      }
      if (i + 1 < parts.size() && part->second.size < min_part) {
        return Status::InvalidArgument("small", "EntityTooSmall");
      }
      md5s += *HexDecode(part->second.etag.substr(1, 32));
      size += part->second.size;
      record.segments.push_back(part->second.segment);
    }
    auto& objects = objects_[it->second.record.bucket];
    auto existing = objects.find(it->second.record.key);
    SOS_RETURN_IF_ERROR(Check(p, existing == objects.end() ? nullptr : &existing->second));
    record.meta.key = it->second.record.key;
    record.meta.size = size;
    record.meta.etag = "\"" + HexEncode(Md5(md5s)) + "-" + std::to_string(parts.size()) + "\"";
    objects[record.meta.key] = record;
    uploads_.erase(it);
    return record;
  }
  Status AbortUpload(const std::string& id) override {
    std::lock_guard lock(mu_);
    if (!uploads_.erase(id)) return Status::NotFound("no upload", "NoSuchUpload");
    return Status::Ok();
  }
  Result<std::vector<UploadRecord>> ListUploads(const std::string& bucket,
                                                const std::string& prefix) override {
    std::lock_guard lock(mu_);
    if (!buckets_.count(bucket)) return NoBucket();
    std::vector<UploadRecord> out;
    for (auto& [id, u] : uploads_) {
      if (u.record.bucket == bucket && u.record.key.compare(0, prefix.size(), prefix) == 0) {
        out.push_back(u.record);
      }
    }
    return out;
  }
  Status Rebuild() override { return Status::Ok(); }
  Status CollectGarbage() override { return Status::Ok(); }
  Result<StorageStats> Stats() override { return StorageStats{}; }

  size_t blob_count() {
    std::lock_guard lock(mu_);
    return blobs_.size();
  }
  // Blob writes and deletes fail with `failure` (a storage error) until it is OK again.
  void FailStorage(Status failure) {
    std::lock_guard lock(mu_);
    failure_ = std::move(failure);
  }

 private:
  static Status NoBucket() { return Status::NotFound("no bucket", "NoSuchBucket"); }
  static Status Check(const WritePrecondition& p, const ObjectRecord* existing) {
    if (p.if_none_match && existing) return Status::PreconditionFailed("exists");
    if (p.if_match) {
      if (!existing) return Status::NotFound("no key", "NoSuchKey");
      if (*p.if_match != "*" && *p.if_match != existing->meta.etag) {
        return Status::PreconditionFailed("etag");
      }
    }
    return Status::Ok();
  }

  struct Upload {
    UploadRecord record;
    std::map<int, PartRecord> parts;
  };
  std::mutex mu_;
  Status failure_;
  int next_id_ = 0;
  std::map<std::string, Account> accounts_;
  std::map<std::string, AccessKey> keys_;
  std::map<std::string, BucketRecord> buckets_;
  std::map<std::string, std::map<std::string, ObjectRecord>> objects_;
  std::map<std::string, std::string> blobs_;
  std::map<std::string, Upload> uploads_;
};

// ---- Captured HTTP exchange -------------------------------------------------

class StringBody : public RequestBody {
 public:
  explicit StringBody(std::string data) : data_(std::move(data)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t take = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, take);
    pos_ += take;
    return take;
  }
  std::optional<uint64_t> ContentLength() const override { return data_.size(); }

 private:
  std::string data_;
  size_t pos_ = 0;
};

struct Response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool finished = false;
  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (EqualsIgnoreCase(k, name)) return v;
    }
    return "";
  }
  std::string Code() const {
    auto e = DecodeError(body);
    return e.ok() ? e->code : "";
  }
};

class CapturingWriter : public ResponseWriter {
 public:
  explicit CapturingWriter(Response* r) : r_(r) {}
  void SetStatus(int status) override { r_->status = status; }
  void AddHeader(std::string_view name, std::string_view value) override {
    r_->headers.emplace_back(name, value);
  }
  Status SendHeaders(std::optional<uint64_t>) override {
    sent_ = true;
    return Status::Ok();
  }
  Status Write(std::string_view data) override {
    sent_ = true;
    r_->body.append(data);
    return Status::Ok();
  }
  Status Finish() override {
    r_->finished = true;
    return Status::Ok();
  }
  Status Send(int status, std::string_view content_type, std::string_view body) override {
    r_->status = status;
    if (!content_type.empty()) r_->headers.emplace_back("Content-Type", content_type);
    r_->body = body;
    sent_ = true;
    r_->finished = true;
    return Status::Ok();
  }
  bool headers_sent() const override { return sent_; }

 private:
  Response* r_;
  bool sent_ = false;
};

// ---- Fixture ------------------------------------------------------------------

const Credentials kRoot{"ROOTACCESSKEY", "root-secret", ""};
const Credentials kOther{"OTHERACCESSKEY", "other-secret", ""};
const std::string kRootId(64, 'a');
const std::string kOtherId(64, 'b');

class S3ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)engine_.CreateAccount({kRootId, "root", {}});
    (void)engine_.CreateAccount({kOtherId, "other", {}});
    (void)engine_.AddKey({kRoot.access_key_id, kRoot.secret_access_key, kRootId, {}});
    (void)engine_.AddKey({kOther.access_key_id, kOther.secret_access_key, kOtherId, {}});
    S3ServiceOptions options;
    options.clock = [this] { return now_; };
    options.log = [this](std::string_view line) { log_.emplace_back(line); };
    options.min_part_size = 10;
    service_ = std::make_unique<S3Service>(engine_, options);
  }

  // Sends one request; `path` is the wire path, `query` decoded pairs.
  Response Call(const std::string& method, const std::string& path, const HeaderList& query = {},
                std::string body = "", HeaderList headers = {}, const Credentials* creds = &kRoot,
                bool sign_body = true) {
    headers.emplace_back("Host", "127.0.0.1:8000");
    std::string target = path;
    if (!query.empty()) {
      target += "?";
      for (size_t i = 0; i < query.size(); ++i) {
        if (i) target += "&";
        target += UriEncode(query[i].first, true);
        if (!query[i].second.empty() || true) target += "=" + UriEncode(query[i].second, true);
      }
    }
    HttpRequestHead head{method, target, headers};
    if (creds) {
      SigningRequest req{method, path, query, headers,
                         sign_body ? Sha256Hex(body) : std::string(kUnsignedPayload)};
      for (auto& h : SignV4(req, *creds, "us-east-1", "s3", now_)) head.headers.push_back(h);
    }
    return Raw(std::move(head), std::move(body));
  }

  Response Raw(HttpRequestHead head, std::string body) {
    StringBody request_body(std::move(body));
    HttpRequest request{std::move(head), "127.0.0.1:1234", &request_body};
    Response response;
    CapturingWriter writer(&response);
    service_->Handle(request, writer);
    return response;
  }

  void MakeBucket(const std::string& name, HeaderList headers = {}) {
    Response r = Call("PUT", "/" + name, {}, "", headers);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  std::string Put(const std::string& bucket, const std::string& key, const std::string& data,
                  HeaderList headers = {}) {
    Response r = Call("PUT", "/" + bucket + "/" + UriEncode(key, false), {}, data, headers);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Header("ETag");
  }

  FakeEngine engine_;
  TimePoint now_ = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::vector<std::string> log_;
  std::unique_ptr<S3Service> service_;
};

TEST_F(S3ServiceTest, HealthNeedsNoAuth) {
  Response r = Call("GET", "/-/health", {}, "", {}, nullptr);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
  EXPECT_FALSE(r.Header("x-amz-request-id").empty());
}

TEST_F(S3ServiceTest, EveryResponseHasARequestIdAndOneLogLine) {
  for (const Response& r : {Call("GET", "/"), Call("GET", "/nope/key"),
                            Call("GET", "/", {}, "", {}, nullptr), Call("GET", "/bkt/%zz")}) {
    EXPECT_EQ(r.Header("x-amz-request-id").size(), 16u) << r.status;
    EXPECT_FALSE(r.Header("x-amz-id-2").empty());
  }
  ASSERT_EQ(log_.size(), 4u);
  EXPECT_NE(log_[1].find("GET /nope/key 404"), std::string::npos) << log_[1];
  for (const auto& line : log_) {
    EXPECT_EQ(line.find("root-secret"), std::string::npos);
    EXPECT_EQ(line.find("Signature"), std::string::npos);
  }
}

TEST_F(S3ServiceTest, BucketLifecycle) {
  MakeBucket("alpha");
  Response again = Call("PUT", "/alpha");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.Code(), "BucketAlreadyOwnedByYou");
  Response theirs = Call("PUT", "/alpha", {}, "", {}, &kOther);
  EXPECT_EQ(theirs.Code(), "BucketAlreadyExists");
  EXPECT_EQ(Call("PUT", "/Bad_Name").Code(), "InvalidBucketName");
  EXPECT_EQ(Call("HEAD", "/alpha").status, 200);
  EXPECT_EQ(Call("HEAD", "/missing").status, 404);

  Response list = Call("GET", "/");
  ASSERT_EQ(list.status, 200);
  auto doc = DecodeListAllMyBucketsResult(list.body);
  ASSERT_TRUE(doc.ok());
  ASSERT_EQ(doc->buckets.size(), 1u);
  EXPECT_EQ(doc->buckets[0].name, "alpha");
  EXPECT_EQ(doc->owner.id, kRootId);
  // Another organisation sees only its own buckets.
  auto other = DecodeListAllMyBucketsResult(Call("GET", "/", {}, "", {}, &kOther).body);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->buckets.empty());

  Put("alpha", "k", "v");
  Response not_empty = Call("DELETE", "/alpha");
  EXPECT_EQ(not_empty.status, 409);
  EXPECT_EQ(not_empty.Code(), "BucketNotEmpty");
  EXPECT_EQ(Call("DELETE", "/alpha/k").status, 204);
  EXPECT_EQ(Call("DELETE", "/alpha").status, 204);
  EXPECT_EQ(Call("GET", "/alpha").Code(), "NoSuchBucket");

  Response location = Call("PUT", "/beta", {}, EncodeCreateBucketConfiguration("eu-west-1"));
  EXPECT_EQ(location.Code(), "IllegalLocationConstraintException");
  EXPECT_EQ(Call("PUT", "/beta", {}, EncodeCreateBucketConfiguration("us-east-1")).status, 200);
  auto loc = DecodeLocationConstraint(Call("GET", "/beta", {{"location", ""}}).body);
  ASSERT_TRUE(loc.ok());
  EXPECT_EQ(*loc, "");
  EXPECT_EQ(Call("GET", "/beta", {{"versioning", ""}}).status, 200);
  EXPECT_EQ(Call("GET", "/beta", {{"policy", ""}}).Code(), "NoSuchBucketPolicy");
  EXPECT_EQ(Call("PUT", "/beta", {{"versioning", ""}}).status, 400);  // no document
}

// ListBuckets pages as S3's: max-buckets, prefix, continuation-token.
TEST_F(S3ServiceTest, ListBucketsPages) {
  for (const char* name : {"logs-a", "logs-b", "logs-c", "media"}) MakeBucket(name);
  auto page = [&](const HeaderList& query) {
    Response r = Call("GET", "/", query);
    EXPECT_EQ(r.status, 200) << r.body;
    auto doc = DecodeListAllMyBucketsResult(r.body);
    EXPECT_TRUE(doc.ok()) << r.body;
    return doc.ok() ? *doc : ListAllMyBucketsXml{};
  };
  auto names = [](const ListAllMyBucketsXml& doc) {
    std::string out;
    for (const BucketInfo& b : doc.buckets) out += b.name + " ";
    return out;
  };
  ListAllMyBucketsXml all = page({});
  EXPECT_EQ(names(all), "logs-a logs-b logs-c media ");
  EXPECT_EQ(all.continuation_token, "");
  EXPECT_FALSE(all.prefix.has_value());
  ListAllMyBucketsXml first = page({{"max-buckets", "2"}, {"prefix", "logs-"}});
  EXPECT_EQ(names(first), "logs-a logs-b ");
  EXPECT_EQ(first.prefix.value_or("?"), "logs-");
  ASSERT_FALSE(first.continuation_token.empty());
  ListAllMyBucketsXml second = page({{"max-buckets", "2"},
                                     {"prefix", "logs-"},
                                     {"continuation-token", first.continuation_token}});
  EXPECT_EQ(names(second), "logs-c ");
  EXPECT_EQ(second.continuation_token, "");
  for (const char* bad : {"0", "10001", "-1", "x", ""}) {
    EXPECT_EQ(Call("GET", "/", {{"max-buckets", bad}}).Code(), "InvalidArgument") << bad;
  }
}

TEST_F(S3ServiceTest, PutGetHeadWithMetadata) {
  MakeBucket("bkt");
  std::string data = "hello, sosd";
  std::string etag = Put("bkt", "dir/file.txt", data,
                         {{"Content-Type", "text/plain"},
                          {"Cache-Control", "no-cache"},
                          {"Content-Disposition", "inline"},
                          {"Content-Language", "en"},
                          {"Expires", "Thu, 01 Dec 2094 16:00:00 GMT"},
                          {"x-amz-meta-Color", "blue"}});
  EXPECT_EQ(etag, "\"" + HexEncode(Md5(data)) + "\"");
  Response get = Call("GET", "/bkt/dir/file.txt");
  ASSERT_EQ(get.status, 200);
  EXPECT_EQ(get.body, data);
  EXPECT_TRUE(get.finished);
  EXPECT_EQ(get.Header("ETag"), etag);
  EXPECT_EQ(get.Header("Content-Type"), "text/plain");
  EXPECT_EQ(get.Header("Cache-Control"), "no-cache");
  EXPECT_EQ(get.Header("Content-Disposition"), "inline");
  EXPECT_EQ(get.Header("Content-Language"), "en");
  EXPECT_EQ(get.Header("Expires"), "Thu, 01 Dec 2094 16:00:00 GMT");
  EXPECT_EQ(get.Header("x-amz-meta-color"), "blue");
  EXPECT_EQ(get.Header("Accept-Ranges"), "bytes");
  EXPECT_EQ(get.Header("Last-Modified"), FormatHttpDate(now_));

  Response head = Call("HEAD", "/bkt/dir/file.txt");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.Header("ETag"), etag);

  Put("bkt", "plain", "x");
  EXPECT_EQ(Call("HEAD", "/bkt/plain").Header("Content-Type"), "binary/octet-stream");
  Response overridden = Call(
      "GET", "/bkt/plain",
      {{"response-content-type", "image/png"}, {"response-content-disposition", "attachment"}});
  EXPECT_EQ(overridden.Header("Content-Type"), "image/png");
  EXPECT_EQ(overridden.Header("Content-Disposition"), "attachment");

  Response missing = Call("GET", "/bkt/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Code(), "NoSuchKey");

  std::string big_meta(2100, 'm');
  EXPECT_EQ(Call("PUT", "/bkt/meta", {}, "x", {{"x-amz-meta-big", big_meta}}).Code(),
            "MetadataTooLarge");
}

TEST_F(S3ServiceTest, RangesAndConditions) {
  MakeBucket("bkt");
  std::string data(1000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  std::string etag = Put("bkt", "r", data);

  Response part = Call("GET", "/bkt/r", {}, "", {{"Range", "bytes=10-19"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, data.substr(10, 10));
  EXPECT_EQ(part.Header("Content-Range"), "bytes 10-19/1000");
  Response suffix = Call("GET", "/bkt/r", {}, "", {{"Range", "bytes=-5"}});
  EXPECT_EQ(suffix.body, data.substr(995));
  Response bad = Call("GET", "/bkt/r", {}, "", {{"Range", "bytes=9999999-"}});
  EXPECT_EQ(bad.status, 416);
  EXPECT_EQ(bad.Code(), "InvalidRange");
  EXPECT_EQ(bad.Header("Content-Range"), "bytes */1000");
  EXPECT_EQ(Call("GET", "/bkt/r", {}, "", {{"Range", "bytes=0-1,5-6"}}).status, 200);

  Response not_modified = Call("GET", "/bkt/r", {}, "", {{"If-None-Match", etag}});
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_TRUE(not_modified.body.empty());
  EXPECT_EQ(not_modified.Header("ETag"), etag);
  EXPECT_EQ(Call("GET", "/bkt/r", {}, "", {{"If-Match", "\"nope\""}}).status, 412);
  EXPECT_EQ(Call("HEAD", "/bkt/r", {}, "", {{"If-Match", "\"nope\""}}).status, 412);
  EXPECT_EQ(Call("GET", "/bkt/r", {}, "", {{"If-Match", etag}}).status, 200);
  EXPECT_EQ(Call("GET", "/bkt/r", {}, "",
                 {{"If-Modified-Since", FormatHttpDate(now_ + std::chrono::hours(1))}})
                .status,
            200);  // in the future: ignored
  EXPECT_EQ(Call("GET", "/bkt/r", {}, "", {{"If-Modified-Since", FormatHttpDate(now_)}}).status,
            304);
  // Preconditions come before ranges.
  EXPECT_EQ(Call("GET", "/bkt/r", {}, "", {{"If-Match", "\"x\""}, {"Range", "bytes=5000-"}}).status,
            412);
}

TEST_F(S3ServiceTest, AuthenticationFailures) {
  MakeBucket("private");
  Put("private", "k", "secret data");
  Response anonymous = Call("GET", "/private/k", {}, "", {}, nullptr);
  EXPECT_EQ(anonymous.status, 403);
  EXPECT_EQ(anonymous.Code(), "AccessDenied");
  EXPECT_EQ(Call("GET", "/private", {}, "", {}, nullptr).Code(), "AccessDenied");
  EXPECT_EQ(Call("GET", "/", {}, "", {}, nullptr).Code(), "AccessDenied");

  Credentials wrong = kRoot;
  wrong.secret_access_key = "not-the-secret";
  Response bad_sig = Call("GET", "/private/k", {}, "", {}, &wrong);
  EXPECT_EQ(bad_sig.status, 403);
  EXPECT_EQ(bad_sig.Code(), "SignatureDoesNotMatch");
  Credentials unknown{"NOSUCHKEY", "x", ""};
  EXPECT_EQ(Call("GET", "/private/k", {}, "", {}, &unknown).Code(), "InvalidAccessKeyId");

  // Another organisation: denied, and cannot learn which keys exist.
  EXPECT_EQ(Call("GET", "/private/k", {}, "", {}, &kOther).Code(), "AccessDenied");
  EXPECT_EQ(Call("GET", "/private/none", {}, "", {}, &kOther).Code(), "AccessDenied");
  EXPECT_EQ(Call("PUT", "/private/x", {}, "data", {}, &kOther).Code(), "AccessDenied");
  EXPECT_EQ(Call("DELETE", "/private", {}, "", {}, &kOther).Code(), "AccessDenied");

  // Skewed clock.
  HttpRequestHead head{"GET", "/private/k", {{"Host", "127.0.0.1:8000"}}};
  SigningRequest req{"GET", "/private/k", {}, head.headers, std::string(kEmptySha256Hex)};
  for (auto& h : SignV4(req, kRoot, "us-east-1", "s3", now_ - std::chrono::hours(1))) {
    head.headers.push_back(h);
  }
  EXPECT_EQ(Raw(head, "").Code(), "RequestTimeTooSkewed");
  // The body signed is not the body sent.
  Response mismatch = Call("PUT", "/private/k", {}, "other body", {});
  ASSERT_EQ(mismatch.status, 200);
  HttpRequestHead tampered{"PUT", "/private/k", {{"Host", "127.0.0.1:8000"}}};
  SigningRequest put{"PUT", "/private/k", {}, tampered.headers, Sha256Hex("signed body")};
  for (auto& h : SignV4(put, kRoot, "us-east-1", "s3", now_)) tampered.headers.push_back(h);
  EXPECT_EQ(Raw(tampered, "sent body!!").Code(), "XAmzContentSHA256Mismatch");
  EXPECT_EQ(Call("GET", "/private/k").body, "other body");
}

TEST_F(S3ServiceTest, PublicReadAndPresignedUrls) {
  MakeBucket("pub");
  Put("pub", "open", "for everyone", {{"x-amz-acl", "public-read"}});
  Put("pub", "closed", "for the owner");
  Response open = Call("GET", "/pub/open", {}, "", {}, nullptr);
  EXPECT_EQ(open.status, 200);
  EXPECT_EQ(open.body, "for everyone");
  EXPECT_EQ(Call("GET", "/pub/closed", {}, "", {}, nullptr).status, 403);
  EXPECT_EQ(Call("GET", "/pub/open", {{"response-content-type", "a/b"}}, "", {}, nullptr).Code(),
            "InvalidRequest");

  auto acl = DecodeAccessControlPolicy(Call("GET", "/pub/open", {{"acl", ""}}).body);
  ASSERT_TRUE(acl.ok());
  EXPECT_EQ(acl->owner.id, kRootId);
  ASSERT_EQ(acl->grants.size(), 2u);
  EXPECT_EQ(acl->grants[1].grantee.uri, kAllUsersUri);
  EXPECT_EQ(Call("PUT", "/pub/closed", {{"acl", ""}}, "", {{"x-amz-acl", "public-read"}}).status,
            200);
  EXPECT_EQ(Call("GET", "/pub/closed", {}, "", {}, nullptr).status, 200);

  SigningRequest req{
      "GET", "/pub/closed", {}, {{"Host", "127.0.0.1:8000"}}, std::string(kUnsignedPayload)};
  (void)Call("PUT", "/pub/closed", {{"acl", ""}}, "", {{"x-amz-acl", "private"}});
  auto query = PresignV4(req, kRoot, "us-east-1", "s3", now_, 300);
  ASSERT_TRUE(query.ok());
  Response presigned = Raw({"GET", "/pub/closed?" + *query, {{"Host", "127.0.0.1:8000"}}}, "");
  EXPECT_EQ(presigned.status, 200) << presigned.body;
  EXPECT_EQ(presigned.body, "for the owner");
  for (const auto& line : log_) EXPECT_EQ(line.find("X-Amz-Signature"), std::string::npos);

  MakeBucket("listable", {{"x-amz-acl", "public-read"}});
  EXPECT_EQ(Call("GET", "/listable", {{"list-type", "2"}}, "", {}, nullptr).status, 200);
  EXPECT_EQ(Call("PUT", "/listable/x", {}, "x", {}, nullptr).status, 403);
}

TEST_F(S3ServiceTest, DigestsAndConditionalWrites) {
  MakeBucket("bkt");
  std::string v1 = Put("bkt", "k", "version one");
  Response bad_md5 = Call("PUT", "/bkt/k", {}, "version two",
                          {{"Content-MD5", Base64Encode(Md5("something else"))}});
  EXPECT_EQ(bad_md5.status, 400);
  EXPECT_EQ(bad_md5.Code(), "BadDigest");
  EXPECT_EQ(Call("PUT", "/bkt/k", {}, "x", {{"Content-MD5", "not base64!"}}).Code(),
            "InvalidDigest");
  Response bad_crc =
      Call("PUT", "/bkt/k", {}, "version two",
           {{"x-amz-checksum-crc32", ComputeChecksum(ChecksumAlgorithm::kCrc32, "z")}});
  EXPECT_EQ(bad_crc.Code(), "BadDigest");
  EXPECT_EQ(Call("GET", "/bkt/k").body, "version one") << "a failed PUT changed the object";

  Response crc =
      Call("PUT", "/bkt/k2", {}, "data",
           {{"x-amz-checksum-crc32c", ComputeChecksum(ChecksumAlgorithm::kCrc32c, "data")}});
  EXPECT_EQ(crc.status, 200);
  EXPECT_EQ(crc.Header("x-amz-checksum-crc32c"),
            ComputeChecksum(ChecksumAlgorithm::kCrc32c, "data"));

  EXPECT_EQ(Call("PUT", "/bkt/k", {}, "v2", {{"If-None-Match", "*"}}).status, 412);
  EXPECT_EQ(Call("PUT", "/bkt/new", {}, "v", {{"If-None-Match", "*"}}).status, 200);
  EXPECT_EQ(Call("PUT", "/bkt/k", {}, "v2", {{"If-Match", "\"stale\""}}).status, 412);
  EXPECT_EQ(Call("PUT", "/bkt/k", {}, "v2", {{"If-Match", v1}}).status, 200);
  EXPECT_EQ(Call("PUT", "/bkt/missing", {}, "v", {{"If-Match", v1}}).Code(), "NoSuchKey");
  EXPECT_EQ(Call("PUT", "/bkt/k", {}, "v3", {{"If-None-Match", v1}}).status, 501);
}

TEST_F(S3ServiceTest, ObjectSizeLimit) {
  MakeBucket("bkt");
  S3ServiceOptions options;
  options.clock = [this] { return now_; };
  options.log = [](std::string_view) {};
  options.max_object_size = 10;
  service_ = std::make_unique<S3Service>(engine_, options);
  EXPECT_EQ(Call("PUT", "/bkt/fits", {}, "0123456789").status, 200);
  Response big = Call("PUT", "/bkt/big", {}, "0123456789A");
  EXPECT_EQ(big.status, 400);
  EXPECT_EQ(big.Code(), "EntityTooLarge");
  EXPECT_EQ(Call("HEAD", "/bkt/big").status, 404);
  // Empty objects need no blob.
  size_t blobs = engine_.blob_count();
  EXPECT_EQ(Call("PUT", "/bkt/dir/", {}, "").status, 200);
  EXPECT_EQ(engine_.blob_count(), blobs);
  Response empty = Call("GET", "/bkt/dir/");
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.Header("ETag"), "\"d41d8cd98f00b204e9800998ecf8427e\"");
}

TEST_F(S3ServiceTest, StreamingSignedUpload) {
  MakeBucket("bkt");
  std::string data(100000, 'q');
  HeaderList headers = {{"Host", "127.0.0.1:8000"},
                        {"Content-Encoding", "aws-chunked"},
                        {"x-amz-decoded-content-length", std::to_string(data.size())},
                        {"x-amz-trailer", "x-amz-checksum-crc32"}};
  SigningRequest req{
      "PUT", "/bkt/streamed", {}, headers, std::string(kStreamingSignedPayloadTrailer)};
  HttpRequestHead head{"PUT", "/bkt/streamed", headers};
  for (auto& h : SignV4(req, kRoot, "us-east-1", "s3", now_)) head.headers.push_back(h);
  auto auth = VerifySigV4(
      head, [](std::string_view) { return std::optional<std::string>(kRoot.secret_access_key); },
      now_);
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  auto encode = [&](const std::string& crc) {
    ChunkedPayloadEncoder encoder(auth->payload_mode,
                                  ChunkedPayloadDecoder::OptionsFor(*auth).signing);
    std::string out = encoder.EncodeChunk(std::string_view(data).substr(0, 65536));
    out += encoder.EncodeChunk(std::string_view(data).substr(65536));
    return out + encoder.Finish({{"x-amz-checksum-crc32", crc}});
  };
  std::string crc = ComputeChecksum(ChecksumAlgorithm::kCrc32, data);
  Response ok = Raw(head, encode(crc));
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Header("x-amz-checksum-crc32"), crc);
  Response get = Call("GET", "/bkt/streamed");
  EXPECT_TRUE(get.body == data);
  EXPECT_EQ(get.Header("Content-Encoding"), "") << "aws-chunked is not the object's encoding";

  Response bad = Raw(head, encode(ComputeChecksum(ChecksumAlgorithm::kCrc32, "other")));
  EXPECT_EQ(bad.Code(), "BadDigest");
}

TEST_F(S3ServiceTest, ListObjectsV1AndV2) {
  MakeBucket("bkt");
  for (std::string k : {"a/1", "a/2", "a/b/3", "c", "d/e", "e"}) {
    Put("bkt", k, "x", {{"x-amz-meta-mode", "0644"}});
  }
  // v2 with delimiter, paged by 2: a/ c d/ e
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    HeaderList q = {{"list-type", "2"}, {"delimiter", "/"}, {"max-keys", "2"}};
    if (!token.empty()) q.emplace_back("continuation-token", token);
    Response r = Call("GET", "/bkt", q);
    ASSERT_EQ(r.status, 200) << r.body;
    auto doc = DecodeListBucketResult(r.body);
    ASSERT_TRUE(doc.ok());
    for (auto& o : doc->page.objects) seen.push_back(o.key);
    for (auto& p : doc->page.common_prefixes) seen.push_back(p);
    token = doc->page.is_truncated ? doc->page.next_token : "";
    ++pages;
  } while (!token.empty() && pages < 10);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"a/", "c", "d/", "e"}));
  EXPECT_EQ(pages, 2);

  // v1 with a marker naming a common prefix resumes after it.
  auto v1 =
      DecodeListBucketResult(Call("GET", "/bkt", {{"delimiter", "/"}, {"marker", "a/"}}).body);
  ASSERT_TRUE(v1.ok());
  ASSERT_FALSE(v1->page.objects.empty());
  EXPECT_EQ(v1->page.objects[0].key, "c");
  ASSERT_TRUE(v1->page.objects[0].owner);  // v1 always names the owner

  // The sos extension returns user metadata.
  Response with_meta = Call("GET", "/bkt", {{"list-type", "2"}, {"x-sos-metadata", "1"}});
  auto meta_doc = DecodeListBucketResult(with_meta.body);
  ASSERT_TRUE(meta_doc.ok());
  ASSERT_FALSE(meta_doc->page.objects.empty());
  EXPECT_EQ(meta_doc->page.objects[0].user_meta.at("mode"), "0644");
  Response without = Call("GET", "/bkt", {{"list-type", "2"}});
  EXPECT_EQ(without.body.find("0644"), std::string::npos);

  EXPECT_EQ(Call("GET", "/bkt", {{"list-type", "2"}, {"continuation-token", "!!"}}).Code(),
            "InvalidArgument");
  EXPECT_EQ(Call("GET", "/bkt", {{"encoding-type", "base64"}}).Code(), "InvalidArgument");
  EXPECT_EQ(Call("GET", "/bkt", {{"max-keys", "-1"}}).Code(), "InvalidArgument");

  // With a delimiter, each common prefix brings its marker object, if any.
  Put("bkt", "dir/", "", {{"x-amz-meta-mode", "16877"}});
  Put("bkt", "dir/f", "x");
  Put("bkt", "nomarker/f", "x");
  auto dirs = DecodeListBucketResult(
      Call("GET", "/bkt", {{"list-type", "2"}, {"delimiter", "/"}, {"x-sos-metadata", "1"}}).body);
  ASSERT_TRUE(dirs.ok());
  EXPECT_TRUE(dirs->page.markers_listed);
  ASSERT_EQ(dirs->page.prefix_markers.count("dir/"), 1u);
  EXPECT_EQ(dirs->page.prefix_markers.at("dir/").user_meta.at("mode"), "16877");
  EXPECT_EQ(dirs->page.prefix_markers.count("nomarker/"), 0u);
  Response plain = Call("GET", "/bkt", {{"list-type", "2"}, {"delimiter", "/"}});
  EXPECT_EQ(plain.body.find("SosMarker"), std::string::npos);
  EXPECT_FALSE(DecodeListBucketResult(plain.body)->page.markers_listed);
}

// As S3: what object lock is to keep must come with Content-MD5 or a
// checksum, whether the lock is asked for or the bucket's default.
TEST_F(S3ServiceTest, LockedUploadsNeedAnIntegrityCheck) {
  ASSERT_EQ(Call("PUT", "/vault", {}, "", {{"x-amz-bucket-object-lock-enabled", "true"}}).status,
            200);
  const HeaderList lock = {{"x-amz-object-lock-mode", "GOVERNANCE"},
                           {"x-amz-object-lock-retain-until-date", "2100-01-01T00:00:00Z"}};
  EXPECT_EQ(Call("PUT", "/vault/k", {}, "data", lock).Code(), "InvalidRequest");
  HeaderList with_md5 = lock;
  with_md5.emplace_back("Content-MD5", Base64Encode(Md5("data")));
  EXPECT_EQ(Call("PUT", "/vault/k", {}, "data", with_md5).status, 200);
  EXPECT_EQ(Call("PUT", "/vault/plain", {}, "data").status, 200);  // no lock asked, no default
  ASSERT_EQ(Call("PUT", "/vault", {{"object-lock", ""}},
                 "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule>"
                 "<DefaultRetention><Mode>COMPLIANCE</Mode><Days>1</Days></DefaultRetention>"
                 "</Rule></ObjectLockConfiguration>")
                .status,
            501);  // this test's engine has no object lock; the real one's tests are e2e
  EXPECT_EQ(Call("PUT", "/plainbucket", {}).status, 200);
  EXPECT_EQ(Call("PUT", "/plainbucket/k", {}, "data", with_md5).Code(), "InvalidRequest");
}

TEST_F(S3ServiceTest, CopyObject) {
  MakeBucket("bkt");
  std::string etag =
      Put("bkt", "src key+", "copy me", {{"x-amz-meta-a", "1"}, {"Content-Type", "t/x"}});
  Response copy = Call("PUT", "/bkt/dst", {}, "", {{"x-amz-copy-source", "/bkt/src%20key%2B"}});
  ASSERT_EQ(copy.status, 200) << copy.body;
  auto result = DecodeCopyObjectResult(copy.body);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->etag, etag);
  Response got = Call("GET", "/bkt/dst");
  EXPECT_EQ(got.body, "copy me");
  EXPECT_EQ(got.Header("x-amz-meta-a"), "1");
  EXPECT_EQ(got.Header("Content-Type"), "t/x");

  Call("PUT", "/bkt/dst", {}, "",
       {{"x-amz-copy-source", "bkt/dst"},
        {"x-amz-metadata-directive", "REPLACE"},
        {"x-amz-meta-b", "2"}});
  Response replaced = Call("HEAD", "/bkt/dst");
  EXPECT_EQ(replaced.Header("x-amz-meta-a"), "");
  EXPECT_EQ(replaced.Header("x-amz-meta-b"), "2");
  EXPECT_EQ(replaced.Header("Content-Type"), "binary/octet-stream");

  EXPECT_EQ(Call("PUT", "/bkt/dst", {}, "", {{"x-amz-copy-source", "/bkt/dst"}}).Code(),
            "InvalidRequest");
  EXPECT_EQ(Call("PUT", "/bkt/x", {}, "", {{"x-amz-copy-source", "/bkt/missing"}}).Code(),
            "NoSuchKey");
  EXPECT_EQ(Call("PUT", "/bkt/x", {}, "",
                 {{"x-amz-copy-source", "/bkt/dst"}, {"x-amz-copy-source-if-match", "\"no\""}})
                .status,
            412);
  EXPECT_EQ(
      Call("PUT", "/bkt/x", {}, "", {{"x-amz-copy-source", "/bkt/dst?versionId=null"}}).status,
      200);
}

TEST_F(S3ServiceTest, DeleteObjects) {
  MakeBucket("bkt");
  Put("bkt", "one", "1");
  Put("bkt", "two & <three>", "2");
  DeleteRequestXml request{false, {{"one", ""}, {"two & <three>", "null"}, {"never", ""}}};
  std::string body = EncodeDeleteRequest(request);
  Response no_md5 = Call("POST", "/bkt", {{"delete", ""}}, body);
  EXPECT_EQ(no_md5.Code(), "InvalidRequest");
  Response r =
      Call("POST", "/bkt", {{"delete", ""}}, body, {{"Content-MD5", Base64Encode(Md5(body))}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto result = DecodeDeleteResult(r.body);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->deleted.size(), 3u);
  EXPECT_TRUE(result->errors.empty());
  EXPECT_EQ(Call("GET", "/bkt/one").status, 404);

  request.quiet = true;
  body = EncodeDeleteRequest(request);
  auto quiet = DecodeDeleteResult(
      Call("POST", "/bkt", {{"delete", ""}}, body,
           {{"x-amz-checksum-crc32", ComputeChecksum(ChecksumAlgorithm::kCrc32, body)}})
          .body);
  ASSERT_TRUE(quiet.ok());
  EXPECT_TRUE(quiet->deleted.empty());

  std::string malformed = "<Delete><Object><Key>x</Key></Object>";
  Response bad = Call("POST", "/bkt", {{"delete", ""}}, malformed,
                      {{"Content-MD5", Base64Encode(Md5(malformed))}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Code(), "MalformedXML");
  EXPECT_EQ(
      Call("POST", "/bkt", {{"delete", ""}}, body, {{"Content-MD5", Base64Encode(Md5("other"))}})
          .Code(),
      "BadDigest");
}

// A storage failure tells the client its code and a generic message; the
// detail, which names the server's files and errno, goes to the log only.
TEST_F(S3ServiceTest, StorageFailuresRevealNoServerPaths) {
  MakeBucket("bkt");
  Put("bkt", "k", "v");
  const std::string where = "/srv/sos-data/drive0/tmp/00112233445566778899aabbccddeeff";
  struct Case {
    Status failure;
    int http;
    std::string code;
  };
  const Case cases[] = {
      {Status::NoSpace("blob 0011 reached only 1 of 3 drives (quorum 2): write " + where +
                       ": No space left on device"),
       507, "InsufficientStorage"},
      {Status::IOError("create " + where + ": Read-only file system"), 500, "InternalError"},
      {Status::NotFound("create " + where + ": No such file or directory"), 404, "NoSuchKey"},
      {Status::Unavailable("drive " + where + " failed its health check"), 503, "SlowDown"},
  };
  for (const Case& c : cases) {
    engine_.FailStorage(c.failure);
    log_.clear();
    Response put = Call("PUT", "/bkt/new", {}, "data");
    EXPECT_EQ(put.status, c.http) << put.body;
    EXPECT_EQ(put.Code(), c.code);
    EXPECT_EQ(put.body.find("/srv/sos-data"), std::string::npos) << put.body;
    ASSERT_FALSE(log_.empty());
    EXPECT_NE(log_[0].find(where), std::string::npos) << "the log keeps the detail: " << log_[0];

    std::string body = EncodeDeleteRequest({false, {{"k", ""}}});
    log_.clear();
    Response deleted =
        Call("POST", "/bkt", {{"delete", ""}}, body, {{"Content-MD5", Base64Encode(Md5(body))}});
    ASSERT_EQ(deleted.status, 200) << deleted.body;
    auto result = DecodeDeleteResult(deleted.body);
    ASSERT_TRUE(result.ok());
    ASSERT_EQ(result->errors.size(), 1u) << deleted.body;
    EXPECT_EQ(result->errors[0].code, c.code);
    EXPECT_EQ(deleted.body.find("/srv/sos-data"), std::string::npos) << deleted.body;
    bool logged = false;
    for (const auto& line : log_) logged = logged || line.find(where) != std::string::npos;
    EXPECT_TRUE(logged) << "the log keeps the detail of a key DeleteObjects could not delete";
  }
  engine_.FailStorage(Status::Ok());
  EXPECT_EQ(Call("GET", "/bkt/k").status, 200);
}

TEST_F(S3ServiceTest, MultipartUpload) {
  MakeBucket("bkt");
  Response create = Call("POST", "/bkt/mp", {{"uploads", ""}}, "", {{"Content-Type", "t/mp"}});
  ASSERT_EQ(create.status, 200);
  auto init = DecodeInitiateMultipartUploadResult(create.body);
  ASSERT_TRUE(init.ok());
  std::string id = init->upload_id;
  Response p1 = Call("PUT", "/bkt/mp", {{"partNumber", "1"}, {"uploadId", id}}, "part-one-data");
  Response p2 = Call("PUT", "/bkt/mp", {{"partNumber", "2"}, {"uploadId", id}}, "part-two-data");
  ASSERT_EQ(p1.status, 200);
  ASSERT_EQ(p2.status, 200);
  EXPECT_EQ(Call("PUT", "/bkt/mp", {{"partNumber", "0"}, {"uploadId", id}}, "x").Code(),
            "InvalidArgument");
  EXPECT_EQ(Call("PUT", "/bkt/mp", {{"partNumber", "1"}, {"uploadId", "nope"}}, "x").Code(),
            "NoSuchUpload");
  Put("bkt", "src", "0123456789");
  Response pc = Call("PUT", "/bkt/mp", {{"partNumber", "3"}, {"uploadId", id}}, "",
                     {{"x-amz-copy-source", "/bkt/src"}, {"x-amz-copy-source-range", "bytes=2-5"}});
  ASSERT_EQ(pc.status, 200) << pc.body;
  auto pc_result = DecodeCopyPartResult(pc.body);
  ASSERT_TRUE(pc_result.ok());

  auto parts = DecodeListPartsResult(Call("GET", "/bkt/mp", {{"uploadId", id}}).body);
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->page.parts.size(), 3u);
  EXPECT_EQ(parts->page.parts[2].size, 4u);
  auto uploads = DecodeListMultipartUploadsResult(Call("GET", "/bkt", {{"uploads", ""}}).body);
  ASSERT_TRUE(uploads.ok());
  ASSERT_EQ(uploads->page.uploads.size(), 1u);
  EXPECT_EQ(uploads->page.uploads[0].upload_id, id);

  EXPECT_EQ(Call("POST", "/bkt/mp", {{"uploadId", id}}, "<CompleteMultipartUpload><Part>").Code(),
            "MalformedXML");
  std::string complete = EncodeCompleteMultipartUpload(
      {{1, p1.Header("ETag")}, {2, p2.Header("ETag")}, {3, pc_result->etag}});
  Response done = Call("POST", "/bkt/mp", {{"uploadId", id}}, complete);
  ASSERT_EQ(done.status, 200) << done.body;
  auto done_doc = DecodeCompleteMultipartUploadResult(done.body);
  ASSERT_TRUE(done_doc.ok());
  EXPECT_EQ(done_doc->etag.substr(done_doc->etag.size() - 3), "-3\"");
  Response got = Call("GET", "/bkt/mp");
  EXPECT_EQ(got.body, "part-one-datapart-two-data2345");
  EXPECT_EQ(got.Header("Content-Type"), "t/mp");
  EXPECT_EQ(Call("DELETE", "/bkt/mp", {{"uploadId", id}}).Code(), "NoSuchUpload");

  auto again = DecodeInitiateMultipartUploadResult(Call("POST", "/bkt/mp", {{"uploads", ""}}).body);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Call("DELETE", "/bkt/mp", {{"uploadId", again->upload_id}}).status, 204);
  EXPECT_EQ(Call("GET", "/bkt/mp", {{"uploadId", again->upload_id}}).Code(), "NoSuchUpload");
}

TEST_F(S3ServiceTest, CorsConfigurationAndPreflight) {
  MakeBucket("web");
  Response none =
      Call("OPTIONS", "/web/x", {}, "",
           {{"Origin", "https://app.test"}, {"Access-Control-Request-Method", "GET"}}, nullptr);
  EXPECT_EQ(none.status, 403);
  EXPECT_EQ(Call("GET", "/web", {{"cors", ""}}).Code(), "NoSuchCORSConfiguration");
  CorsConfiguration config;
  config.rules.push_back({"", {"https://app.test"}, {"GET", "PUT"}, {"*"}, {"ETag"}, 600});
  ASSERT_EQ(Call("PUT", "/web", {{"cors", ""}}, EncodeCorsConfiguration(config)).status, 200);
  EXPECT_EQ(Call("PUT", "/web", {{"cors", ""}}, "<CORSConfiguration>").Code(), "MalformedXML");
  Response pre = Call("OPTIONS", "/web/x", {}, "",
                      {{"Origin", "https://app.test"},
                       {"Access-Control-Request-Method", "PUT"},
                       {"Access-Control-Request-Headers", "content-type"}},
                      nullptr);
  EXPECT_EQ(pre.status, 200);
  EXPECT_EQ(pre.Header("Access-Control-Allow-Origin"), "https://app.test");
  EXPECT_EQ(pre.Header("Access-Control-Allow-Methods"), "GET, PUT");
  EXPECT_EQ(pre.Header("Access-Control-Max-Age"), "600");
  EXPECT_EQ(
      Call("OPTIONS", "/web/x", {}, "",
           {{"Origin", "https://evil.test"}, {"Access-Control-Request-Method", "GET"}}, nullptr)
          .status,
      403);
  Put("web", "page", "<html>");
  Response actual = Call("GET", "/web/page", {}, "", {{"Origin", "https://app.test"}});
  EXPECT_EQ(actual.Header("Access-Control-Allow-Origin"), "https://app.test");
  EXPECT_EQ(Call("DELETE", "/web", {{"cors", ""}}).status, 204);
  EXPECT_EQ(Call("GET", "/web", {{"cors", ""}}).status, 404);
}

TEST_F(S3ServiceTest, HostileInput) {
  MakeBucket("bkt");
  Response long_key = Call("PUT", "/bkt/" + std::string(1025, 'k'), {}, "x");
  EXPECT_EQ(long_key.status, 400);
  EXPECT_EQ(long_key.Code(), "KeyTooLongError");
  EXPECT_EQ(Call("PUT", "/bkt/a%00b", {}, "x").status, 400);
  EXPECT_EQ(Call("PUT", "/bkt/%FF", {}, "x").status, 400);
  // Dot segments are keys, not paths.
  Put("bkt", "a/../b", "dots");
  EXPECT_EQ(Call("GET", "/bkt/a/../b").body, "dots");
  EXPECT_EQ(Call("GET", "/bkt/b").status, 404);
  Response unimplemented = Call("GET", "/bkt/k", {{"torrent", ""}});
  EXPECT_EQ(unimplemented.status, 501);
  EXPECT_EQ(unimplemented.Code(), "NotImplemented");
  EXPECT_EQ(Call("PATCH", "/bkt/k").status, 405);
}

// ---- The web console ------------------------------------------------------------

class ConsoleServiceTest : public S3ServiceTest {
 protected:
  void SetUp() override {
    S3ServiceTest::SetUp();
    MakeBucket("bkt");
    Put("bkt", "page.html", "<script>alert(1)</script>", {{"Content-Type", "text/html"}});
    S3ServiceOptions options;
    options.clock = [this] { return now_; };
    options.log = [](std::string_view) {};
    options.console = true;
    options.console_s3_port = 8000;
    service_ = std::make_unique<S3Service>(engine_, options);
  }
};

TEST_F(ConsoleServiceTest, FilesNeedNoAuthAndCarryTheirPolicy) {
  Response page = Call("GET", "/-/console/", {}, "", {}, nullptr);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("js/app.js"), std::string::npos);
  const std::string policy = page.Header("Content-Security-Policy");
  EXPECT_NE(policy.find("script-src 'self'"), std::string::npos) << policy;
  EXPECT_NE(policy.find("frame-ancestors 'none'"), std::string::npos) << policy;
  EXPECT_NE(policy.find("require-trusted-types-for 'script'"), std::string::npos) << policy;
  EXPECT_EQ(policy.find("unsafe-inline"), std::string::npos) << policy;
  EXPECT_EQ(page.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(page.Header("Referrer-Policy"), "no-referrer");

  Response script = Call("GET", "/-/console/js/sigv4.js", {}, "", {}, nullptr);
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.Header("Content-Type"), "text/javascript; charset=utf-8");

  Response moved = Call("GET", "/-/console", {}, "", {}, nullptr);
  EXPECT_EQ(moved.status, 301);
  EXPECT_EQ(moved.Header("Location"), "/-/console/");
  for (const char* missing : {"/-/console/nope.js", "/-/console/../index.html", "/-/console/js/",
                              "/-/console//index.html"}) {
    EXPECT_EQ(Call("GET", missing, {}, "", {}, nullptr).status, 404) << missing;
  }
  EXPECT_EQ(Call("PUT", "/-/console/index.html", {}, "x", {}, nullptr).status, 405);
}

TEST_F(ConsoleServiceTest, ConfigNamesTheRegionTheAdminViewsAndTheS3Port) {
  Response config = Call("GET", "/-/console/config.json", {}, "", {}, nullptr);
  ASSERT_EQ(config.status, 200);
  EXPECT_EQ(config.body,
            R"({"admin":false,"region":"us-east-1","s3":{"port":8000,"scheme":"http"}})");
}

// Nothing a tenant uploads renders in the console's origin: unsigned
// requests are refused, signed GETs send exactly an attachment of
// application/octet-stream (whatever the object or the URL says: browsers
// render a malformed disposition such as "attachment x" inline), and every
// other response is sandboxed.
TEST_F(ConsoleServiceTest, ServesSignedRequestsOnlyAndObjectsAsAttachments) {
  ASSERT_EQ(Call("PUT", "/bkt/page.html", {{"acl", ""}}, "", {{"x-amz-acl", "public-read"}}).status,
            200);
  Put("bkt", "stored.html", "<b>x</b>",
      {{"Content-Type", "text/html"}, {"Content-Disposition", "attachment\\"}});
  Response anonymous = Call("GET", "/bkt/page.html", {}, "", {}, nullptr);
  EXPECT_EQ(anonymous.status, 403);
  EXPECT_EQ(anonymous.Code(), "AccessDenied");
  EXPECT_EQ(anonymous.Header("Content-Security-Policy"), "sandbox; default-src 'none'");
  EXPECT_EQ(anonymous.Header("X-Content-Type-Options"), "nosniff");
  for (const std::string key : {"page.html", "stored.html"}) {
    for (const char* disposition : {"", "inline", "attachment\\", "Attachment,inline",
                                    "attachment x", "attachment; filename=\"p.html\""}) {
      HeaderList query = {{"response-content-type", "text/html"}};
      if (*disposition) query.emplace_back("response-content-disposition", disposition);
      Response get = Call("GET", "/bkt/" + key, query);
      ASSERT_EQ(get.status, 200) << key << " " << disposition;
      EXPECT_EQ(get.Header("Content-Disposition"), "attachment") << key << " " << disposition;
      EXPECT_EQ(get.Header("Content-Type"), "application/octet-stream") << key;
      EXPECT_EQ(get.Header("Content-Security-Policy"), "sandbox; default-src 'none'");
    }
  }
  Response head = Call("HEAD", "/bkt/stored.html");  // what the object says, for the console
  EXPECT_EQ(head.Header("Content-Type"), "text/html");
  EXPECT_EQ(head.Header("Content-Disposition"), "attachment\\");
  Response listing = Call("GET", "/bkt", {{"list-type", "2"}});
  EXPECT_EQ(listing.status, 200);
  EXPECT_EQ(listing.Header("Content-Security-Policy"), "sandbox; default-src 'none'");
  Response missing = Call("GET", "/-/console/nope.html", {}, "", {}, nullptr);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Header("Content-Security-Policy"), "sandbox; default-src 'none'");
}

TEST_F(S3ServiceTest, TheS3PortHasNoConsole) {
  EXPECT_EQ(Call("GET", "/-/console/", {}, "", {}, nullptr).status, 404);
  EXPECT_EQ(Call("GET", "/-/console/index.html").status, 404);
}

// An uploaded page runs in an opaque origin: it cannot read what the console
// keeps in this origin's storage.
TEST_F(S3ServiceTest, ObjectsAreServedInASandbox) {
  MakeBucket("bkt");
  Put("bkt", "page.html", "<script>alert(1)</script>", {{"Content-Type", "text/html"}});
  for (const char* method : {"GET", "HEAD"}) {
    Response r = Call(method, "/bkt/page.html");
    ASSERT_EQ(r.status, 200);
    const std::string policy = r.Header("Content-Security-Policy");
    EXPECT_EQ(policy.rfind("sandbox", 0), 0u) << policy;
    EXPECT_EQ(policy.find("allow-same-origin"), std::string::npos) << policy;
    EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(r.Header("Content-Disposition"), "");  // S3's port renders as S3 does
  }
}

}  // namespace
}  // namespace sos
