#include "tfrecord_reader.h"

#include <catch2/catch.hpp>
#include <cstring>

#include "crc32c.h"
#include "event_file_writer.h"

using namespace bayestune;
using Status = TfRecordView::Status;

TEST_CASE("a whole record gives its data and its size", "[tfrecord]") {
  const std::string record = FrameTfRecord("hello") + "next";
  const TfRecordView view = ReadTfRecord(record);
  REQUIRE(view.status == Status::kRecord);
  CHECK(view.data == "hello");
  CHECK(view.data_length == 5);
  CHECK(view.size == 12 + 5 + 4);
}

TEST_CASE("an empty record is a record", "[tfrecord]") {
  const TfRecordView view = ReadTfRecord(FrameTfRecord(""));
  REQUIRE(view.status == Status::kRecord);
  CHECK(view.data.empty());
  CHECK(view.size == 16);
}

TEST_CASE("a record cut anywhere is incomplete, never a record", "[tfrecord]") {
  const std::string record = FrameTfRecord("some payload");
  for (std::size_t size = 0; size < record.size(); ++size) {
    const TfRecordView view = ReadTfRecord(std::string_view(record).substr(0, size));
    INFO("cut at " << size);
    CHECK(view.status == Status::kIncomplete);
    CHECK(view.header_complete == (size >= 12));
    if (size >= 12) CHECK(view.data_length == 12);
  }
}

TEST_CASE("a flipped bit in the length or its CRC is a bad length CRC", "[tfrecord]") {
  const std::string good = FrameTfRecord("payload");
  for (std::size_t bit = 0; bit < 12 * 8; ++bit) {
    std::string bad = good;
    bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
    const TfRecordView view = ReadTfRecord(bad);
    INFO("bit " << bit);
    CHECK(view.status == Status::kBadLengthCrc);
    CHECK(view.stored_crc != view.computed_crc);
  }
}

TEST_CASE("a flipped bit in the data or its CRC is a bad data CRC of a known size", "[tfrecord]") {
  const std::string good = FrameTfRecord("payload");
  for (std::size_t bit = 12 * 8; bit < good.size() * 8; ++bit) {
    std::string bad = good;
    bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
    const TfRecordView view = ReadTfRecord(bad);
    INFO("bit " << bit);
    CHECK(view.status == Status::kBadDataCrc);
    CHECK(view.size == good.size());
  }
}

TEST_CASE("a huge length with a good CRC is incomplete, without overflow", "[tfrecord]") {
  std::string header(12, '\0');
  const std::uint64_t length = ~std::uint64_t{0} - 3;
  std::memcpy(header.data(), &length, 8);
  const std::uint32_t crc = MaskedCrc32c(header.data(), 8);
  std::memcpy(header.data() + 8, &crc, 4);
  const TfRecordView view = ReadTfRecord(header + "abcdefgh");
  CHECK(view.status == Status::kIncomplete);
  CHECK(view.header_complete);
  CHECK(view.data_length == length);
}
