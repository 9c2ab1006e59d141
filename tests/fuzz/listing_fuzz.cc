// Fuzzes the records sosfs keeps in its LMDB cache (cache/metadata_cache.h):
// the directory listings of the "dirs" database and the RemoteEntry values
// of "attrs" and of the dirty journal.
//
// Input: one stored value, given to both decoders. A cache file is local but
// may be torn or stale from another version, so decoding must fail cleanly,
// in memory bounded by the input; what decodes re-encodes to at most the
// input's size and decodes back to the same value.
#include <cstdint>
#include <string>

#include "cache/metadata_cache.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sos;
  std::string_view in = fuzz::FuzzInput(data, size);

  if (auto listing = DecodeDirListing(in)) {
    std::string encoded = EncodeDirListing(*listing);
    FUZZ_CHECK(encoded.size() <= in.size());
    auto again = DecodeDirListing(encoded);
    FUZZ_CHECK(again && again->expires == listing->expires && again->children == listing->children);
  }

  RemoteEntry entry;
  if (DecodeRemoteEntry(in, &entry)) {
    std::string encoded = EncodeRemoteEntry(entry);
    FUZZ_CHECK(encoded.size() <= in.size());
    RemoteEntry again;
    FUZZ_CHECK(DecodeRemoteEntry(encoded, &again) && again == entry);
  }
  return 0;
}
