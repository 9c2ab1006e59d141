// mount status / mount wait: what a sosfs mount still has to upload, read from
// the virtual attribute user.sos.status of the mount's root (no daemon socket,
// no privileges beyond reading the mount).
#include <sys/xattr.h>

#include <cerrno>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "ctl/commands.h"
#include "ctl/exit_code.h"
#include "s3core/units.h"

namespace sos::ctl {
namespace {

constexpr const char* kStatusXattr = "user.sos.status";

Result<nlohmann::json> ReadStatus(const std::string& mountpoint) {
  std::string buf(64 * 1024, '\0');
  ssize_t n = ::getxattr(mountpoint.c_str(), kStatusXattr, buf.data(), buf.size());
  if (n < 0) {
    if (errno == ENODATA || errno == ENOTSUP || errno == EOPNOTSUPP) {
      return UsageError(mountpoint + " is not the root of a sosfs mount");
    }
    return StatusFromErrno(errno, "cannot read the status of " + mountpoint);
  }
  auto doc = nlohmann::json::parse(buf.substr(0, static_cast<size_t>(n)), nullptr, false);
  if (!doc.is_object()) return Status::IOError(mountpoint + " gave an unreadable status");
  return doc;
}

uint64_t Pending(const nlohmann::json& s) {
  return s.value("dirty_files", uint64_t{0}) + s.value("queued", uint64_t{0}) +
         s.value("retrying", uint64_t{0}) + s.value("uploading", uint64_t{0}) +
         s.value("pending_deletes", uint64_t{0});
}

Table StatusTable(const nlohmann::json& s) {
  Table t;
  auto row = [&](const std::string& name, const std::string& value) {
    t.rows.push_back({name, value});
  };
  row("bucket",
      s.value("bucket", "") + (s.value("prefix", "").empty() ? "" : ":/" + s.value("prefix", "")));
  row("dirty files", std::to_string(s.value("dirty_files", uint64_t{0})) + " (" +
                         FormatSize(s.value("dirty_bytes", uint64_t{0})) + ")");
  row("uploading", std::to_string(s.value("uploading", uint64_t{0})));
  row("queued", std::to_string(s.value("queued", uint64_t{0})));
  row("waiting to retry", std::to_string(s.value("retrying", uint64_t{0})));
  row("uploaded", std::to_string(s.value("uploaded", uint64_t{0})));
  row("failed", std::to_string(s.value("failed", uint64_t{0})));
  if (!s.value("last_error", "").empty()) row("last error", s.value("last_error", ""));
  row("deletes pending", std::to_string(s.value("pending_deletes", uint64_t{0})));
  if (!s.value("last_delete_error", "").empty()) {
    row("last delete error", s.value("last_delete_error", ""));
  }
  row("cache", FormatSize(s.value("cache_bytes", uint64_t{0})) + " of " +
                   FormatSize(s.value("cache_limit", uint64_t{0})));
  return t;
}

}  // namespace

Status MountStatus(Session& session, const std::string& mountpoint) {
  SOS_ASSIGN_OR_RETURN(nlohmann::json status, ReadStatus(mountpoint));
  session.out().Print(status, StatusTable(status));
  return Status::Ok();
}

Status MountWait(Session& session, const std::string& mountpoint, const std::string& timeout) {
  auto limit = ParseDuration(timeout);
  if (!limit.ok()) return UsageError("--timeout: " + limit.status().message());
  const auto deadline = std::chrono::steady_clock::now() + *limit;
  while (true) {
    SOS_ASSIGN_OR_RETURN(nlohmann::json status, ReadStatus(mountpoint));
    if (Pending(status) == 0) {
      session.out().Print(status, "every write to " + mountpoint + " is on the server");
      return Status::Ok();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string left = std::to_string(status.value("dirty_files", uint64_t{0})) + " file(s), " +
                         FormatSize(status.value("dirty_bytes", uint64_t{0})) +
                         " not uploaded, " +
                         std::to_string(status.value("pending_deletes", uint64_t{0})) +
                         " delete(s) not sent";
      std::string error = status.value("last_error", "");
      if (error.empty()) error = status.value("last_delete_error", "");
      return Status::Timeout(left + " after " + timeout +
                             (error.empty() ? "" : "; last error: " + error));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace sos::ctl
