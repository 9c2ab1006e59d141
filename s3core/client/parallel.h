// ParallelFor: runs fn(0..n-1) with at most `concurrency` calls at once, on
// oneTBB, and returns when all are done. Meant for fanning out blocking
// network calls (HEADs of a listing, copies of a rename, multipart parts), so
// the process allows TBB more threads than cores. fn must be thread-safe.
#pragma once

#include <cstddef>
#include <functional>

namespace sos {

void ParallelFor(size_t n, int concurrency, const std::function<void(size_t)>& fn);

}  // namespace sos
