// Time formats of the S3 protocol.
//
//   ISO 8601 basic     20150830T123600Z           SigV4 x-amz-date, X-Amz-Date
//   ISO 8601 extended  2015-08-30T12:36:00.000Z   XML LastModified, CreationDate
//   RFC 1123 (HTTP)    Sun, 30 Aug 2015 12:36:00 GMT  Date, Last-Modified, If-*-Since
//
// All in UTC. Parsers return nullopt on anything malformed: a field out of its
// range, a day the month does not have (Feb 30), a year not of four digits.
// Second 60 (a leap second) is accepted and counts as the next minute's 00.
//
// Accepted range. A TimePoint counts nanoseconds in 64 bits, so it ends in
// April 2262; client text is not trusted to stay there. Parsers accept years
// 0000..9999 and clamp the result into [kEarliestTime, kLatestTime], as does
// TimeFromUnixSeconds for any int64 count: any two times of that range differ
// by less than a TimePoint can hold, and kLatestTime plus 100 days still fits,
// so a skew check, an expiry of days or a difference of two such times cannot
// overflow. Clamping keeps the order against any real clock: year 9999 stays
// later, year 0 earlier, than every time a store or a request can have.
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sos {

using TimePoint = std::chrono::system_clock::time_point;

inline constexpr TimePoint kEarliestTime{};  // 1970-01-01T00:00:00Z
inline constexpr TimePoint kLatestTime{
    std::chrono::sys_days{std::chrono::year{2262} / std::chrono::January / 1}};

std::string FormatIso8601Basic(TimePoint t);     // 20150830T123600Z
std::string FormatIso8601Extended(TimePoint t);  // 2015-08-30T12:36:00.000Z
std::string FormatHttpDate(TimePoint t);         // Sun, 30 Aug 2015 12:36:00 GMT

std::optional<TimePoint> ParseIso8601Basic(std::string_view s);
// Accepts optional fractional seconds and a trailing Z.
std::optional<TimePoint> ParseIso8601Extended(std::string_view s);
// Accepts RFC 1123, RFC 850 and asctime forms, as HTTP/1.1 requires.
std::optional<TimePoint> ParseHttpDate(std::string_view s);

// Seconds since the epoch (e.g. a query's Expires), clamped into
// [kEarliestTime, kLatestTime].
TimePoint TimeFromUnixSeconds(int64_t seconds);

}  // namespace sos
