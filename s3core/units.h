// Durations and sizes as people type them: one syntax for every program
// (sosd's flags and config file, sosfs's mount options, sosctl's flags).
//
// Duration: a number with a unit -- ms, s, m, h, d, w -- or a sum of such
// terms ("1h30m"); a bare number is seconds. Size: a number with an optional
// binary unit -- k, M, G, T, each also as KiB/KB, MiB/MB, ... (all powers of
// 1024); a bare number is bytes. Digits only: no sign, space or fraction.
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "s3core/status.h"

namespace sos {

// InvalidArgument for an empty, negative, malformed or overflowing duration.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);
// The shortest exact form: 900 s -> "15m", 5400 s -> "1h30m", 1500 ms -> "1s500ms", 0 -> "0s".
std::string FormatDuration(std::chrono::milliseconds duration);

// InvalidArgument for an empty, malformed or overflowing size.
Result<uint64_t> ParseSize(std::string_view text);

}  // namespace sos
