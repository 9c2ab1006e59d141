// Fuzzes s3fs passwd files (CredentialsFromPasswdFile, s3core/client/credentials.h),
// which sosfs reads for -o passwd_file= and ~/.passwd-sosfs.
//
// Input: the file's content, written to a private 0600 file and read for no
// bucket and for bucket "mybucket". Credentials that come back must be one
// line of the file exactly, "ACCESS:SECRET" or "mybucket:ACCESS:SECRET"
// (surrounding whitespace aside), with neither part empty nor holding ':'.
#include <cstdint>
#include <string>

#include "s3core/client/credentials.h"
#include "tests/fuzz/fuzz_util.h"

namespace sos::fuzz {
namespace {

std::string_view TrimSpace(std::string_view s) {
  const char* ws = " \t\r\n";
  size_t first = s.find_first_not_of(ws);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(ws) - first + 1);
}

bool HasLine(std::string_view content, const std::string& wanted) {
  while (!content.empty()) {
    size_t nl = content.find('\n');
    if (TrimSpace(content.substr(0, nl)) == wanted) return true;
    content.remove_prefix(nl == std::string_view::npos ? content.size() : nl + 1);
  }
  return false;
}

void Check(std::string_view content, const std::string& bucket) {
  static ScratchFile file;
  file.Write(content);
  auto credentials = CredentialsFromPasswdFile(file.path(), bucket);
  if (!credentials.ok()) return;
  const std::string& access = credentials->access_key_id;
  const std::string& secret = credentials->secret_access_key;
  FUZZ_CHECK(!access.empty() && access.find(':') == std::string::npos);
  FUZZ_CHECK(!secret.empty() && secret.find(':') == std::string::npos);
  FUZZ_CHECK(HasLine(content, access + ":" + secret) ||
             (!bucket.empty() && HasLine(content, bucket + ":" + access + ":" + secret)));
}

}  // namespace
}  // namespace sos::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view content = sos::fuzz::FuzzInput(data, size);
  sos::fuzz::Check(content, "");
  sos::fuzz::Check(content, "mybucket");
  return 0;
}
