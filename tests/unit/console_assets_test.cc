// The console's embedded files: what sosd can serve, and that the page is
// whole (every module import resolves to an embedded file) and keeps to its
// Content-Security-Policy (no inline script or style, nothing from another
// origin).
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "console/console_assets.h"

namespace sos::console {
namespace {

TEST(ConsoleAssetsTest, TheEntryPointsAreEmbedded) {
  for (const char* path : {"index.html", "app.css", "icon.svg", "js/app.js", "js/sigv4.js"}) {
    const Asset* asset = FindAsset(path);
    ASSERT_NE(asset, nullptr) << path;
    EXPECT_FALSE(asset->body.empty()) << path;
  }
  EXPECT_EQ(FindAsset("index.html")->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(FindAsset("js/app.js")->content_type, "text/javascript; charset=utf-8");
}

TEST(ConsoleAssetsTest, OnlyExactPathsAreFound) {
  for (const char* path : {"", "/index.html", "../index.html", "js", "js/", "./index.html",
                           "INDEX.HTML", "index.html/", "CMakeLists.txt", "embed.cmake"}) {
    EXPECT_EQ(FindAsset(path), nullptr) << path;
  }
}

std::string Resolve(const std::string& from, std::string relative) {
  std::string dir = from.substr(0, from.rfind('/') + 1);
  while (relative.rfind("../", 0) == 0) {
    relative = relative.substr(3);
    dir = dir.substr(0, dir.rfind('/', dir.size() - 2) + 1);
  }
  if (relative.rfind("./", 0) == 0) relative = relative.substr(2);
  return dir + relative;
}

TEST(ConsoleAssetsTest, EveryModuleImportIsEmbedded) {
  const std::regex import_re(R"(from '(\.{1,2}/[^']+)')");
  int imports = 0;
  for (const Asset& asset : Assets()) {
    if (asset.path.substr(asset.path.size() - 3) != ".js") continue;
    std::string body(asset.body);
    for (std::sregex_iterator it(body.begin(), body.end(), import_re), end; it != end; ++it) {
      const std::string target = Resolve(std::string(asset.path), (*it)[1]);
      EXPECT_NE(FindAsset(target), nullptr) << asset.path << " imports " << target;
      ++imports;
    }
  }
  EXPECT_GT(imports, 10);
}

TEST(ConsoleAssetsTest, ThePageKeepsToItsPolicy) {
  std::string html(FindAsset("index.html")->body);
  // Scripts only from files of this origin, no inline script or style.
  const std::regex script_re(R"(<script[^>]*>)");
  for (std::sregex_iterator it(html.begin(), html.end(), script_re), end; it != end; ++it) {
    EXPECT_NE(it->str().find("src=\"js/"), std::string::npos) << it->str();
  }
  EXPECT_EQ(html.find("<style"), std::string::npos);
  EXPECT_EQ(html.find("style="), std::string::npos);
  for (const Asset& asset : Assets()) {
    std::string body(asset.body);
    EXPECT_EQ(body.find("innerHTML"), std::string::npos) << asset.path;
    EXPECT_EQ(body.find("setAttribute('style'"), std::string::npos) << asset.path;
    EXPECT_EQ(body.find("https://"), std::string::npos) << asset.path;
    EXPECT_EQ(body.find("localStorage.setItem"), std::string::npos) << asset.path;
  }
}

}  // namespace
}  // namespace sos::console
