// CORS evaluation of a bucket's CORSConfiguration, as S3 does it.
//
// The first rule whose AllowedOrigin (one '*' wildcard allowed) matches the
// Origin, whose AllowedMethod contains the method and whose AllowedHeader
// patterns cover every requested header (case-insensitive, '*' wildcard)
// wins. Preflight (OPTIONS) answers from it or is refused with 403; actual
// requests only gain the Access-Control-* headers when a rule matches.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s3core/model.h"

namespace sos {

// '*' matches any run of characters (S3 allows one per pattern).
bool WildcardMatch(std::string_view pattern, std::string_view text, bool ignore_case);

// nullptr when no rule allows the request. `request_headers` is the
// comma-separated Access-Control-Request-Headers value ("" for none).
const CorsRule* MatchCorsRule(const CorsConfiguration& config, std::string_view origin,
                              std::string_view method, std::string_view request_headers);

// The Access-Control-* response headers for a matched rule.
std::vector<std::pair<std::string, std::string>> CorsResponseHeaders(
    const CorsRule& rule, std::string_view origin, std::string_view request_headers,
    bool preflight);

}  // namespace sos
