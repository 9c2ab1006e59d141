#include "s3core/service_notify.h"

#include <systemd/sd-daemon.h>

#include <string>

namespace sos {
namespace {

void Notify(std::string_view state, std::string_view status) {
  std::string message = std::string(state) + "\nSTATUS=" + std::string(status);
  sd_notify(0, message.c_str());
}

}  // namespace

void NotifyReady(std::string_view status) { Notify("READY=1", status); }
void NotifyStopping(std::string_view status) { Notify("STOPPING=1", status); }

}  // namespace sos
