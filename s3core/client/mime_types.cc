#include "s3core/client/mime_types.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

namespace sos {
namespace {

using ExtensionMap = std::map<std::string, std::string>;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Lines are "type/subtype ext ext ..."; '#' starts a comment.
ExtensionMap Load(const std::string& path) {
  ExtensionMap map;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string type, ext;
    if (!(words >> type) || type.find('/') == std::string::npos) continue;
    while (words >> ext) map.emplace(Lower(ext), type);  // the first type listed wins
  }
  return map;
}

}  // namespace

std::string ContentTypeFor(const std::string& file_name, const std::string& mime_types) {
  static std::mutex mu;
  static std::map<std::string, ExtensionMap> tables;
  std::string base = file_name.substr(file_name.rfind('/') + 1);
  size_t dot = base.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == base.size()) return "";
  std::lock_guard lock(mu);
  auto it = tables.find(mime_types);
  if (it == tables.end()) it = tables.emplace(mime_types, Load(mime_types)).first;
  auto type = it->second.find(Lower(base.substr(dot + 1)));
  return type == it->second.end() ? "" : type->second;
}

}  // namespace sos
