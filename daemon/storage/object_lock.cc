#include "daemon/storage/object_lock.h"

namespace sos::storage {
namespace {

Status Locked(const std::string& why) {
  return Status::PermissionDenied("Access Denied because object protected by object lock: " + why,
                                  "AccessDenied");
}

bool Retained(const ObjectRecord& v, TimePoint now) {
  return !v.lock_mode.empty() && v.retain_until > now;
}

}  // namespace

Status CheckDeletable(const ObjectRecord& version, TimePoint now, bool bypass_governance) {
  if (version.legal_hold) return Locked("legal hold");
  if (!Retained(version, now)) return Status::Ok();
  if (version.lock_mode == "GOVERNANCE" && bypass_governance) return Status::Ok();
  return Locked(version.lock_mode + " retention");
}

Status CheckRetentionChange(const ObjectRecord& version, const std::string& mode, TimePoint until,
                            TimePoint now, bool bypass_governance) {
  if (!mode.empty() && until <= now) {
    return Status::InvalidArgument("The retain until date must be in the future!",
                                   "InvalidArgument");
  }
  if (!Retained(version, now)) return Status::Ok();
  const bool keeps_or_extends = !mode.empty() && until >= version.retain_until;
  if (version.lock_mode == "COMPLIANCE") {
    if (mode == "COMPLIANCE" && keeps_or_extends) return Status::Ok();
    return Locked("COMPLIANCE retention cannot be shortened, removed or weakened");
  }
  // GOVERNANCE: extending (in either mode) is free; anything else bypasses.
  if (keeps_or_extends || bypass_governance) return Status::Ok();
  return Locked(
      "GOVERNANCE retention is shortened or removed only with "
      "x-amz-bypass-governance-retention");
}

}  // namespace sos::storage
