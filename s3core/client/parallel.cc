#include "s3core/client/parallel.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>

namespace sos {
namespace {

constexpr int kMaxThreads = 64;

}  // namespace

void ParallelFor(size_t n, int concurrency, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  if (n == 1 || concurrency <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  // The calls block on the network, not on CPUs: let TBB run more threads
  // than there are cores.
  static tbb::global_control allow(tbb::global_control::max_allowed_parallelism, kMaxThreads);
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

}  // namespace sos
