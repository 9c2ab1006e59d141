// Helpers shared by the libFuzzer targets of tests/fuzz.
//
// FUZZ_CHECK states an invariant (FUZZ_CHECK_OK: a Status or Result is OK):
// when it fails it prints what broke and aborts, which libFuzzer records as a
// crash with its input; both work on any thread. ParseTextRequest reads the
// plain-text request heads of the signature targets ("METHOD TARGET" then
// "name: value" lines, as they look on the wire, then an options byte);
// ServerWouldPass tells whether an HTTP server would hand such a head to the
// authenticator at all, and ToSignable/TargetWithQuery rebuild it as a client
// would sign it. ScratchFile is one private temporary file for decoders that
// read from a path. The rest is for one input at a time: not thread-safe.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "s3core/http_request_head.h"
#include "s3core/sigv4.h"
#include "s3core/status.h"
#include "s3core/uri.h"

#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

// FUZZ_CHECK for a Status or a Result<T>; prints the status when it is not OK.
#define FUZZ_CHECK_OK(expr)                                                 \
  do {                                                                      \
    const auto& fuzz_checked = (expr);                                      \
    if (!fuzz_checked.ok()) {                                               \
      std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #expr,    \
                   ::sos::fuzz::StatusOf(fuzz_checked).ToString().c_str()); \
      std::abort();                                                         \
    }                                                                       \
  } while (0)

namespace sos::fuzz {

inline const Status& StatusOf(const Status& status) { return status; }
template <typename T>
const Status& StatusOf(const Result<T>& result) {
  return result.status();
}

// The example credentials of AWS's documentation; seeds are signed with them.
inline constexpr std::string_view kAccessKey = "AKIAIOSFODNN7EXAMPLE";
inline constexpr std::string_view kSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

inline std::optional<std::string> LookupSecret(std::string_view access_key) {
  if (access_key == kAccessKey) return std::string(kSecretKey);
  return std::nullopt;
}

inline std::string_view FuzzInput(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits off the text up to the first '\n' (a trailing '\r' dropped).
inline std::string_view NextLine(std::string_view* in) {
  size_t nl = in->find('\n');
  std::string_view line = in->substr(0, nl);
  in->remove_prefix(nl == std::string_view::npos ? in->size() : nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// "GET /bucket/key?acl HTTP/1.1" then "Name: value" lines, up to an empty
// line. Values lose their surrounding spaces and tabs, as an HTTP parser
// strips them; a line without ':' becomes a header with an empty value.
inline HttpRequestHead ParseTextHead(std::string_view* in) {
  HttpRequestHead head;
  std::string_view request_line = NextLine(in);
  size_t sp = request_line.find(' ');
  head.method = std::string(request_line.substr(0, sp));
  if (sp != std::string_view::npos) {
    std::string_view rest = request_line.substr(sp + 1);
    head.target = std::string(rest.substr(0, rest.find(' ')));
  }
  while (!in->empty()) {
    std::string_view line = NextLine(in);
    if (line.empty()) break;
    size_t colon = line.find(':');
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    head.headers.emplace_back(std::string(line.substr(0, colon)), std::string(TrimOws(value)));
  }
  return head;
}

// A text request head, and the byte after its empty line (0 if none), which
// the signature targets take as options for their round trips.
struct TextRequest {
  HttpRequestHead head;
  uint8_t options = 0;
};
inline TextRequest ParseTextRequest(const uint8_t* data, size_t size) {
  std::string_view in = FuzzInput(data, size);
  TextRequest request{ParseTextHead(&in), 0};
  if (!in.empty()) request.options = static_cast<uint8_t>(in.front());
  return request;
}

// RFC 9110 token characters (methods and header names).
inline bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    bool ok =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// Field values: visible characters, spaces, tabs and obs-text; no other controls.
inline bool IsFieldValue(std::string_view s) {
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

// A request-target in origin form: '/' first, then visible ASCII or obs-text.
inline bool IsOriginTarget(std::string_view s) {
  if (s.empty() || s.front() != '/') return false;
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

// Whether an HTTP/1.1 server would hand this head to the authenticator.
inline bool ServerWouldPass(const HttpRequestHead& head) {
  if (!IsToken(head.method) || !IsOriginTarget(head.target)) return false;
  for (const auto& [name, value] : head.headers) {
    if (!IsToken(name) || !IsFieldValue(value)) return false;
  }
  return true;
}

// What a client would sign of a head that a server passed: its wire path, its
// decoded query minus the parameters `drop_query` names, and its headers
// minus those in `drop_headers` (the ones the signer sets itself; any case).
// nullopt when the target does not decode.
struct SignableRequest {
  std::string method;
  std::string path;
  QueryList query;
  HeaderList headers;
};

template <typename DropQuery>
std::optional<SignableRequest> ToSignable(const HttpRequestHead& head, DropQuery drop_query,
                                          std::initializer_list<std::string_view> drop_headers) {
  auto [path, raw_query] = SplitTarget(head.target);
  auto query = ParseQuery(raw_query);
  if (!query || !CanonicalUri(path)) return std::nullopt;
  SignableRequest out{head.method, std::string(path), {}, {}};
  for (auto& kv : *query) {
    if (!drop_query(kv.first)) out.query.push_back(std::move(kv));
  }
  for (const auto& h : head.headers) {
    bool drop = false;
    for (std::string_view name : drop_headers) drop = drop || EqualsIgnoreCase(h.first, name);
    if (!drop) out.headers.push_back(h);
  }
  return out;
}

// path?name=value&... with every name and value percent-encoded.
inline std::string TargetWithQuery(std::string_view path, const QueryList& query) {
  std::string out(path);
  for (size_t i = 0; i < query.size(); ++i) {
    out += i == 0 ? '?' : '&';
    out += UriEncode(query[i].first, true) + "=" + UriEncode(query[i].second, true);
  }
  return out;
}

// A private temporary file that lives as long as the process; Write replaces
// its content.
class ScratchFile {
 public:
  // In $TMPDIR, else in memory (/dev/shm) where there is one: a file
  // rewritten for every input costs milliseconds on a disk.
  ScratchFile() {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = tmp != nullptr && tmp[0] != '\0'         ? tmp
                      : ::access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm"
                                                               : "/tmp";
    path_ = dir + "/sos-fuzz-XXXXXX";
    fd_ = ::mkstemp(path_.data());
    FUZZ_CHECK(fd_ >= 0);
    ::fchmod(fd_, 0600);
  }
  ~ScratchFile() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  void Write(std::string_view content) {
    FUZZ_CHECK(::ftruncate(fd_, 0) == 0);
    FUZZ_CHECK(::pwrite(fd_, content.data(), content.size(), 0) ==
               static_cast<ssize_t>(content.size()));
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace sos::fuzz
