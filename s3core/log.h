// Logging: one setup for sosd and sosfs, on spdlog.
//
// InitLogging installs the default logger (named after the program) with a
// level and a target: stderr, or syslog (which journald also collects). With
// LogTarget::kAuto, stderr is used while it goes somewhere (a terminal, a
// file, journald's stream under systemd) and syslog once a daemon has detached
// from it, so that an error of a daemonised sosfs is never written to
// /dev/null. With access_log, AccessLog() is the logger for sosd's one line
// per request (without it, the default logger). On stderr its lines are
// buffered and written in batches by a background thread, at most one write(2)
// every few milliseconds, so a busy server does not pay a write and a thread
// wake-up per request; a full pipe makes requests wait rather than lose lines.
// On syslog the lines queue (bounded) for a background thread. Nothing logged
// may hold a secret: callers log key ids, never secrets or signatures. Thread-safe once InitLogging has run; call
// ShutdownLogging before exit to flush.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>

#include "s3core/status.h"

namespace sos {

enum class LogTarget { kAuto, kStderr, kSyslog };

struct LogOptions {
  std::string program;          // "sosd", "sosfs": the logger's name and the syslog ident
  std::string level = "info";   // trace, debug, info, warn, error, critical, off
  LogTarget target = LogTarget::kAuto;
  // The access log and batched writes to stderr (sosd). They start threads:
  // a program that forks later (sosfs daemonising) leaves it off.
  bool access_log = false;
};

// InvalidArgument naming the accepted levels unless `level` is one of them.
Status ValidateLogLevel(std::string_view level);
// "auto", "stderr" or "syslog".
Result<LogTarget> ParseLogTarget(std::string_view target);

// Replaces the default logger (and the access logger); may be called again,
// e.g. when a daemon detaches from its terminal.
Status InitLogging(const LogOptions& options);
// sosd's per-request log (same target and level as the default logger).
std::shared_ptr<spdlog::logger> AccessLog();
// Flushes and stops the background writer.
void ShutdownLogging();

}  // namespace sos
