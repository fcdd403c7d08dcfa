// libFuzzer target for the TFRecord framing and the Event/Summary/TensorProto decoding: built by
// clang with AddressSanitizer and UndefinedBehaviorSanitizer (see ../CMakeLists.txt), run by
// run_event_decoding_fuzzer.sh from ctest and by scripts/fuzz-metrics.
//
// Each input is read three ways, and the results must agree with themselves:
//  1. as an event file fed in one piece, and again in pieces whose sizes come from the input: the
//     pieces must not change what comes out (same scalars, same warnings, same offsets);
//  2. as one serialized Event, straight into the decoder (no CRC to get past);
//  3. as one Event framed with good CRCs and fed byte by byte.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "crc32c.h"
#include "event_decoder.h"
#include "event_record_stream.h"
#include "tfrecord_reader.h"

namespace {

using namespace bayestune;

struct Outcome {
  std::vector<std::string> scalars;  // tag, step, wall_time bits, value bits
  std::vector<std::string> warnings;
  bool operator==(const Outcome&) const = default;
};

class RecordingSink : public EventStreamSink {
 public:
  void OnScalar(const EventScalar& scalar) override {
    std::string key(scalar.tag);
    key.append(reinterpret_cast<const char*>(&scalar.step), sizeof(scalar.step));
    key.append(reinterpret_cast<const char*>(&scalar.wall_time), sizeof(scalar.wall_time));
    key.append(reinterpret_cast<const char*>(&scalar.value), sizeof(scalar.value));
    outcome.scalars.push_back(std::move(key));
  }
  void OnWarning(std::uint64_t offset, std::string message) override {
    outcome.warnings.push_back(std::to_string(offset) + ": " + message);
  }
  Outcome outcome;
};

void Check(bool condition) {
  if (!condition) std::abort();
}

// Small, so that fuzzed lengths reach the path that passes over oversized records.
constexpr std::size_t kMaxRecordSize = 4096;

Outcome FeedInPieces(std::string_view bytes, std::string_view piece_sizes) {
  EventRecordStream stream(kMaxRecordSize);
  RecordingSink sink;
  std::size_t next_size = 0;
  while (!bytes.empty()) {
    std::size_t size = bytes.size();
    if (!piece_sizes.empty()) {
      size = 1 + static_cast<unsigned char>(piece_sizes[next_size++ % piece_sizes.size()]);
    }
    size = std::min(size, bytes.size());
    const std::uint64_t fed_before = stream.fed_offset();
    stream.Feed(bytes.substr(0, size), sink);
    bytes.remove_prefix(size);
    if (!stream.stopped()) Check(stream.fed_offset() == fed_before + size);
    Check(stream.record_offset() <= stream.fed_offset());
    Check(stream.record_offset() + stream.pending_bytes() == stream.fed_offset());
  }
  return sink.outcome;
}

std::string Frame(std::string_view data) {
  std::string record(kTfRecordHeaderSize, '\0');
  const std::uint64_t length = data.size();
  std::memcpy(record.data(), &length, 8);
  const std::uint32_t length_crc = MaskedCrc32c(record.data(), 8);
  std::memcpy(record.data() + 8, &length_crc, 4);
  record.append(data);
  const std::uint32_t data_crc = MaskedCrc32c(data.data(), data.size());
  record.append(reinterpret_cast<const char*>(&data_crc), 4);
  return record;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // 1. An event file, whole and in pieces.
  const Outcome whole = FeedInPieces(input, {});
  const std::string_view piece_sizes = input.substr(0, std::min<std::size_t>(input.size(), 8));
  Check(FeedInPieces(input, piece_sizes) == whole);

  // 2. One Event, decoded directly: nothing on error, tags inside the input.
  EventDecoder decoder;
  std::vector<EventScalar> scalars;
  if (const auto error = decoder.Decode(input, scalars)) {
    Check(scalars.empty());
    Check(error->offset <= input.size());
    Check(!error->reason.empty());
  }
  for (const auto& scalar : scalars) {
    Check(scalar.tag.empty() || (scalar.tag.data() >= input.data() &&
                                 scalar.tag.data() + scalar.tag.size() <= input.data() + size));
  }

  // 3. The same Event framed with good CRCs, fed a byte at a time: the same scalars as (2).
  if (input.size() <= kMaxRecordSize) {
    EventRecordStream stream(kMaxRecordSize);
    RecordingSink sink;
    const std::string record = Frame(input);
    for (char byte : record)
      stream.Feed(std::string_view(&byte, 1), sink);
    Check(!stream.stopped());
    Check(stream.pending_bytes() == 0);
    Check(sink.outcome.scalars.size() == scalars.size());
  }
  return 0;
}
