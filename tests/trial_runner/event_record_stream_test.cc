#include "event_record_stream.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "event_file_writer.h"

using namespace bayestune;

namespace {

class RecordingSink : public EventStreamSink {
 public:
  void OnScalar(const EventScalar& scalar) override { tags.emplace_back(scalar.tag); }
  void OnWarning(std::uint64_t offset, std::string message) override {
    warnings.push_back(std::to_string(offset) + ": " + message);
  }
  std::vector<std::string> tags;
  std::vector<std::string> warnings;
};

// What `bytes` give when fed in pieces of `piece_size` bytes (all at once for 0).
RecordingSink FeedInPieces(const std::string& bytes, std::size_t max_record_size,
                           std::size_t piece_size, std::uint64_t* fed_offset = nullptr) {
  EventRecordStream stream(max_record_size);
  RecordingSink sink;
  const std::size_t step = piece_size == 0 ? bytes.size() : piece_size;
  for (std::size_t at = 0; at < bytes.size(); at += step)
    stream.Feed(std::string_view(bytes).substr(at, step), sink);
  if (fed_offset) *fed_offset = stream.fed_offset();
  return sink;
}

}  // namespace

// Found by event_decoding_fuzzer (tests/trial_runner/fuzz/corpus/crash-c025d8a7...): a record
// longer than the largest record read was read when its bytes came in one feed, and passed over
// when they came in several.
TEST_CASE("a record longer than the largest read is passed over however its bytes are fed",
          "[event_record_stream]") {
  const std::string scalar = EncodeScalarEvent("strict/foo", 1, 0.5f, 100.0);
  const std::size_t max_record_size = scalar.size() - 1;
  const std::string after = FrameTfRecord(EncodeScalarEvent("after", 2, 0.25f, 101.0));

  SECTION("with good CRCs: its scalar is not read") {
    const std::string bytes = FrameTfRecord(scalar) + after;
    for (const std::size_t piece_size : {std::size_t{0}, std::size_t{1}, std::size_t{13}}) {
      CAPTURE(piece_size);
      std::uint64_t fed = 0;
      const RecordingSink sink = FeedInPieces(bytes, max_record_size, piece_size, &fed);
      CHECK(sink.warnings.empty());
      CHECK(sink.tags == std::vector<std::string>{"after"});
      CHECK(fed == bytes.size());
    }
  }
  SECTION("with a bad data CRC: no warning, the next record is read") {
    std::string bytes = FrameTfRecord(scalar);
    bytes.back() ^= 0x01;  // the data CRC
    bytes += after;
    for (const std::size_t piece_size : {std::size_t{0}, std::size_t{1}, std::size_t{13}}) {
      CAPTURE(piece_size);
      const RecordingSink sink = FeedInPieces(bytes, max_record_size, piece_size);
      CHECK(sink.warnings.empty());
      CHECK(sink.tags == std::vector<std::string>{"after"});
    }
  }
}

TEST_CASE("a record as long as the largest read is read in one feed and in pieces",
          "[event_record_stream]") {
  const std::string scalar = EncodeScalarEvent("strict/foo", 1, 0.5f, 100.0);
  const std::string bytes = FrameTfRecord(scalar) + FrameTfRecord(scalar);
  for (const std::size_t piece_size : {std::size_t{0}, std::size_t{1}, std::size_t{13}}) {
    CAPTURE(piece_size);
    const RecordingSink sink = FeedInPieces(bytes, scalar.size(), piece_size);
    CHECK(sink.warnings.empty());
    CHECK(sink.tags == std::vector<std::string>{"strict/foo", "strict/foo"});
  }
}
