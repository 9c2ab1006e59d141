#include "ctl/aliases.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ctl/exit_code.h"

namespace sos::ctl {

std::string AliasFilePath(const EnvLookup& env) {
  const char* xdg = env("XDG_CONFIG_HOME");
  if (xdg != nullptr && *xdg != '\0') return std::string(xdg) + "/sos/aliases.json";
  const char* home = env("HOME");
  if (home != nullptr && *home != '\0') return std::string(home) + "/.config/sos/aliases.json";
  return "";
}

Status CheckAliasName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 63 && name != "s3";
  for (char c : name)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
  if (!ok) {
    return UsageError("alias name '" + name +
                      "' must be 1-63 letters, digits, '-' or '_' (and not 's3')");
  }
  return Status::Ok();
}

Result<AliasMap> LoadAliases(const std::string& path) {
  AliasMap aliases;
  if (path.empty()) return aliases;
  std::ifstream in(path);
  if (!in) {
    // Only a file that is not there means "no alias"; an unreadable one must
    // not be taken for empty (a later save would erase it).
    if (errno == ENOENT) return aliases;
    return StatusFromErrno(errno, "cannot read alias file " + path);
  }
  try {
    nlohmann::json doc = nlohmann::json::parse(in);
    for (const auto& [name, entry] : doc.at("aliases").items()) {
      aliases[name] = Alias{entry.at("url").get<std::string>(), entry.value("profile", "")};
    }
  } catch (const nlohmann::json::exception& e) {
    return UsageError("malformed alias file " + path + ": " + e.what());
  }
  return aliases;
}

Status SaveAliases(const std::string& path, const AliasMap& aliases) {
  if (path.empty()) return UsageError("neither XDG_CONFIG_HOME nor HOME is set: nowhere to save");
  std::string dir = path.substr(0, path.rfind('/'));
  std::string parent = dir.substr(0, dir.rfind('/'));
  // ~/.config may not exist yet; the sos directory itself is private.
  if (::mkdir(parent.c_str(), 0700) != 0 && errno != EEXIST) {
    return StatusFromErrno(errno, "cannot create " + parent);
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return StatusFromErrno(errno, "cannot create " + dir);
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return UsageError(dir + " is not a directory");
  }
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) {
    return StatusFromErrno(errno, "cannot make " + dir + " private");
  }
  nlohmann::json doc = {{"aliases", nlohmann::json::object()}};
  for (const auto& [name, alias] : aliases) {
    doc["aliases"][name] = {{"url", alias.url}, {"profile", alias.profile}};
  }
  std::string text = doc.dump(2) + "\n";
  std::string tmp = path + ".XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);  // a new file, 0600, never through a link
  if (fd < 0) return StatusFromErrno(errno, "cannot create a file in " + dir);
  bool written = ::fchmod(fd, 0600) == 0 &&
                 ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                 ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!written || ::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = StatusFromErrno(written ? errno : saved, "cannot write " + path);
    ::unlink(tmp.c_str());
    return s;
  }
  return Status::Ok();
}

}  // namespace sos::ctl
