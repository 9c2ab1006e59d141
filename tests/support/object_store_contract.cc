#include "tests/support/object_store_contract.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <set>
#include <thread>

#include "s3core/crypto.h"

namespace sos::testing {
namespace {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * 1024;

// ---------------------------------------------------------------------------
// Status helpers.

const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}

// Passes when `s` failed with `code` and, if given, exactly `s3_code`.
::testing::AssertionResult IsError(const Status& s, StatusCode code,
                                   const std::string& s3_code = "") {
  if (s.ok()) {
    return ::testing::AssertionFailure()
           << "succeeded; expected " << StatusCodeName(code) << " " << s3_code;
  }
  if (s.code() != code || (!s3_code.empty() && s.s3_code() != s3_code)) {
    return ::testing::AssertionFailure()
           << "got " << s.ToString() << " (s3_code '" << s.s3_code() << "'); expected "
           << StatusCodeName(code) << " " << s3_code;
  }
  return ::testing::AssertionSuccess();
}

#define CT_ASSERT_OK(expr)                                                                    \
  do {                                                                                        \
    const auto& ct_value_ = (expr);                                                           \
    ASSERT_TRUE(StatusOf(ct_value_).ok()) << #expr << ": " << StatusOf(ct_value_).ToString(); \
  } while (0)
#define CT_EXPECT_OK(expr)                                                                    \
  do {                                                                                        \
    const auto& ct_value_ = (expr);                                                           \
    EXPECT_TRUE(StatusOf(ct_value_).ok()) << #expr << ": " << StatusOf(ct_value_).ToString(); \
  } while (0)
#define CT_ASSIGN_OR_FAIL(lhs, expr) \
  CT_ASSIGN_OR_FAIL_IMPL_(SOS_CONCAT_(ct_result_, __LINE__), lhs, expr)
#define CT_ASSIGN_OR_FAIL_IMPL_(tmp, lhs, expr)                      \
  auto tmp = (expr);                                                 \
  ASSERT_TRUE(tmp.ok()) << #expr << ": " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()

// ---------------------------------------------------------------------------
// Deterministic bodies: byte i of stream `seed` depends on both, so a dropped,
// repeated or shifted chunk shows up as a mismatch.

uint64_t Mix(uint64_t x) {  // splitmix64
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void FillPattern(uint64_t seed, uint64_t offset, char* out, size_t n) {
  uint64_t word_index = ~uint64_t{0};
  uint64_t word = 0;
  for (size_t j = 0; j < n; ++j) {
    uint64_t i = offset + j;
    if ((i >> 3) != word_index) {
      word_index = i >> 3;
      word = Mix((seed << 40) ^ word_index);
    }
    out[j] = static_cast<char>(word >> ((i & 7) * 8));
  }
}

std::string PatternString(uint64_t seed, uint64_t n, uint64_t offset = 0) {
  std::string s(n, '\0');
  FillPattern(seed, offset, s.data(), n);
  return s;
}

std::string QuotedMd5(std::string_view data) { return "\"" + HexEncode(Md5(data)) + "\""; }

std::string RawPatternMd5(uint64_t seed, uint64_t offset, uint64_t length) {
  Digest digest(DigestAlgorithm::kMd5);
  std::string block(64 * kKiB, '\0');
  for (uint64_t done = 0; done < length;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(block.size(), length - done));
    FillPattern(seed, offset + done, block.data(), n);
    digest.Update(std::string_view(block.data(), n));
    done += n;
  }
  return digest.Finish();
}

std::string QuotedPatternMd5(uint64_t seed, uint64_t offset, uint64_t length) {
  return "\"" + HexEncode(RawPatternMd5(seed, offset, length)) + "\"";
}

// Uploads `length` pattern bytes starting at `offset` of stream `seed`.
class PatternSource : public BodySource {
 public:
  PatternSource(uint64_t seed, uint64_t offset, uint64_t length)
      : seed_(seed), offset_(offset), length_(length) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t take = static_cast<size_t>(std::min<uint64_t>(n, length_ - pos_));
    FillPattern(seed_, offset_ + pos_, buf, take);
    pos_ += take;
    return take;
  }
  std::optional<uint64_t> Size() const override { return length_; }
  bool Rewind() override {
    pos_ = 0;
    return true;
  }

 private:
  uint64_t seed_, offset_, length_, pos_ = 0;
};

// A source that breaks after `good` bytes, like a disk read error mid-upload.
class FailingSource : public BodySource {
 public:
  FailingSource(uint64_t size, uint64_t good) : size_(size), good_(good) {}
  Result<size_t> Read(char* buf, size_t n) override {
    if (pos_ >= good_) return Status::IOError("injected read error");
    size_t take = static_cast<size_t>(std::min<uint64_t>(n, good_ - pos_));
    FillPattern(99, pos_, buf, take);
    pos_ += take;
    return take;
  }
  std::optional<uint64_t> Size() const override { return size_; }
  bool Rewind() override {
    pos_ = 0;
    return true;
  }

 private:
  uint64_t size_, good_, pos_ = 0;
};

// Checks a download against a concatenation of pattern slices as the chunks
// arrive, without keeping them.
struct Segment {
  uint64_t seed;
  uint64_t offset;
  uint64_t length;
};

class StreamChecker {
 public:
  explicit StreamChecker(std::vector<Segment> expected) : expected_(std::move(expected)) {
    for (const auto& s : expected_) total_ += s.length;
  }

  BodySink Sink() {
    return [this](std::string_view chunk) {
      ++chunks_;
      if (received_ + chunk.size() > total_) overflow_ = true;
      size_t n = static_cast<size_t>(std::min<uint64_t>(chunk.size(), total_ - received_));
      scratch_.resize(n);
      Expected(received_, scratch_.data(), n);
      if (!mismatch_ && std::memcmp(scratch_.data(), chunk.data(), n) != 0) {
        size_t j = 0;
        while (scratch_[j] == chunk[j]) ++j;
        mismatch_ = received_ + j;
      }
      received_ += chunk.size();
      return Status::Ok();
    };
  }

  ::testing::AssertionResult Complete() const {
    if (mismatch_) return ::testing::AssertionFailure() << "first wrong byte at " << *mismatch_;
    if (overflow_ || received_ != total_) {
      return ::testing::AssertionFailure()
             << "received " << received_ << " bytes, expected " << total_;
    }
    return ::testing::AssertionSuccess();
  }
  uint64_t received() const { return received_; }
  uint64_t chunks() const { return chunks_; }

 private:
  void Expected(uint64_t pos, char* out, size_t n) const {
    uint64_t base = 0;
    for (const auto& s : expected_) {
      if (n == 0) return;
      if (pos < base + s.length) {
        uint64_t in = pos - base;
        size_t take = static_cast<size_t>(std::min<uint64_t>(n, s.length - in));
        FillPattern(s.seed, s.offset + in, out, take);
        out += take;
        pos += take;
        n -= take;
      }
      base += s.length;
    }
  }

  std::vector<Segment> expected_;
  uint64_t total_ = 0;
  uint64_t received_ = 0;
  uint64_t chunks_ = 0;
  bool overflow_ = false;
  std::optional<uint64_t> mismatch_;
  std::string scratch_;
};

// ---------------------------------------------------------------------------
// Small-object helpers.

Result<PutResult> PutString(ObjectStore& s, const std::string& bucket, const std::string& key,
                            std::string_view data, const WriteOptions& options = {}) {
  StringViewSource source(data);
  return s.Put(bucket, key, source, options);
}

Result<std::string> GetString(ObjectStore& s, const std::string& bucket, const std::string& key,
                              std::optional<ByteRange> range = std::nullopt,
                              const Conditions& conditions = {}, GetResult* result = nullptr) {
  std::string body;
  GetRequest request{bucket, key, range, conditions};
  auto got = s.Get(request, AppendTo(&body));
  if (!got.ok()) return got.status();
  if (result) *result = *got;
  return body;
}

Result<std::vector<std::string>> ListAllKeys(ObjectStore& s, const std::string& bucket,
                                             const std::string& prefix = "") {
  std::vector<std::string> keys;
  ListRequest request{.bucket = bucket, .prefix = prefix};
  for (int page = 0; page < 1000; ++page) {
    auto list = s.List(request);
    if (!list.ok()) return list.status();
    for (const auto& o : list->objects) keys.push_back(o.key);
    if (!list->is_truncated) return keys;
    if (list->next_token.empty()) return Status::Internal("truncated listing without a token");
    request.continuation_token = list->next_token;
  }
  return Status::Internal("listing did not end after 1000 pages");
}

Status EmptyAndDeleteBucket(ObjectStore& s, const std::string& bucket) {
  for (int round = 0; round < 100; ++round) {
    auto uploads = s.ListMultipartUploads(bucket);
    if (!uploads.ok()) {
      if (uploads.status().code() == StatusCode::kNotFound) return Status::Ok();  // gone
      return uploads.status();
    }
    for (const auto& u : uploads->uploads) {
      Status st = s.AbortMultipartUpload(bucket, u.key, u.upload_id);
      if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
    }
    if (!uploads->is_truncated) break;
  }
  for (int round = 0; round < 1000; ++round) {
    auto list = s.List(ListRequest{.bucket = bucket});
    if (!list.ok()) return list.status();
    if (list->objects.empty()) break;
    std::vector<std::string> keys;
    for (const auto& o : list->objects) keys.push_back(o.key);
    auto deleted = s.DeleteMany(bucket, keys);
    if (!deleted.ok()) return deleted.status();
    if (!deleted->errors.empty()) {
      return Status::Internal("cannot delete " + deleted->errors[0].key + ": " +
                              deleted->errors[0].code);
    }
  }
  return s.DeleteBucket(bucket);
}

bool HasGrant(const AccessControlPolicy& acl, const std::string& permission,
              const std::string& user_id, const std::string& group_uri) {
  for (const auto& g : acl.grants) {
    if (g.permission != permission) continue;
    if (!user_id.empty() && g.grantee.type == Grantee::Type::kCanonicalUser &&
        g.grantee.id == user_id) {
      return true;
    }
    if (!group_uri.empty() && g.grantee.type == Grantee::Type::kGroup &&
        g.grantee.uri == group_uri) {
      return true;
    }
  }
  return false;
}

std::string DescribeAcl(const AccessControlPolicy& acl) {
  std::string out = "owner '" + acl.owner.id + "' grants:";
  for (const auto& g : acl.grants) {
    out += " [" + g.permission + " to " +
           (g.grantee.type == Grantee::Type::kGroup ? g.grantee.uri : g.grantee.id) + "]";
  }
  return out;
}

std::atomic<int> bucket_counter{0};

}  // namespace

// ---------------------------------------------------------------------------
// Fixture.

std::string ObjectStoreContractTarget::NewBucketName(const std::string& test_name) {
  // Unique per process by counter, across processes by pid; the test name
  // part only helps a human reading a server's bucket list.
  std::string name = "sos-ct-" + std::to_string(::getpid() % 100000) + "-" +
                     std::to_string(bucket_counter.fetch_add(1)) + "-";
  for (char c : test_name) {
    if (name.size() >= 60) break;
    if (std::isalnum(static_cast<unsigned char>(c))) {
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  while (name.back() == '-') name.pop_back();
  return name;
}

std::string ContractTargetName(const ::testing::TestParamInfo<ContractTargetPtr>& info) {
  return info.param->Name();
}

void PrintTo(const ContractTargetPtr& target, std::ostream* os) {
  *os << (target ? target->Name() : "null");
}

void ObjectStoreContractTest::SetUp() {
  store_ = &GetParam()->Store();
  caps_ = GetParam()->Capabilities();
  bucket_ =
      GetParam()->NewBucketName(::testing::UnitTest::GetInstance()->current_test_info()->name());
  CT_ASSERT_OK(store().CreateBucket(bucket_));
}

std::string ObjectStoreContractTest::MakeExtraBucket(const std::string& canned_acl) {
  std::string name = GetParam()->NewBucketName("extra");
  Status st = store().CreateBucket(name, canned_acl);
  EXPECT_TRUE(st.ok()) << "CreateBucket(" << name << ", '" << canned_acl << "'): " << st.ToString();
  if (st.ok()) extra_buckets_.push_back(name);
  return name;
}

void ObjectStoreContractTest::TearDown() {
  if (store_ == nullptr) return;
  std::vector<std::string> buckets = extra_buckets_;
  if (!bucket_.empty()) buckets.push_back(bucket_);
  for (const auto& b : buckets) {
    Status st = EmptyAndDeleteBucket(store(), b);
    // A broken listing already failed the test; do not pile up noise.
    if (!st.ok() && !HasFailure())
      ADD_FAILURE() << "cleaning up bucket " << b << ": " << st.ToString();
  }
}

// ---------------------------------------------------------------------------
// Put / Get.

TEST_P(ObjectStoreContractTest, PutGetRoundTripSmallSizes) {
  for (uint64_t size : {uint64_t{0}, uint64_t{1}, uint64_t{1000}, kMiB}) {
    SCOPED_TRACE("size " + std::to_string(size));
    std::string key = "obj-" + std::to_string(size);
    std::string data = PatternString(size + 1, size);
    CT_ASSIGN_OR_FAIL(PutResult put, PutString(store(), bucket_, key, data));
    // A single-part PUT's ETag is the quoted MD5 of the body.
    EXPECT_EQ(put.etag, QuotedMd5(data));

    GetResult info;
    CT_ASSIGN_OR_FAIL(std::string body, GetString(store(), bucket_, key, {}, {}, &info));
    EXPECT_EQ(body.size(), data.size());
    EXPECT_TRUE(body == data) << "body differs";
    EXPECT_EQ(info.meta.size, size);
    EXPECT_EQ(info.first_byte, 0u);
    EXPECT_EQ(info.length, size);
    EXPECT_EQ(info.meta.etag, put.etag);

    CT_ASSIGN_OR_FAIL(ObjectMeta head, store().Head(bucket_, key));
    EXPECT_EQ(head.size, size);
    EXPECT_EQ(head.etag, put.etag);
  }
}

TEST_P(ObjectStoreContractTest, OverwriteReplacesContent) {
  CT_ASSERT_OK(PutString(store(), bucket_, "k", "first version"));
  CT_ASSIGN_OR_FAIL(PutResult second, PutString(store(), bucket_, "k", "second"));
  CT_ASSIGN_OR_FAIL(std::string body, GetString(store(), bucket_, "k"));
  EXPECT_EQ(body, "second");
  CT_ASSIGN_OR_FAIL(ObjectMeta head, store().Head(bucket_, "k"));
  EXPECT_EQ(head.size, 6u);
  EXPECT_EQ(head.etag, second.etag);
}

TEST_P(ObjectStoreContractTest, StreamsTwentyMiBBothWays) {
  constexpr uint64_t kSize = 20 * kMiB;
  constexpr uint64_t kSeed = 20;
  PatternSource source(kSeed, 0, kSize);
  CT_ASSIGN_OR_FAIL(PutResult put, store().Put(bucket_, "big", source));
  EXPECT_EQ(put.etag, QuotedPatternMd5(kSeed, 0, kSize));

  StreamChecker whole({{kSeed, 0, kSize}});
  CT_ASSIGN_OR_FAIL(GetResult got, store().Get(GetRequest{bucket_, "big"}, whole.Sink()));
  EXPECT_TRUE(whole.Complete());
  EXPECT_EQ(got.meta.size, kSize);
  EXPECT_EQ(got.length, kSize);
  // Streamed, not buffered whole and handed over once.
  EXPECT_GT(whole.chunks(), 1u);

  constexpr uint64_t kFirst = 7 * kMiB + 3, kLast = 9 * kMiB;
  StreamChecker part({{kSeed, kFirst, kLast - kFirst + 1}});
  CT_ASSIGN_OR_FAIL(
      GetResult ranged,
      store().Get(GetRequest{bucket_, "big", ByteRange::Closed(kFirst, kLast)}, part.Sink()));
  EXPECT_TRUE(part.Complete());
  EXPECT_EQ(ranged.first_byte, kFirst);
  EXPECT_EQ(ranged.length, kLast - kFirst + 1);
  EXPECT_EQ(ranged.meta.size, kSize);
}

TEST_P(ObjectStoreContractTest, SinkErrorAbortsGetAndStoreStaysUsable) {
  constexpr uint64_t kSize = 4 * kMiB;
  PatternSource source(4, 0, kSize);
  CT_ASSERT_OK(store().Put(bucket_, "abort", source));
  uint64_t seen = 0;
  auto aborted = store().Get(GetRequest{bucket_, "abort"}, [&](std::string_view chunk) {
    seen += chunk.size();
    return Status::Cancelled("reader went away");
  });
  EXPECT_FALSE(aborted.ok()) << "Get must fail when its sink fails";
  EXPECT_LT(seen, kSize) << "the transfer went on after the sink failed";
  // The next request (perhaps on a reused connection) must be clean.
  StreamChecker again({{4, 0, kSize}});
  CT_ASSERT_OK(store().Get(GetRequest{bucket_, "abort"}, again.Sink()));
  EXPECT_TRUE(again.Complete());
}

TEST_P(ObjectStoreContractTest, FailingSourceLeavesNoObject) {
  FailingSource source(kMiB, 256 * kKiB);
  auto put = store().Put(bucket_, "half", source);
  EXPECT_FALSE(put.ok()) << "Put must fail when its source fails";
  EXPECT_TRUE(IsError(StatusOf(store().Head(bucket_, "half")), StatusCode::kNotFound))
      << "a failed upload must not leave a (truncated) object behind";
  // And the store is still usable.
  CT_ASSERT_OK(PutString(store(), bucket_, "after", "ok"));
  CT_ASSIGN_OR_FAIL(std::string body, GetString(store(), bucket_, "after"));
  EXPECT_EQ(body, "ok");
}

TEST_P(ObjectStoreContractTest, RangeReads) {
  const std::string data = PatternString(5, 1000);
  CT_ASSERT_OK(PutString(store(), bucket_, "r", data));
  struct Case {
    const char* name;
    ByteRange range;
    uint64_t first;
    uint64_t length;
  };
  const Case cases[] = {
      {"closed", ByteRange::Closed(10, 19), 10, 10},
      {"single byte", ByteRange::Closed(0, 0), 0, 1},
      {"open", ByteRange::From(990), 990, 10},
      {"suffix", ByteRange::Suffix(5), 995, 5},
      {"suffix longer than object", ByteRange::Suffix(5000), 0, 1000},
      {"past end is clamped", ByteRange::Closed(995, 5000), 995, 5},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    GetResult info;
    CT_ASSIGN_OR_FAIL(std::string body, GetString(store(), bucket_, "r", c.range, {}, &info));
    EXPECT_TRUE(body == data.substr(c.first, c.length))
        << "got " << body.size() << " bytes, expected " << c.length;
    EXPECT_EQ(info.first_byte, c.first);
    EXPECT_EQ(info.length, c.length);
    EXPECT_EQ(info.meta.size, 1000u) << "meta.size must be the whole object's size";
  }
  for (const auto& range : {ByteRange::From(1000), ByteRange::From(5000)}) {
    SCOPED_TRACE(range.ToHeader());
    std::string body;
    auto got = store().Get(GetRequest{bucket_, "r", range}, AppendTo(&body));
    EXPECT_TRUE(IsError(StatusOf(got), StatusCode::kRangeNotSatisfiable));
    EXPECT_TRUE(body.empty()) << "an error body reached the sink: " << body;
  }
}

TEST_P(ObjectStoreContractTest, HeadReturnsMetadata) {
  WriteOptions options;
  options.content_type = "application/x-sos-test";
  options.cache_control = "max-age=60, private";
  options.content_disposition = "attachment; filename=\"a b.txt\"";
  options.user_meta = {{"color", "blue"}, {"Mixed-Case", "Value With Spaces"}};
  const std::string data = "hello, metadata";
  auto before = std::chrono::system_clock::now();
  CT_ASSIGN_OR_FAIL(PutResult put, PutString(store(), bucket_, "m", data, options));
  CT_ASSIGN_OR_FAIL(ObjectMeta head, store().Head(bucket_, "m"));
  EXPECT_EQ(head.size, data.size());
  EXPECT_EQ(head.etag, put.etag);
  EXPECT_EQ(head.etag, QuotedMd5(data));
  EXPECT_EQ(head.content_type, options.content_type);
  EXPECT_EQ(head.cache_control, options.cache_control);
  EXPECT_EQ(head.content_disposition, options.content_disposition);
  // S3 lower-cases metadata names (they travel as HTTP headers).
  std::map<std::string, std::string> expected = {{"color", "blue"},
                                                 {"mixed-case", "Value With Spaces"}};
  EXPECT_EQ(head.user_meta, expected);
  auto skew = std::chrono::minutes(10);
  EXPECT_GT(head.last_modified, before - skew) << "Last-Modified missing or misparsed";
  EXPECT_LT(head.last_modified, before + skew) << "Last-Modified misparsed";

  // GET reports the same metadata.
  GetResult info;
  CT_ASSERT_OK(GetString(store(), bucket_, "m", {}, {}, &info));
  EXPECT_EQ(info.meta.content_type, options.content_type);
  EXPECT_EQ(info.meta.user_meta, expected);
  EXPECT_EQ(info.meta.etag, put.etag);
}

// ---------------------------------------------------------------------------
// Conditions.

TEST_P(ObjectStoreContractTest, ConditionalGetAndHead) {
  CT_ASSIGN_OR_FAIL(PutResult put, PutString(store(), bucket_, "c", "conditional"));
  const std::string stale = "\"00000000000000000000000000000000\"";

  std::string body;
  auto mismatch =
      store().Get(GetRequest{bucket_, "c", std::nullopt, {.if_match = stale}}, AppendTo(&body));
  EXPECT_TRUE(IsError(StatusOf(mismatch), StatusCode::kPreconditionFailed)) << "If-Match stale";
  EXPECT_TRUE(body.empty()) << "an error body reached the sink: " << body;

  body.clear();
  auto not_modified = store().Get(
      GetRequest{bucket_, "c", std::nullopt, {.if_none_match = put.etag}}, AppendTo(&body));
  EXPECT_TRUE(IsError(StatusOf(not_modified), StatusCode::kNotModified)) << "If-None-Match current";
  EXPECT_TRUE(body.empty());

  auto match = GetString(store(), bucket_, "c", std::nullopt, {.if_match = put.etag});
  CT_EXPECT_OK(match);
  if (match.ok()) {
    EXPECT_EQ(*match, "conditional");
  }
  CT_EXPECT_OK(GetString(store(), bucket_, "c", std::nullopt, {.if_none_match = stale}));

  EXPECT_TRUE(IsError(StatusOf(store().Head(bucket_, "c", {.if_match = stale})),
                      StatusCode::kPreconditionFailed))
      << "HEAD If-Match stale";
  EXPECT_TRUE(IsError(StatusOf(store().Head(bucket_, "c", {.if_none_match = put.etag})),
                      StatusCode::kNotModified))
      << "HEAD If-None-Match current";
  CT_EXPECT_OK(store().Head(bucket_, "c", {.if_match = put.etag}));
}

TEST_P(ObjectStoreContractTest, ConditionalPutIfNoneMatchStar) {
  if (!caps().no_conditional_put_if_none_match.empty()) {
    GTEST_SKIP() << caps().no_conditional_put_if_none_match;
  }
  WriteOptions create_only;
  create_only.conditions.if_none_match = "*";
  CT_ASSERT_OK(PutString(store(), bucket_, "once", "first", create_only));
  auto again = PutString(store(), bucket_, "once", "second", create_only);
  EXPECT_TRUE(IsError(StatusOf(again), StatusCode::kPreconditionFailed));
  CT_ASSIGN_OR_FAIL(std::string body, GetString(store(), bucket_, "once"));
  EXPECT_EQ(body, "first") << "a failed conditional PUT changed the object";
}

TEST_P(ObjectStoreContractTest, ConditionalPutIfMatchCurrentEtagSucceeds) {
  if (!caps().no_conditional_put_if_match.empty()) {
    GTEST_SKIP() << caps().no_conditional_put_if_match;
  }
  CT_ASSIGN_OR_FAIL(PutResult v1, PutString(store(), bucket_, "cas", "v1"));
  WriteOptions if_v1;
  if_v1.conditions.if_match = v1.etag;
  CT_ASSIGN_OR_FAIL(PutResult v2, PutString(store(), bucket_, "cas", "v2", if_v1));
  EXPECT_EQ(v2.etag, QuotedMd5("v2"));
  CT_ASSIGN_OR_FAIL(std::string body, GetString(store(), bucket_, "cas"));
  EXPECT_EQ(body, "v2");
}

TEST_P(ObjectStoreContractTest, ConditionalPutIfMatchStaleEtagFails) {
  CT_ASSIGN_OR_FAIL(PutResult v1, PutString(store(), bucket_, "cas", "v1"));
  CT_ASSERT_OK(PutString(store(), bucket_, "cas", "v2"));
  WriteOptions if_v1;
  if_v1.conditions.if_match = v1.etag;
  auto stale = PutString(store(), bucket_, "cas", "v3", if_v1);
  EXPECT_TRUE(IsError(StatusOf(stale), StatusCode::kPreconditionFailed));
  CT_ASSIGN_OR_FAIL(std::string body, GetString(store(), bucket_, "cas"));
  EXPECT_EQ(body, "v2") << "a failed conditional PUT changed the object";
}

// ---------------------------------------------------------------------------
// Listing.

namespace {

void PutKeys(ObjectStore& s, const std::string& bucket, const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    auto put = PutString(s, bucket, k, "x" + k);
    ASSERT_TRUE(put.ok()) << "Put(" << k << "): " << put.status().ToString();
  }
}

}  // namespace

TEST_P(ObjectStoreContractTest, ListWithDelimiterAndPrefixes) {
  ASSERT_NO_FATAL_FAILURE(
      PutKeys(store(), bucket_, {"a/1", "a/2", "a/b/3", "a/b/c/4", "c", "d/e/f", "e"}));
  struct Case {
    std::string prefix, delimiter;
    std::vector<std::string> objects, prefixes;
  };
  const std::vector<Case> cases = {
      {"", "/", {"c", "e"}, {"a/", "d/"}},
      {"a/", "/", {"a/1", "a/2"}, {"a/b/"}},
      {"a/b/", "/", {"a/b/3"}, {"a/b/c/"}},
      // A "folder" holding only a sub-folder must still be reported.
      {"d/", "/", {}, {"d/e/"}},
      {"a/", "", {"a/1", "a/2", "a/b/3", "a/b/c/4"}, {}},
      {"a", "/", {}, {"a/"}},
      {"zz", "/", {}, {}},
  };
  for (bool v1 : {false, true}) {
    for (const auto& c : cases) {
      SCOPED_TRACE((v1 ? "v1 prefix '" : "v2 prefix '") + c.prefix + "' delimiter '" + c.delimiter +
                   "'");
      ListRequest request{.bucket = bucket_, .prefix = c.prefix, .delimiter = c.delimiter};
      request.use_v1 = v1;
      CT_ASSIGN_OR_FAIL(ListResult list, store().List(request));
      std::vector<std::string> keys;
      for (const auto& o : list.objects) keys.push_back(o.key);
      EXPECT_EQ(keys, c.objects);
      EXPECT_EQ(list.common_prefixes, c.prefixes);
      EXPECT_FALSE(list.is_truncated);
    }
  }
}

TEST_P(ObjectStoreContractTest, ListReportsSizeAndEtag) {
  CT_ASSIGN_OR_FAIL(PutResult put, PutString(store(), bucket_, "sized", "12345"));
  CT_ASSIGN_OR_FAIL(ListResult list, store().List(ListRequest{.bucket = bucket_}));
  ASSERT_EQ(list.objects.size(), 1u);
  EXPECT_EQ(list.objects[0].key, "sized");
  EXPECT_EQ(list.objects[0].size, 5u);
  EXPECT_EQ(list.objects[0].etag, put.etag);
  EXPECT_GT(list.objects[0].last_modified, TimePoint{}) << "LastModified missing";
}

namespace {

// Walks every page; checks page sizes, truncation flags and tokens.
void CollectPages(ObjectStore& s, ListRequest request, std::vector<std::string>* entries,
                  int* pages) {
  *pages = 0;
  for (int guard = 0; guard < 50; ++guard) {
    auto list = s.List(request);
    ASSERT_TRUE(list.ok()) << "page " << *pages << ": " << list.status().ToString();
    ++*pages;
    size_t n = list->objects.size() + list->common_prefixes.size();
    EXPECT_LE(n, static_cast<size_t>(request.max_keys)) << "page " << *pages;
    std::vector<std::string> page;
    for (const auto& o : list->objects) page.push_back(o.key);
    for (const auto& p : list->common_prefixes) page.push_back(p);
    std::sort(page.begin(), page.end());
    entries->insert(entries->end(), page.begin(), page.end());
    if (!list->is_truncated) return;
    ASSERT_FALSE(list->next_token.empty()) << "truncated page " << *pages << " without a token";
    EXPECT_GT(n, 0u) << "truncated but empty page " << *pages;
    request.continuation_token = list->next_token;
  }
  FAIL() << "listing did not end after 50 pages";
}

}  // namespace

TEST_P(ObjectStoreContractTest, PaginatesWithMaxKeys) {
  std::vector<std::string> keys;
  for (int i = 0; i < 7; ++i) keys.push_back("page/k" + std::to_string(i));
  ASSERT_NO_FATAL_FAILURE(PutKeys(store(), bucket_, keys));
  ASSERT_NO_FATAL_FAILURE(PutKeys(store(), bucket_, {"other"}));
  for (bool v1 : {false, true}) {
    SCOPED_TRACE(v1 ? "ListObjects v1" : "ListObjectsV2");
    ListRequest request{.bucket = bucket_, .prefix = "page/", .max_keys = 2};
    request.use_v1 = v1;
    std::vector<std::string> seen;
    int pages = 0;
    ASSERT_NO_FATAL_FAILURE(CollectPages(store(), request, &seen, &pages));
    EXPECT_EQ(seen, keys);
    EXPECT_EQ(pages, 4);
  }
}

TEST_P(ObjectStoreContractTest, PaginatesWithDelimiter) {
  // Listed entries: a/ b/ c/ d e f/ g -- prefixes count against max_keys.
  ASSERT_NO_FATAL_FAILURE(
      PutKeys(store(), bucket_, {"a/1", "a/2", "b/1", "c/1", "d", "e", "f/1", "f/g/2", "g"}));
  const std::vector<std::string> expected = {"a/", "b/", "c/", "d", "e", "f/", "g"};
  for (bool v1 : {false, true}) {
    SCOPED_TRACE(v1 ? "ListObjects v1" : "ListObjectsV2");
    ListRequest request{.bucket = bucket_, .delimiter = "/", .max_keys = 2};
    request.use_v1 = v1;
    std::vector<std::string> seen;
    int pages = 0;
    ASSERT_NO_FATAL_FAILURE(CollectPages(store(), request, &seen, &pages));
    EXPECT_EQ(seen, expected);
    EXPECT_EQ(pages, 4);
  }
}

TEST_P(ObjectStoreContractTest, StartAfterAndMarker) {
  std::vector<std::string> keys;
  for (int i = 0; i < 7; ++i) keys.push_back("k" + std::to_string(i));
  ASSERT_NO_FATAL_FAILURE(PutKeys(store(), bucket_, keys));
  const std::vector<std::string> tail = {"k4", "k5", "k6"};
  for (const std::string after : {"k3", "k35"}) {
    SCOPED_TRACE("after " + after);
    ListRequest v2{.bucket = bucket_, .start_after = after};
    CT_ASSIGN_OR_FAIL(ListResult list2, store().List(v2));
    std::vector<std::string> got2;
    for (const auto& o : list2.objects) got2.push_back(o.key);
    EXPECT_EQ(got2, tail) << "v2 start_after";

    ListRequest v1{.bucket = bucket_, .continuation_token = after};
    v1.use_v1 = true;
    CT_ASSIGN_OR_FAIL(ListResult list1, store().List(v1));
    std::vector<std::string> got1;
    for (const auto& o : list1.objects) got1.push_back(o.key);
    EXPECT_EQ(got1, tail) << "v1 marker";
  }
}

// ---------------------------------------------------------------------------
// Keys that need escaping somewhere: URL path, query string, XML, signature.

TEST_P(ObjectStoreContractTest, AwkwardKeysRoundTrip) {
  const std::vector<std::string> keys = {
      "dir/\xc3\xbc \xc3\xa9+%/x~y",  // "dir/ü é+%/x~y"
      "with space",
      "plus+plus",
      "percent%20literal",
      "tilde~x",
      "/leading-slash",
      "//double-leading",
      "a/./dot",
      "a/../dotdot",
      "trailing/",
      "xml&<>\"'",
      "star*paren()[]!$,;=@:",
      "emoji-\xf0\x9f\x98\x80",
  };
  for (const auto& k : keys) {
    auto put = PutString(store(), bucket_, k, "body of " + k);
    EXPECT_TRUE(put.ok()) << "Put(" << k << "): " << put.status().ToString();
  }
  for (const auto& k : keys) {
    SCOPED_TRACE("key '" + k + "'");
    auto body = GetString(store(), bucket_, k);
    EXPECT_TRUE(body.ok()) << body.status().ToString();
    if (body.ok()) {
      EXPECT_EQ(*body, "body of " + k);
    }
    auto head = store().Head(bucket_, k);
    EXPECT_TRUE(head.ok()) << head.status().ToString();
    if (head.ok()) {
      EXPECT_EQ(head->size, ("body of " + k).size());
    }
    // Listing with the key itself as prefix finds exactly it first.
    auto list = store().List(ListRequest{.bucket = bucket_, .prefix = k, .max_keys = 1});
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    if (list.ok()) {
      EXPECT_FALSE(list->objects.empty());
      if (!list->objects.empty()) {
        EXPECT_EQ(list->objects[0].key, k);
      }
    }
    // The key as a copy source (x-amz-copy-source has its own encoding).
    auto copy = store().Copy(CopyRequest{
        .src_bucket = bucket_, .src_key = k, .dst_bucket = bucket_, .dst_key = "copies/" + k});
    EXPECT_TRUE(copy.ok()) << "Copy: " << copy.status().ToString();
    auto copied = GetString(store(), bucket_, "copies/" + k);
    EXPECT_TRUE(copied.ok()) << copied.status().ToString();
    if (copied.ok()) {
      EXPECT_EQ(*copied, "body of " + k);
    }
  }
  // The full listing returns every key exactly, in byte order.
  std::vector<std::string> expected = keys;
  for (const auto& k : keys) expected.push_back("copies/" + k);
  std::sort(expected.begin(), expected.end());
  CT_ASSIGN_OR_FAIL(std::vector<std::string> listed, ListAllKeys(store(), bucket_));
  EXPECT_EQ(listed, expected);
  // Paging through them: v1 markers and v2 tokens must survive any key.
  for (bool v1 : {false, true}) {
    SCOPED_TRACE(v1 ? "paged v1" : "paged v2");
    ListRequest request{.bucket = bucket_, .max_keys = 2};
    request.use_v1 = v1;
    std::vector<std::string> seen;
    int pages = 0;
    ASSERT_NO_FATAL_FAILURE(CollectPages(store(), request, &seen, &pages));
    EXPECT_EQ(seen, expected);
  }
  for (bool v1 : {false, true}) {
    ListRequest r{.bucket = bucket_, .prefix = "copies/", .delimiter = "/"};
    r.use_v1 = v1;
    CT_ASSIGN_OR_FAIL(ListResult page, store().List(r));
    std::set<std::string> all;
    for (const auto& o : page.objects) all.insert(o.key);
    for (const auto& p : page.common_prefixes) all.insert(p);
    EXPECT_TRUE(all.count("copies/with space")) << (v1 ? "v1" : "v2");
    EXPECT_TRUE(all.count("copies/dir/")) << (v1 ? "v1" : "v2");
    EXPECT_TRUE(all.count("copies//")) << (v1 ? "v1" : "v2");
  }
  // Deleting them one by one and in bulk.
  for (const auto& k : keys) CT_EXPECT_OK(store().Delete(bucket_, k));
  std::vector<std::string> copies;
  for (const auto& k : keys) copies.push_back("copies/" + k);
  CT_ASSIGN_OR_FAIL(DeleteManyResult bulk, store().DeleteMany(bucket_, copies));
  EXPECT_TRUE(bulk.errors.empty()) << bulk.errors[0].key << ": " << bulk.errors[0].code;
  std::vector<std::string> deleted = bulk.deleted;
  std::sort(deleted.begin(), deleted.end());
  std::sort(copies.begin(), copies.end());
  EXPECT_EQ(deleted, copies);
  CT_ASSIGN_OR_FAIL(std::vector<std::string> left, ListAllKeys(store(), bucket_));
  EXPECT_TRUE(left.empty()) << left.size() << " keys left, first '" << left[0] << "'";
}

// ---------------------------------------------------------------------------
// Copy.

namespace {

WriteOptions SourceOptions() {
  WriteOptions o;
  o.content_type = "text/x-source";
  o.cache_control = "no-cache";
  o.content_disposition = "inline";
  o.user_meta = {{"origin", "source"}, {"keep", "me"}};
  return o;
}

}  // namespace

TEST_P(ObjectStoreContractTest, CopyKeepsMetadata) {
  CT_ASSIGN_OR_FAIL(PutResult src, PutString(store(), bucket_, "src", "copy me", SourceOptions()));
  CT_ASSIGN_OR_FAIL(
      CopyResult copy,
      store().Copy(CopyRequest{
          .src_bucket = bucket_, .src_key = "src", .dst_bucket = bucket_, .dst_key = "dst"}));
  EXPECT_EQ(copy.etag, src.etag) << "a plain copy of a single-part object keeps its ETag";
  CT_ASSIGN_OR_FAIL(ObjectMeta head, store().Head(bucket_, "dst"));
  EXPECT_EQ(head.content_type, "text/x-source");
  EXPECT_EQ(head.cache_control, "no-cache");
  EXPECT_EQ(head.content_disposition, "inline");
  EXPECT_EQ(head.user_meta, SourceOptions().user_meta);
  CT_ASSIGN_OR_FAIL(std::string body, GetString(store(), bucket_, "dst"));
  EXPECT_EQ(body, "copy me");
}

TEST_P(ObjectStoreContractTest, CopyReplaceReplacesMetadata) {
  CT_ASSERT_OK(PutString(store(), bucket_, "src", "copy me", SourceOptions()));
  CopyRequest request{.src_bucket = bucket_,
                      .src_key = "src",
                      .dst_bucket = bucket_,
                      .dst_key = "dst",
                      .replace_metadata = true};
  request.options.content_type = "text/x-replaced";
  request.options.user_meta = {{"origin", "replaced"}};
  CT_ASSERT_OK(store().Copy(request));
  CT_ASSIGN_OR_FAIL(ObjectMeta head, store().Head(bucket_, "dst"));
  EXPECT_EQ(head.content_type, "text/x-replaced");
  EXPECT_EQ(head.user_meta, (std::map<std::string, std::string>{{"origin", "replaced"}}))
      << "REPLACE must drop the source's metadata";
  EXPECT_EQ(head.cache_control, "") << "REPLACE must drop the source's Cache-Control";
  CT_ASSIGN_OR_FAIL(std::string body, GetString(store(), bucket_, "dst"));
  EXPECT_EQ(body, "copy me");
  // The source is untouched.
  CT_ASSIGN_OR_FAIL(ObjectMeta src, store().Head(bucket_, "src"));
  EXPECT_EQ(src.user_meta, SourceOptions().user_meta);
}

TEST_P(ObjectStoreContractTest, SelfCopyWithReplaceChangesMetadata) {
  CT_ASSIGN_OR_FAIL(PutResult put,
                    PutString(store(), bucket_, "self", "same bytes", SourceOptions()));
  CopyRequest request{.src_bucket = bucket_,
                      .src_key = "self",
                      .dst_bucket = bucket_,
                      .dst_key = "self",
                      .replace_metadata = true};
  request.options.content_type = "text/x-new";
  request.options.user_meta = {{"mtime", "1700000000"}};
  CT_ASSERT_OK(store().Copy(request));
  CT_ASSIGN_OR_FAIL(ObjectMeta head, store().Head(bucket_, "self"));
  EXPECT_EQ(head.content_type, "text/x-new");
  EXPECT_EQ(head.user_meta, (std::map<std::string, std::string>{{"mtime", "1700000000"}}));
  EXPECT_EQ(head.etag, put.etag);
  CT_ASSIGN_OR_FAIL(std::string body, GetString(store(), bucket_, "self"));
  EXPECT_EQ(body, "same bytes");
}

TEST_P(ObjectStoreContractTest, CopyAcrossBuckets) {
  std::string other = MakeExtraBucket();
  ASSERT_FALSE(HasFailure());
  CT_ASSERT_OK(PutString(store(), bucket_, "src", "travels"));
  CT_ASSERT_OK(store().Copy(CopyRequest{
      .src_bucket = bucket_, .src_key = "src", .dst_bucket = other, .dst_key = "arrived"}));
  CT_ASSIGN_OR_FAIL(std::string body, GetString(store(), other, "arrived"));
  EXPECT_EQ(body, "travels");
}

TEST_P(ObjectStoreContractTest, CopyOfMissingSourceIsNoSuchKey) {
  auto copy = store().Copy(CopyRequest{
      .src_bucket = bucket_, .src_key = "missing", .dst_bucket = bucket_, .dst_key = "dst"});
  EXPECT_TRUE(IsError(StatusOf(copy), StatusCode::kNotFound, "NoSuchKey"));
  EXPECT_TRUE(IsError(StatusOf(store().Head(bucket_, "dst")), StatusCode::kNotFound));
}

// ---------------------------------------------------------------------------
// Delete.

TEST_P(ObjectStoreContractTest, DeleteRemovesAndMissingKeyIsOk) {
  CT_ASSERT_OK(PutString(store(), bucket_, "gone", "soon"));
  CT_ASSERT_OK(store().Delete(bucket_, "gone"));
  EXPECT_TRUE(IsError(StatusOf(store().Head(bucket_, "gone")), StatusCode::kNotFound));
  CT_EXPECT_OK(store().Delete(bucket_, "gone"));
  CT_EXPECT_OK(store().Delete(bucket_, "never-existed"));
}

TEST_P(ObjectStoreContractTest, DeleteManyThreeKeys) {
  const std::vector<std::string> doomed = {"dm/one", "dm/two & <three>", "dm/\xc3\xbc"};
  ASSERT_NO_FATAL_FAILURE(PutKeys(store(), bucket_, doomed));
  ASSERT_NO_FATAL_FAILURE(PutKeys(store(), bucket_, {"dm/survivor"}));
  CT_ASSIGN_OR_FAIL(DeleteManyResult result, store().DeleteMany(bucket_, doomed));
  EXPECT_TRUE(result.errors.empty())
      << result.errors.size() << " errors, first: " << result.errors[0].key << " "
      << result.errors[0].code << " " << result.errors[0].message;
  std::vector<std::string> deleted = result.deleted, want = doomed;
  std::sort(deleted.begin(), deleted.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(deleted, want);
  CT_ASSIGN_OR_FAIL(std::vector<std::string> left, ListAllKeys(store(), bucket_));
  EXPECT_EQ(left, std::vector<std::string>{"dm/survivor"});
}

// ---------------------------------------------------------------------------
// Multipart.

TEST_P(ObjectStoreContractTest, MultipartUpload) {
  constexpr uint64_t kSeed = 31, kPart1 = 5 * kMiB, kPart2 = kKiB;
  WriteOptions options;
  options.content_type = "application/x-multipart-test";
  options.user_meta = {{"kind", "multipart"}};
  CT_ASSIGN_OR_FAIL(std::string upload_id,
                    store().CreateMultipartUpload(bucket_, "mp/object", options));
  ASSERT_FALSE(upload_id.empty());

  PatternSource p1(kSeed, 0, kPart1), p2(kSeed, kPart1, kPart2);
  // Upload out of order: part numbers, not arrival, define the layout.
  CT_ASSIGN_OR_FAIL(std::string etag2, store().UploadPart(bucket_, "mp/object", upload_id, 2, p2));
  CT_ASSIGN_OR_FAIL(std::string etag1, store().UploadPart(bucket_, "mp/object", upload_id, 1, p1));
  EXPECT_EQ(etag1, QuotedPatternMd5(kSeed, 0, kPart1));
  EXPECT_EQ(etag2, QuotedPatternMd5(kSeed, kPart1, kPart2));

  CT_ASSIGN_OR_FAIL(ListPartsResult parts, store().ListParts(bucket_, "mp/object", upload_id));
  ASSERT_EQ(parts.parts.size(), 2u);
  EXPECT_EQ(parts.parts[0].part_number, 1);
  EXPECT_EQ(parts.parts[0].size, kPart1);
  EXPECT_EQ(parts.parts[0].etag, etag1);
  EXPECT_EQ(parts.parts[1].part_number, 2);
  EXPECT_EQ(parts.parts[1].size, kPart2);
  EXPECT_EQ(parts.parts[1].etag, etag2);
  EXPECT_FALSE(parts.is_truncated);

  CT_ASSIGN_OR_FAIL(ListUploadsResult uploads, store().ListMultipartUploads(bucket_));
  ASSERT_EQ(uploads.uploads.size(), 1u);
  EXPECT_EQ(uploads.uploads[0].key, "mp/object");
  EXPECT_EQ(uploads.uploads[0].upload_id, upload_id);
  // Not visible as an object before completion.
  EXPECT_TRUE(IsError(StatusOf(store().Head(bucket_, "mp/object")), StatusCode::kNotFound));

  CT_ASSIGN_OR_FAIL(PutResult done, store().CompleteMultipartUpload(bucket_, "mp/object", upload_id,
                                                                    {{1, etag1}, {2, etag2}}));
  ASSERT_GE(done.etag.size(), 3u);
  EXPECT_EQ(done.etag.substr(done.etag.size() - 3), "-2\"") << done.etag;
  // S3's multipart ETag: MD5 of the concatenated binary part MD5s, "-N".
  std::string expected_etag =
      "\"" +
      HexEncode(Md5(RawPatternMd5(kSeed, 0, kPart1) + RawPatternMd5(kSeed, kPart1, kPart2))) +
      "-2\"";
  EXPECT_EQ(done.etag, expected_etag);

  CT_ASSIGN_OR_FAIL(ObjectMeta head, store().Head(bucket_, "mp/object"));
  EXPECT_EQ(head.size, kPart1 + kPart2);
  EXPECT_EQ(head.etag, done.etag);
  EXPECT_EQ(head.content_type, options.content_type);
  EXPECT_EQ(head.user_meta, options.user_meta);

  StreamChecker checker({{kSeed, 0, kPart1 + kPart2}});
  CT_ASSERT_OK(store().Get(GetRequest{bucket_, "mp/object"}, checker.Sink()));
  EXPECT_TRUE(checker.Complete());

  CT_ASSIGN_OR_FAIL(ListUploadsResult after, store().ListMultipartUploads(bucket_));
  EXPECT_TRUE(after.uploads.empty()) << "a completed upload is still listed";
}

TEST_P(ObjectStoreContractTest, UploadPartCopyWithRange) {
  constexpr uint64_t kSeed = 41, kSrcSize = 6 * kMiB;
  PatternSource source(kSeed, 0, kSrcSize);
  CT_ASSERT_OK(store().Put(bucket_, "src", source));
  CT_ASSIGN_OR_FAIL(std::string upload_id, store().CreateMultipartUpload(bucket_, "assembled"));
  CT_ASSIGN_OR_FAIL(std::string etag1,
                    store().UploadPartCopy(bucket_, "assembled", upload_id, 1, bucket_, "src",
                                           ByteRange::Closed(0, 5 * kMiB - 1)));
  CT_ASSIGN_OR_FAIL(std::string etag2,
                    store().UploadPartCopy(bucket_, "assembled", upload_id, 2, bucket_, "src",
                                           ByteRange::Closed(kMiB, kMiB + 999)));
  EXPECT_EQ(etag1, QuotedPatternMd5(kSeed, 0, 5 * kMiB));
  EXPECT_EQ(etag2, QuotedPatternMd5(kSeed, kMiB, 1000));
  CT_ASSIGN_OR_FAIL(ListPartsResult parts, store().ListParts(bucket_, "assembled", upload_id));
  ASSERT_EQ(parts.parts.size(), 2u);
  EXPECT_EQ(parts.parts[1].size, 1000u);
  CT_ASSERT_OK(
      store().CompleteMultipartUpload(bucket_, "assembled", upload_id, {{1, etag1}, {2, etag2}}));
  StreamChecker checker({{kSeed, 0, 5 * kMiB}, {kSeed, kMiB, 1000}});
  CT_ASSIGN_OR_FAIL(GetResult got, store().Get(GetRequest{bucket_, "assembled"}, checker.Sink()));
  EXPECT_TRUE(checker.Complete());
  EXPECT_EQ(got.meta.size, 5 * kMiB + 1000);
}

TEST_P(ObjectStoreContractTest, AbortAndListMultipartUploads) {
  CT_ASSIGN_OR_FAIL(std::string id_a, store().CreateMultipartUpload(bucket_, "up/a"));
  CT_ASSIGN_OR_FAIL(std::string id_b, store().CreateMultipartUpload(bucket_, "other/b"));
  EXPECT_NE(id_a, id_b);
  StringViewSource part("some part bytes");
  CT_ASSERT_OK(store().UploadPart(bucket_, "up/a", id_a, 1, part));

  CT_ASSIGN_OR_FAIL(ListUploadsResult all, store().ListMultipartUploads(bucket_));
  std::set<std::pair<std::string, std::string>> listed;
  for (const auto& u : all.uploads) listed.insert({u.key, u.upload_id});
  EXPECT_EQ(listed,
            (std::set<std::pair<std::string, std::string>>{{"up/a", id_a}, {"other/b", id_b}}));
  CT_ASSIGN_OR_FAIL(ListUploadsResult prefixed, store().ListMultipartUploads(bucket_, "up/"));
  ASSERT_EQ(prefixed.uploads.size(), 1u);
  EXPECT_EQ(prefixed.uploads[0].key, "up/a");
  EXPECT_EQ(prefixed.uploads[0].upload_id, id_a);

  CT_ASSERT_OK(store().AbortMultipartUpload(bucket_, "up/a", id_a));
  CT_ASSIGN_OR_FAIL(ListUploadsResult left, store().ListMultipartUploads(bucket_));
  ASSERT_EQ(left.uploads.size(), 1u);
  EXPECT_EQ(left.uploads[0].upload_id, id_b);
  EXPECT_TRUE(IsError(StatusOf(store().ListParts(bucket_, "up/a", id_a)), StatusCode::kNotFound,
                      caps().list_parts_unknown_upload_code));
  StringViewSource late("too late");
  EXPECT_TRUE(IsError(StatusOf(store().UploadPart(bucket_, "up/a", id_a, 2, late)),
                      StatusCode::kNotFound, "NoSuchUpload"));
  EXPECT_TRUE(IsError(StatusOf(store().Head(bucket_, "up/a")), StatusCode::kNotFound));
  CT_ASSERT_OK(store().AbortMultipartUpload(bucket_, "other/b", id_b));
}

// ---------------------------------------------------------------------------
// Errors and buckets.

TEST_P(ObjectStoreContractTest, MissingKeyAndBucketErrors) {
  const std::string missing_bucket = GetParam()->NewBucketName("missing");
  std::string body;
  EXPECT_TRUE(IsError(StatusOf(store().Get(GetRequest{bucket_, "nope"}, AppendTo(&body))),
                      StatusCode::kNotFound, "NoSuchKey"));
  EXPECT_TRUE(body.empty()) << "an error body reached the sink: " << body;
  EXPECT_TRUE(IsError(StatusOf(store().Head(bucket_, "nope")), StatusCode::kNotFound));
  EXPECT_TRUE(IsError(StatusOf(store().Get(GetRequest{missing_bucket, "k"}, AppendTo(&body))),
                      StatusCode::kNotFound, "NoSuchBucket"));
  EXPECT_TRUE(IsError(StatusOf(store().Head(missing_bucket, "k")), StatusCode::kNotFound));
  EXPECT_TRUE(IsError(StatusOf(store().List(ListRequest{.bucket = missing_bucket})),
                      StatusCode::kNotFound, "NoSuchBucket"));
  EXPECT_TRUE(IsError(StatusOf(PutString(store(), missing_bucket, "k", "v")), StatusCode::kNotFound,
                      "NoSuchBucket"));
  EXPECT_TRUE(IsError(StatusOf(store().HeadBucket(missing_bucket)), StatusCode::kNotFound));
  EXPECT_TRUE(IsError(StatusOf(store().DeleteBucket(missing_bucket)), StatusCode::kNotFound,
                      "NoSuchBucket"));
  EXPECT_TRUE(IsError(StatusOf(store().CreateMultipartUpload(missing_bucket, "k")),
                      StatusCode::kNotFound, "NoSuchBucket"));
  EXPECT_TRUE(IsError(StatusOf(store().ListParts(bucket_, "k", "no-such-upload-id")),
                      StatusCode::kNotFound, caps().list_parts_unknown_upload_code));
}

TEST_P(ObjectStoreContractTest, BucketLifecycle) {
  CT_EXPECT_OK(store().HeadBucket(bucket_));
  CT_ASSIGN_OR_FAIL(std::vector<BucketInfo> buckets, store().ListBuckets());
  auto it = std::find_if(buckets.begin(), buckets.end(),
                         [&](const BucketInfo& b) { return b.name == bucket_; });
  ASSERT_NE(it, buckets.end()) << "ListBuckets does not show " << bucket_;
  EXPECT_GT(it->creation_date, TimePoint{}) << "CreationDate missing";

  CT_ASSERT_OK(PutString(store(), bucket_, "occupant", "x"));
  EXPECT_TRUE(IsError(store().DeleteBucket(bucket_), StatusCode::kNotEmpty, "BucketNotEmpty"));
  EXPECT_TRUE(store().HeadBucket(bucket_).ok()) << "a refused delete removed the bucket";
  CT_ASSERT_OK(store().Delete(bucket_, "occupant"));
  CT_ASSERT_OK(store().DeleteBucket(bucket_));
  EXPECT_TRUE(IsError(store().HeadBucket(bucket_), StatusCode::kNotFound));
  EXPECT_TRUE(IsError(StatusOf(store().List(ListRequest{.bucket = bucket_})), StatusCode::kNotFound,
                      "NoSuchBucket"));
  CT_ASSIGN_OR_FAIL(std::vector<BucketInfo> after, store().ListBuckets());
  for (const auto& b : after) EXPECT_NE(b.name, bucket_);
  // And it can be made again.
  CT_ASSERT_OK(store().CreateBucket(bucket_));
  CT_EXPECT_OK(store().HeadBucket(bucket_));
}

// ---------------------------------------------------------------------------
// Canned ACLs.

TEST_P(ObjectStoreContractTest, CannedAcls) {
  CT_ASSIGN_OR_FAIL(AccessControlPolicy bucket_acl, store().GetAcl(bucket_, ""));
  const std::string owner = bucket_acl.owner.id;
  ASSERT_FALSE(owner.empty()) << "bucket ACL without owner";
  EXPECT_TRUE(HasGrant(bucket_acl, "FULL_CONTROL", owner, "")) << DescribeAcl(bucket_acl);
  EXPECT_FALSE(HasGrant(bucket_acl, "READ", "", kAllUsersUri)) << DescribeAcl(bucket_acl);

  CT_ASSERT_OK(PutString(store(), bucket_, "private", "p"));
  CT_ASSIGN_OR_FAIL(AccessControlPolicy private_acl, store().GetAcl(bucket_, "private"));
  EXPECT_EQ(private_acl.owner.id, owner);
  EXPECT_TRUE(HasGrant(private_acl, "FULL_CONTROL", owner, "")) << DescribeAcl(private_acl);
  EXPECT_FALSE(HasGrant(private_acl, "READ", "", kAllUsersUri)) << DescribeAcl(private_acl);

  WriteOptions public_read;
  public_read.canned_acl = "public-read";
  CT_ASSERT_OK(PutString(store(), bucket_, "public", "p", public_read));
  CT_ASSIGN_OR_FAIL(AccessControlPolicy public_acl, store().GetAcl(bucket_, "public"));
  EXPECT_TRUE(HasGrant(public_acl, "READ", "", kAllUsersUri)) << DescribeAcl(public_acl);
  EXPECT_TRUE(HasGrant(public_acl, "FULL_CONTROL", owner, "")) << DescribeAcl(public_acl);

  CT_ASSERT_OK(store().PutCannedAcl(bucket_, "private", "public-read"));
  CT_ASSIGN_OR_FAIL(AccessControlPolicy changed, store().GetAcl(bucket_, "private"));
  EXPECT_TRUE(HasGrant(changed, "READ", "", kAllUsersUri)) << DescribeAcl(changed);
  CT_ASSERT_OK(store().PutCannedAcl(bucket_, "private", "private"));
  CT_ASSIGN_OR_FAIL(AccessControlPolicy back, store().GetAcl(bucket_, "private"));
  EXPECT_FALSE(HasGrant(back, "READ", "", kAllUsersUri)) << DescribeAcl(back);

  std::string public_bucket = MakeExtraBucket("public-read");
  ASSERT_FALSE(HasFailure());
  CT_ASSIGN_OR_FAIL(AccessControlPolicy pb_acl, store().GetAcl(public_bucket, ""));
  EXPECT_TRUE(HasGrant(pb_acl, "READ", "", kAllUsersUri)) << DescribeAcl(pb_acl);
  EXPECT_TRUE(HasGrant(pb_acl, "FULL_CONTROL", owner, "")) << DescribeAcl(pb_acl);
}

TEST_P(ObjectStoreContractTest, PutAclReplacesGrants) {
  CT_ASSERT_OK(PutString(store(), bucket_, "obj", "o"));
  CT_ASSIGN_OR_FAIL(AccessControlPolicy current, store().GetAcl(bucket_, "obj"));
  const std::string owner = current.owner.id;
  ASSERT_FALSE(owner.empty()) << "object ACL without owner";

  AccessControlPolicy policy;
  policy.owner = current.owner;
  Grant full;
  full.grantee.type = Grantee::Type::kCanonicalUser;
  full.grantee.id = owner;
  full.permission = "FULL_CONTROL";
  Grant read;
  read.grantee.type = Grantee::Type::kGroup;
  read.grantee.uri = kAllUsersUri;
  read.permission = "READ";
  Grant read_acp;
  read_acp.grantee.type = Grantee::Type::kGroup;
  read_acp.grantee.uri = kAuthenticatedUsersUri;
  read_acp.permission = "READ_ACP";
  policy.grants = {full, read, read_acp};
  for (const std::string key : {"obj", ""}) {
    CT_ASSERT_OK(store().PutAcl(bucket_, key, policy));
    CT_ASSIGN_OR_FAIL(AccessControlPolicy got, store().GetAcl(bucket_, key));
    EXPECT_EQ(got.owner.id, owner);
    EXPECT_TRUE(HasGrant(got, "FULL_CONTROL", owner, "")) << DescribeAcl(got);
    EXPECT_TRUE(HasGrant(got, "READ", "", kAllUsersUri)) << DescribeAcl(got);
    EXPECT_TRUE(HasGrant(got, "READ_ACP", "", kAuthenticatedUsersUri)) << DescribeAcl(got);
    EXPECT_FALSE(HasGrant(got, "WRITE", "", kAllUsersUri)) << DescribeAcl(got);
  }
  // A canned ACL replaces the grants again.
  CT_ASSERT_OK(store().PutCannedAcl(bucket_, "obj", "private"));
  CT_ASSIGN_OR_FAIL(AccessControlPolicy back, store().GetAcl(bucket_, "obj"));
  EXPECT_FALSE(HasGrant(back, "READ", "", kAllUsersUri)) << DescribeAcl(back);
  CT_ASSERT_OK(store().PutCannedAcl(bucket_, "", "private"));

  EXPECT_EQ(store().PutAcl(bucket_, "missing", policy).code(), StatusCode::kNotFound);
  EXPECT_EQ(store().PutAcl(bucket_ + "-missing", "", policy).code(), StatusCode::kNotFound);
}

// ---------------------------------------------------------------------------
// Thread-safety: the interface promises concurrent calls on one store.

TEST_P(ObjectStoreContractTest, ConcurrentPutsAndGets) {
  constexpr int kThreads = 8, kObjectsPerThread = 6;
  constexpr uint64_t kSize = 100 * kKiB;
  std::atomic<int> failures{0};
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kObjectsPerThread; ++i) {
        uint64_t seed = 1000 + t * 100 + i;
        std::string key = "conc/" + std::to_string(t) + "/" + std::to_string(i);
        PatternSource source(seed, 0, kSize);
        auto put = store().Put(bucket_, key, source);
        if (!put.ok()) {
          errors[t] = "Put " + key + ": " + put.status().ToString();
          ++failures;
          return;
        }
        StreamChecker checker({{seed, 0, kSize}});
        auto got = store().Get(GetRequest{bucket_, key}, checker.Sink());
        if (!got.ok() || !checker.Complete()) {
          errors[t] =
              "Get " + key + ": " +
              (got.ok() ? std::string(checker.Complete().message()) : got.status().ToString());
          ++failures;
          return;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& e : errors) EXPECT_TRUE(e.empty()) << e;
  EXPECT_EQ(failures.load(), 0);
  CT_ASSIGN_OR_FAIL(std::vector<std::string> keys, ListAllKeys(store(), bucket_, "conc/"));
  EXPECT_EQ(keys.size(), static_cast<size_t>(kThreads * kObjectsPerThread));
}

}  // namespace sos::testing
