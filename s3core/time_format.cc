#include "s3core/time_format.h"

#include <time.h>

#include <cstdio>
#include <cstring>

namespace sos {
namespace {

std::tm ToUtc(TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

std::string Format(TimePoint t, const char* fmt) {
  std::tm tm = ToUtc(t);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, fmt, &tm);
  return std::string(buf, n);
}

// strptime with the C locale; the whole input must be consumed.
std::optional<TimePoint> Parse(std::string_view s, const char* fmt) {
  std::string copy(s);
  std::tm tm{};
  const char* end = strptime(copy.c_str(), fmt, &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  std::time_t secs = timegm(&tm);
  if (secs == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(secs);
}

}  // namespace

std::string FormatIso8601Basic(TimePoint t) { return Format(t, "%Y%m%dT%H%M%SZ"); }

std::string FormatIso8601Extended(TimePoint t) {
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  if (ms < 0) ms += 1000;
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03lldZ", static_cast<long long>(ms));
  return Format(t, "%Y-%m-%dT%H:%M:%S") + frac;
}

std::string FormatHttpDate(TimePoint t) { return Format(t, "%a, %d %b %Y %H:%M:%S GMT"); }

std::optional<TimePoint> ParseIso8601Basic(std::string_view s) {
  if (s.size() != 16) return std::nullopt;
  return Parse(s, "%Y%m%dT%H%M%SZ");
}

std::optional<TimePoint> ParseIso8601Extended(std::string_view s) {
  // Split off fractional seconds and zone: "YYYY-MM-DDTHH:MM:SS[.fff][Z]"
  if (s.size() < 19) return std::nullopt;
  std::string_view head = s.substr(0, 19);
  std::string_view tail = s.substr(19);
  std::chrono::milliseconds extra{0};
  if (!tail.empty() && tail.front() == '.') {
    size_t i = 1;
    int digits = 0;
    long value = 0;
    while (i < tail.size() && tail[i] >= '0' && tail[i] <= '9') {
      if (digits < 3) value = value * 10 + (tail[i] - '0'), ++digits;
      ++i;
    }
    if (i == 1) return std::nullopt;
    while (digits < 3) value *= 10, ++digits;
    extra = std::chrono::milliseconds(value);
    tail = tail.substr(i);
  }
  if (tail == "Z" || tail == "+00:00") tail = {};
  if (!tail.empty()) return std::nullopt;
  auto base = Parse(head, "%Y-%m-%dT%H:%M:%S");
  if (!base) return std::nullopt;
  return *base + extra;
}

std::optional<TimePoint> ParseHttpDate(std::string_view s) {
  if (auto t = Parse(s, "%a, %d %b %Y %H:%M:%S GMT")) return t;  // RFC 1123
  if (auto t = Parse(s, "%A, %d-%b-%y %H:%M:%S GMT")) return t;  // RFC 850
  if (auto t = Parse(s, "%a %b %d %H:%M:%S %Y")) return t;       // asctime
  return std::nullopt;
}

}  // namespace sos
