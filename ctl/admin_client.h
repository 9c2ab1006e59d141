// AdminClient: sosd's admin API for organisations and keys (the contract is
// s3core/admin_api.h), as SigV4-signed JSON requests through S3HttpClient.
//
// Every call returns the response document as JSON, or a Status built from
// the JSON error ({"code", "message"}) and the HTTP status, so NoSuchOrganisation
// is kNotFound and a non-root key kPermissionDenied. Thread-safe (as
// S3HttpClient).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "s3core/client/s3_http_client.h"
#include "s3core/status.h"

namespace sos::ctl {

class AdminClient {
 public:
  // Path-style addressing is forced: admin paths are not buckets.
  explicit AdminClient(S3ClientOptions options);

  Result<nlohmann::json> CreateOrg(const std::string& name);
  Result<nlohmann::json> ListOrgs();
  Result<nlohmann::json> GetOrg(const std::string& org);
  Status DeleteOrg(const std::string& org);
  Result<nlohmann::json> CreateKey(const std::string& org);
  Result<nlohmann::json> ListKeys(const std::string& org);
  Status RevokeKey(const std::string& access_key_id);
  // The store: health, drives, counts, scrubber (GET /-/admin/info).
  Result<nlohmann::json> StoreInfo();
  // Asks for a scrub pass from now (`now`: without the rate caps); answers at once.
  Result<nlohmann::json> Scrub(bool now);
  // Re-checks failed drives and repairs the known bad or missing replicas now.
  Result<nlohmann::json> Heal();
  // One object's replicas and when they were last verified (GET /-/admin/object).
  Result<nlohmann::json> ObjectReplicas(const std::string& bucket, const std::string& key);

  // The Status for a non-2xx admin response (JSON error body, else HTTP status).
  static Status StatusFromAdminResponse(long http_status, const std::string& body);

 private:
  // method on "/-/admin/<path>" with an optional JSON body.
  Result<nlohmann::json> Call(const std::string& method, const std::string& path,
                              const nlohmann::json* body, const HeaderList& query = {});

  S3HttpClient client_;
};

}  // namespace sos::ctl
