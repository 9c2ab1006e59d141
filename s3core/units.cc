#include "s3core/units.h"

#include <cstdint>
#include <limits>
#include <utility>

namespace sos {
namespace {

constexpr int64_t kSecond = 1000;

// Milliseconds per unit; 0 for an unknown unit.
int64_t DurationUnit(std::string_view unit) {
  static constexpr std::pair<std::string_view, int64_t> kUnits[] = {
      {"ms", 1},           {"s", kSecond},          {"m", 60 * kSecond},
      {"h", 3600 * kSecond}, {"d", 86400 * kSecond}, {"w", 7 * 86400 * kSecond}};
  for (const auto& [name, ms] : kUnits) {
    if (unit == name) return ms;
  }
  return 0;
}

// Bytes per unit; 0 for an unknown unit.
uint64_t SizeUnit(std::string_view unit) {
  if (unit.empty()) return 1;
  constexpr std::string_view kPrefixes = "kmgt";
  char first = unit[0] >= 'A' && unit[0] <= 'Z' ? static_cast<char>(unit[0] - 'A' + 'a') : unit[0];
  size_t power = kPrefixes.find(first);
  std::string_view rest = unit.substr(1);
  if (power == std::string_view::npos || !(rest.empty() || rest == "B" || rest == "iB")) return 0;
  return uint64_t{1} << (10 * (power + 1));
}

// Leading digits of `text` as a number; false if none or on overflow.
bool TakeNumber(std::string_view* text, uint64_t* out) {
  size_t i = 0;
  uint64_t value = 0;
  for (; i < text->size() && (*text)[i] >= '0' && (*text)[i] <= '9'; ++i) {
    if (value > (std::numeric_limits<uint64_t>::max() - 9) / 10) return false;
    value = value * 10 + static_cast<uint64_t>((*text)[i] - '0');
  }
  if (i == 0) return false;
  text->remove_prefix(i);
  *out = value;
  return true;
}

}  // namespace

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  const std::string original(text);
  auto bad = [&] {
    return Status::InvalidArgument("invalid duration '" + original +
                                   "' (examples: 500ms, 90s, 15m, 2h, 7d, 1h30m)");
  };
  if (text.empty()) return bad();
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t total = 0;
  bool first = true;
  while (!text.empty()) {
    uint64_t value = 0;
    if (!TakeNumber(&text, &value)) return bad();
    size_t unit_end = 0;
    while (unit_end < text.size() && (text[unit_end] < '0' || text[unit_end] > '9')) ++unit_end;
    std::string_view unit_text = text.substr(0, unit_end);
    text.remove_prefix(unit_end);
    // A bare number is seconds, but only alone: "1h30" is ambiguous.
    if (unit_text.empty() && !(first && text.empty())) return bad();
    const auto unit = static_cast<uint64_t>(unit_text.empty() ? kSecond : DurationUnit(unit_text));
    if (unit == 0 || value > (kMax - total) / unit) return bad();
    total += value * unit;
    first = false;
  }
  return std::chrono::milliseconds(static_cast<int64_t>(total));
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  int64_t left = duration.count();
  if (left <= 0) return "0s";
  std::string out;
  for (auto [unit, ms] : {std::pair{"d", 86400 * kSecond}, {"h", 3600 * kSecond},
                          {"m", 60 * kSecond}, {"s", kSecond}, {"ms", int64_t{1}}}) {
    if (left >= ms) {
      out += std::to_string(left / ms) + unit;
      left %= ms;
    }
  }
  return out;
}

Result<uint64_t> ParseSize(std::string_view text) {
  const std::string original(text);
  auto bad = [&] {
    return Status::InvalidArgument("invalid size '" + original +
                                   "' (examples: 1024, 64k, 512M, 4G, 1KiB)");
  };
  uint64_t value = 0;
  if (!TakeNumber(&text, &value)) return bad();
  const uint64_t unit = SizeUnit(text);
  if (unit == 0 || value > std::numeric_limits<uint64_t>::max() / unit) return bad();
  return value * unit;
}

}  // namespace sos
