// Fuzzes sosd's storage decoders: the index records and journal ops of
// daemon/storage/index_records.h and the journal files of journal_format.h.
//
// Input: one byte choosing the decoder, then its bytes. Record decoders are
// total (malformed input is Corruption, never UB) and what they return
// re-encodes stably: encode(decode(encode(v))) == encode(v). The journal
// reader gets either the raw bytes as a file, or the input cut at '\n' into
// payloads framed as a valid journal, torn by the next byte's count of bytes:
// it must return exactly the complete records, in order, and be clean only
// when no partial record is left.
#include <cstdint>
#include <string>
#include <vector>

#include "daemon/storage/journal.h"
#include "daemon/storage/journal_format.h"
#include "daemon/storage/index_records.h"
#include "tests/fuzz/fuzz_util.h"

namespace sos::storage {
namespace {

template <typename Decode, typename Encode>
void CheckStable(std::string_view in, Decode decode, Encode encode) {
  auto value = decode(in);
  if (!value.ok()) {
    FUZZ_CHECK(value.status().code() == StatusCode::kCorruption);
    return;
  }
  const std::string once = encode(*value);
  auto again = decode(once);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(encode(*again) == once);
}

std::string EncodeOpsToString(const std::vector<JournalOp>& ops) {
  std::string out;
  EncodeOps(ops, &out);
  return out;
}

fuzz::ScratchFile& File() {
  static fuzz::ScratchFile file;
  return file;
}

void ReadRawJournal(std::string_view in) {
  File().Write(in);
  auto reader = RecordReader::Open(File().path());
  if (!reader.ok()) return;
  uint64_t seq;
  std::string payload;
  for (int i = 0; i < 1000 && reader->Next(&seq, &payload); ++i) (void)DecodeOps(payload);
}

void ReadFramedJournal(std::string_view in) {
  size_t tear = in.empty() ? 0 : static_cast<uint8_t>(in.front());
  if (!in.empty()) in.remove_prefix(1);
  std::vector<std::string_view> payloads;
  while (!in.empty()) payloads.push_back(fuzz::NextLine(&in));
  std::string file = EncodeJournalHeader(kLogMagic, 7, 1);
  std::vector<size_t> ends;  // file size after each record
  for (size_t i = 0; i < payloads.size(); ++i) {
    file += Journal::Frame(i + 1, payloads[i]);
    ends.push_back(file.size());
  }
  tear = std::min(tear, file.size() - kJournalHeaderSize);
  file.resize(file.size() - tear);
  File().Write(file);

  auto reader = RecordReader::Open(File().path());
  FUZZ_CHECK(reader.ok());
  size_t complete = 0;
  while (complete < ends.size() && ends[complete] <= file.size()) ++complete;
  uint64_t seq;
  std::string payload;
  size_t n = 0;
  while (reader->Next(&seq, &payload)) {
    FUZZ_CHECK(n < complete && seq == n + 1 && payload == payloads[n]);
    ++n;
  }
  FUZZ_CHECK(n == complete);
  bool whole =
      complete == 0 ? file.size() == kJournalHeaderSize : ends[complete - 1] == file.size();
  FUZZ_CHECK(reader->clean() == whole);
}

}  // namespace
}  // namespace sos::storage

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sos::storage;
  std::string_view in = sos::fuzz::FuzzInput(data, size);
  if (in.empty()) return 0;
  const uint8_t which = static_cast<uint8_t>(in.front()) % 10;
  in.remove_prefix(1);
  switch (which) {
    case 0:
      CheckStable(in, DecodeAccount, EncodeAccount);
      break;
    case 1:
      CheckStable(in, DecodeKey, EncodeKey);
      break;
    case 2:
      CheckStable(in, DecodeBucket, EncodeBucket);
      break;
    case 3:
      CheckStable(
          in, [](std::string_view s) { return DecodeObject(s, "dir/key"); }, EncodeObject);
      break;
    case 4: {
      auto segments = DecodeObjectSegments(in);
      auto object = DecodeObject(in, "k", /*with_segments=*/false);
      // Skipping the segments still parses them, all but the checksum of an
      // inline segment's bytes, which is checked only when they are kept.
      FUZZ_CHECK(!object.ok() || object->segments.empty());
      FUZZ_CHECK(!object.ok() || segments.ok() ||
                 segments.status().code() == sos::StatusCode::kCorruption);
      break;
    }
    case 5:
      CheckStable(in, DecodeUpload, EncodeUpload);
      break;
    case 6:
      CheckStable(in, DecodePart, EncodePart);
      break;
    case 7:
      CheckStable(in, DecodeOps, EncodeOpsToString);
      break;
    case 8:
      ReadRawJournal(in);
      break;
    case 9:
      ReadFramedJournal(in);
      break;
  }
  return 0;
}
