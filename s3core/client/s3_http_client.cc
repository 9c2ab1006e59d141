#include "s3core/client/s3_http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>
#include <random>
#include <thread>

#include "s3core/crypto.h"
#include "s3core/s3_error_map.h"
#include "s3core/uri.h"
#include "s3core/xml_codec.h"

namespace sos {
namespace {

// Bodies of non-streamed responses (listings, errors) are small; cap them so a
// hostile or broken server cannot make us allocate without bound.
constexpr size_t kMaxBufferedBody = 64 << 20;
// Below this, skip "Expect: 100-continue" (it costs a round trip).
constexpr uint64_t kExpectContinueThreshold = 1 << 20;
constexpr size_t kHashBufferSize = 256 << 10;

std::once_flag g_curl_init;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string TrimWs(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

const std::string& S3Response::Header(std::string_view name) const {
  static const std::string kEmpty;
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return kEmpty;
}

// A free list of easy handles; each keeps its own live connection.
struct S3HttpClient::Pool {
  std::mutex mu;
  std::vector<CURL*> idle;
  CURLSH* share = nullptr;
  std::mutex share_mu[CURL_LOCK_DATA_LAST];

  Pool() {
    share = curl_share_init();
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &Lock);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &Unlock);
    curl_share_setopt(share, CURLSHOPT_USERDATA, this);
  }
  ~Pool() {
    for (CURL* h : idle) curl_easy_cleanup(h);
    curl_share_cleanup(share);
  }
  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
    static_cast<Pool*>(self)->share_mu[data].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* self) {
    static_cast<Pool*>(self)->share_mu[data].unlock();
  }
  CURL* Take() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!idle.empty()) {
        CURL* h = idle.back();
        idle.pop_back();
        return h;
      }
    }
    return curl_easy_init();
  }
  void Give(CURL* h) {
    std::lock_guard<std::mutex> lock(mu);
    idle.push_back(h);
  }
};

// State of one HTTP exchange, reached from curl's C callbacks.
struct S3HttpClient::Attempt {
  CURL* handle = nullptr;
  const S3Request* request = nullptr;
  S3Response response;
  Status callback_error;  // set when a sink or source failed
  bool too_large = false;

  static size_t OnHeader(char* data, size_t size, size_t n, void* self) {
    auto* a = static_cast<Attempt*>(self);
    std::string_view line(data, size * n);
    if (line.rfind("HTTP/", 0) == 0) {
      a->response.headers.clear();  // a new response (after 100 Continue or redirect)
      return size * n;
    }
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      a->response.headers.emplace_back(Lower(std::string(line.substr(0, colon))),
                                       TrimWs(line.substr(colon + 1)));
    }
    return size * n;
  }

  static size_t OnBody(char* data, size_t size, size_t n, void* self) {
    auto* a = static_cast<Attempt*>(self);
    size_t len = size * n;
    long code = 0;
    curl_easy_getinfo(a->handle, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && code < 300 && a->request->sink) {
      Status s = (*a->request->sink)(std::string_view(data, len));
      if (!s.ok()) {
        a->callback_error = s;
        return 0;  // aborts the transfer with CURLE_WRITE_ERROR
      }
      a->response.delivered += len;
      return len;
    }
    if (a->response.body.size() + len > kMaxBufferedBody) {
      a->too_large = true;
      return 0;
    }
    a->response.body.append(data, len);
    return len;
  }

  static size_t OnRead(char* buf, size_t size, size_t n, void* self) {
    auto* a = static_cast<Attempt*>(self);
    auto got = a->request->body->Read(buf, size * n);
    if (!got.ok()) {
      a->callback_error = got.status();
      return CURL_READFUNC_ABORT;
    }
    return *got;
  }

  static int OnSeek(void* self, curl_off_t offset, int origin) {
    auto* a = static_cast<Attempt*>(self);
    // curl rewinds to resend a body (e.g. after a redirect or a 100-continue refusal).
    if (offset == 0 && origin == SEEK_SET && a->request->body->Rewind()) return CURL_SEEKFUNC_OK;
    return CURL_SEEKFUNC_CANTSEEK;
  }
};

S3HttpClient::S3HttpClient(S3ClientOptions options)
    : options_(std::move(options)), pool_(std::make_unique<Pool>()) {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::string ep = options_.endpoint;
  while (!ep.empty() && ep.back() == '/') ep.pop_back();
  size_t sep = ep.find("://");
  scheme_ = sep == std::string::npos ? "https" : Lower(ep.substr(0, sep));
  authority_ = sep == std::string::npos ? ep : ep.substr(sep + 3);
}

S3HttpClient::~S3HttpClient() = default;

std::string S3HttpClient::HostFor(const std::string& bucket) const {
  if (options_.path_style || bucket.empty()) return authority_;
  return bucket + "." + authority_;
}

std::string S3HttpClient::PathFor(const S3Request& r) const {
  std::string path = "/";
  if (!r.bucket.empty() && options_.path_style) {
    path += r.bucket;
    if (!r.key.empty()) path += "/";
  }
  path += UriEncode(r.key, /*encode_slash=*/false);
  return path;
}

std::string S3HttpClient::UrlFor(const std::string& bucket, const std::string& key) const {
  S3Request r;
  r.bucket = bucket;
  r.key = key;
  return scheme_ + "://" + HostFor(bucket) + PathFor(r);
}

Result<std::string> S3HttpClient::Presign(const std::string& method, const std::string& bucket,
                                          const std::string& key, int expires_seconds,
                                          const HeaderList& extra_query) const {
  S3Request r;
  r.bucket = bucket;
  r.key = key;
  SigningRequest sreq;
  sreq.method = method;
  sreq.canonical_uri = PathFor(r);
  sreq.query = extra_query;
  sreq.headers.emplace_back("host", HostFor(bucket));
  sreq.payload_hash = "UNSIGNED-PAYLOAD";
  SOS_ASSIGN_OR_RETURN(std::string query,
                       PresignV4(sreq, options_.credentials, options_.region, "s3",
                                 std::chrono::system_clock::now(), expires_seconds));
  return scheme_ + "://" + sreq.headers.front().second + sreq.canonical_uri + "?" + query;
}

Status StatusFromResponse(const S3Response& response) {
  if (response.status == 304) return Status::NotModified();
  std::string code, message;
  if (!response.body.empty()) {
    auto err = DecodeError(response.body);
    if (err.ok()) {
      code = err->code;
      message = err->message;
      if (!err->key.empty()) message += " (key " + err->key + ")";
      if (!err->bucket_name.empty()) message += " (bucket " + err->bucket_name + ")";
    }
  }
  if (code.empty() && response.status == 404) {
    // HEAD has no body; say what is missing when we can tell.
    code = response.Header("x-amz-error-code");
  }
  if (message.empty()) message = "HTTP " + std::to_string(response.status);
  return StatusFromS3Error(response.status, code, message);
}

Result<S3Response> S3HttpClient::Execute(const S3Request& request, uint64_t* delivered) {
  if (delivered) *delivered = 0;
  bool sign_body =
      options_.payload_signing == S3ClientOptions::PayloadSigning::kSigned ||
      (options_.payload_signing == S3ClientOptions::PayloadSigning::kAuto && scheme_ == "http");
  std::string payload_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  if (request.body) {
    payload_hash = "UNSIGNED-PAYLOAD";
    if (sign_body && request.body->Rewind()) {
      // One pass to hash, one to send: sources are local files or memory.
      Digest sha(DigestAlgorithm::kSha256);
      std::string buf(kHashBufferSize, '\0');
      while (true) {
        SOS_ASSIGN_OR_RETURN(size_t n, request.body->Read(buf.data(), buf.size()));
        if (n == 0) break;
        sha.Update(std::string_view(buf.data(), n));
      }
      payload_hash = HexEncode(sha.Finish());
    }
  }

  thread_local std::mt19937_64 rng{std::random_device{}()};
  Status last;
  for (int attempt = 0; attempt <= options_.max_retries; ++attempt) {
    if (attempt > 0) {
      auto cap = std::min<int64_t>(options_.retry_max_delay.count(),
                                   options_.retry_base_delay.count() << std::min(attempt, 20));
      std::uniform_int_distribution<int64_t> jitter(0, std::max<int64_t>(cap, 1));
      std::this_thread::sleep_for(std::chrono::milliseconds(jitter(rng)));
    }
    if (request.body && !request.body->Rewind()) {
      return attempt == 0 ? Status::InvalidArgument("request body cannot be rewound") : last;
    }
    bool retryable_transport = false;
    uint64_t got = 0;
    auto result = ExecuteOnce(request, payload_hash, &retryable_transport, &got);
    if (result.ok()) {
      if (result->status >= 200 && result->status < 300) return result;
      last = StatusFromResponse(*result);
      if (request.error_response) *request.error_response = *result;
    } else {
      last = result.status();
    }
    if (delivered) *delivered = got;
    bool retry = retryable_transport || last.retryable();
    // Bytes already given to the sink cannot be taken back: let the caller resume.
    if (!retry || got > 0) return last;
  }
  return last;
}

Result<S3Response> S3HttpClient::ExecuteOnce(const S3Request& request,
                                             const std::string& payload_hash,
                                             bool* retryable_transport, uint64_t* delivered) {
  CURL* h = pool_->Take();
  if (!h) return Status::Internal("curl_easy_init failed");
  curl_easy_reset(h);  // keeps the live connection, clears options

  Attempt a;
  a.handle = h;
  a.request = &request;

  std::string host = HostFor(request.bucket);
  std::string path = PathFor(request);

  SigningRequest sreq;
  sreq.method = request.method;
  sreq.canonical_uri = path;
  sreq.query = request.query;
  sreq.headers = request.headers;
  sreq.headers.emplace_back("host", host);
  sreq.payload_hash = payload_hash;
  for (auto& h2 : SignV4(sreq, options_.credentials, options_.region, "s3",
                         std::chrono::system_clock::now())) {
    sreq.headers.push_back(std::move(h2));
  }

  std::string url = scheme_ + "://" + host + path;
  if (!request.query.empty()) {
    url += "?";
    bool first = true;
    for (const auto& [k, v] : request.query) {
      if (!first) url += "&";
      first = false;
      url += UriEncode(k, true);
      if (!v.empty()) url += "=" + UriEncode(v, true);
    }
  }

  curl_slist* headers = nullptr;
  for (const auto& [k, v] : sreq.headers) {
    headers = curl_slist_append(headers, (k + ": " + v).c_str());
  }
  std::optional<uint64_t> body_size =
      request.body ? request.body->Size() : std::optional<uint64_t>(0);
  if (!request.body || (body_size && *body_size < kExpectContinueThreshold)) {
    headers = curl_slist_append(headers, "Expect:");
  }

  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  // Keys may contain "./" and "../": send them as signed, never "normalised".
  curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_SHARE, pool_->share);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
                   std::max(1L, static_cast<long>(options_.stall_timeout.count() / 1000)));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
  if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &Attempt::OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &a);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Attempt::OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &a);

  if (request.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (request.method == "GET" && !request.body) {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    // PUT/POST/DELETE: send a Content-Length always (S3 requires it), even 0.
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.body) {
      curl_easy_setopt(h, CURLOPT_READFUNCTION, &Attempt::OnRead);
      curl_easy_setopt(h, CURLOPT_READDATA, &a);
      curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, &Attempt::OnSeek);
      curl_easy_setopt(h, CURLOPT_SEEKDATA, &a);
      if (body_size) {
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(*body_size));
      }
    } else {
      curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(0));
    }
  }

  CURLcode rc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a.response.status);
  curl_slist_free_all(headers);
  *delivered = a.response.delivered;
  if (rc != CURLE_OK) {
    // A failed handle may hold a broken connection; drop it rather than reuse it.
    curl_easy_cleanup(h);
    if (!a.callback_error.ok()) return a.callback_error;
    if (a.too_large) return Status::TooLarge("response body over the buffering limit", "");
    std::string what =
        std::string(curl_easy_strerror(rc)) + " (" + url.substr(0, url.find('?')) + ")";
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT:
        *retryable_transport = true;
        return Status::Timeout(what);
      case CURLE_COULDNT_CONNECT:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_SEND_ERROR:
      case CURLE_RECV_ERROR:
      case CURLE_GOT_NOTHING:
      case CURLE_PARTIAL_FILE:
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_HTTP2:
      case CURLE_HTTP2_STREAM:
        *retryable_transport = true;
        return Status::Unavailable(what);
      case CURLE_PEER_FAILED_VERIFICATION:
        return Status::Unauthenticated("TLS certificate verification failed: " + what, "");
      default:
        return Status::IOError(what);
    }
  }
  pool_->Give(h);
  return std::move(a.response);
}

}  // namespace sos
