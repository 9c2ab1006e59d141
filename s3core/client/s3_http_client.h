// S3HttpClient: signed HTTP requests to one S3 endpoint, on libcurl.
//
// Owns a pool of curl easy handles, each keeping its connection alive, so any
// thread reuses a warm connection; DNS and TLS sessions are shared. Every
// request is signed with SigV4, retried with exponential backoff and full
// jitter on transport errors, 5xx, 429 and SlowDown, and times out when the
// transfer stalls. Bodies stream from a BodySource and into a BodySink.
// A request whose response bytes already reached the sink is not retried here
// (the caller may resume with a Range). Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "s3core/body.h"
#include "s3core/sigv4.h"
#include "s3core/status.h"

namespace sos {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct S3ClientOptions {
  std::string endpoint = "http://127.0.0.1:9000";  // scheme://host[:port]
  std::string region = "us-east-1";
  bool path_style = true;  // false: virtual-hosted (bucket.host)
  Credentials credentials;
  bool verify_tls = true;
  std::string ca_file;  // extra CA bundle (self-signed endpoints)
  std::chrono::milliseconds connect_timeout{5000};
  // A transfer slower than 1 byte/s for this long is abandoned.
  std::chrono::milliseconds stall_timeout{30000};
  int max_retries = 5;
  std::chrono::milliseconds retry_base_delay{100};
  std::chrono::milliseconds retry_max_delay{5000};
  // Payload signing: kAuto signs bodies over http and sends UNSIGNED-PAYLOAD
  // over https (TLS already protects them), as the AWS SDKs do.
  enum class PayloadSigning { kAuto, kSigned, kUnsigned };
  PayloadSigning payload_signing = PayloadSigning::kAuto;
  std::string user_agent = "sos/0.1";
};

struct S3Response;

struct S3Request {
  std::string method = "GET";
  std::string bucket;  // empty: the service (ListBuckets)
  std::string key;     // raw key, any UTF-8; empty: the bucket itself
  HeaderList query;    // decoded name/value pairs; value may be empty
  HeaderList headers;  // extra request headers (names lower-case)
  BodySource* body = nullptr;
  const BodySink* sink = nullptr;  // 2xx response bodies go here when set
  // When set, receives the last non-2xx response (status, headers, error
  // body), for callers whose errors are not S3 XML (sosd's JSON admin API).
  S3Response* error_response = nullptr;
};

struct S3Response {
  long status = 0;
  HeaderList headers;  // names lower-cased
  std::string body;    // the response body when no sink took it
  // First value of a header (name lower-case), or "".
  const std::string& Header(std::string_view name) const;
  uint64_t delivered = 0;  // bytes handed to the sink
};

class S3HttpClient {
 public:
  explicit S3HttpClient(S3ClientOptions options);
  ~S3HttpClient();
  S3HttpClient(const S3HttpClient&) = delete;
  S3HttpClient& operator=(const S3HttpClient&) = delete;

  // Sends the request (with retries). 2xx → the response; anything else →
  // the Status from the S3 error body or HTTP status (304 → kNotModified).
  // On failure after bytes reached the sink, *delivered (if given) says how many.
  Result<S3Response> Execute(const S3Request& request, uint64_t* delivered = nullptr);

  const S3ClientOptions& options() const { return options_; }

  // The plain (unsigned) URL of an object, path-style or virtual-hosted as
  // configured: what anonymous readers of a public-read object fetch.
  std::string UrlFor(const std::string& bucket, const std::string& key) const;
  // A SigV4 pre-signed URL for `method` on the object, valid for
  // `expires_seconds` (1..604800). `extra_query` is signed with the rest
  // (e.g. sosd's single-use parameter). Pure computation: no request is sent.
  Result<std::string> Presign(const std::string& method, const std::string& bucket,
                              const std::string& key, int expires_seconds,
                              const HeaderList& extra_query = {}) const;

 private:
  struct Pool;
  struct Attempt;
  Result<S3Response> ExecuteOnce(const S3Request& request, const std::string& payload_hash,
                                 bool* retryable_transport, uint64_t* delivered);
  std::string HostFor(const std::string& bucket) const;
  std::string PathFor(const S3Request& request) const;

  S3ClientOptions options_;
  std::string scheme_;
  std::string authority_;  // host[:port] of the endpoint
  std::unique_ptr<Pool> pool_;
};

// The error Status for a non-2xx response (parses the XML error body).
Status StatusFromResponse(const S3Response& response);

}  // namespace sos
