// The libfuse low-level adapter: one thin callback per FUSE request that
// unpacks the arguments, calls the Filesystem (passed as the session's
// userdata), and replies. ErrnoFor is the ONE table that turns a Status into
// an errno; nothing else in sosfs speaks errno to the kernel.
//
// Thread-safety: the callbacks run on libfuse's worker threads; all state is
// in the (thread-safe) Filesystem.
#pragma once

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 312
#endif
#include <fuse_lowlevel.h>

#include "fuse/core/filesystem.h"

namespace sos {

// The operations table; userdata must be a Filesystem*.
const fuse_lowlevel_ops& FuseOperations();

// The errno for a Status (0 for OK).
int ErrnoFor(const Status& status);

}  // namespace sos
