#include "s3core/time_format.h"

#include <time.h>

#include <algorithm>
#include <cstdio>

namespace sos {
namespace {

constexpr int64_t kLatestSeconds =
    std::chrono::duration_cast<std::chrono::seconds>(kLatestTime.time_since_epoch()).count();

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

struct CivilTime {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
};

// nullopt for a field out of range or a day its month does not have; the
// arithmetic is on 64-bit seconds, which any year 0..9999 fits.
std::optional<TimePoint> FromCivil(const CivilTime& c) {
  if (c.year < 0 || c.year > 9999 || c.month < 1 || c.month > 12 || c.day < 1 || c.day > 31 ||
      c.hour < 0 || c.hour > 23 || c.minute < 0 || c.minute > 59 || c.second < 0 || c.second > 60) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year{c.year},
                                         std::chrono::month{static_cast<unsigned>(c.month)},
                                         std::chrono::day{static_cast<unsigned>(c.day)}};
  if (!date.ok()) return std::nullopt;  // Feb 30, Apr 31, Feb 29 of a common year
  const int64_t days = std::chrono::sys_days{date}.time_since_epoch().count();
  return TimeFromUnixSeconds(days * 86400 + int64_t{c.hour} * 3600 + c.minute * 60 + c.second);
}

// Reads `s` laid out as `layout`: each Y, M, D, h, m or s stands for one digit
// of that field; any other character must be itself.
std::optional<CivilTime> ReadFixed(std::string_view s, std::string_view layout) {
  constexpr std::string_view kFieldLetters = "YMDhms";
  if (s.size() != layout.size()) return std::nullopt;
  int fields[6] = {};
  for (size_t i = 0; i < s.size(); ++i) {
    size_t f = kFieldLetters.find(layout[i]);
    if (f == std::string_view::npos) {
      if (s[i] != layout[i]) return std::nullopt;
    } else if (s[i] >= '0' && s[i] <= '9') {
      fields[f] = fields[f] * 10 + (s[i] - '0');
    } else {
      return std::nullopt;
    }
  }
  return CivilTime{fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]};
}

// strptime with the C locale for the shape; the whole input must be consumed.
// The fields are then checked and converted like the fixed layouts (timegm
// would turn Feb 30 into Mar 2).
std::optional<TimePoint> Parse(std::string_view s, const char* fmt) {
  std::string copy(s);
  std::tm tm{};
  const char* end = strptime(copy.c_str(), fmt, &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  if (tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) return std::nullopt;
  return FromCivil(
      {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec});
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
  auto civil = ReadFixed(s, "YYYYMMDDThhmmssZ");
  if (!civil) return std::nullopt;
  return FromCivil(*civil);
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
  auto civil = ReadFixed(head, "YYYY-MM-DDThh:mm:ss");
  auto base = civil ? FromCivil(*civil) : std::nullopt;
  if (!base) return std::nullopt;
  return std::min(*base + extra, kLatestTime);
}

std::optional<TimePoint> ParseHttpDate(std::string_view s) {
  if (auto t = Parse(s, "%a, %d %b %Y %H:%M:%S GMT")) return t;  // RFC 1123
  if (auto t = Parse(s, "%A, %d-%b-%y %H:%M:%S GMT")) return t;  // RFC 850
  if (auto t = Parse(s, "%a %b %d %H:%M:%S %Y")) return t;       // asctime
  return std::nullopt;
}

TimePoint TimeFromUnixSeconds(int64_t seconds) {
  return TimePoint(std::chrono::seconds(std::clamp<int64_t>(seconds, 0, kLatestSeconds)));
}

}  // namespace sos
