// Helpers of the ACL e2e tests (sosd_acl_e2e_test): requests to the shared
// sosd (sosd_environment.h) as a given principal -- an organisation with its
// own key (signed by s3core's S3HttpClient) or anonymous (plain libcurl) --
// raw fetches of URLs with libcurl and with the curl command line, and
// organisations created through the admin API (s3core/admin_api.h).
//
// Every reply keeps status, lower-cased headers and body, so tests assert
// bytes and error codes, not just success. Thread-safe where noted.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "s3core/client/s3_http_client.h"
#include "tests/e2e/sosd_environment.h"

namespace sos::testing {

struct Reply {
  long status = 0;                             // 0: no HTTP answer
  std::map<std::string, std::string> headers;  // names lower-cased, last value wins
  std::string body;

  std::string Header(const std::string& name) const;
  // The S3 <Error><Code> of the body, or "".
  std::string Code() const;
};

// Who sends a request: an organisation (client set) or anonymous.
struct Principal {
  std::string name;  // organisation name, or "anonymous"
  std::string id;    // canonical ID ("" for anonymous)
  std::string access_key;
  std::string secret_key;
  std::shared_ptr<S3HttpClient> client;  // null: anonymous
  bool anonymous() const { return client == nullptr; }
};

// The root organisation of the shared sosd.
Principal Root();
Principal Anonymous();
// A principal for an existing key.
Principal WithKey(std::string name, std::string id, std::string access_key, std::string secret);

// One request as `who` (path-style; query values decoded, encoded here).
// Thread-safe.
Reply Send(const Principal& who, const std::string& method, const std::string& bucket,
           const std::string& key, const HeaderList& query = {}, const HeaderList& headers = {},
           const std::string& body = "");

// A URL fetched with libcurl exactly as given. Thread-safe.
Reply Fetch(const std::string& method, const std::string& url, const HeaderList& headers = {},
            const std::string& body = "");
// A URL fetched with the curl command line (curl -s -i -X METHOD URL ...);
// extra arguments go before the URL.
Reply CurlCli(const std::string& method, const std::string& url,
              const std::vector<std::string>& extra = {});

// Admin API as `who` (JSON body or ""); the reply body is JSON.
Reply Admin(const Principal& who, const std::string& method, const std::string& path_after_admin,
            const std::string& json_body = "");
// POST /-/admin/orgs {"name": name} as root; fails the test if not 201.
Principal CreateOrg(const std::string& name);

// A name unique to this process and call ("acl-<pid>-<n>-<suffix>").
std::string Unique(const std::string& suffix);

}  // namespace sos::testing
