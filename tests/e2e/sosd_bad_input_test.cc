// Bad input against the real sosd, over raw HTTP: the curl command line for
// unsigned, pre-signed and hand-signed requests (so status, headers and XML
// body are seen exactly as sent), a raw socket for bodies cut short, and
// s3core's signing client for signed requests with hostile content. Each case
// checks the S3 error code and HTTP status, and that nothing changed: the
// object is absent or unchanged through the API, and the data directory (all
// but LMDB's own files) lists the same files with the same sizes.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "s3core/crypto.h"
#include "s3core/client/curl_object_store.h"
#include "s3core/client/s3_http_client.h"
#include "s3core/sigv4.h"
#include "s3core/time_format.h"
#include "s3core/uri.h"
#include "s3core/xml_codec.h"
#include "tests/e2e/sosd_environment.h"

namespace sos::testing {
namespace {

constexpr const char* kCurl = "/usr/bin/curl";

struct HttpReply {
  int status = 0;
  std::string headers;  // raw header block
  std::string body;
  std::string Code() const {
    auto e = DecodeError(body);
    return e.ok() ? e->code : "";
  }
};

// curl -i: splits the status line, headers and body.
HttpReply CurlRaw(std::vector<std::string> args) {
  std::vector<std::string> argv = {kCurl, "-s", "-i", "--max-time", "30"};
  argv.insert(argv.end(), args.begin(), args.end());
  ProgramResult r = RunProgram(argv, {"PATH=/usr/bin:/bin"}, std::chrono::seconds(60));
  HttpReply reply;
  size_t end = r.output.find("\r\n\r\n");
  if (r.exit_code != 0 || end == std::string::npos) {
    reply.body = r.output;
    return reply;
  }
  reply.headers = r.output.substr(0, end);
  reply.body = r.output.substr(end + 4);
  if (reply.headers.size() > 12) reply.status = std::atoi(reply.headers.c_str() + 9);
  return reply;
}

// Every file and directory under the data directory with its size, except
// LMDB's own files (their pages and reader table change on every read).
using DiskState = std::map<std::string, int64_t>;
DiskState ReadDiskState(const std::string& root) {
  namespace fs = std::filesystem;
  DiskState state;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const std::string rel = fs::relative(it->path(), root).string();
    if (it->path().extension() == ".mdb") continue;
    std::error_code size_ec;
    state[rel] = it->is_regular_file() ? static_cast<int64_t>(it->file_size(size_ec)) : -1;
  }
  return state;
}

// Sends `bytes` on a fresh connection to sosd, half-closes (the server sees
// the end of the stream), and returns what came back within 10 s.
std::string RawExchange(const std::string& bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(Sosd().port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    for (size_t sent = 0; sent < bytes.size();) {
      ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) reply.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return reply;
}

class SosdBadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kCurl, X_OK) != 0) GTEST_SKIP() << kCurl << " not installed";
    options_.endpoint = Sosd().endpoint();
    options_.credentials = {Sosd().access_key(), Sosd().secret_key(), ""};
    options_.max_retries = 0;
    client_ = std::make_unique<S3HttpClient>(options_);
    store_ = std::make_unique<CurlObjectStore>(options_);
    bucket_ = "bad-input-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++);
    ASSERT_TRUE(store_->CreateBucket(bucket_).ok());
  }
  void TearDown() override {
    if (!store_) return;
    auto list = store_->List(ListRequest{.bucket = bucket_});
    if (list.ok()) {
      for (const auto& o : list->objects) (void)store_->Delete(bucket_, o.key);
    }
    auto uploads = store_->ListMultipartUploads(bucket_);
    if (uploads.ok()) {
      for (const auto& u : uploads->uploads) {
        (void)store_->AbortMultipartUpload(bucket_, u.key, u.upload_id);
      }
    }
    (void)store_->DeleteBucket(bucket_);
  }

  Status PutString(const std::string& key, const std::string& data) {
    StringViewSource source(data);
    return store_->Put(bucket_, key, source).status();
  }
  Result<std::string> GetString(const std::string& key) {
    std::string out;
    auto got = store_->Get(GetRequest{bucket_, key}, AppendTo(&out));
    if (!got.ok()) return got.status();
    return out;
  }
  // A pre-signed GET URL for bucket/key, valid for 5 minutes.
  std::string Presign(const std::string& key) {
    std::string path = "/" + bucket_ + "/" + UriEncode(key, false);
    SigningRequest req{"GET",
                       path,
                       {},
                       {{"host", "127.0.0.1:" + std::to_string(Sosd().port())}},
                       std::string(kUnsignedPayload)};
    auto query = PresignV4(req, options_.credentials, "us-east-1", "s3",
                           std::chrono::system_clock::now(), 300);
    EXPECT_TRUE(query.ok());
    return Sosd().endpoint() + path + "?" + query.value();
  }

  // `headers` plus the SigV4 ones (host, x-amz-date, authorization, ...) for
  // METHOD on `wire_path` (path?query exactly as sent), signed at `when`,
  // with UNSIGNED-PAYLOAD.
  HeaderList SignWire(const std::string& method, const std::string& wire_path, HeaderList headers,
                      TimePoint when = std::chrono::system_clock::now()) {
    headers.emplace_back("host", "127.0.0.1:" + std::to_string(Sosd().port()));
    auto [path, raw_query] = SplitTarget(wire_path);
    SigningRequest req{method, std::string(path), ParseQuery(raw_query).value_or(QueryList{}),
                       headers, std::string(kUnsignedPayload)};
    for (auto& h : SignV4(req, options_.credentials, "us-east-1", "s3", when)) {
      headers.push_back(std::move(h));
    }
    return headers;
  }
  // The same as curl arguments; the path is sent verbatim (--path-as-is).
  std::vector<std::string> SignedCurl(const std::string& method, const std::string& wire_path,
                                      HeaderList headers = {},
                                      TimePoint when = std::chrono::system_clock::now()) {
    std::vector<std::string> args = {"--path-as-is", "-X", method};
    for (const auto& [name, value] : SignWire(method, wire_path, std::move(headers), when)) {
      if (name != "host") args.insert(args.end(), {"-H", name + ": " + value});
    }
    args.push_back(Sosd().endpoint() + wire_path);
    return args;
  }
  std::vector<std::string> SignedCurl(const std::string& method, const std::string& wire_path,
                                      const std::string& body, HeaderList headers = {},
                                      TimePoint when = std::chrono::system_clock::now()) {
    auto args = SignedCurl(method, wire_path, std::move(headers), when);
    args.insert(args.begin(), {"--data-binary", body});
    return args;
  }
  std::string KeyPath(const std::string& key) {
    return "/" + bucket_ + "/" + UriEncode(key, false);
  }

  // The data directory as it is now; ExpectDiskUnchanged compares against it,
  // waiting (bounded) for a request the server may still be finishing.
  DiskState Disk() { return ReadDiskState(Sosd().data_dir()); }
  void ExpectDiskUnchanged(const DiskState& before) {
    DiskState now = Disk();
    for (int i = 0; i < 100 && now != before; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      now = Disk();
    }
    std::string diff;
    for (const auto& [path, size] : now) {
      auto it = before.find(path);
      if (it == before.end())
        diff += "\n  new: " + path + " " + std::to_string(size);
      else if (it->second != size)
        diff += "\n  changed: " + path + " " + std::to_string(size);
    }
    for (const auto& [path, size] : before) {
      if (!now.count(path)) diff += "\n  gone: " + path;
    }
    EXPECT_TRUE(diff.empty()) << "the data directory changed:" << diff;
  }
  void ExpectAbsent(const std::string& key) {
    EXPECT_EQ(GetString(key).status().code(), StatusCode::kNotFound) << key.substr(0, 80);
  }

  static inline int counter_ = 0;
  S3ClientOptions options_;
  std::unique_ptr<S3HttpClient> client_;
  std::unique_ptr<CurlObjectStore> store_;
  std::string bucket_;
};

TEST_F(SosdBadInputTest, UnsignedRequestToPrivateBucketIsAccessDenied) {
  ASSERT_TRUE(PutString("private.txt", "not for you").ok());
  for (const std::string& path :
       {"/" + bucket_ + "/private.txt", "/" + bucket_, std::string("/")}) {
    SCOPED_TRACE(path);
    HttpReply r = CurlRaw({Sosd().endpoint() + path});
    EXPECT_EQ(r.status, 403) << r.headers << "\n" << r.body;
    EXPECT_EQ(r.Code(), "AccessDenied") << r.body;
    EXPECT_NE(r.headers.find("x-amz-request-id: "), std::string::npos) << r.headers;
    EXPECT_NE(r.headers.find("Content-Type: application/xml"), std::string::npos) << r.headers;
  }
  // PUT too, and nothing is written.
  HttpReply put = CurlRaw({"-X", "PUT", "--data-binary", "overwritten",
                           Sosd().endpoint() + "/" + bucket_ + "/private.txt"});
  EXPECT_EQ(put.status, 403);
  EXPECT_EQ(put.Code(), "AccessDenied");
  EXPECT_EQ(GetString("private.txt").value(), "not for you");
}

TEST_F(SosdBadInputTest, WrongSignatureIsSignatureDoesNotMatch) {
  S3ClientOptions wrong = options_;
  wrong.credentials.secret_access_key = "definitely-not-the-secret";
  S3HttpClient client(wrong);
  auto r = client.Execute(S3Request{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().s3_code(), "SignatureDoesNotMatch") << r.status().ToString();
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);

  S3ClientOptions unknown = options_;
  unknown.credentials.access_key_id = "NOSUCHACCESSKEY00000";
  auto u = S3HttpClient(unknown).Execute(S3Request{});
  EXPECT_EQ(u.status().s3_code(), "InvalidAccessKeyId") << u.status().ToString();

  // A pre-signed URL with one signature digit changed, over raw HTTP.
  ASSERT_TRUE(PutString("signed.txt", "x").ok());
  std::string url = Presign("signed.txt");
  HttpReply good = CurlRaw({url});
  EXPECT_EQ(good.status, 200) << good.body;
  EXPECT_EQ(good.body, "x");
  char& last = url.back();
  last = last == '0' ? '1' : '0';
  HttpReply tampered = CurlRaw({url});
  EXPECT_EQ(tampered.status, 403);
  EXPECT_EQ(tampered.Code(), "SignatureDoesNotMatch") << tampered.body;
}

TEST_F(SosdBadInputTest, MalformedXmlBodies) {
  const std::string garbage = "<Delete><Object><Key>a</Key></Object>";  // not closed
  StringViewSource source(garbage);
  S3Request del;
  del.method = "POST";
  del.bucket = bucket_;
  del.query = {{"delete", ""}};
  del.headers = {{"content-md5", Base64Encode(Md5(garbage))}};
  del.body = &source;
  auto r = client_->Execute(del);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().s3_code(), "MalformedXML") << r.status().ToString();

  auto upload = store_->CreateMultipartUpload(bucket_, "mp");
  ASSERT_TRUE(upload.ok());
  for (const std::string bad : {"<CompleteMultipartUpload><Part><PartNumber>one</PartNumber></Part>"
                                "</CompleteMultipartUpload>",
                                "<CompleteMultipartUpload>", "not xml at all",
                                "<!DOCTYPE x [<!ENTITY a \"b\">]><CompleteMultipartUpload/>"}) {
    SCOPED_TRACE(bad);
    StringViewSource body(bad);
    S3Request complete;
    complete.method = "POST";
    complete.bucket = bucket_;
    complete.key = "mp";
    complete.query = {{"uploadId", *upload}};
    complete.body = &body;
    auto c = client_->Execute(complete);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.status().s3_code(), "MalformedXML") << c.status().ToString();
  }
  EXPECT_TRUE(store_->AbortMultipartUpload(bucket_, "mp", *upload).ok());
}

TEST_F(SosdBadInputTest, WrongContentMd5IsBadDigestAndChangesNothing) {
  ASSERT_TRUE(PutString("guarded", "original").ok());
  const std::string replacement = "replacement";
  StringViewSource body(replacement);
  S3Request put;
  put.method = "PUT";
  put.bucket = bucket_;
  put.key = "guarded";
  put.headers = {{"content-md5", Base64Encode(Md5("something else"))}};
  put.body = &body;
  auto r = client_->Execute(put);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().s3_code(), "BadDigest") << r.status().ToString();
  EXPECT_EQ(GetString("guarded").value(), "original");

  // The same for a new key: nothing appears.
  put.key = "never-created";
  (void)body.Rewind();
  auto fresh = client_->Execute(put);
  EXPECT_EQ(fresh.status().s3_code(), "BadDigest");
  EXPECT_EQ(GetString("never-created").status().code(), StatusCode::kNotFound);
}

TEST_F(SosdBadInputTest, KeyOf1025BytesIsKeyTooLong) {
  const std::string too_long(1025, 'k');
  StringViewSource body("x");
  S3Request put;
  put.method = "PUT";
  put.bucket = bucket_;
  put.key = too_long;
  put.body = &body;
  auto r = client_->Execute(put);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().s3_code(), "KeyTooLongError") << r.status().ToString();
  // 1024 bytes is the limit, not past it.
  EXPECT_TRUE(PutString(std::string(1024, 'k'), "x").ok());
}

TEST_F(SosdBadInputTest, RangePastTheEndIs416) {
  ASSERT_TRUE(PutString("short", "0123456789").ok());
  HttpReply r = CurlRaw({"-H", "Range: bytes=9999999-", Presign("short")});
  EXPECT_EQ(r.status, 416) << r.headers;
  EXPECT_EQ(r.Code(), "InvalidRange") << r.body;
  EXPECT_NE(r.headers.find("Content-Range: bytes */10"), std::string::npos) << r.headers;
  HttpReply ok = CurlRaw({"-H", "Range: bytes=-3", Presign("short")});
  EXPECT_EQ(ok.status, 206);
  EXPECT_EQ(ok.body, "789");
  EXPECT_NE(ok.headers.find("Content-Range: bytes 7-9/10"), std::string::npos) << ok.headers;
}

TEST_F(SosdBadInputTest, HostileKeysOverTheWire) {
  // NUL and invalid UTF-8 in a (pre-signed, so well-formed) path.
  for (const std::string path : {"/a%00b", "/%FF%FE", "/%C0%AF"}) {
    SCOPED_TRACE(path);
    HttpReply r =
        CurlRaw({"-X", "PUT", "--data-binary", "x", Sosd().endpoint() + "/" + bucket_ + path});
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.Code(), "InvalidArgument") << r.body;
  }
  // Dot segments are keys of their own (curl would squash them without --path-as-is).
  ASSERT_TRUE(PutString("a/../b", "dots").ok());
  EXPECT_EQ(GetString("a/../b").value(), "dots");
  EXPECT_EQ(GetString("b").status().code(), StatusCode::kNotFound);
  HttpReply r = CurlRaw({"--path-as-is", Presign("a/../b")});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "dots");
}

TEST_F(SosdBadInputTest, HealthAndUnimplemented) {
  HttpReply health = CurlRaw({Sosd().endpoint() + "/-/health"});
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  S3Request torrent;  // what sosd does not implement says so
  torrent.bucket = bucket_;
  torrent.key = "k";
  torrent.query = {{"torrent", ""}};
  auto r = client_->Execute(torrent);
  EXPECT_EQ(r.status().s3_code(), "NotImplemented") << r.status().ToString();
}

TEST_F(SosdBadInputTest, HostileKeysAreRefusedAndChangeNothing) {
  ASSERT_TRUE(PutString("existing", "kept").ok());
  const DiskState before = Disk();
  // Signed, so the refusal is about the key, not the credentials.
  for (const std::string& wire : std::vector<std::string>{
           "a%00b", "%00", "%FF%FE", "%C0%AF", "bad%80utf8", "%ED%A0%80" /* a surrogate */,
           std::string(1025, 'k'), UriEncode(std::string(1023, 'k') + "\xc3\xa9", false)}) {
    SCOPED_TRACE(wire.substr(0, 40));
    HttpReply r = CurlRaw(SignedCurl("PUT", "/" + bucket_ + "/" + wire, "x"));
    EXPECT_EQ(r.status, 400) << r.headers << r.body;
    const std::string want = wire.size() > 1000 ? "KeyTooLongError" : "InvalidArgument";
    EXPECT_EQ(r.Code(), want) << r.body;
  }
  ExpectDiskUnchanged(before);
  auto list = store_->List(ListRequest{.bucket = bucket_});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->objects.size(), 1u);
  EXPECT_EQ(list->objects[0].key, "existing");
}

TEST_F(SosdBadInputTest, DotSegmentKeysStayInsideTheBucket) {
  namespace fs = std::filesystem;
  const fs::path parent = fs::path(Sosd().data_dir()).parent_path();
  std::vector<std::string> outside_before;
  for (const auto& e : fs::directory_iterator(parent)) outside_before.push_back(e.path().string());

  // Sent verbatim (--path-as-is): each is a key of its own, nothing is resolved.
  const std::vector<std::string> keys = {"../../escape", "a/./b/../../../c", "..", "./x"};
  for (const auto& key : keys) {
    HttpReply put = CurlRaw(SignedCurl("PUT", KeyPath(key), "dots:" + key));
    EXPECT_EQ(put.status, 200) << key << "\n" << put.body;
  }
  auto list = store_->List(ListRequest{.bucket = bucket_});
  ASSERT_TRUE(list.ok());
  std::vector<std::string> listed;
  for (const auto& o : list->objects) listed.push_back(o.key);
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(listed, sorted);
  for (const auto& key : keys) {
    HttpReply get = CurlRaw(SignedCurl("GET", KeyPath(key)));
    EXPECT_EQ(get.body, "dots:" + key);
  }
  ExpectAbsent("escape");
  ExpectAbsent("c");
  // Nothing appeared beside the data directory.
  std::vector<std::string> outside_after;
  for (const auto& e : fs::directory_iterator(parent)) outside_after.push_back(e.path().string());
  std::sort(outside_before.begin(), outside_before.end());
  std::sort(outside_after.begin(), outside_after.end());
  EXPECT_EQ(outside_after, outside_before);
  // A bucket cannot be escaped by dot segments either: /bucket/../other is a key of `bucket`.
  HttpReply up = CurlRaw(SignedCurl("GET", "/" + bucket_ + "/../" + bucket_ + "/..", ""));
  EXPECT_EQ(up.status, 404) << up.body;
  EXPECT_EQ(up.Code(), "NoSuchKey") << up.body;
}

TEST_F(SosdBadInputTest, HugeHeadersAreRefused) {
  ASSERT_TRUE(PutString("target", "original").ok());
  const DiskState before = Disk();
  // Past the server's header limit: refused before any S3 processing.
  HttpReply huge = CurlRaw({"-X", "PUT", "--data-binary", "x", "-H",
                            "x-amz-meta-huge: " + std::string(100 << 10, 'h'),
                            Sosd().endpoint() + KeyPath("target")});
  EXPECT_EQ(huge.status, 400) << huge.headers << "\n" << huge.body.substr(0, 300);
  EXPECT_EQ(huge.Code(), "RequestHeaderSectionTooLarge") << huge.body.substr(0, 300);
  // Many headers adding up past the limit.
  std::vector<std::string> many = {"-X", "PUT", "--data-binary", "x"};
  for (int i = 0; i < 200; ++i) {
    many.insert(many.end(), {"-H", "x-filler-" + std::to_string(i) + ": " + std::string(500, 'f')});
  }
  many.push_back(Sosd().endpoint() + KeyPath("target"));
  HttpReply lots = CurlRaw(many);
  EXPECT_EQ(lots.status, 400) << lots.headers;
  EXPECT_EQ(lots.Code(), "RequestHeaderSectionTooLarge") << lots.body.substr(0, 300);
  // Within the HTTP limit but past S3's 2 KB of user metadata, signed.
  HttpReply meta = CurlRaw(SignedCurl("PUT", KeyPath("target"), "replacement",
                                      {{"x-amz-meta-big", std::string(3000, 'm')}}));
  EXPECT_EQ(meta.status, 400) << meta.body;
  EXPECT_EQ(meta.Code(), "MetadataTooLarge") << meta.body;
  HttpReply fresh = CurlRaw(
      SignedCurl("PUT", KeyPath("never"), "x", {{"x-amz-meta-big", std::string(3000, 'm')}}));
  EXPECT_EQ(fresh.Code(), "MetadataTooLarge") << fresh.body;
  ExpectDiskUnchanged(before);
  EXPECT_EQ(GetString("target").value(), "original");
  ExpectAbsent("never");
  // The server still serves after all that.
  EXPECT_TRUE(PutString("after", "fine").ok());
}

TEST_F(SosdBadInputTest, NegativeOverlappingAndInvalidRanges) {
  ASSERT_TRUE(PutString("r", "0123456789").ok());
  const std::string url = Presign("r");
  // Unsatisfiable: 416 InvalidRange with the size.
  for (const std::string& range :
       std::vector<std::string>{"bytes=10-", "bytes=10-20", "bytes=-0", "bytes=99-100"}) {
    SCOPED_TRACE(range);
    HttpReply r = CurlRaw({"-H", "Range: " + range, url});
    EXPECT_EQ(r.status, 416) << r.headers;
    EXPECT_EQ(r.Code(), "InvalidRange") << r.body;
    EXPECT_NE(r.headers.find("Content-Range: bytes */10"), std::string::npos) << r.headers;
  }
  // Syntactically invalid, reversed, negative or several (overlapping) ranges:
  // ignored, as S3 does; the whole object is served.
  for (const std::string& range : std::vector<std::string>{
           "bytes=5-2", "bytes=--3", "bytes=-3-5", "bytes=0-4,2-6", "bytes=0-1,0-1", "bytes=abc",
           "items=0-3", "bytes=", "bytes=-", "bytes=1-2-3", "bytes=18446744073709551616-"}) {
    SCOPED_TRACE(range);
    HttpReply r = CurlRaw({"-H", "Range: " + range, url});
    EXPECT_EQ(r.status, 200) << r.headers;
    EXPECT_EQ(r.body, "0123456789");
  }
  // Satisfiable edge cases.
  HttpReply tail = CurlRaw({"-H", "Range: bytes=-100", url});
  EXPECT_EQ(tail.status, 206);
  EXPECT_EQ(tail.body, "0123456789");
  HttpReply clipped = CurlRaw({"-H", "Range: bytes=8-100", url});
  EXPECT_EQ(clipped.status, 206);
  EXPECT_EQ(clipped.body, "89");
  EXPECT_NE(clipped.headers.find("Content-Range: bytes 8-9/10"), std::string::npos);

  // A copy-source range outside the source: InvalidRange, and no part is made.
  auto upload = store_->CreateMultipartUpload(bucket_, "assembled");
  ASSERT_TRUE(upload.ok());
  const DiskState before = Disk();
  for (const std::string& range :
       std::vector<std::string>{"bytes=5-20", "bytes=5-2", "bytes=-3", "bytes=abc"}) {
    SCOPED_TRACE(range);
    HttpReply r = CurlRaw(SignedCurl(
        "PUT", "/" + bucket_ + "/assembled?partNumber=1&uploadId=" + UriEncode(*upload, true),
        {{"x-amz-copy-source", "/" + bucket_ + "/r"}, {"x-amz-copy-source-range", range}}));
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_TRUE(r.Code() == "InvalidRange" || r.Code() == "InvalidArgument") << r.body;
  }
  ExpectDiskUnchanged(before);
  auto parts = store_->ListParts(bucket_, "assembled", *upload);
  ASSERT_TRUE(parts.ok());
  EXPECT_TRUE(parts->parts.empty());
  EXPECT_TRUE(store_->AbortMultipartUpload(bucket_, "assembled", *upload).ok());
}

TEST_F(SosdBadInputTest, TruncatedBodiesChangeNothing) {
  ASSERT_TRUE(PutString("existing", "original").ok());
  auto upload = store_->CreateMultipartUpload(bucket_, "mp");
  ASSERT_TRUE(upload.ok());
  const DiskState before = Disk();
  auto request = [&](const std::string& wire_path, HeaderList headers) {
    std::string text = "PUT " + wire_path + " HTTP/1.1\r\n";
    for (const auto& [name, value] : SignWire("PUT", wire_path, std::move(headers))) {
      text += name + ": " + value + "\r\n";
    }
    return text + "\r\n";
  };
  const std::string partial(300000, 'p');  // several blocks reach the drives' tmp/
  const std::string length = std::to_string(4 << 20);
  // A new key, an existing key, a part: Content-Length promises 4 MiB, 300 KB arrive.
  for (const std::string& path : std::vector<std::string>{
           KeyPath("new"), KeyPath("existing"),
           "/" + bucket_ + "/mp?partNumber=1&uploadId=" + UriEncode(*upload, true)}) {
    SCOPED_TRACE(path);
    std::string reply = RawExchange(request(path, {{"content-length", length}}) + partial);
    // The server may answer (400 IncompleteBody) or just close; never 200.
    EXPECT_EQ(reply.find("HTTP/1.1 200"), std::string::npos) << reply.substr(0, 500);
    if (!reply.empty()) {
      EXPECT_NE(reply.find("IncompleteBody"), std::string::npos) << reply;
    }
  }
  // aws-chunked that stops mid-chunk.
  const std::string chunked_head =
      request(KeyPath("chunked"), {{"content-encoding", "aws-chunked"},
                                   {"x-amz-decoded-content-length", "100000"},
                                   {"content-length", "100100"}});
  std::string reply = RawExchange(chunked_head + "186a0\r\n" + std::string(5000, 'c'));
  EXPECT_EQ(reply.find("HTTP/1.1 200"), std::string::npos) << reply.substr(0, 500);

  ExpectDiskUnchanged(before);
  ExpectAbsent("new");
  ExpectAbsent("chunked");
  EXPECT_EQ(GetString("existing").value(), "original");
  auto parts = store_->ListParts(bucket_, "mp", *upload);
  ASSERT_TRUE(parts.ok());
  EXPECT_TRUE(parts->parts.empty());
  EXPECT_TRUE(store_->AbortMultipartUpload(bucket_, "mp", *upload).ok());
}

TEST_F(SosdBadInputTest, ExpiredAndSkewedSignaturesChangeNothing) {
  ASSERT_TRUE(PutString("existing", "original").ok());
  const DiskState before = Disk();
  const auto now = std::chrono::system_clock::now();
  // A pre-signed URL past its expiry, for GET and for PUT.
  for (const std::string& method : std::vector<std::string>{"GET", "PUT"}) {
    SCOPED_TRACE(method);
    const std::string path = KeyPath("existing");
    SigningRequest req{method,
                       path,
                       {},
                       {{"host", "127.0.0.1:" + std::to_string(Sosd().port())}},
                       std::string(kUnsignedPayload)};
    auto query =
        PresignV4(req, options_.credentials, "us-east-1", "s3", now - std::chrono::hours(2), 60);
    ASSERT_TRUE(query.ok());
    HttpReply r = CurlRaw({"-X", method, "--data-binary", "overwritten",
                           Sosd().endpoint() + path + "?" + query.value()});
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(r.Code(), "AccessDenied") << r.body;
    EXPECT_NE(r.body.find("expired"), std::string::npos) << r.body;
  }
  // x-amz-date 20 minutes off either way (S3 allows 15).
  for (auto skew : {-std::chrono::minutes(20), std::chrono::minutes(20)}) {
    SCOPED_TRACE(skew.count());
    HttpReply put = CurlRaw(SignedCurl("PUT", KeyPath("existing"), "overwritten", {}, now + skew));
    EXPECT_EQ(put.status, 403) << put.body;
    EXPECT_EQ(put.Code(), "RequestTimeTooSkewed") << put.body;
    HttpReply del = CurlRaw(SignedCurl("DELETE", KeyPath("existing"), {}, now + skew));
    EXPECT_EQ(del.Code(), "RequestTimeTooSkewed") << del.body;
  }
  // 10 minutes is within the window.
  HttpReply ok =
      CurlRaw(SignedCurl("GET", KeyPath("existing"), {}, now - std::chrono::minutes(10)));
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.body, "original");
  ExpectDiskUnchanged(before);
  EXPECT_EQ(GetString("existing").value(), "original");
}

TEST_F(SosdBadInputTest, MissingOrBrokenSignaturesChangeNothing) {
  ASSERT_TRUE(PutString("existing", "original").ok());
  const DiskState before = Disk();
  const std::string url = Sosd().endpoint() + KeyPath("existing");
  // No signature at all: AccessDenied for every write.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"-X", "DELETE", url},
        std::vector<std::string>{"-X", "PUT", "--data-binary", "x", url},
        std::vector<std::string>{"-X", "PUT", "--data-binary", "x",
                                 Sosd().endpoint() + KeyPath("new")},
        std::vector<std::string>{"-X", "POST", "--data-binary",
                                 "<Delete><Object><Key>existing</Key></Object></Delete>",
                                 Sosd().endpoint() + "/" + bucket_ + "?delete"},
        std::vector<std::string>{"-X", "DELETE", Sosd().endpoint() + "/" + bucket_}}) {
    SCOPED_TRACE(args[1] + " " + args.back());
    HttpReply r = CurlRaw(args);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(r.Code(), "AccessDenied") << r.body;
  }
  // An Authorization header without a signature, or with a made-up one.
  const std::string cred = "Credential=" + Sosd().access_key() + "/" +
                           FormatIso8601Basic(std::chrono::system_clock::now()).substr(0, 8) +
                           "/us-east-1/s3/aws4_request";
  const std::string amz_date = FormatIso8601Basic(std::chrono::system_clock::now());
  struct Case {
    std::string authorization, code;
    int status;
  };
  for (const Case& c :
       {Case{"AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;x-amz-date",
             "AuthorizationHeaderMalformed", 400},
        Case{"AWS4-HMAC-SHA256 " + cred +
                 ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" +
                 std::string(64, '0'),
             "SignatureDoesNotMatch", 403},
        Case{"AWS4-HMAC-SHA256 garbage", "AuthorizationHeaderMalformed", 400},
        Case{"AWS " + Sosd().access_key() + ":bm90IGEgc2lnbmF0dXJl", "SignatureDoesNotMatch",
             403}}) {
    SCOPED_TRACE(c.authorization);
    HttpReply r =
        CurlRaw({"-X", "PUT", "--data-binary", "x", "-H", "Authorization: " + c.authorization, "-H",
                 "x-amz-date: " + amz_date, "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", url});
    EXPECT_EQ(r.status, c.status) << r.body;
    EXPECT_EQ(r.Code(), c.code) << r.body;
  }
  ExpectDiskUnchanged(before);
  EXPECT_EQ(GetString("existing").value(), "original");
  ExpectAbsent("new");
}

TEST_F(SosdBadInputTest, InvalidContentMd5IsInvalidDigest) {
  ASSERT_TRUE(PutString("guarded", "original").ok());
  const DiskState before = Disk();
  for (const std::string& md5 :
       std::vector<std::string>{"not base64!", Base64Encode("fifteen bytes!!"),
                                "====", Base64Encode(std::string(17, 'x'))}) {
    SCOPED_TRACE(md5);
    HttpReply r =
        CurlRaw(SignedCurl("PUT", KeyPath("guarded"), "replacement", {{"content-md5", md5}}));
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.Code(), "InvalidDigest") << r.body;
  }
  // A well-formed but wrong digest: BadDigest, for a new key and a part too.
  HttpReply wrong = CurlRaw(SignedCurl("PUT", KeyPath("fresh"), "replacement",
                                       {{"content-md5", Base64Encode(Md5("other"))}}));
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(wrong.Code(), "BadDigest") << wrong.body;
  ExpectDiskUnchanged(before);
  EXPECT_EQ(GetString("guarded").value(), "original");
  ExpectAbsent("fresh");
}

TEST_F(SosdBadInputTest, MalformedXmlChangesNothing) {
  ASSERT_TRUE(PutString("a", "keep me").ok());
  auto upload = store_->CreateMultipartUpload(bucket_, "mp");
  ASSERT_TRUE(upload.ok());
  const std::string part(5 << 20, 'q');
  StringViewSource part_body(part);
  auto etag = store_->UploadPart(bucket_, "mp", *upload, 1, part_body);
  ASSERT_TRUE(etag.ok());
  const DiskState before = Disk();
  for (const std::string& bad :
       std::vector<std::string>{"<Delete><Object><Key>a</Key></Object>",
                                "<Delete><Object><Key>a</Key></Objekt></Delete>", "<Delete/>",
                                "<Delete><Object><Key>a</Key><Key>b</Key></Object></Delete>"}) {
    SCOPED_TRACE(bad);
    HttpReply r = CurlRaw(
        SignedCurl("POST", "/" + bucket_ + "?delete", bad,
                   {{"content-md5", Base64Encode(Md5(bad))}, {"content-type", "application/xml"}}));
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.Code(), "MalformedXML") << r.body;
  }
  HttpReply empty = CurlRaw(
      SignedCurl("POST", "/" + bucket_ + "?delete", "", {{"content-md5", Base64Encode(Md5(""))}}));
  EXPECT_EQ(empty.status, 400) << empty.body;
  EXPECT_EQ(empty.Code(), "MissingRequestBodyError") << empty.body;
  const std::string good_part = "<Part><PartNumber>1</PartNumber><ETag>" + *etag + "</ETag></Part>";
  for (const std::string& bad :
       std::vector<std::string>{"<CompleteMultipartUpload>" + good_part,
                                "<CompleteMultipartUpload>" + good_part + "</Wrong>",
                                "<CompleteMultipartUpload><Part><PartNumber>-1</PartNumber><ETag>" +
                                    *etag + "</ETag></Part></CompleteMultipartUpload>",
                                "<CompleteMultipartUpload></CompleteMultipartUpload>"}) {
    SCOPED_TRACE(bad);
    HttpReply r = CurlRaw(
        SignedCurl("POST", "/" + bucket_ + "/mp?uploadId=" + UriEncode(*upload, true), bad));
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.Code(), "MalformedXML") << r.body;
  }
  ExpectDiskUnchanged(before);
  EXPECT_EQ(GetString("a").value(), "keep me");
  ExpectAbsent("mp");
  // The upload is intact: completing it properly still works.
  auto done = store_->CompleteMultipartUpload(bucket_, "mp", *upload, {{1, *etag}});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(GetString("mp").value().size(), part.size());
}

}  // namespace
}  // namespace sos::testing
