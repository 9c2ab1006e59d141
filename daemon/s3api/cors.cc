#include "daemon/s3api/cors.h"

#include "s3core/http_request_head.h"

namespace sos {
namespace {

std::vector<std::string_view> SplitList(std::string_view list) {
  std::vector<std::string_view> out;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = TrimOws(list.substr(0, comma));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

}  // namespace

bool WildcardMatch(std::string_view pattern, std::string_view text, bool ignore_case) {
  auto eq = [&](std::string_view a, std::string_view b) {
    return ignore_case ? EqualsIgnoreCase(a, b) : a == b;
  };
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return eq(pattern, text);
  std::string_view head = pattern.substr(0, star);
  std::string_view tail = pattern.substr(star + 1);
  // The decoder refuses a second star; one that got into storage before it
  // did matches nothing rather than costing a search per character.
  if (tail.find('*') != std::string_view::npos) return false;
  if (text.size() < head.size() + tail.size()) return false;
  return eq(head, text.substr(0, head.size())) && eq(tail, text.substr(text.size() - tail.size()));
}

const CorsRule* MatchCorsRule(const CorsConfiguration& config, std::string_view origin,
                              std::string_view method, std::string_view request_headers) {
  std::vector<std::string_view> wanted = SplitList(request_headers);
  for (const auto& rule : config.rules) {
    bool origin_ok = false;
    for (const auto& o : rule.allowed_origins) origin_ok |= WildcardMatch(o, origin, false);
    if (!origin_ok) continue;
    bool method_ok = false;
    for (const auto& m : rule.allowed_methods) method_ok |= m == method;
    if (!method_ok) continue;
    bool headers_ok = true;
    for (std::string_view h : wanted) {
      bool allowed = false;
      for (const auto& pattern : rule.allowed_headers) allowed |= WildcardMatch(pattern, h, true);
      if (!allowed) {
        headers_ok = false;
        break;
      }
    }
    if (headers_ok) return &rule;
  }
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> CorsResponseHeaders(
    const CorsRule& rule, std::string_view origin, std::string_view request_headers,
    bool preflight) {
  std::vector<std::pair<std::string, std::string>> h;
  bool any_origin = false;
  for (const auto& o : rule.allowed_origins) any_origin |= o == "*";
  h.emplace_back("Access-Control-Allow-Origin", any_origin ? "*" : std::string(origin));
  if (!any_origin) h.emplace_back("Access-Control-Allow-Credentials", "true");
  h.emplace_back("Access-Control-Allow-Methods", Join(rule.allowed_methods));
  if (preflight && !TrimOws(request_headers).empty()) {
    h.emplace_back("Access-Control-Allow-Headers", std::string(TrimOws(request_headers)));
  }
  if (!rule.expose_headers.empty()) {
    h.emplace_back("Access-Control-Expose-Headers", Join(rule.expose_headers));
  }
  if (rule.max_age_seconds) {
    h.emplace_back("Access-Control-Max-Age", std::to_string(*rule.max_age_seconds));
  }
  h.emplace_back("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
  return h;
}

}  // namespace sos
