// Tells the service manager how a daemon is doing (sd_notify from libsystemd):
// READY once it serves (sosd: the listener is up; sosfs: the mount is), and
// STOPPING once it has begun to stop. A no-op outside a Type=notify service
// (no NOTIFY_SOCKET), so the daemons call it unconditionally. Thread-safe.
#pragma once

#include <string_view>

namespace sos {

void NotifyReady(std::string_view status);
void NotifyStopping(std::string_view status);

}  // namespace sos
