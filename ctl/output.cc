#include "ctl/output.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <ostream>

#include "ctl/exit_code.h"

namespace sos::ctl {

std::string FormatTable(const Table& table) {
  size_t ncols = table.columns.size();
  for (const auto& row : table.rows) ncols = std::max(ncols, row.size());
  if (ncols == 0) return "";
  std::vector<size_t> width(ncols, 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  };
  measure(table.columns);
  for (const auto& row : table.rows) measure(row);

  std::string out;
  auto emit = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < ncols; ++i) {
      const std::string cell = i < row.size() ? row[i] : "";
      bool right = i < table.right_aligned.size() && table.right_aligned[i];
      std::string pad(width[i] - cell.size(), ' ');
      if (i > 0) line += "  ";
      line += right ? pad + cell : cell + pad;
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  };
  if (!table.columns.empty()) emit(table.columns);
  for (const auto& row : table.rows) emit(row);
  return out;
}

std::string FormatSize(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f %s", value, kUnits[unit]);
  return buf;
}

namespace {

std::string FormatUtc(TimePoint t, const char* format) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), format, &tm);
  return buf;
}

}  // namespace

std::string FormatTime(TimePoint t) { return FormatUtc(t, "%Y-%m-%d %H:%M:%S"); }
std::string FormatTimeJson(TimePoint t) { return FormatUtc(t, "%Y-%m-%dT%H:%M:%SZ"); }

nlohmann::json ErrorJson(const Status& status) {
  std::string code = status.s3_code();
  if (code.empty()) code = std::string(StatusCodeName(status.code()));
  return {{"error",
           {{"code", code}, {"message", status.message()}, {"exit_code", ExitCodeFor(status)}}}};
}

std::string ErrorText(const Status& status) {
  if (status.s3_code().empty()) return status.message();
  return status.s3_code() + ": " + status.message();
}

void Output::Print(const nlohmann::json& doc, const Table& table) {
  if (json_) {
    out_ << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    out_ << FormatTable(table);
  }
  out_.flush();
}

void Output::Event(const nlohmann::json& doc, const std::string& line) {
  out_ << (json_ ? doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) : line)
       << "\n";
  out_.flush();
}

void Output::Print(const nlohmann::json& doc, const std::string& line) {
  if (json_) {
    out_ << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    out_ << line << "\n";
  }
  out_.flush();
}

void Output::Error(const Status& status) {
  err_ << "sosctl: " << (ExitCodeFor(status) == kExitUsage ? "usage: " : "error: ")
       << ErrorText(status) << "\n";
  err_.flush();
  if (json_) {
    out_ << ErrorJson(status).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    out_.flush();
  }
}

void Output::Warn(const std::string& message) {
  err_ << "sosctl: warning: " << message << "\n";
  err_.flush();
}

void Output::Note(const std::string& message) {
  if (json_) return;
  err_ << "sosctl: " << message << "\n";
  err_.flush();
}

}  // namespace sos::ctl
