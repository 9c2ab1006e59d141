// Output: where sosctl's results and errors go, in one of two forms.
//
// Human form (default): aligned tables and short lines on stdout, errors and
// warnings on stderr. JSON form (--json): exactly one JSON document on stdout
// per command, errors included ({"error": {...}}), so scripts can parse
// stdout whatever happened; the human error still goes to stderr.
// Formatting helpers (tables, sizes, times) are pure functions.
// Not thread-safe: one command writes through one Output.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "s3core/model.h"
#include "s3core/status.h"

namespace sos::ctl {

struct Table {
  std::vector<std::string> columns;            // header line; empty: no header
  std::vector<std::vector<std::string>> rows;  // each as long as columns (or the widest row)
  std::vector<bool> right_aligned;             // per column; missing means left
};

// Columns padded to their widest cell, separated by two spaces, no trailing
// blanks; each line ends in '\n'. An empty table renders as "".
std::string FormatTable(const Table& table);

// 0 -> "0 B", 1536 -> "1.5 KiB", 20 MiB -> "20.0 MiB".
std::string FormatSize(uint64_t bytes);
// "2026-11-25 04:50:09" (UTC).
std::string FormatTime(TimePoint t);
// "2026-11-25T04:50:09Z" for JSON.
std::string FormatTimeJson(TimePoint t);

// {"error": {"code": "NoSuchBucket", "message": "...", "exit_code": 3}}
nlohmann::json ErrorJson(const Status& status);
// "NoSuchBucket: The specified bucket does not exist."
std::string ErrorText(const Status& status);

class Output {
 public:
  Output(bool json, std::ostream& out, std::ostream& err) : json_(json), out_(out), err_(err) {}

  bool json() const { return json_; }
  // Prints `doc` (JSON form) or `table` (human form).
  void Print(const nlohmann::json& doc, const Table& table);
  // Prints `doc` (JSON form) or `line` plus '\n' (human form).
  void Print(const nlohmann::json& doc, const std::string& line);
  // One event of a long command (a file copied): `doc` as one compact JSON
  // line (JSON form, so that cp and sync print JSON Lines) or `line`.
  void Event(const nlohmann::json& doc, const std::string& line);
  // The error on stderr, and as a JSON document on stdout in JSON form.
  void Error(const Status& status);
  // "sosctl: warning: ..." on stderr, in both forms.
  void Warn(const std::string& message);
  // "sosctl: ..." on stderr in human form; JSON output carries the fact itself.
  void Note(const std::string& message);

 private:
  bool json_;
  std::ostream& out_;
  std::ostream& err_;
};

}  // namespace sos::ctl
