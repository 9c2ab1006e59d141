// FaultyObjectStore: an ObjectStore decorator that injects failures and latency.
//
// Wraps another store (usually a MemoryObjectStore) so tests can prove that
// sosfs retries, gives up, and never corrupts data when S3 misbehaves. Faults:
//   - the Nth call overall, or the Nth call of one operation, fails once;
//   - the next K calls of an operation fail;
//   - every call of an operation fails until cleared;
//   - a fraction of calls fails, drawn from a seeded RNG (reproducible);
//   - latency is added to calls;
//   - a body is cut mid-stream: Get delivers some bytes to the sink and then
//     fails; Put/UploadPart hand the inner store a source that fails after
//     some bytes, so the inner store sees a broken upload and stores nothing.
// The default injected error is Status::Unavailable("injected 503",
// "ServiceUnavailable"): retryable, like S3's 503 SlowDown. A failed call is
// not forwarded (except body cuts, which must reach the inner store).
// Operation names are the ObjectStore method names ("Put", "UploadPart", ...;
// see kOperations); "" or "*" means every operation. An unknown name aborts:
// it is a typo in a test.
//
// Calls(op) counts every call that reached this store, failed or not.
//
// Thread-safe: configuration, counters and the RNG are under one mutex, which
// is never held while the inner store runs or latency is slept.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "s3core/client/object_store.h"

namespace sos {

class FaultyObjectStore : public ObjectStore {
 public:
  // The ObjectStore methods, by name.
  // clang-format off
  static constexpr std::array<std::string_view, 21> kOperations = {
      "ListBuckets", "CreateBucket", "HeadBucket", "DeleteBucket", "Head", "Get", "Put", "Copy",
      "Delete", "DeleteMany", "List", "CreateMultipartUpload", "UploadPart", "UploadPartCopy",
      "CompleteMultipartUpload", "AbortMultipartUpload", "ListParts", "ListMultipartUploads",
      "GetAcl", "PutCannedAcl", "PutAcl"};
  // clang-format on

  static Status DefaultError() { return Status::Unavailable("injected 503", "ServiceUnavailable"); }

  explicit FaultyObjectStore(ObjectStore& inner, uint64_t seed = 1);

  // The nth call (1-based, counted from construction or ResetCounters) fails.
  void FailNthCall(uint64_t n, Status error = DefaultError());
  // The nth call of `op` fails.
  void FailNthCall(const std::string& op, uint64_t n, Status error = DefaultError());
  // The next `count` calls of `op` fail.
  void FailNext(const std::string& op, uint64_t count, Status error = DefaultError());
  // The next `count` calls of `op` run, but their answer is lost: the caller
  // gets `error` although the store did the work.
  void LoseNextAnswer(const std::string& op, uint64_t count, Status error = DefaultError());
  // Every call of `op` fails until ClearFaults.
  void FailAlways(const std::string& op, Status error = DefaultError());
  // Each call of `op` fails with this probability (0..1).
  void FailFraction(double probability, const std::string& op = "*", Status error = DefaultError());
  // Every call of `op` sleeps this long before running.
  void SetLatency(std::chrono::microseconds latency, const std::string& op = "*");
  // The next `count` Get calls deliver at most `bytes` bytes to the sink, then
  // fail with `error` (the connection "dropped" mid-body).
  void CutGetBody(uint64_t bytes, uint64_t count = 1,
                  Status error = Status::Unavailable("injected: connection reset mid-body"));
  // The next `count` calls of `op` ("Put" or "UploadPart") let the inner store
  // read at most `bytes` bytes of the body, then the body fails with `error`.
  void CutUploadBody(const std::string& op, uint64_t bytes, uint64_t count = 1,
                     Status error = Status::Unavailable("injected: connection reset mid-body"));
  // Removes every fault and latency (counters stay).
  void ClearFaults();

  uint64_t Calls(const std::string& op) const;
  uint64_t TotalCalls() const;
  // Calls that this store made fail (including body cuts).
  uint64_t InjectedFailures(const std::string& op) const;
  uint64_t TotalInjectedFailures() const;
  std::map<std::string, uint64_t> CallCounts() const;
  void ResetCounters();

  Result<std::vector<BucketInfo>> ListBuckets() override;
  Status CreateBucket(const std::string& bucket, const std::string& canned_acl = "") override;
  Status HeadBucket(const std::string& bucket) override;
  Status DeleteBucket(const std::string& bucket) override;

  Result<ObjectMeta> Head(const std::string& bucket, const std::string& key,
                          const Conditions& conditions = {}) override;
  Result<GetResult> Get(const GetRequest& request, const BodySink& sink) override;
  Result<PutResult> Put(const std::string& bucket, const std::string& key, BodySource& body,
                        const WriteOptions& options = {}) override;
  Result<CopyResult> Copy(const CopyRequest& request) override;
  Status Delete(const std::string& bucket, const std::string& key) override;
  Result<DeleteManyResult> DeleteMany(const std::string& bucket,
                                      const std::vector<std::string>& keys) override;
  Result<ListResult> List(const ListRequest& request) override;

  Result<std::string> CreateMultipartUpload(const std::string& bucket, const std::string& key,
                                            const WriteOptions& options = {}) override;
  Result<std::string> UploadPart(const std::string& bucket, const std::string& key,
                                 const std::string& upload_id, int part_number,
                                 BodySource& body) override;
  Result<std::string> UploadPartCopy(const std::string& bucket, const std::string& key,
                                     const std::string& upload_id, int part_number,
                                     const std::string& src_bucket, const std::string& src_key,
                                     const std::optional<ByteRange>& range) override;
  Result<PutResult> CompleteMultipartUpload(const std::string& bucket, const std::string& key,
                                            const std::string& upload_id,
                                            const std::vector<CompletedPart>& parts,
                                            const Conditions& conditions = {}) override;
  Status AbortMultipartUpload(const std::string& bucket, const std::string& key,
                              const std::string& upload_id) override;
  Result<ListPartsResult> ListParts(const std::string& bucket, const std::string& key,
                                    const std::string& upload_id) override;
  Result<ListUploadsResult> ListMultipartUploads(const std::string& bucket,
                                                 const std::string& prefix = "") override;

  Result<AccessControlPolicy> GetAcl(const std::string& bucket, const std::string& key) override;
  Status PutCannedAcl(const std::string& bucket, const std::string& key,
                      const std::string& canned_acl) override;
  Status PutAcl(const std::string& bucket, const std::string& key,
                const AccessControlPolicy& policy) override;

 private:
  struct Cut {
    uint64_t bytes = 0;
    Status error;
  };
  // What one call must do, decided under the lock.
  struct Decision {
    std::chrono::microseconds latency{0};
    std::optional<Status> fail;  // fail without forwarding
    std::optional<Cut> cut;      // forward with a cut body
    std::optional<Status> lose;  // forward, then answer this instead
  };
  struct Rule {
    enum class Kind { kNthGlobal, kNthOp, kNext, kAlways, kFraction, kCutBody, kLoseAnswer };
    Kind kind;
    std::string op;          // "" = any
    uint64_t n = 0;          // the nth call, calls left (kNext), or bytes let through (kCutBody)
    uint64_t remaining = 0;  // kCutBody: calls left
    double probability = 0;  // kFraction
    Status error;
  };

  Decision Begin(std::string_view op);
  // Runs call() unless a fault fails this call of `op` first.
  template <typename Call>
  auto Forward(std::string_view op, Call&& call) -> decltype(call()) {
    Decision d = Begin(op);
    if (d.fail) return *std::move(d.fail);
    auto answer = call();
    if (d.lose) return *std::move(d.lose);
    return answer;
  }
  static std::string CheckedOp(const std::string& op);

  ObjectStore& inner_;
  mutable std::mutex mu_;
  std::mt19937_64 rng_;
  std::vector<Rule> rules_;
  std::map<std::string, std::chrono::microseconds, std::less<>> latency_;  // "" = any
  std::map<std::string, uint64_t, std::less<>> calls_;
  std::map<std::string, uint64_t, std::less<>> failures_;
  uint64_t total_calls_ = 0;
  uint64_t total_failures_ = 0;
};

}  // namespace sos
