// Durations as people type them on a command line: "900", "90s", "15m",
// "2h", "7d", and sums of those ("1h30m"). A bare number is seconds.
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "s3core/status.h"

namespace sos::ctl {

// InvalidArgument for an empty, negative, malformed or overflowing duration.
Result<std::chrono::seconds> ParseDuration(std::string_view text);

// The shortest exact form: 900 -> "15m", 5400 -> "1h30m", 0 -> "0s".
std::string FormatDuration(std::chrono::seconds duration);

}  // namespace sos::ctl
