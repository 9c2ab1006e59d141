// S3 Object Lock rules on one version: who may delete it for good, and how
// its retention may change. A delete marker made over a locked version, or
// a newer version written over it, is always allowed (the version stays).
//
// GOVERNANCE: the date holds unless the request bypasses governance (the
// caller checks that it may). COMPLIANCE: nobody shortens or removes it,
// not even the bucket owner or sosd's root. A legal hold holds until lifted.
//
// Stateless; thread-safe.
#pragma once

#include <string>

#include "daemon/storage/storage_engine.h"

namespace sos::storage {

// OK when `version` may be deleted for good at `now`; else AccessDenied.
Status CheckDeletable(const ObjectRecord& version, TimePoint now, bool bypass_governance);

// OK when `version`'s retention may become (mode, until) at `now` (mode ""
// removes it); else AccessDenied, or InvalidArgument for a date in the past.
Status CheckRetentionChange(const ObjectRecord& version, const std::string& mode, TimePoint until,
                            TimePoint now, bool bypass_governance);

}  // namespace sos::storage
