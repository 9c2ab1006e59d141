// The web console's files, embedded in sosd at build time (embed.cmake).
// Paths are relative to /-/console/ ("index.html", "js/app.js"). Immutable
// after start-up; thread-safe.
#pragma once

#include <string_view>
#include <vector>

namespace sos::console {

struct Asset {
  std::string_view path;
  std::string_view content_type;
  std::string_view body;
};

// Every embedded file (generated).
const std::vector<Asset>& Assets();

// The file at `path`, or nullptr. An exact match only: no directories, no
// "..", nothing outside the embedded set can be named.
const Asset* FindAsset(std::string_view path);

}  // namespace sos::console
