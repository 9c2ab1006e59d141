// Time formats of the S3 protocol.
//
//   ISO 8601 basic     20150830T123600Z           SigV4 x-amz-date, X-Amz-Date
//   ISO 8601 extended  2015-08-30T12:36:00.000Z   XML LastModified, CreationDate
//   RFC 1123 (HTTP)    Sun, 30 Aug 2015 12:36:00 GMT  Date, Last-Modified, If-*-Since
//
// All in UTC. Parsers return nullopt on anything malformed. Pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sos {

using TimePoint = std::chrono::system_clock::time_point;

std::string FormatIso8601Basic(TimePoint t);     // 20150830T123600Z
std::string FormatIso8601Extended(TimePoint t);  // 2015-08-30T12:36:00.000Z
std::string FormatHttpDate(TimePoint t);         // Sun, 30 Aug 2015 12:36:00 GMT

std::optional<TimePoint> ParseIso8601Basic(std::string_view s);
// Accepts optional fractional seconds and a trailing Z.
std::optional<TimePoint> ParseIso8601Extended(std::string_view s);
// Accepts RFC 1123, RFC 850 and asctime forms, as HTTP/1.1 requires.
std::optional<TimePoint> ParseHttpDate(std::string_view s);

}  // namespace sos
