#include "ctl/duration.h"

#include <cstdint>
#include <limits>

namespace sos::ctl {
namespace {

int64_t UnitSeconds(char unit) {
  switch (unit) {
    case 's':
      return 1;
    case 'm':
      return 60;
    case 'h':
      return 3600;
    case 'd':
      return 86400;
    case 'w':
      return 7 * 86400;
    default:
      return 0;
  }
}

}  // namespace

Result<std::chrono::seconds> ParseDuration(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument("invalid duration '" + std::string(text) +
                                   "' (examples: 90s, 15m, 2h, 7d, 1h30m)");
  };
  if (text.empty()) return bad();
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    int64_t value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (value > (std::numeric_limits<int64_t>::max() - 9) / 10) return bad();
      value = value * 10 + (text[i] - '0');
      ++i;
    }
    if (i == start) return bad();
    int64_t unit = 1;
    if (i < text.size()) {
      unit = UnitSeconds(text[i]);
      if (unit == 0) return bad();
      ++i;
    } else if (start != 0) {
      return bad();  // "1h30" is ambiguous: every part after the first needs a unit
    }
    if (value > (std::numeric_limits<int64_t>::max() - total) / unit) return bad();
    total += value * unit;
  }
  return std::chrono::seconds(total);
}

std::string FormatDuration(std::chrono::seconds duration) {
  int64_t left = duration.count();
  if (left <= 0) return "0s";
  std::string out;
  for (auto [unit, seconds] : {std::pair{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}}) {
    if (left >= seconds) {
      out += std::to_string(left / seconds) + unit;
      left %= seconds;
    }
  }
  return out;
}

}  // namespace sos::ctl
