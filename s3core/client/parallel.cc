#include "s3core/client/parallel.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <condition_variable>
#include <mutex>

#include <algorithm>
#include <exception>

#include "s3core/log.h"

namespace sos {
namespace {

constexpr int kMaxThreads = 64;

// The calls block on the network, not on CPUs: let TBB run more threads
// than there are cores.
void AllowBlockingThreads() {
  static tbb::global_control allow(tbb::global_control::max_allowed_parallelism, kMaxThreads);
}

}  // namespace

void ParallelFor(size_t n, int concurrency, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  if (n == 1 || concurrency <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  AllowBlockingThreads();
  int threads = static_cast<int>(std::min<size_t>(n, std::min(concurrency, kMaxThreads)));
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<size_t>(0, n, 1),
        [&](const tbb::blocked_range<size_t>& r) {
          for (size_t i = r.begin(); i != r.end(); ++i) fn(i);
        },
        tbb::simple_partitioner());
  });
}

struct BackgroundTasks::Impl {
  // No slot is kept for the calling thread: it only hands tasks over
  // (enqueue never waits for a slot, unlike execute).
  explicit Impl(int concurrency) : arena(std::clamp(concurrency, 1, kMaxThreads), 0) {}
  tbb::task_arena arena;
  std::mutex mu;
  std::condition_variable idle;
  size_t running = 0;  // guarded by mu: run and not yet finished
};

BackgroundTasks::BackgroundTasks(int concurrency) : impl_(std::make_unique<Impl>(concurrency)) {
  AllowBlockingThreads();
}

BackgroundTasks::~BackgroundTasks() { Wait(); }

void BackgroundTasks::Run(std::function<void()> task) {
  {
    std::lock_guard lock(impl_->mu);
    ++impl_->running;
  }
  // The task is destroyed before it counts as done, so that what it holds
  // (the last reference to a file, say) is gone once Wait() returns; and an
  // exception, which TBB would turn into an abort, ends only the task.
  auto holder = std::make_shared<std::function<void()>>(std::move(task));
  impl_->arena.enqueue([impl = impl_.get(), holder] {
    try {
      (*holder)();
    } catch (const std::exception& e) {
      spdlog::error("background task failed: {}", e.what());
    } catch (...) {
      spdlog::error("background task failed");
    }
    try {
      *holder = nullptr;
    } catch (...) {
    }
    std::lock_guard lock(impl->mu);
    if (--impl->running == 0) impl->idle.notify_all();
  });
}

void BackgroundTasks::Wait() {
  std::unique_lock lock(impl_->mu);
  impl_->idle.wait(lock, [&] { return impl_->running == 0; });
}

}  // namespace sos
