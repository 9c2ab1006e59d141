// The contract between sosd and sosctl beyond the S3 API: sosd's admin API for
// organisations and keys, and single-use pre-signed URLs. Both sides include
// this header so the names cannot drift apart. Constants only; thread-safe.
//
// Admin API. Requests are SigV4-signed like S3 requests (service "s3", the
// store's region) with a key of the root organisation; anyone else gets 403
// AccessDenied. Bodies are JSON (Content-Type: application/json); errors are
// JSON too: {"code": "NoSuchOrganisation", "message": "..."} with the HTTP
// status S3 would use (400, 403, 404, 409).
//
//   POST   /-/admin/orgs                 {"name": "acme"}
//          201 {"id": "<64 hex>", "name": "acme", "created": "<ISO 8601>",
//               "access_key_id": "...", "secret_access_key": "..."}
//          (409 OrganisationAlreadyExists when the name is taken)
//   GET    /-/admin/orgs                 200 {"orgs": [{"id", "name", "created"}]}
//   GET    /-/admin/orgs/{org}           200 {"id", "name", "created"}
//   DELETE /-/admin/orgs/{org}           204 (409 OrganisationNotEmpty while it owns
//                                        buckets; 403 for the root organisation)
//   POST   /-/admin/orgs/{org}/keys      201 {"access_key_id", "secret_access_key", "org_id"}
//   GET    /-/admin/orgs/{org}/keys      200 {"keys": [{"access_key_id", "created"}]}
//                                        (secrets are never returned again)
//   DELETE /-/admin/keys/{access_key_id} 204 (404 NoSuchKey)
//
//   GET    /-/admin/info                 200 the store: state, reasons, drives, counts, scrub
//   POST   /-/admin/scrub[?now]          202 info + {"scrub_done_at_passes": N}
//   POST   /-/admin/heal                 200 info, once known-bad replicas are repaired
//   GET    /-/admin/object?bucket=B&key=K
//          200 {"bucket", "key", "size", "etag", "copies", "last_verified",
//               "blobs": [{"id", "size", "drives": [...], "last_verified",
//                          "replicas_verified"}]}   ("" = not verified yet)
//
// {org} is an organisation's name or its canonical ID.
//
// Single-use pre-signed URLs. A SigV4 pre-signed URL that carries the query
// parameter X-Sos-Once=<nonce> (at least 16 characters of [A-Za-z0-9_-]) is
// signed with that parameter like any other, so it cannot be removed. sosd
// records the nonce atomically in its index when it first accepts the URL
// (after the signature and the ACL checks passed) and answers every later use
// with 403 AccessDenied, "This single-use URL has already been used.", also
// under concurrent requests and across restarts.
#pragma once

#include <string_view>

namespace sos::admin {

inline constexpr std::string_view kPathPrefix = "/-/admin/";
inline constexpr std::string_view kOrgsPath = "/-/admin/orgs";
inline constexpr std::string_view kKeysPath = "/-/admin/keys";
inline constexpr std::string_view kOnceQueryParam = "X-Sos-Once";
inline constexpr std::size_t kMinOnceNonceLength = 16;

}  // namespace sos::admin
