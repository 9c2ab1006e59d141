#include "s3core/log.h"

#include <spdlog/async.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace sos {
namespace {

constexpr size_t kAccessQueueLines = 8192;  // syslog only; bounded: memory stays small
// A busy server's lines reach stderr in batches: at most one write(2) per this
// interval, instead of a write and a thread wake-up per request.
constexpr auto kBatchEvery = std::chrono::milliseconds(5);
constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%e%z %n %l: %v";

std::mutex mu;                                   // guards the two loggers' replacement
std::shared_ptr<spdlog::logger> access_logger;  // guarded by mu

// Lines go into stderr's buffer on the caller's thread (a memcpy under the
// sink's mutex). A flusher thread, woken when the buffer gets its first line,
// writes them out at once, then rests kBatchEvery before it looks again: an
// idle server's line is out within a wake-up, a busy one's share a write(2).
// spdlog's own stderr sink flushes every line.
class BufferedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  BufferedStderrSink() : flusher_([this] { FlushLoop(); }) {}
  ~BufferedStderrSink() override {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    flusher_.join();
    std::fflush(stderr);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    std::fwrite(line.data(), 1, line.size(), stderr);
    if (!pending_) {
      pending_ = true;
      wake_.notify_one();
    }
  }
  void flush_() override {
    std::fflush(stderr);
    pending_ = false;
  }

 private:
  void FlushLoop() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
      wake_.wait(lock, [this] { return pending_ || stop_; });
      flush_();
      lock.unlock();
      std::this_thread::sleep_for(kBatchEvery);
      lock.lock();
    }
  }

  std::condition_variable wake_;
  bool pending_ = false;  // guarded by mutex_: lines in the buffer not yet written
  bool stop_ = false;     // guarded by mutex_
  std::thread flusher_;   // last: starts after the fields it reads
};

// Whether stderr leads anywhere: /dev/null (a daemon's) or a closed descriptor does not.
bool StderrIsUseful() {
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  struct stat null {};
  if (::stat("/dev/null", &null) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == null.st_rdev) {
    return false;
  }
  return true;
}

}  // namespace

Status ValidateLogLevel(std::string_view level) {
  for (std::string_view known : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    if (level == known) return Status::Ok();
  }
  return Status::InvalidArgument("log level '" + std::string(level) +
                                 "' is not one of trace, debug, info, warn, error, critical, off");
}

Result<LogTarget> ParseLogTarget(std::string_view target) {
  if (target == "auto") return LogTarget::kAuto;
  if (target == "stderr") return LogTarget::kStderr;
  if (target == "syslog") return LogTarget::kSyslog;
  return Status::InvalidArgument("log target '" + std::string(target) +
                                 "' is not one of auto, stderr, syslog");
}

Status InitLogging(const LogOptions& options) {
  SOS_RETURN_IF_ERROR(ValidateLogLevel(options.level));
  LogTarget target = options.target;
  if (target == LogTarget::kAuto) target = StderrIsUseful() ? LogTarget::kStderr : LogTarget::kSyslog;
  spdlog::sink_ptr sink;
  if (target == LogTarget::kSyslog) {
    // syslog's own header carries time, host and program.
    sink = std::make_shared<spdlog::sinks::syslog_sink_mt>(options.program, LOG_PID, LOG_DAEMON,
                                                           /*enable_formatting=*/false);
  } else {
    if (options.access_log) {
      static std::once_flag buffered;
      std::call_once(buffered, [] { std::setvbuf(stderr, nullptr, _IOFBF, 1 << 16); });
      sink = std::make_shared<BufferedStderrSink>();
    } else {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    }
    sink->set_pattern(kPattern);
  }
  const auto level = spdlog::level::from_str(options.level);

  auto main_logger = std::make_shared<spdlog::logger>(options.program, sink);
  main_logger->set_level(level);
  main_logger->flush_on(spdlog::level::trace);  // these lines are rare: each goes out at once

  std::lock_guard lock(mu);
  spdlog::set_default_logger(main_logger);
  if (!options.access_log) {
    access_logger = main_logger;
    return Status::Ok();
  }
  std::shared_ptr<spdlog::logger> access;
  if (target == LogTarget::kSyslog) {
    // One syslog(3) call per line: a background thread makes them.
    if (!spdlog::thread_pool()) spdlog::init_thread_pool(kAccessQueueLines, 1);
    access = std::make_shared<spdlog::async_logger>("access", sink, spdlog::thread_pool(),
                                                    spdlog::async_overflow_policy::block);
  } else {
    access = std::make_shared<spdlog::logger>("access", sink);  // batched by the sink
  }
  access->set_level(level);
  access->flush_on(spdlog::level::warn);
  access_logger = std::move(access);
  return Status::Ok();
}

std::shared_ptr<spdlog::logger> AccessLog() {
  std::lock_guard lock(mu);
  if (!access_logger) access_logger = spdlog::default_logger();  // before InitLogging (tests)
  return access_logger;
}

void ShutdownLogging() {
  {
    std::lock_guard lock(mu);
    if (access_logger) access_logger->flush();
    access_logger.reset();
  }
  spdlog::default_logger()->flush();
  spdlog::shutdown();
}

}  // namespace sos
