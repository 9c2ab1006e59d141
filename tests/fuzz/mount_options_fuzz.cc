// Fuzzes the sosfs command line (fuse/mount_options.h): ParseMountArgs over
// libfuse's fuse_opt, and the size and duration syntax (s3core/units.h).
//
// Input: the arguments after the program name, one per line, e.g.
// "bucket:/prefix\n/mnt\n-o\nro,uid=1000". A configuration that parses must
// hold what the options documented: a bucket without '/', a normalized
// prefix, ids and modes in range, an http(s) endpoint, a positive cache size
// and a duration of at most a year. ParseSize accepts only digits with an
// optional K/M/G/T (or KiB, KB, ...) and never wraps; a duration that parses
// prints back to itself.
#include <cstdint>
#include <string>
#include <vector>

#include "fuse/mount_options.h"
#include "s3core/units.h"
#include "tests/fuzz/fuzz_util.h"

namespace sos::fuzz {
namespace {

void CheckConfig(const MountConfig& c) {
  if (c.show_help || c.show_version) return;
  FUZZ_CHECK(!c.bucket.empty() && c.bucket.find('/') == std::string::npos);
  FUZZ_CHECK(c.prefix.empty() || (c.prefix.front() != '/' && c.prefix.back() == '/'));
  FUZZ_CHECK(c.endpoint.rfind("http://", 0) == 0 || c.endpoint.rfind("https://", 0) == 0);
  for (const auto& id : {c.uid, c.gid}) FUZZ_CHECK(!id || *id <= 0xfffffffe);
  for (const auto& mode : {c.umask, c.file_mode, c.dir_mode}) FUZZ_CHECK(!mode || *mode <= 07777);
  FUZZ_CHECK(c.cache_size > 0);
  FUZZ_CHECK(c.stat_ttl.count() >= 0 && c.stat_ttl <= std::chrono::hours(24 * 365));
  FUZZ_CHECK(!DefaultCacheDir(c).empty());
}

void CheckSize(const std::string& s) {
  auto size = ParseSize(s);
  if (!size.ok()) return;
  std::string digits = s;
  for (const char* suffix : {"iB", "B"}) {
    if (digits.size() > 1 && digits.ends_with(suffix)) {
      digits.resize(digits.size() - std::string_view(suffix).size());
      break;
    }
  }
  uint64_t unit = 1;
  if (size_t u = std::string_view("KMGTkmgt").find(digits.back()); u != std::string_view::npos) {
    unit = uint64_t{1} << (10 * (u % 4 + 1));
    digits.pop_back();
  }
  FUZZ_CHECK(!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos);
  uint64_t n = 0;
  for (char c : digits) {
    FUZZ_CHECK(!__builtin_mul_overflow(n, 10, &n));
    FUZZ_CHECK(!__builtin_add_overflow(n, static_cast<uint64_t>(c - '0'), &n));
  }
  FUZZ_CHECK(!__builtin_mul_overflow(n, unit, &n) && n == *size);
}

// A duration that parses is never negative and prints back to itself.
void CheckDuration(const std::string& s) {
  auto duration = ParseDuration(s);
  if (!duration.ok()) return;
  FUZZ_CHECK(duration->count() >= 0);
  auto again = ParseDuration(FormatDuration(*duration));
  FUZZ_CHECK(again.ok() && *again == *duration);
}

}  // namespace
}  // namespace sos::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sos;
  std::string_view in = fuzz::FuzzInput(data, size);
  std::vector<std::string> args = {"sosfs"};
  while (!in.empty()) {
    std::string_view arg = fuzz::NextLine(&in);
    args.emplace_back(arg.substr(0, arg.find('\0')));  // as in argv
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  auto config = ParseMountArgs(static_cast<int>(args.size()), argv.data());
  if (config.ok()) fuzz::CheckConfig(*config);
  for (size_t i = 1; i < args.size(); ++i) {
    fuzz::CheckSize(args[i]);
    fuzz::CheckDuration(args[i]);
    size_t eq = args[i].find('=');
    if (eq != std::string::npos) {
      fuzz::CheckSize(args[i].substr(eq + 1));
      fuzz::CheckDuration(args[i].substr(eq + 1));
    }
  }
  return 0;
}
