// Fuzzes the s3fs metadata parser (fuse/s3fs_meta.h): the POSIX attributes
// sosfs reads from x-amz-meta-* headers that any S3 client may have written.
//
// Input: one byte of flags (directory, marker object, umask), then
// "name: value" lines of user metadata (mode, uid, gid, mtime, ...). The
// attributes must be sane whatever the headers say (a file, directory or
// symlink type; permission bits only; the umask applied; nanoseconds within
// a second) and survive a round trip: EncodeAttr writes headers that decode to
// the same attributes. Every value also goes through ParseTime, whose result
// must print (FormatTime) to a string that parses back to the same time.
#include <cstdint>
#include <map>
#include <string>

#include "fuse/core/s3fs_meta.h"
#include "tests/fuzz/fuzz_util.h"

namespace sos::fuzz {
namespace {

bool SameTime(const timespec& a, const timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

bool ValidTime(const timespec& t) { return t.tv_nsec >= 0 && t.tv_nsec < 1000000000; }

void CheckAttr(const NodeAttr& a, const RemoteEntry& e, const MountDefaults& d) {
  const uint32_t type = a.mode & S_IFMT;
  FUZZ_CHECK(e.is_dir ? type == S_IFDIR
                      : (type == S_IFREG || type == S_IFLNK || type == S_IFIFO ||
                         type == S_IFSOCK || type == S_IFCHR || type == S_IFBLK));
  FUZZ_CHECK(a.rdev == 0 || type == S_IFCHR || type == S_IFBLK);
  FUZZ_CHECK((a.mode & ~(S_IFMT | 07777u)) == 0);
  if (d.umask) FUZZ_CHECK((a.mode & *d.umask & 07777) == 0);
  FUZZ_CHECK(ValidTime(a.atime) && ValidTime(a.mtime) && ValidTime(a.ctime));
}

void CheckTime(std::string_view value) {
  auto t = ParseTime(value);
  if (!t) return;
  FUZZ_CHECK(ValidTime(*t));
  const std::string printed = FormatTime(*t);
  auto again = ParseTime(printed);
  if (!again || !SameTime(*again, *t)) std::fprintf(stderr, "'%s'\n", printed.c_str());
  FUZZ_CHECK(again && SameTime(*again, *t));
}

}  // namespace
}  // namespace sos::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sos;
  using namespace sos::fuzz;
  std::string_view in = FuzzInput(data, size);
  if (in.empty()) return 0;
  const uint8_t flags = static_cast<uint8_t>(in.front());
  in.remove_prefix(1);

  RemoteEntry entry;
  entry.is_dir = flags & 1;
  entry.has_marker = flags & 2;
  entry.size = 12345;
  entry.last_modified_ns = 1700000000123456789;
  while (!in.empty()) {
    std::string_view line = NextLine(&in);
    size_t colon = line.find(':');
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    entry.user_meta[std::string(line.substr(0, colon))] = std::string(value);
    CheckTime(value);
    (void)ParseMode(value);
  }
  MountDefaults defaults{1000, 1000, 0644, 0755, std::nullopt, 1600000000000000000};
  if (flags & 4) defaults.umask = 022 | (flags >> 3);

  const NodeAttr attr = DecodeAttr(entry, defaults);
  CheckAttr(attr, entry, defaults);
  RemoteEntry written = entry;
  EncodeAttr(attr, &written.user_meta);
  const NodeAttr again = DecodeAttr(written, defaults);
  FUZZ_CHECK(again.mode == attr.mode && again.uid == attr.uid && again.gid == attr.gid &&
             again.size == attr.size && again.rdev == attr.rdev);
  FUZZ_CHECK(SameTime(again.atime, attr.atime) && SameTime(again.mtime, attr.mtime) &&
             SameTime(again.ctime, attr.ctime));
  FUZZ_CHECK(XattrsOf(written.user_meta) == XattrsOf(entry.user_meta));
  return 0;
}
