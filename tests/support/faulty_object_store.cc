#include "tests/support/faulty_object_store.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace sos {
namespace {

// A body that lets `bytes` bytes through and then fails, also when the real
// body ends earlier: the connection dropped before the request completed.
class CutSource : public BodySource {
 public:
  CutSource(BodySource& inner, uint64_t bytes, Status error)
      : inner_(inner), bytes_(bytes), error_(std::move(error)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    if (pos_ >= bytes_) return error_;
    size_t want = static_cast<size_t>(std::min<uint64_t>(n, bytes_ - pos_));
    SOS_ASSIGN_OR_RETURN(size_t got, inner_.Read(buf, want));
    if (got == 0) return error_;
    pos_ += got;
    return got;
  }
  std::optional<uint64_t> Size() const override { return inner_.Size(); }
  bool Rewind() override {
    pos_ = 0;
    return inner_.Rewind();
  }

 private:
  BodySource& inner_;
  uint64_t bytes_;
  Status error_;
  uint64_t pos_ = 0;
};

}  // namespace

FaultyObjectStore::FaultyObjectStore(ObjectStore& inner, uint64_t seed)
    : inner_(inner), rng_(seed) {}

std::string FaultyObjectStore::CheckedOp(const std::string& op) {
  if (op.empty() || op == "*") return "";
  if (std::find(kOperations.begin(), kOperations.end(), op) != kOperations.end()) return op;
  std::fprintf(stderr, "FaultyObjectStore: unknown operation '%s'\n", op.c_str());
  std::abort();
}

void FaultyObjectStore::FailNthCall(uint64_t n, Status error) {
  std::lock_guard lock(mu_);
  rules_.push_back({Rule::Kind::kNthGlobal, "", n, 0, 0, std::move(error)});
}

void FaultyObjectStore::FailNthCall(const std::string& op, uint64_t n, Status error) {
  std::string name = CheckedOp(op);
  std::lock_guard lock(mu_);
  rules_.push_back({Rule::Kind::kNthOp, name, n, 0, 0, std::move(error)});
}

void FaultyObjectStore::FailNext(const std::string& op, uint64_t count, Status error) {
  std::string name = CheckedOp(op);
  std::lock_guard lock(mu_);
  if (count > 0) rules_.push_back({Rule::Kind::kNext, name, count, 0, 0, std::move(error)});
}

void FaultyObjectStore::LoseNextAnswer(const std::string& op, uint64_t count, Status error) {
  std::string name = CheckedOp(op);
  std::lock_guard lock(mu_);
  if (count > 0) rules_.push_back({Rule::Kind::kLoseAnswer, name, count, 0, 0, std::move(error)});
}

void FaultyObjectStore::FailAlways(const std::string& op, Status error) {
  std::string name = CheckedOp(op);
  std::lock_guard lock(mu_);
  rules_.push_back({Rule::Kind::kAlways, name, 0, 0, 0, std::move(error)});
}

void FaultyObjectStore::FailFraction(double probability, const std::string& op, Status error) {
  std::string name = CheckedOp(op);
  std::lock_guard lock(mu_);
  rules_.push_back({Rule::Kind::kFraction, name, 0, 0, probability, std::move(error)});
}

void FaultyObjectStore::SetLatency(std::chrono::microseconds latency, const std::string& op) {
  std::string name = CheckedOp(op);
  std::lock_guard lock(mu_);
  latency_[name] = latency;
}

void FaultyObjectStore::CutGetBody(uint64_t bytes, uint64_t count, Status error) {
  std::lock_guard lock(mu_);
  if (count > 0) rules_.push_back({Rule::Kind::kCutBody, "Get", bytes, count, 0, std::move(error)});
}

void FaultyObjectStore::CutUploadBody(const std::string& op, uint64_t bytes, uint64_t count,
                                      Status error) {
  if (op != "Put" && op != "UploadPart") {
    std::fprintf(stderr, "FaultyObjectStore: CutUploadBody takes Put or UploadPart, not '%s'\n",
                 op.c_str());
    std::abort();
  }
  std::lock_guard lock(mu_);
  if (count > 0) rules_.push_back({Rule::Kind::kCutBody, op, bytes, count, 0, std::move(error)});
}

void FaultyObjectStore::ClearFaults() {
  std::lock_guard lock(mu_);
  rules_.clear();
  latency_.clear();
}

uint64_t FaultyObjectStore::Calls(const std::string& op) const {
  std::lock_guard lock(mu_);
  auto it = calls_.find(op);
  return it == calls_.end() ? 0 : it->second;
}

uint64_t FaultyObjectStore::TotalCalls() const {
  std::lock_guard lock(mu_);
  return total_calls_;
}

uint64_t FaultyObjectStore::InjectedFailures(const std::string& op) const {
  std::lock_guard lock(mu_);
  auto it = failures_.find(op);
  return it == failures_.end() ? 0 : it->second;
}

uint64_t FaultyObjectStore::TotalInjectedFailures() const {
  std::lock_guard lock(mu_);
  return total_failures_;
}

std::map<std::string, uint64_t> FaultyObjectStore::CallCounts() const {
  std::lock_guard lock(mu_);
  return {calls_.begin(), calls_.end()};
}

void FaultyObjectStore::ResetCounters() {
  std::lock_guard lock(mu_);
  calls_.clear();
  failures_.clear();
  total_calls_ = 0;
  total_failures_ = 0;
}

FaultyObjectStore::Decision FaultyObjectStore::Begin(std::string_view op) {
  Decision d;
  {
    std::lock_guard lock(mu_);
    const uint64_t nth = ++total_calls_;
    const uint64_t nth_op = ++calls_[std::string(op)];
    if (auto it = latency_.find(op); it != latency_.end()) {
      d.latency = it->second;
    } else if (auto any = latency_.find(""); any != latency_.end()) {
      d.latency = any->second;
    }
    for (auto it = rules_.begin(); it != rules_.end();) {
      Rule& r = *it;
      bool match = r.op.empty() || r.op == op;
      bool spent = false;
      switch (r.kind) {
        case Rule::Kind::kNthGlobal:
          if (nth == r.n) {
            if (!d.fail) d.fail = r.error;
            spent = true;
          }
          break;
        case Rule::Kind::kNthOp:
          if (match && nth_op == r.n) {
            if (!d.fail) d.fail = r.error;
            spent = true;
          }
          break;
        case Rule::Kind::kNext:
          if (match && !d.fail) {
            d.fail = r.error;
            spent = --r.n == 0;
          }
          break;
        case Rule::Kind::kAlways:
          if (match && !d.fail) d.fail = r.error;
          break;
        case Rule::Kind::kFraction:
          // Drawn for every matching call, so a seed gives one sequence.
          if (match && std::uniform_real_distribution<double>(0, 1)(rng_) < r.probability &&
              !d.fail) {
            d.fail = r.error;
          }
          break;
        case Rule::Kind::kLoseAnswer:
          if (match && !d.fail && !d.lose) {
            d.lose = r.error;
            spent = --r.n == 0;
          }
          break;
        case Rule::Kind::kCutBody:
          if (match && !d.fail && !d.cut) {
            d.cut = Cut{r.n, r.error};
            spent = --r.remaining == 0;
          }
          break;
      }
      it = spent ? rules_.erase(it) : it + 1;
    }
    if (d.fail) d.cut.reset();
    if (d.fail) d.lose.reset();
    if (d.fail || d.cut || d.lose) {
      ++failures_[std::string(op)];
      ++total_failures_;
    }
  }
  if (d.latency.count() > 0) std::this_thread::sleep_for(d.latency);
  return d;
}

Result<std::vector<BucketInfo>> FaultyObjectStore::ListBuckets() {
  return Forward("ListBuckets", [&] { return inner_.ListBuckets(); });
}
Status FaultyObjectStore::CreateBucket(const std::string& bucket, const std::string& canned_acl) {
  return Forward("CreateBucket", [&] { return inner_.CreateBucket(bucket, canned_acl); });
}
Status FaultyObjectStore::HeadBucket(const std::string& bucket) {
  return Forward("HeadBucket", [&] { return inner_.HeadBucket(bucket); });
}
Status FaultyObjectStore::DeleteBucket(const std::string& bucket) {
  return Forward("DeleteBucket", [&] { return inner_.DeleteBucket(bucket); });
}
Result<ObjectMeta> FaultyObjectStore::Head(const std::string& bucket, const std::string& key,
                                           const Conditions& conditions) {
  return Forward("Head", [&] { return inner_.Head(bucket, key, conditions); });
}

Result<GetResult> FaultyObjectStore::Get(const GetRequest& request, const BodySink& sink) {
  Decision d = Begin("Get");
  if (d.fail) return *std::move(d.fail);
  if (!d.cut) return inner_.Get(request, sink);
  uint64_t delivered = 0;
  const Cut& cut = *d.cut;
  BodySink cut_sink = [&](std::string_view chunk) -> Status {
    uint64_t room = cut.bytes - delivered;
    if (chunk.size() <= room) {
      delivered += chunk.size();
      return sink(chunk);
    }
    if (room > 0) {
      SOS_RETURN_IF_ERROR(sink(chunk.substr(0, static_cast<size_t>(room))));
      delivered += room;
    }
    return cut.error;
  };
  Result<GetResult> r = inner_.Get(request, cut_sink);
  if (!r.ok()) return r.status();
  // The whole (short) body arrived, but the response never completed.
  return cut.error;
}

Result<PutResult> FaultyObjectStore::Put(const std::string& bucket, const std::string& key,
                                         BodySource& body, const WriteOptions& options) {
  Decision d = Begin("Put");
  if (d.fail) return *std::move(d.fail);
  if (!d.cut) return inner_.Put(bucket, key, body, options);
  CutSource cut(body, d.cut->bytes, d.cut->error);
  Result<PutResult> r = inner_.Put(bucket, key, cut, options);
  if (r.ok()) return d.cut->error;  // an inner store that ignored the body error
  return r.status();
}

Result<CopyResult> FaultyObjectStore::Copy(const CopyRequest& request) {
  return Forward("Copy", [&] { return inner_.Copy(request); });
}
Status FaultyObjectStore::Delete(const std::string& bucket, const std::string& key) {
  return Forward("Delete", [&] { return inner_.Delete(bucket, key); });
}
Result<DeleteManyResult> FaultyObjectStore::DeleteMany(const std::string& bucket,
                                                       const std::vector<std::string>& keys) {
  return Forward("DeleteMany", [&] { return inner_.DeleteMany(bucket, keys); });
}
Result<ListResult> FaultyObjectStore::List(const ListRequest& request) {
  return Forward("List", [&] { return inner_.List(request); });
}
Result<std::string> FaultyObjectStore::CreateMultipartUpload(const std::string& bucket,
                                                             const std::string& key,
                                                             const WriteOptions& options) {
  return Forward("CreateMultipartUpload",
                 [&] { return inner_.CreateMultipartUpload(bucket, key, options); });
}

Result<std::string> FaultyObjectStore::UploadPart(const std::string& bucket, const std::string& key,
                                                  const std::string& upload_id, int part_number,
                                                  BodySource& body) {
  Decision d = Begin("UploadPart");
  if (d.fail) return *std::move(d.fail);
  if (!d.cut) return inner_.UploadPart(bucket, key, upload_id, part_number, body);
  CutSource cut(body, d.cut->bytes, d.cut->error);
  Result<std::string> r = inner_.UploadPart(bucket, key, upload_id, part_number, cut);
  if (r.ok()) return d.cut->error;
  return r.status();
}

Result<std::string> FaultyObjectStore::UploadPartCopy(const std::string& bucket,
                                                      const std::string& key,
                                                      const std::string& upload_id, int part_number,
                                                      const std::string& src_bucket,
                                                      const std::string& src_key,
                                                      const std::optional<ByteRange>& range) {
  return Forward("UploadPartCopy", [&] {
    return inner_.UploadPartCopy(bucket, key, upload_id, part_number, src_bucket, src_key, range);
  });
}
Result<PutResult> FaultyObjectStore::CompleteMultipartUpload(
    const std::string& bucket, const std::string& key, const std::string& upload_id,
    const std::vector<CompletedPart>& parts, const Conditions& conditions) {
  return Forward("CompleteMultipartUpload", [&] {
    return inner_.CompleteMultipartUpload(bucket, key, upload_id, parts, conditions);
  });
}
Status FaultyObjectStore::AbortMultipartUpload(const std::string& bucket, const std::string& key,
                                               const std::string& upload_id) {
  return Forward("AbortMultipartUpload",
                 [&] { return inner_.AbortMultipartUpload(bucket, key, upload_id); });
}
Result<ListPartsResult> FaultyObjectStore::ListParts(const std::string& bucket,
                                                     const std::string& key,
                                                     const std::string& upload_id) {
  return Forward("ListParts", [&] { return inner_.ListParts(bucket, key, upload_id); });
}
Result<ListUploadsResult> FaultyObjectStore::ListMultipartUploads(const std::string& bucket,
                                                                  const std::string& prefix) {
  return Forward("ListMultipartUploads",
                 [&] { return inner_.ListMultipartUploads(bucket, prefix); });
}
Result<AccessControlPolicy> FaultyObjectStore::GetAcl(const std::string& bucket,
                                                      const std::string& key) {
  return Forward("GetAcl", [&] { return inner_.GetAcl(bucket, key); });
}
Status FaultyObjectStore::PutCannedAcl(const std::string& bucket, const std::string& key,
                                       const std::string& canned_acl) {
  return Forward("PutCannedAcl", [&] { return inner_.PutCannedAcl(bucket, key, canned_acl); });
}

Status FaultyObjectStore::PutAcl(const std::string& bucket, const std::string& key,
                                 const AccessControlPolicy& policy) {
  return Forward("PutAcl", [&] { return inner_.PutAcl(bucket, key, policy); });
}

}  // namespace sos
