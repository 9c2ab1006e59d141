// HttpRequestHead: the parts of an incoming HTTP request that authentication
// looks at, as the server received them.
//
// `target` is the raw request-target (origin form "path?query", still
// percent-encoded exactly as on the wire); `headers` keeps every header line
// in arrival order, names in any case, duplicates as separate entries.
// A plain value type; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sos {

struct HttpRequestHead {
  std::string method;  // "GET"
  std::string target;  // raw request-target: path?query, as received
  std::vector<std::pair<std::string, std::string>> headers;
};

inline char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// Strips HTTP optional whitespace (spaces and tabs) from both ends.
inline std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whitespace as the signature canonical forms trim it: spaces, tabs, CR, LF.
inline bool IsSignatureSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
inline std::string_view TrimSignatureSpace(std::string_view s) {
  while (!s.empty() && IsSignatureSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSignatureSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Value of the first header named `name` (ASCII case-insensitive), if any.
inline std::optional<std::string_view> FindHeader(const HttpRequestHead& head,
                                                  std::string_view name) {
  for (const auto& [key, value] : head.headers) {
    if (EqualsIgnoreCase(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

}  // namespace sos
