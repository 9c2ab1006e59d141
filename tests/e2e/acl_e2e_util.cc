#include "tests/e2e/acl_e2e_util.h"

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "s3core/body.h"
#include "s3core/uri.h"
#include "s3core/xml_codec.h"

namespace sos::testing {
namespace {

size_t CollectBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

size_t CollectHeader(char* data, size_t size, size_t n, void* out) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(out);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) headers->clear();  // a new response (after 100-continue)
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    (*headers)[AsciiLower(line.substr(0, colon))] = value;
  }
  return size * n;
}

Reply FromResponse(const S3Response& r) {
  Reply out;
  out.status = r.status;
  for (const auto& [name, value] : r.headers) out.headers[AsciiLower(name)] = value;
  out.body = r.body;
  return out;
}

std::string PathOf(const std::string& bucket, const std::string& key) {
  std::string path = "/" + bucket;
  if (!key.empty()) path += "/" + UriEncode(key, /*encode_slash=*/false);
  return path;
}

std::string QueryOf(const HeaderList& query) {
  std::string out;
  for (const auto& [name, value] : query) {
    out += out.empty() ? "?" : "&";
    out += UriEncode(name, true);
    if (!value.empty()) out += "=" + UriEncode(value, true);
  }
  return out;
}

}  // namespace

std::string Reply::Header(const std::string& name) const {
  auto it = headers.find(AsciiLower(name));
  return it == headers.end() ? "" : it->second;
}

std::string Reply::Code() const {
  auto e = DecodeError(body);
  return e.ok() ? e->code : "";
}

Principal WithKey(std::string name, std::string id, std::string access_key, std::string secret) {
  Principal p;
  p.name = std::move(name);
  p.id = std::move(id);
  p.access_key = std::move(access_key);
  p.secret_key = std::move(secret);
  S3ClientOptions options;
  options.endpoint = Sosd().endpoint();
  options.credentials = {p.access_key, p.secret_key, ""};
  options.max_retries = 0;
  p.client = std::make_shared<S3HttpClient>(options);
  return p;
}

Principal Root() {
  static const Principal root = [] {
    Principal p = WithKey("root", "", Sosd().access_key(), Sosd().secret_key());
    Reply r = Admin(p, "GET", "orgs/root");
    auto doc = nlohmann::json::parse(r.body, nullptr, false);
    if (r.status == 200 && doc.is_object()) p.id = doc.value("id", "");
    return p;
  }();
  return root;
}

Principal Anonymous() {
  Principal p;
  p.name = "anonymous";
  return p;
}

Reply Send(const Principal& who, const std::string& method, const std::string& bucket,
           const std::string& key, const HeaderList& query, const HeaderList& headers,
           const std::string& body) {
  if (who.anonymous()) {
    return Fetch(method, Sosd().endpoint() + PathOf(bucket, key) + QueryOf(query), headers, body);
  }
  S3Request request;
  request.method = method;
  request.bucket = bucket;
  request.key = key;
  request.query = query;
  request.headers = headers;
  StringViewSource source(body);
  if (!body.empty() || method == "PUT" || method == "POST") request.body = &source;
  S3Response error;
  request.error_response = &error;
  auto result = who.client->Execute(request);
  if (result.ok()) return FromResponse(*result);
  Reply reply = FromResponse(error);
  if (reply.status == 0) reply.body = result.status().ToString();
  return reply;
}

Reply Fetch(const std::string& method, const std::string& url, const HeaderList& headers,
            const std::string& body) {
  Reply reply;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return reply;
  curl_slist* list = nullptr;
  for (const auto& [name, value] : headers) {
    list = curl_slist_append(list, (name + ": " + value).c_str());
  }
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, CollectHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.headers);
  if (method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (method != "GET" || !body.empty()) {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method == "PUT" || method == "POST" || !body.empty()) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
  }
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return reply;
}

Reply CurlCli(const std::string& method, const std::string& url,
              const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {"/usr/bin/curl", "-s", "-i", "--globoff", "--max-time", "60"};
  if (method == "HEAD") {
    argv.push_back("-I");
  } else {
    argv.insert(argv.end(), {"-X", method});
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(url);
  ProgramResult r = RunProgram(argv, {"PATH=/usr/bin:/bin"}, std::chrono::seconds(90));
  Reply reply;
  std::string rest = r.output;
  // Skip interim (1xx) responses.
  while (true) {
    size_t end = rest.find("\r\n\r\n");
    if (r.exit_code != 0 || end == std::string::npos || rest.rfind("HTTP/", 0) != 0) {
      reply.body = r.output;
      return reply;
    }
    std::string head = rest.substr(0, end);
    rest = rest.substr(end + 4);
    size_t sp = head.find(' ');
    reply.status = std::atol(head.c_str() + sp + 1);
    if (reply.status >= 200) {
      std::map<std::string, std::string> headers;
      size_t pos = head.find("\r\n");
      while (pos != std::string::npos) {
        size_t next = head.find("\r\n", pos + 2);
        std::string line =
            head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
        CollectHeader(line.data(), 1, line.size(), &headers);
        pos = next;
      }
      reply.headers = std::move(headers);
      reply.body = rest;
      return reply;
    }
  }
}

Reply Admin(const Principal& who, const std::string& method, const std::string& path_after_admin,
            const std::string& json_body) {
  HeaderList headers;
  if (!json_body.empty()) headers.emplace_back("content-type", "application/json");
  return Send(who, method, "-", "admin/" + path_after_admin, {}, headers, json_body);
}

Principal CreateOrg(const std::string& name) {
  Reply r = Admin(Root(), "POST", "orgs", nlohmann::json{{"name", name}}.dump());
  auto doc = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status != 201 || !doc.is_object()) {
    ADD_FAILURE() << "creating organisation " << name << ": " << r.status << " " << r.body;
    return Principal{name, "", "", "", nullptr};
  }
  return WithKey(name, doc.value("id", ""), doc.value("access_key_id", ""),
                 doc.value("secret_access_key", ""));
}

std::string Unique(const std::string& suffix) {
  static std::atomic<int> counter{0};
  return "acl-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + suffix;
}

}  // namespace sos::testing
