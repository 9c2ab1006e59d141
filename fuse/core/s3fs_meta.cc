#include "fuse/core/s3fs_meta.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace sos {
namespace {

std::optional<uint64_t> ParseUnsigned(std::string_view s, int base) {
  std::string str(s);
  if (str.empty() || str[0] == '-' || str[0] == '+') return std::nullopt;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(str.c_str(), &end, base);
  if (errno != 0 || end == str.c_str()) return std::nullopt;
  while (*end == ' ') ++end;
  if (*end != '\0') return std::nullopt;
  return v;
}

std::optional<std::string> Meta(const RemoteEntry& e, const char* name) {
  auto it = e.user_meta.find(name);
  if (it == e.user_meta.end()) return std::nullopt;
  return it->second;
}

}  // namespace

bool IsAttrMetaName(std::string_view name) {
  return name == kMetaMode || name == kMetaUid || name == kMetaGid || name == kMetaMtime ||
         name == kMetaCtime || name == kMetaAtime || name == kMetaRdev;
}

std::map<std::string, std::string> XattrsOf(const std::map<std::string, std::string>& meta) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : meta) {
    if (!IsAttrMetaName(k)) out[k] = v;
  }
  return out;
}

timespec TimespecFromNs(int64_t ns) {
  timespec t{};
  t.tv_sec = ns / 1000000000;
  t.tv_nsec = ns % 1000000000;
  if (t.tv_nsec < 0) {
    t.tv_nsec += 1000000000;
    t.tv_sec -= 1;
  }
  return t;
}

int64_t NsFromTimespec(const timespec& t) {
  return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

timespec NowTimespec() {
  timespec t{};
  clock_gettime(CLOCK_REALTIME, &t);
  return t;
}

std::string FormatTime(const timespec& t) {
  if (t.tv_nsec == 0) return std::to_string(static_cast<long long>(t.tv_sec));
  // A signed decimal, as ParseTime reads it: {-2, 750000000} is -1.25 s,
  // written "-1.250000000" (not "-2.750000000").
  long long sec = t.tv_sec;
  long nsec = t.tv_nsec;
  const char* sign = "";
  if (sec < 0) {
    sign = "-";
    sec = -(sec + 1);
    nsec = 1000000000 - nsec;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%lld.%09ld", sign, sec, nsec);
  return buf;
}

std::optional<timespec> ParseTime(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  bool negative = s.front() == '-';
  if (negative) s.remove_prefix(1);
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? "" : s.substr(dot + 1);
  if (whole.empty() && frac.empty()) return std::nullopt;
  auto sec = whole.empty() ? std::optional<uint64_t>(0) : ParseUnsigned(whole, 10);
  // Nanoseconds since the epoch must fit an int64_t (up to the year 2262).
  if (!sec || *sec >= static_cast<uint64_t>(INT64_MAX / 1000000000)) return std::nullopt;
  int64_t nsec = 0;
  int digits = 0;
  for (char c : frac) {
    if (c < '0' || c > '9') return std::nullopt;
    if (digits < 9) {
      nsec = nsec * 10 + (c - '0');
      ++digits;
    }
  }
  for (; digits < 9; ++digits) nsec *= 10;
  int64_t total = static_cast<int64_t>(*sec) * 1000000000 + nsec;
  return TimespecFromNs(negative ? -total : total);
}

std::optional<uint32_t> ParseMode(std::string_view s) {
  auto v = ParseUnsigned(s, 0);
  if (!v || *v > 0xffffffffu) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

NodeAttr DecodeAttr(const RemoteEntry& e, const MountDefaults& d) {
  NodeAttr a;
  uint32_t perm = e.is_dir ? d.dir_mode : d.file_mode;
  uint32_t type = e.is_dir ? S_IFDIR : S_IFREG;
  if (auto m = Meta(e, kMetaMode)) {
    if (auto mode = ParseMode(*m)) {
      perm = *mode & 07777;
      switch (*mode & S_IFMT) {
        case S_IFLNK:
        case S_IFIFO:
        case S_IFSOCK:
        case S_IFCHR:
        case S_IFBLK:
          if (!e.is_dir) type = *mode & S_IFMT;
          break;
        default:
          break;
      }
    }
  }
  if (auto v = Meta(e, kMetaRdev); v && (S_ISCHR(type) || S_ISBLK(type))) {
    if (auto n = ParseUnsigned(*v, 10)) a.rdev = *n;
  }
  if (d.umask) perm &= ~*d.umask;
  a.mode = type | perm;
  a.uid = d.uid;
  a.gid = d.gid;
  if (auto v = Meta(e, kMetaUid)) {
    if (auto n = ParseUnsigned(*v, 10); n && *n <= 0xffffffffu) a.uid = static_cast<uint32_t>(*n);
  }
  if (auto v = Meta(e, kMetaGid)) {
    if (auto n = ParseUnsigned(*v, 10); n && *n <= 0xffffffffu) a.gid = static_cast<uint32_t>(*n);
  }
  timespec fallback =
      TimespecFromNs(e.is_dir && !e.has_marker ? d.mount_time_ns : e.last_modified_ns);
  a.mtime = fallback;
  if (auto v = Meta(e, kMetaMtime)) {
    if (auto t = ParseTime(*v)) a.mtime = *t;
  }
  a.ctime = a.mtime;
  a.atime = a.mtime;
  if (auto v = Meta(e, kMetaCtime)) {
    if (auto t = ParseTime(*v)) a.ctime = *t;
  }
  if (auto v = Meta(e, kMetaAtime)) {
    if (auto t = ParseTime(*v)) a.atime = *t;
  }
  a.size = e.is_dir ? 4096 : e.size;
  return a;
}

void EncodeAttr(const NodeAttr& a, std::map<std::string, std::string>* m) {
  (*m)[kMetaMode] = std::to_string(a.mode);
  (*m)[kMetaUid] = std::to_string(a.uid);
  (*m)[kMetaGid] = std::to_string(a.gid);
  (*m)[kMetaMtime] = FormatTime(a.mtime);
  (*m)[kMetaCtime] = FormatTime(a.ctime);
  (*m)[kMetaAtime] = FormatTime(a.atime);
  if (a.rdev != 0) (*m)[kMetaRdev] = std::to_string(a.rdev);
}

}  // namespace sos
