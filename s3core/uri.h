// Percent-encoding and query strings, with the exact rules AWS signatures use.
//
// UriEncode keeps the unreserved set A-Z a-z 0-9 - . _ ~ and writes every
// other byte (UTF-8 is encoded byte-wise) as %XX in upper-case hex; '/' is
// kept only when encode_slash is false. UriDecode is the strict inverse: a
// '%' must be followed by two hex digits. '+' means space only where
// form-encoding applies (query strings), never in paths. Pure functions;
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sos {

std::string UriEncode(std::string_view in, bool encode_slash);

// nullopt on a truncated or non-hex %-escape. plus_is_space turns '+' into ' '
// (query strings only; S3 paths keep '+' literally).
std::optional<std::string> UriDecode(std::string_view in, bool plus_is_space = false);

// Splits a raw request-target "path?query" at the first '?'.
std::pair<std::string_view, std::string_view> SplitTarget(std::string_view target);

// "a=1&b&c=" -> {("a","1"),("b",""),("c","")}, decoded, in order. Empty
// segments ("a=1&&b") are dropped. nullopt if any escape is malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view raw);

// Encodes each decoded name and value, sorts by encoded name then value and
// joins "name=value" with '&' (a key without value becomes "name=").
// The value of the first query parameter named `name` (decoded pairs), or nullopt.
std::optional<std::string_view> FindQueryValue(
    const std::vector<std::pair<std::string, std::string>>& pairs, std::string_view name);

std::string CanonicalQueryString(const std::vector<std::pair<std::string, std::string>>& pairs);

}  // namespace sos
