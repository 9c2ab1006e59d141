#include "s3core/client/credentials.h"

#include <sys/stat.h>

#include <algorithm>
#include <boost/property_tree/ini_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <cstdlib>
#include <fstream>

namespace sos {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string Trim(std::string s) {
  const char* ws = " \t\r\n";
  s.erase(0, s.find_first_not_of(ws));
  s.erase(s.find_last_not_of(ws) + 1);
  return s;
}

}  // namespace

Result<Credentials> CredentialsFromEnvironment() {
  Credentials c{Env("AWS_ACCESS_KEY_ID"), Env("AWS_SECRET_ACCESS_KEY"), Env("AWS_SESSION_TOKEN")};
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Status::NotFound("AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set");
  }
  return c;
}

Result<Credentials> CredentialsFromProfile(const std::string& profile, const std::string& path) {
  std::string file = path;
  if (file.empty()) file = Env("AWS_SHARED_CREDENTIALS_FILE");
  if (file.empty()) {
    std::string home = Env("HOME");
    if (home.empty()) return Status::NotFound("HOME is not set; no AWS credentials file");
    file = home + "/.aws/credentials";
  }
  std::string name = !profile.empty() ? profile : Env("AWS_PROFILE");
  if (name.empty()) name = "default";

  boost::property_tree::ptree tree;
  try {
    boost::property_tree::ini_parser::read_ini(file, tree);
  } catch (const boost::property_tree::ini_parser_error& e) {
    if (e.line() == 0) return Status::NotFound("cannot read credentials file " + file);
    return Status::InvalidArgument("malformed credentials file " + file + " line " +
                                   std::to_string(e.line()) + ": " + e.message());
  }
  auto section = tree.get_child_optional(boost::property_tree::ptree::path_type(name, '\0'));
  if (!section) return Status::NotFound("profile '" + name + "' not found in " + file);
  Credentials c{Trim(section->get("aws_access_key_id", "")),
                Trim(section->get("aws_secret_access_key", "")),
                Trim(section->get("aws_session_token", ""))};
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Status::InvalidArgument("profile '" + name + "' in " + file + " lacks keys");
  }
  return c;
}

Result<Credentials> CredentialsFromPasswdFile(const std::string& path, const std::string& bucket) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::NotFound("cannot stat passwd file " + path);
  // Like s3fs: secrets readable by others are a configuration error, not a warning.
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    return Status::PermissionDenied(
        "passwd file " + path + " must not be accessible by group or others (chmod 600)", "");
  }
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read passwd file " + path);
  std::optional<Credentials> fallback;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    // Every field counts, empty ones too: "bucket:AK:" is a line with an empty
    // secret, not the credentials "bucket" and "AK".
    std::vector<std::string> fields;
    for (size_t start = 0;;) {
      size_t colon = line.find(':', start);
      fields.push_back(line.substr(start, colon - start));
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    bool empty_field =
        std::any_of(fields.begin(), fields.end(), [](const std::string& f) { return f.empty(); });
    if (empty_field) fields.clear();  // malformed, below
    if (fields.size() == 2) {
      if (!fallback) fallback = Credentials{fields[0], fields[1], ""};
    } else if (fields.size() == 3) {
      if (!bucket.empty() && fields[0] == bucket) return Credentials{fields[1], fields[2], ""};
    } else {
      return Status::InvalidArgument("malformed passwd file " + path + " line " +
                                     std::to_string(lineno) +
                                     ": expected ACCESS:SECRET or BUCKET:ACCESS:SECRET");
    }
  }
  if (fallback) return *fallback;
  return Status::NotFound("no credentials for bucket '" + bucket + "' in " + path);
}

Result<Credentials> LoadDefaultCredentials(const std::string& profile) {
  if (profile.empty()) {
    auto env = CredentialsFromEnvironment();
    if (env.ok()) return env;
  }
  return CredentialsFromProfile(profile);
}

}  // namespace sos
