#include "tests/support/memory_object_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <set>
#include <thread>

#include "s3core/crypto.h"

namespace sos {
namespace {

using std::chrono::seconds;

const TimePoint kT0 = std::chrono::system_clock::from_time_t(1700000000);

std::string QuotedMd5(std::string_view data) { return "\"" + HexEncode(Md5(data)) + "\""; }

class MemoryObjectStoreTest : public ::testing::Test {
 protected:
  MemoryObjectStoreTest() : store_(Options()) {}

  MemoryObjectStoreOptions Options() {
    MemoryObjectStoreOptions o;
    o.clock = [this] { return now_.load(); };
    o.chunk_size = 4;
    return o;
  }

  void SetUp() override { ASSERT_TRUE(store_.CreateBucket("bkt").ok()); }

  Result<PutResult> Put(const std::string& key, std::string_view data,
                        const WriteOptions& options = {}, const std::string& bucket = "bkt") {
    StringViewSource src(data);
    return store_.Put(bucket, key, src, options);
  }

  // GET into a string; *chunks counts sink calls.
  Result<GetResult> Get(const std::string& key, std::string* out,
                        std::optional<ByteRange> range = std::nullopt, Conditions c = {},
                        int* chunks = nullptr) {
    GetRequest req{"bkt", key, range, c};
    out->clear();
    return store_.Get(req, [&](std::string_view chunk) {
      out->append(chunk);
      if (chunks) ++*chunks;
      return Status::Ok();
    });
  }

  std::string Read(const std::string& key) {
    std::string out;
    auto r = Get(key, &out);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return out;
  }

  std::atomic<TimePoint> now_{kT0};
  MemoryObjectStore store_;
};

// ---- Buckets ---------------------------------------------------------------

TEST_F(MemoryObjectStoreTest, BucketLifecycle) {
  Status dup = store_.CreateBucket("bkt");
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(dup.s3_code(), "BucketAlreadyOwnedByYou");
  EXPECT_EQ(store_.CreateBucket("Bad_Name").s3_code(), "InvalidBucketName");
  EXPECT_EQ(store_.CreateBucket("ab").s3_code(), "InvalidBucketName");
  EXPECT_EQ(store_.CreateBucket("a..b").s3_code(), "InvalidBucketName");
  now_ = kT0 + seconds(5);
  ASSERT_TRUE(store_.CreateBucket("another-1.x").ok());
  auto list = store_.ListBuckets();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "another-1.x");
  EXPECT_EQ((*list)[0].creation_date, kT0 + seconds(5));
  EXPECT_EQ((*list)[1].name, "bkt");

  EXPECT_TRUE(store_.HeadBucket("bkt").ok());
  Status missing = store_.HeadBucket("nope");
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.s3_code(), "NoSuchBucket");
  EXPECT_EQ(store_.DeleteBucket("nope").s3_code(), "NoSuchBucket");

  ASSERT_TRUE(Put("k", "v").ok());
  Status not_empty = store_.DeleteBucket("bkt");
  EXPECT_EQ(not_empty.code(), StatusCode::kNotEmpty);
  EXPECT_EQ(not_empty.s3_code(), "BucketNotEmpty");
  ASSERT_TRUE(store_.Delete("bkt", "k").ok());
  EXPECT_TRUE(store_.DeleteBucket("bkt").ok());
  EXPECT_EQ(store_.HeadBucket("bkt").code(), StatusCode::kNotFound);
}

// ---- Put / Get / Head ------------------------------------------------------

TEST_F(MemoryObjectStoreTest, PutGetHeadRoundTrip) {
  WriteOptions o;
  o.content_type = "text/plain";
  o.cache_control = "no-cache";
  o.user_meta = {{"Mode", "0644"}, {"uid", "1000"}};
  auto put = Put("dir/hello.txt", "hello", o);
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->etag, "\"5d41402abc4b2a76b9719d911017c592\"");  // md5("hello")

  auto head = store_.Head("bkt", "dir/hello.txt");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->key, "dir/hello.txt");
  EXPECT_EQ(head->size, 5u);
  EXPECT_EQ(head->etag, put->etag);
  EXPECT_EQ(head->content_type, "text/plain");
  EXPECT_EQ(head->cache_control, "no-cache");
  EXPECT_EQ(head->last_modified, kT0);
  EXPECT_EQ(head->storage_class, "STANDARD");
  // x-amz-meta-* names are lower-cased, as S3 does.
  EXPECT_EQ(head->user_meta,
            (std::map<std::string, std::string>{{"mode", "0644"}, {"uid", "1000"}}));

  std::string body;
  int chunks = 0;
  auto get = Get("dir/hello.txt", &body, std::nullopt, {}, &chunks);
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(body, "hello");
  EXPECT_EQ(chunks, 2) << "4-byte chunks";
  EXPECT_EQ(get->first_byte, 0u);
  EXPECT_EQ(get->length, 5u);
  EXPECT_EQ(get->meta.etag, put->etag);

  // Overwrite; default Content-Type is S3's.
  now_ = kT0 + seconds(10);
  ASSERT_TRUE(Put("dir/hello.txt", "bye").ok());
  auto head2 = store_.Head("bkt", "dir/hello.txt");
  ASSERT_TRUE(head2.ok());
  EXPECT_EQ(head2->content_type, "binary/octet-stream");
  EXPECT_TRUE(head2->user_meta.empty());
  EXPECT_EQ(head2->last_modified, kT0 + seconds(10));
  EXPECT_EQ(Read("dir/hello.txt"), "bye");
}

TEST_F(MemoryObjectStoreTest, LastModifiedHasWholeSeconds) {
  now_ = kT0 + std::chrono::milliseconds(1999);
  ASSERT_TRUE(Put("k", "v").ok());
  EXPECT_EQ(store_.Head("bkt", "k")->last_modified, kT0 + seconds(1));
}

TEST_F(MemoryObjectStoreTest, MissingThingsAndBadKeys) {
  std::string body;
  auto no_key = Get("nope", &body);
  EXPECT_EQ(no_key.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(no_key.status().s3_code(), "NoSuchKey");
  EXPECT_EQ(store_.Head("bkt", "nope").status().s3_code(), "NoSuchKey");
  EXPECT_EQ(store_.Head("nobkt", "k").status().s3_code(), "NoSuchBucket");
  EXPECT_EQ(Put("k", "v", {}, "nobkt").status().s3_code(), "NoSuchBucket");
  EXPECT_EQ(Put("", "v").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Put(std::string(1025, 'k'), "v").status().s3_code(), "KeyTooLongError");
  EXPECT_TRUE(Put(std::string(1024, 'k'), "v").ok());
}

TEST_F(MemoryObjectStoreTest, SinkErrorAbortsGet) {
  ASSERT_TRUE(Put("k", "0123456789").ok());
  int calls = 0;
  auto r = store_.Get({"bkt", "k", std::nullopt, {}}, [&](std::string_view) {
    return ++calls == 2 ? Status::IOError("disk full") : Status::Ok();
  });
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);
  EXPECT_EQ(calls, 2);
}

class ShortSource : public BodySource {
 public:
  Result<size_t> Read(char* buf, size_t n) override {
    if (done_) return size_t{0};
    done_ = true;
    buf[0] = 'x';
    (void)n;
    return size_t{1};
  }
  std::optional<uint64_t> Size() const override { return 10; }  // lies
  bool Rewind() override { return false; }

 private:
  bool done_ = false;
};

class FailingSource : public BodySource {
 public:
  Result<size_t> Read(char*, size_t) override { return Status::IOError("read failed"); }
  std::optional<uint64_t> Size() const override { return std::nullopt; }
  bool Rewind() override { return false; }
};

TEST_F(MemoryObjectStoreTest, BrokenBodiesStoreNothing) {
  ShortSource short_body;
  auto r = store_.Put("bkt", "k", short_body);
  EXPECT_EQ(r.status().s3_code(), "IncompleteBody");
  FailingSource failing;
  EXPECT_EQ(store_.Put("bkt", "k", failing).status().code(), StatusCode::kIOError);
  EXPECT_EQ(store_.ObjectCount("bkt"), 0u);
}

// ---- Ranges ----------------------------------------------------------------

TEST_F(MemoryObjectStoreTest, Ranges) {
  ASSERT_TRUE(Put("k", "0123456789").ok());
  struct Case {
    ByteRange range;
    std::string body;
    uint64_t first;
  };
  const Case cases[] = {
      {ByteRange::Closed(2, 4), "234", 2},
      {ByteRange::Closed(7, 100), "789", 7},
      {ByteRange::Closed(9, 9), "9", 9},
      {ByteRange::From(6), "6789", 6},
      {ByteRange::From(0), "0123456789", 0},
      {ByteRange::Suffix(3), "789", 7},
      {ByteRange::Suffix(50), "0123456789", 0},
      {ByteRange::Closed(5, 3), "0123456789", 0},  // invalid: ignored, like S3
  };
  for (const Case& c : cases) {
    std::string body;
    auto r = Get("k", &body, c.range);
    ASSERT_TRUE(r.ok()) << c.range.ToHeader() << ": " << r.status().ToString();
    EXPECT_EQ(body, c.body) << c.range.ToHeader();
    EXPECT_EQ(r->first_byte, c.first) << c.range.ToHeader();
    EXPECT_EQ(r->length, c.body.size()) << c.range.ToHeader();
    EXPECT_EQ(r->meta.size, 10u);
  }
  for (ByteRange bad : {ByteRange::From(10), ByteRange::Closed(10, 20), ByteRange::Suffix(0)}) {
    std::string body;
    auto r = Get("k", &body, bad);
    EXPECT_EQ(r.status().code(), StatusCode::kRangeNotSatisfiable) << bad.ToHeader();
    EXPECT_EQ(r.status().s3_code(), "InvalidRange");
    EXPECT_TRUE(body.empty());
  }
  ASSERT_TRUE(Put("empty", "").ok());
  std::string body;
  EXPECT_EQ(Get("empty", &body, ByteRange::From(0)).status().code(),
            StatusCode::kRangeNotSatisfiable);
  auto suffix = Get("empty", &body, ByteRange::Suffix(5));
  ASSERT_TRUE(suffix.ok());
  EXPECT_EQ(suffix->length, 0u);
  auto whole = Get("empty", &body);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->meta.etag, "\"d41d8cd98f00b204e9800998ecf8427e\"");
}

// ---- Conditional reads -----------------------------------------------------

TEST_F(MemoryObjectStoreTest, ConditionalGetAndHead) {
  auto put = Put("k", "data");
  ASSERT_TRUE(put.ok());
  const std::string etag = put->etag;
  now_ = kT0 + seconds(100);
  auto get = [&](Conditions c) {
    std::string body;
    return Get("k", &body, std::nullopt, c).status();
  };
  auto cond = [](auto setter) {
    Conditions c;
    setter(c);
    return c;
  };
  EXPECT_TRUE(get(cond([&](Conditions& c) { c.if_match = etag; })).ok());
  EXPECT_TRUE(get(cond([&](Conditions& c) { c.if_match = etag.substr(1, 32); })).ok())
      << "unquoted ETag";
  EXPECT_TRUE(get(cond([&](Conditions& c) { c.if_match = "\"other\", " + etag; })).ok());
  EXPECT_TRUE(get(cond([&](Conditions& c) { c.if_match = "*"; })).ok());
  EXPECT_EQ(get(cond([&](Conditions& c) { c.if_match = "\"other\""; })).code(),
            StatusCode::kPreconditionFailed);
  EXPECT_EQ(get(cond([&](Conditions& c) { c.if_none_match = etag; })).code(),
            StatusCode::kNotModified);
  EXPECT_EQ(get(cond([&](Conditions& c) { c.if_none_match = "*"; })).code(),
            StatusCode::kNotModified);
  EXPECT_TRUE(get(cond([&](Conditions& c) { c.if_none_match = "\"other\""; })).ok());

  EXPECT_TRUE(get(cond([&](Conditions& c) { c.if_modified_since = kT0 - seconds(1); })).ok());
  EXPECT_EQ(get(cond([&](Conditions& c) { c.if_modified_since = kT0; })).code(),
            StatusCode::kNotModified);
  EXPECT_EQ(get(cond([&](Conditions& c) { c.if_modified_since = kT0 + seconds(50); })).code(),
            StatusCode::kNotModified);
  // A date in the future is ignored (RFC 9110).
  EXPECT_TRUE(get(cond([&](Conditions& c) { c.if_modified_since = kT0 + seconds(500); })).ok());
  EXPECT_TRUE(get(cond([&](Conditions& c) { c.if_unmodified_since = kT0; })).ok());
  EXPECT_EQ(get(cond([&](Conditions& c) { c.if_unmodified_since = kT0 - seconds(1); })).code(),
            StatusCode::kPreconditionFailed);

  // S3's documented precedence: If-Match true wins over If-Unmodified-Since
  // false; If-None-Match (not matching) wins over If-Modified-Since.
  EXPECT_TRUE(get(cond([&](Conditions& c) {
                c.if_match = etag;
                c.if_unmodified_since = kT0 - seconds(1);
              })).ok());
  EXPECT_TRUE(get(cond([&](Conditions& c) {
                c.if_none_match = "\"other\"";
                c.if_modified_since = kT0 + seconds(1);
              })).ok());
  EXPECT_EQ(get(cond([&](Conditions& c) {
              c.if_none_match = etag;
              c.if_modified_since = kT0 - seconds(1);
            })).code(),
            StatusCode::kNotModified);
  // 412 is checked before 304.
  EXPECT_EQ(get(cond([&](Conditions& c) {
              c.if_match = "\"other\"";
              c.if_none_match = etag;
            })).code(),
            StatusCode::kPreconditionFailed);

  Conditions c;
  c.if_none_match = etag;
  EXPECT_EQ(store_.Head("bkt", "k", c).status().code(), StatusCode::kNotModified);
  c = {};
  c.if_match = "\"nope\"";
  EXPECT_EQ(store_.Head("bkt", "k", c).status().code(), StatusCode::kPreconditionFailed);
}

// ---- Conditional writes ----------------------------------------------------

TEST_F(MemoryObjectStoreTest, ConditionalPut) {
  WriteOptions create;
  create.conditions.if_none_match = "*";
  auto first = Put("k", "one", create);
  ASSERT_TRUE(first.ok());
  auto again = Put("k", "two", create);
  EXPECT_EQ(again.status().code(), StatusCode::kPreconditionFailed);
  EXPECT_EQ(again.status().s3_code(), "PreconditionFailed");
  EXPECT_EQ(Read("k"), "one");

  WriteOptions swap;
  swap.conditions.if_match = "\"0000\"";
  EXPECT_EQ(Put("k", "three", swap).status().code(), StatusCode::kPreconditionFailed);
  swap.conditions.if_match = first->etag;
  ASSERT_TRUE(Put("k", "three", swap).ok());
  EXPECT_EQ(Read("k"), "three");
  // The old ETag no longer matches.
  EXPECT_EQ(Put("k", "four", swap).status().code(), StatusCode::kPreconditionFailed);
  // If-Match on a missing key is 404, as in S3.
  EXPECT_EQ(Put("absent", "x", swap).status().s3_code(), "NoSuchKey");

  WriteOptions unsupported;
  unsupported.conditions.if_none_match = first->etag;
  EXPECT_EQ(Put("k", "x", unsupported).status().code(), StatusCode::kNotSupported);
}

TEST_F(MemoryObjectStoreTest, IfNoneMatchStarIsAtomicAcrossThreads) {
  constexpr int kThreads = 16;
  std::atomic<int> won{0};
  std::atomic<int> lost{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      std::string data = "writer-" + std::to_string(i) + std::string(10000, 'x');
      StringViewSource src(data);
      WriteOptions o;
      o.conditions.if_none_match = "*";
      auto r = store_.Put("bkt", "lock", src, o);
      if (r.ok()) {
        ++won;
      } else if (r.status().code() == StatusCode::kPreconditionFailed) {
        ++lost;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), kThreads - 1);
}

// ---- Copy ------------------------------------------------------------------

TEST_F(MemoryObjectStoreTest, CopyDirectives) {
  WriteOptions o;
  o.content_type = "text/x-src";
  o.user_meta = {{"a", "1"}};
  o.canned_acl = "public-read";
  auto put = Put("src", "payload", o);
  ASSERT_TRUE(put.ok());
  now_ = kT0 + seconds(30);

  CopyRequest copy{"bkt", "src", "bkt", "dst", false, {}, {}};
  auto c = store_.Copy(copy);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->etag, put->etag);
  EXPECT_EQ(c->last_modified, kT0 + seconds(30));
  auto dst = store_.Head("bkt", "dst");
  ASSERT_TRUE(dst.ok());
  EXPECT_EQ(dst->content_type, "text/x-src");
  EXPECT_EQ(dst->user_meta.at("a"), "1");
  EXPECT_EQ(Read("dst"), "payload");
  // ACLs are not copied: the copy is private.
  EXPECT_EQ(store_.GetAcl("bkt", "dst")->grants.size(), 1u);

  CopyRequest replace{"bkt", "src", "bkt", "dst2", true, {}, {}};
  replace.options.content_type = "text/x-new";
  replace.options.user_meta = {{"b", "2"}};
  ASSERT_TRUE(store_.Copy(replace).ok());
  auto dst2 = store_.Head("bkt", "dst2");
  EXPECT_EQ(dst2->content_type, "text/x-new");
  EXPECT_EQ(dst2->user_meta, (std::map<std::string, std::string>{{"b", "2"}}));

  // Copy onto itself needs REPLACE.
  CopyRequest self{"bkt", "src", "bkt", "src", false, {}, {}};
  EXPECT_EQ(store_.Copy(self).status().s3_code(), "InvalidRequest");
  self.replace_metadata = true;
  self.options.user_meta = {{"c", "3"}};
  ASSERT_TRUE(store_.Copy(self).ok());
  EXPECT_EQ(store_.Head("bkt", "src")->user_meta.at("c"), "3");

  CopyRequest missing{"bkt", "nope", "bkt", "x", false, {}, {}};
  EXPECT_EQ(store_.Copy(missing).status().s3_code(), "NoSuchKey");
  CopyRequest no_dst_bucket{"bkt", "src", "nobkt", "x", false, {}, {}};
  EXPECT_EQ(store_.Copy(no_dst_bucket).status().s3_code(), "NoSuchBucket");
}

TEST_F(MemoryObjectStoreTest, CopySourceAndDestinationConditions) {
  auto put = Put("src", "payload");
  ASSERT_TRUE(put.ok());
  CopyRequest copy{"bkt", "src", "bkt", "dst", false, {}, {}};
  copy.source_conditions.if_match = "\"nope\"";
  EXPECT_EQ(store_.Copy(copy).status().code(), StatusCode::kPreconditionFailed);
  copy.source_conditions = {};
  // A copy source that "was not modified" is 412, never 304.
  copy.source_conditions.if_none_match = put->etag;
  EXPECT_EQ(store_.Copy(copy).status().code(), StatusCode::kPreconditionFailed);
  copy.source_conditions = {};
  copy.source_conditions.if_modified_since = kT0;
  EXPECT_EQ(store_.Copy(copy).status().code(), StatusCode::kPreconditionFailed);
  copy.source_conditions = {};
  copy.source_conditions.if_match = put->etag;
  ASSERT_TRUE(store_.Copy(copy).ok());
  EXPECT_EQ(store_.ObjectCount("bkt"), 2u);
  // Destination If-None-Match: * now fails: dst exists.
  copy.options.conditions.if_none_match = "*";
  EXPECT_EQ(store_.Copy(copy).status().code(), StatusCode::kPreconditionFailed);
}

// ---- Delete ----------------------------------------------------------------

TEST_F(MemoryObjectStoreTest, DeleteAndDeleteMany) {
  EXPECT_TRUE(store_.Delete("bkt", "never-existed").ok());
  EXPECT_EQ(store_.Delete("nobkt", "k").s3_code(), "NoSuchBucket");
  for (const char* k : {"a", "b", "c"}) ASSERT_TRUE(Put(k, k).ok());
  auto r = store_.DeleteMany("bkt", {"a", "c", "missing"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->deleted, (std::vector<std::string>{"a", "c", "missing"}));
  EXPECT_TRUE(r->errors.empty());
  EXPECT_EQ(store_.ObjectCount("bkt"), 1u);
  EXPECT_EQ(store_.ObjectData("bkt", "b"), "b");
  EXPECT_FALSE(store_.ObjectData("bkt", "a").has_value());
  EXPECT_EQ(store_.DeleteMany("bkt", {}).status().s3_code(), "MalformedXML");
  EXPECT_EQ(store_.DeleteMany("bkt", std::vector<std::string>(1001, "x")).status().s3_code(),
            "MalformedXML");
  EXPECT_EQ(store_.DeleteMany("nobkt", {"a"}).status().s3_code(), "NoSuchBucket");
}

// ---- List ------------------------------------------------------------------

std::vector<std::string> Keys(const ListResult& r) {
  std::vector<std::string> out;
  for (const auto& m : r.objects) out.push_back(m.key);
  return out;
}

TEST_F(MemoryObjectStoreTest, ListSortsByUtf8Bytes) {
  const std::vector<std::string> keys = {"z", "\xC3\xA9t\xC3\xA9", "a", "B", "\x7F", "a/b", "a-b"};
  for (const auto& k : keys) ASSERT_TRUE(Put(k, "x").ok());
  auto r = store_.List({"bkt"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Keys(*r),
            (std::vector<std::string>{"B", "a", "a-b", "a/b", "z", "\x7F", "\xC3\xA9t\xC3\xA9"}));
  EXPECT_FALSE(r->is_truncated);
  EXPECT_TRUE(r->next_token.empty());
  EXPECT_EQ(r->objects[0].etag, QuotedMd5("x"));
  EXPECT_EQ(r->objects[0].size, 1u);
  EXPECT_EQ(r->objects[0].storage_class, "STANDARD");
}

TEST_F(MemoryObjectStoreTest, ListPrefixAndDelimiter) {
  for (const char* k : {"photos/2006/jan/1.jpg", "photos/2006/feb/2.jpg", "photos/2006/top.jpg",
                        "photos/2007/x.jpg", "photos/", "photos/readme", "photosx", "other"}) {
    ASSERT_TRUE(Put(k, "x").ok());
  }
  ListRequest req{"bkt"};
  req.prefix = "photos/";
  req.delimiter = "/";
  auto r = store_.List(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Keys(*r), (std::vector<std::string>{"photos/", "photos/readme"}));
  EXPECT_EQ(r->common_prefixes, (std::vector<std::string>{"photos/2006/", "photos/2007/"}));

  req.prefix = "photos/2006/";
  r = store_.List(req);
  EXPECT_EQ(Keys(*r), (std::vector<std::string>{"photos/2006/top.jpg"}));
  EXPECT_EQ(r->common_prefixes, (std::vector<std::string>{"photos/2006/feb/", "photos/2006/jan/"}));

  req.prefix = "";
  r = store_.List(req);
  EXPECT_EQ(Keys(*r), (std::vector<std::string>{"other", "photosx"}));
  EXPECT_EQ(r->common_prefixes, (std::vector<std::string>{"photos/"}));

  // Multi-character delimiter.
  req.delimiter = "/20";
  r = store_.List(req);
  EXPECT_EQ(r->common_prefixes, (std::vector<std::string>{"photos/20"}));

  req.prefix = "nothing-here/";
  r = store_.List(req);
  EXPECT_TRUE(r->objects.empty());
  EXPECT_TRUE(r->common_prefixes.empty());
}

// Lists everything page by page; each page is checked against max_keys.
std::pair<std::vector<std::string>, std::vector<std::string>> ListAll(ObjectStore& store,
                                                                      ListRequest req,
                                                                      int* pages = nullptr) {
  std::vector<std::string> keys, prefixes;
  for (int guard = 0; guard < 10000; ++guard) {
    auto r = store.List(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) break;
    EXPECT_LE(static_cast<int>(r->objects.size() + r->common_prefixes.size()), req.max_keys);
    for (const auto& m : r->objects) keys.push_back(m.key);
    for (const auto& p : r->common_prefixes) prefixes.push_back(p);
    if (pages) ++*pages;
    if (!r->is_truncated) break;
    EXPECT_FALSE(r->next_token.empty());
    req.continuation_token = r->next_token;
  }
  return {keys, prefixes};
}

TEST_F(MemoryObjectStoreTest, PaginationV1AndV2) {
  for (const char* k : {"a/1", "a/2", "b", "c/1", "d", "e/x/y", "f"}) ASSERT_TRUE(Put(k, "x").ok());
  for (bool v1 : {false, true}) {
    ListRequest req{"bkt"};
    req.delimiter = "/";
    req.max_keys = 2;
    req.use_v1 = v1;
    int pages = 0;
    auto [keys, prefixes] = ListAll(store_, req, &pages);
    EXPECT_EQ(keys, (std::vector<std::string>{"b", "d", "f"})) << "v1=" << v1;
    EXPECT_EQ(prefixes, (std::vector<std::string>{"a/", "c/", "e/"})) << "v1=" << v1;
    EXPECT_EQ(pages, 3);
  }
  ListRequest req{"bkt"};
  req.delimiter = "/";
  req.max_keys = 1;
  req.use_v1 = true;
  auto first = store_.List(req);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->common_prefixes, std::vector<std::string>{"a/"});
  EXPECT_EQ(first->next_token, "a/") << "v1 NextMarker is the last entry";
  req.use_v1 = false;
  auto v2 = store_.List(req);
  EXPECT_NE(v2->next_token, "a/") << "v2 tokens are opaque";
  req.continuation_token = "not a token";
  EXPECT_EQ(store_.List(req).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(MemoryObjectStoreTest, StartAfterAndMaxKeys) {
  for (int i = 0; i < 1005; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "k%04d", i);
    ASSERT_TRUE(Put(key, "").ok());
  }
  ListRequest req{"bkt"};
  req.max_keys = 5000;  // clamped to 1000
  auto r = store_.List(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->objects.size(), 1000u);
  EXPECT_TRUE(r->is_truncated);
  req.start_after = "k1001";
  r = store_.List(req);
  EXPECT_EQ(Keys(*r), (std::vector<std::string>{"k1002", "k1003", "k1004"}));
  EXPECT_FALSE(r->is_truncated);
  req.start_after = "k0500x";  // need not be a key
  req.max_keys = 2;
  r = store_.List(req);
  EXPECT_EQ(Keys(*r), (std::vector<std::string>{"k0501", "k0502"}));
  req.max_keys = 0;
  r = store_.List(req);
  EXPECT_TRUE(r->objects.empty());
  EXPECT_FALSE(r->is_truncated);
  req.max_keys = -1;
  EXPECT_EQ(store_.List(req).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_.List({"nobkt"}).status().s3_code(), "NoSuchBucket");
}

TEST_F(MemoryObjectStoreTest, ListOwnerAndUserMeta) {
  WriteOptions o;
  o.user_meta = {{"mode", "0755"}};
  ASSERT_TRUE(Put("k", "x", o).ok());
  ListRequest req{"bkt"};
  auto r = store_.List(req);
  EXPECT_FALSE(r->objects[0].owner.has_value()) << "v2 needs fetch-owner";
  EXPECT_TRUE(r->objects[0].user_meta.empty()) << "S3 lists no metadata";
  req.fetch_owner = true;
  req.include_user_meta = true;
  r = store_.List(req);
  ASSERT_TRUE(r->objects[0].owner.has_value());
  EXPECT_EQ(r->objects[0].owner->display_name, "sos");
  EXPECT_EQ(r->objects[0].user_meta.at("mode"), "0755");
  ListRequest v1{"bkt"};
  v1.use_v1 = true;
  EXPECT_TRUE(store_.List(v1)->objects[0].owner.has_value());
}

// Random trees listed with random page sizes must match a brute-force listing.
TEST_F(MemoryObjectStoreTest, PaginationMatchesBruteForce) {
  std::mt19937 rng(42);
  const char* parts[] = {"a", "b", "/", "\xC3\xA9", "-", "~"};
  std::set<std::string> keys;
  while (keys.size() < 300) {
    std::string k;
    int len = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < len; ++i) k += parts[rng() % 6];
    keys.insert(k);
  }
  for (const auto& k : keys) ASSERT_TRUE(Put(k, "").ok());
  for (int trial = 0; trial < 60; ++trial) {
    ListRequest req{"bkt"};
    req.prefix = trial % 3 == 0 ? "" : std::string(parts[rng() % 6]);
    req.delimiter = trial % 2 == 0 ? "/" : (trial % 5 == 0 ? "" : "b");
    req.max_keys = 1 + static_cast<int>(rng() % 7);
    req.use_v1 = trial % 4 == 0;
    std::vector<std::string> want_keys;
    std::set<std::string> want_prefixes;
    for (const auto& k : keys) {
      if (k.compare(0, req.prefix.size(), req.prefix) != 0) continue;
      size_t pos =
          req.delimiter.empty() ? std::string::npos : k.find(req.delimiter, req.prefix.size());
      if (pos == std::string::npos) {
        want_keys.push_back(k);
      } else {
        want_prefixes.insert(k.substr(0, pos + req.delimiter.size()));
      }
    }
    auto [got_keys, got_prefixes] = ListAll(store_, req);
    EXPECT_EQ(got_keys, want_keys) << "trial " << trial;
    EXPECT_EQ(got_prefixes, std::vector<std::string>(want_prefixes.begin(), want_prefixes.end()))
        << "trial " << trial;
  }
}

// ---- Multipart -------------------------------------------------------------

constexpr uint64_t kMiB = 1 << 20;

TEST_F(MemoryObjectStoreTest, MultipartUploadEndToEnd) {
  WriteOptions o;
  o.content_type = "video/mp4";
  o.user_meta = {{"k", "v"}};
  auto id = store_.CreateMultipartUpload("bkt", "big", o);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(store_.UploadCount("bkt"), 1u);
  const std::string p1(5 * kMiB, 'a'), p2(5 * kMiB + 7, 'b'), p3 = "tail";
  std::vector<CompletedPart> parts;
  for (auto [n, data] : {std::pair<int, const std::string*>{1, &p1}, {2, &p2}, {3, &p3}}) {
    StringViewSource src(*data);
    auto etag = store_.UploadPart("bkt", "big", *id, n, src);
    ASSERT_TRUE(etag.ok()) << etag.status().ToString();
    EXPECT_EQ(*etag, QuotedMd5(*data));
    parts.push_back({n, *etag});
  }
  EXPECT_EQ(store_.ObjectCount("bkt"), 0u) << "nothing visible before Complete";
  auto listed = store_.ListParts("bkt", "big", *id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->parts.size(), 3u);
  EXPECT_EQ(listed->parts[1].part_number, 2);
  EXPECT_EQ(listed->parts[1].size, p2.size());
  EXPECT_EQ(listed->parts[1].etag, parts[1].etag);

  auto done = store_.CompleteMultipartUpload("bkt", "big", *id, parts);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  std::string md5s = Md5(p1) + Md5(p2) + Md5(p3);
  EXPECT_EQ(done->etag, "\"" + HexEncode(Md5(md5s)) + "-3\"");
  EXPECT_EQ(store_.ObjectData("bkt", "big"), p1 + p2 + p3);
  auto head = store_.Head("bkt", "big");
  EXPECT_EQ(head->content_type, "video/mp4");
  EXPECT_EQ(head->user_meta.at("k"), "v");
  EXPECT_EQ(head->size, p1.size() + p2.size() + p3.size());
  EXPECT_EQ(store_.UploadCount(), 0u);
  EXPECT_EQ(store_.ListParts("bkt", "big", *id).status().s3_code(), "NoSuchUpload");

  // Copying a multipart object yields a single-part ETag.
  CopyRequest copy{"bkt", "big", "bkt", "copy", false, {}, {}};
  auto c = store_.Copy(copy);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->etag, QuotedMd5(p1 + p2 + p3));
}

TEST_F(MemoryObjectStoreTest, CompleteValidatesParts) {
  auto id = store_.CreateMultipartUpload("bkt", "k");
  ASSERT_TRUE(id.ok());
  const std::string big(5 * kMiB, 'x');
  std::vector<CompletedPart> parts;
  for (int n : {1, 2, 3}) {
    StringViewSource src(n == 2 ? std::string_view("small") : std::string_view(big));
    parts.push_back({n, *store_.UploadPart("bkt", "k", *id, n, src)});
  }
  auto complete = [&](std::vector<CompletedPart> p) {
    return store_.CompleteMultipartUpload("bkt", "k", *id, p).status();
  };
  EXPECT_EQ(complete({parts[1], parts[0]}).s3_code(), "InvalidPartOrder");
  EXPECT_EQ(complete({parts[0], parts[0]}).s3_code(), "InvalidPartOrder");
  EXPECT_EQ(complete({parts[0], {4, parts[2].etag}}).s3_code(), "InvalidPart");
  EXPECT_EQ(complete({parts[0], {3, "\"ffff\""}}).s3_code(), "InvalidPart");
  EXPECT_EQ(complete({parts[1], parts[2]}).s3_code(), "EntityTooSmall");
  EXPECT_EQ(complete({}).s3_code(), "MalformedXML");
  EXPECT_EQ(store_.CompleteMultipartUpload("bkt", "k", "bogus", parts).status().s3_code(),
            "NoSuchUpload");
  EXPECT_EQ(store_.CompleteMultipartUpload("bkt", "other", *id, parts).status().s3_code(),
            "NoSuchUpload");
  EXPECT_EQ(store_.UploadCount("bkt"), 1u) << "failed completes keep the upload";
  // A small part is fine last; parts may be skipped; unquoted ETags match.
  std::string bare = parts[1].etag.substr(1, parts[1].etag.size() - 2);
  auto ok = store_.CompleteMultipartUpload("bkt", "k", *id, {parts[0], {2, bare}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(store_.ObjectData("bkt", "k"), big + "small");
  EXPECT_NE(ok->etag.find("-2\""), std::string::npos);
}

TEST_F(MemoryObjectStoreTest, UploadPartRules) {
  auto id = store_.CreateMultipartUpload("bkt", "k");
  ASSERT_TRUE(id.ok());
  StringViewSource src("abc");
  EXPECT_EQ(store_.UploadPart("bkt", "k", *id, 0, src).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_.UploadPart("bkt", "k", *id, 10001, src).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_.UploadPart("bkt", "k", "bogus", 1, src).status().s3_code(), "NoSuchUpload");
  EXPECT_EQ(store_.UploadPart("bkt", "k2", *id, 1, src).status().s3_code(), "NoSuchUpload");
  EXPECT_EQ(store_.UploadPart("nobkt", "k", *id, 1, src).status().s3_code(), "NoSuchBucket");
  ASSERT_TRUE(store_.UploadPart("bkt", "k", *id, 10000, src).ok());
  // Re-uploading a part number replaces it.
  StringViewSource other("defg");
  auto e = store_.UploadPart("bkt", "k", *id, 10000, other);
  auto parts = store_.ListParts("bkt", "k", *id);
  ASSERT_EQ(parts->parts.size(), 1u);
  EXPECT_EQ(parts->parts[0].size, 4u);
  EXPECT_EQ(parts->parts[0].etag, *e);
}

TEST_F(MemoryObjectStoreTest, UploadPartCopy) {
  ASSERT_TRUE(Put("src", "0123456789").ok());
  auto id = store_.CreateMultipartUpload("bkt", "dst");
  ASSERT_TRUE(id.ok());
  auto whole = store_.UploadPartCopy("bkt", "dst", *id, 1, "bkt", "src", std::nullopt);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, QuotedMd5("0123456789"));
  auto ranged = store_.UploadPartCopy("bkt", "dst", *id, 2, "bkt", "src", ByteRange::Closed(2, 4));
  ASSERT_TRUE(ranged.ok());
  EXPECT_EQ(*ranged, QuotedMd5("234"));
  EXPECT_EQ(
      store_.UploadPartCopy("bkt", "dst", *id, 3, "bkt", "src", ByteRange::From(2)).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(store_.UploadPartCopy("bkt", "dst", *id, 3, "bkt", "src", ByteRange::Closed(5, 10))
                .status()
                .s3_code(),
            "InvalidRange");
  EXPECT_EQ(
      store_.UploadPartCopy("bkt", "dst", *id, 3, "bkt", "nope", std::nullopt).status().s3_code(),
      "NoSuchKey");
  MemoryObjectStoreOptions small = Options();
  small.min_part_size = 1;
  MemoryObjectStore relaxed(small);
  ASSERT_TRUE(relaxed.CreateBucket("rb1").ok());
  StringViewSource data("0123456789");
  ASSERT_TRUE(relaxed.Put("rb1", "src", data).ok());
  auto rid = relaxed.CreateMultipartUpload("rb1", "dst");
  auto e1 = relaxed.UploadPartCopy("rb1", "dst", *rid, 1, "rb1", "src", ByteRange::Closed(5, 9));
  auto e2 = relaxed.UploadPartCopy("rb1", "dst", *rid, 2, "rb1", "src", ByteRange::Closed(0, 4));
  ASSERT_TRUE(relaxed.CompleteMultipartUpload("rb1", "dst", *rid, {{1, *e1}, {2, *e2}}).ok());
  EXPECT_EQ(relaxed.ObjectData("rb1", "dst"), "5678901234");
}

TEST_F(MemoryObjectStoreTest, ConditionalCompleteAbortAndListUploads) {
  ASSERT_TRUE(Put("exists", "old").ok());
  auto id = store_.CreateMultipartUpload("bkt", "exists");
  StringViewSource src("new");
  auto e = store_.UploadPart("bkt", "exists", *id, 1, src);
  Conditions create_only;
  create_only.if_none_match = "*";
  EXPECT_EQ(
      store_.CompleteMultipartUpload("bkt", "exists", *id, {{1, *e}}, create_only).status().code(),
      StatusCode::kPreconditionFailed);
  EXPECT_EQ(store_.ObjectData("bkt", "exists"), "old");
  Conditions swap;
  swap.if_match = QuotedMd5("old");
  ASSERT_TRUE(store_.CompleteMultipartUpload("bkt", "exists", *id, {{1, *e}}, swap).ok());
  EXPECT_EQ(store_.ObjectData("bkt", "exists"), "new");

  now_ = kT0 + seconds(1);
  auto b1 = store_.CreateMultipartUpload("bkt", "p/b");
  now_ = kT0 + seconds(2);
  auto a1 = store_.CreateMultipartUpload("bkt", "p/a");
  now_ = kT0 + seconds(3);
  auto b2 = store_.CreateMultipartUpload("bkt", "p/b");
  auto q = store_.CreateMultipartUpload("bkt", "q");
  ASSERT_TRUE(b1.ok() && a1.ok() && b2.ok() && q.ok());
  EXPECT_NE(*b1, *b2);
  auto uploads = store_.ListMultipartUploads("bkt", "p/");
  ASSERT_TRUE(uploads.ok());
  ASSERT_EQ(uploads->uploads.size(), 3u);
  EXPECT_EQ(uploads->uploads[0].key, "p/a");
  EXPECT_EQ(uploads->uploads[1].upload_id, *b1);
  EXPECT_EQ(uploads->uploads[2].upload_id, *b2);
  EXPECT_EQ(uploads->uploads[2].initiated, kT0 + seconds(3));
  EXPECT_EQ(store_.ListMultipartUploads("bkt")->uploads.size(), 4u);

  EXPECT_EQ(store_.AbortMultipartUpload("bkt", "p/a", *b1).s3_code(), "NoSuchUpload");
  ASSERT_TRUE(store_.AbortMultipartUpload("bkt", "p/b", *b1).ok());
  EXPECT_EQ(store_.AbortMultipartUpload("bkt", "p/b", *b1).s3_code(), "NoSuchUpload");
  StringViewSource late("x");
  EXPECT_EQ(store_.UploadPart("bkt", "p/b", *b1, 1, late).status().s3_code(), "NoSuchUpload");
  EXPECT_EQ(store_.UploadCount("bkt"), 3u);
}

// ---- ACLs ------------------------------------------------------------------

TEST_F(MemoryObjectStoreTest, CannedAcls) {
  ASSERT_TRUE(store_.CreateBucket("pub", "public-read").ok());
  auto bucket_acl = store_.GetAcl("pub", "");
  ASSERT_TRUE(bucket_acl.ok());
  EXPECT_EQ(bucket_acl->owner.display_name, "sos");
  ASSERT_EQ(bucket_acl->grants.size(), 2u);
  EXPECT_EQ(bucket_acl->grants[0].grantee.type, Grantee::Type::kCanonicalUser);
  EXPECT_EQ(bucket_acl->grants[0].grantee.id, bucket_acl->owner.id);
  EXPECT_EQ(bucket_acl->grants[0].permission, "FULL_CONTROL");
  EXPECT_EQ(bucket_acl->grants[1].grantee.uri, kAllUsersUri);
  EXPECT_EQ(bucket_acl->grants[1].permission, "READ");

  ASSERT_TRUE(Put("k", "v").ok());
  auto private_acl = store_.GetAcl("bkt", "k");
  ASSERT_EQ(private_acl->grants.size(), 1u);
  ASSERT_TRUE(store_.PutCannedAcl("bkt", "k", "public-read-write").ok());
  auto rw = store_.GetAcl("bkt", "k");
  ASSERT_EQ(rw->grants.size(), 3u);
  EXPECT_EQ(rw->grants[2].permission, "WRITE");
  ASSERT_TRUE(store_.PutCannedAcl("bkt", "k", "authenticated-read").ok());
  EXPECT_EQ(store_.GetAcl("bkt", "k")->grants[1].grantee.uri, kAuthenticatedUsersUri);
  ASSERT_TRUE(store_.PutCannedAcl("bkt", "", "private").ok());
  EXPECT_EQ(store_.GetAcl("bkt", "")->grants.size(), 1u);

  EXPECT_EQ(store_.PutCannedAcl("bkt", "k", "world-writable").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_.CreateBucket("bad-acl", "everyone").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_.GetAcl("bkt", "missing").status().s3_code(), "NoSuchKey");
  EXPECT_EQ(store_.GetAcl("nobkt", "").status().s3_code(), "NoSuchBucket");
  WriteOptions o;
  o.canned_acl = "public-read";
  ASSERT_TRUE(Put("pub-obj", "v", o).ok());
  EXPECT_EQ(store_.GetAcl("bkt", "pub-obj")->grants.size(), 2u);
}

// ---- Concurrency -----------------------------------------------------------

TEST_F(MemoryObjectStoreTest, ConcurrentWritersReadersAndListers) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
        std::string data = key + std::string(i, '.');
        StringViewSource src(data);
        if (!store_.Put("bkt", key, src).ok()) ++errors;
        std::string back;
        if (!store_.Get({"bkt", key, std::nullopt, {}}, AppendTo(&back)).ok() || back != data) {
          ++errors;
        }
        ListRequest req{"bkt"};
        req.delimiter = "/";
        if (!store_.List(req).ok()) ++errors;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(store_.ObjectCount("bkt"), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(store_.ObjectCount(), static_cast<size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace sos
