// The XXH3-64 checksum of blob blocks (blob_store.h), at the CPU's best speed.
//
// Debian's libxxhash is compiled for baseline x86-64 (SSE2). Its dispatching
// entry point picks AVX2 or AVX-512 at run time when the CPU has them: for
// 1 MiB blocks that is 7.9 -> 28 GB/s on the development machine, and hashing
// had been a fifth of sosd's CPU time in large GETs. Same hash values either
// way. SOS_HAVE_XXH_DISPATCH comes from the top-level CMakeLists (a link test).
#pragma once

#include <xxhash.h>

#include <cstddef>
#include <cstdint>

#if defined(SOS_HAVE_XXH_DISPATCH)
#include <xxh_x86dispatch.h>
#endif

namespace sos::storage {

inline uint64_t BlockHash(const void* data, size_t size) {
#if defined(SOS_HAVE_XXH_DISPATCH)
  return XXH3_64bits_dispatch(data, size);
#else
  return XXH3_64bits(data, size);
#endif
}

}  // namespace sos::storage
