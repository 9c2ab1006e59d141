#include "s3core/client/credentials.h"

#include <sys/stat.h>

#include <algorithm>
#include <boost/property_tree/ini_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <cstdlib>
#include <fstream>
#include <map>

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

namespace {

// The file named by `path`, else by the environment variable, else ~/RELATIVE.
Result<std::string> AwsFile(const std::string& path, const char* variable, const char* relative) {
  if (!path.empty()) return path;
  std::string file = Env(variable);
  if (!file.empty()) return file;
  std::string home = Env("HOME");
  if (home.empty()) return Status::NotFound(std::string("HOME is not set; no ~/") + relative);
  return home + "/" + relative;
}

Result<boost::property_tree::ptree> ReadIni(const std::string& file, const char* what) {
  boost::property_tree::ptree tree;
  try {
    boost::property_tree::ini_parser::read_ini(file, tree);
  } catch (const boost::property_tree::ini_parser_error& e) {
    if (e.line() == 0) return Status::NotFound(std::string("cannot read ") + what + " " + file);
    return Status::InvalidArgument(std::string("malformed ") + what + " " + file + " line " +
                                   std::to_string(e.line()) + ": " + e.message());
  }
  return tree;
}

std::string ProfileName(const std::string& profile) {
  std::string name = !profile.empty() ? profile : Env("AWS_PROFILE");
  return name.empty() ? "default" : name;
}

}  // namespace

Result<Credentials> CredentialsFromProfile(const std::string& profile, const std::string& path) {
  SOS_ASSIGN_OR_RETURN(std::string file,
                       AwsFile(path, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"));
  std::string name = ProfileName(profile);
  SOS_ASSIGN_OR_RETURN(boost::property_tree::ptree tree, ReadIni(file, "credentials file"));
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

Result<AwsProfileConfig> AwsConfigProfile(const std::string& profile, const std::string& path) {
  SOS_ASSIGN_OR_RETURN(std::string file, AwsFile(path, "AWS_CONFIG_FILE", ".aws/config"));
  std::ifstream in(file);
  if (!in) return Status::NotFound("cannot read config file " + file);
  // A line reader, not an INI parser: the file may hold sections and nested
  // keys other tools wrote ("s3 =" then indented "endpoint_url = ..."), and
  // only the chosen profile's own keys matter here. The config file names
  // sections "profile NAME", except "default".
  const std::string name = ProfileName(profile);
  const std::string wanted = name == "default" ? name : "profile " + name;
  bool in_section = false, found = false;
  std::string parent;  // the top-level key an indented line belongs to
  std::map<std::string, std::string> top;
  std::string s3_endpoint;
  for (std::string line; std::getline(in, line);) {
    std::string text = Trim(line);
    if (text.empty() || text[0] == '#' || text[0] == ';') continue;
    if (text[0] == '[') {
      std::string section = Trim(text.substr(1, text.find(']') - 1));
      in_section = section == wanted || (name == "default" && section == "profile default");
      found = found || in_section;
      parent.clear();
      continue;
    }
    size_t eq = text.find('=');
    if (!in_section || eq == std::string::npos) continue;
    std::string key = Trim(text.substr(0, eq)), value = Trim(text.substr(eq + 1));
    if (line[0] != ' ' && line[0] != '\t') {
      parent = value.empty() ? key : "";
      top[key] = value;
    } else if (parent == "s3" && key == "endpoint_url") {
      s3_endpoint = value;
    }
  }
  if (!found) return Status::NotFound("profile '" + name + "' not found in " + file);
  return AwsProfileConfig{s3_endpoint.empty() ? top["endpoint_url"] : s3_endpoint, top["region"],
                          top["ca_bundle"]};
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
