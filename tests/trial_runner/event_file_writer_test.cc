#include "event_file_writer.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "crc32c.h"

using namespace bayestune;

TEST_CASE("records are framed with length, masked CRCs and data", "[event_writer]") {
  const std::string data = "hello";
  const std::string record = FrameTfRecord(data);
  REQUIRE(record.size() == 8 + 4 + data.size() + 4);
  std::uint64_t length;
  std::memcpy(&length, record.data(), 8);
  CHECK(length == data.size());
  std::uint32_t length_crc, data_crc;
  std::memcpy(&length_crc, record.data() + 8, 4);
  std::memcpy(&data_crc, record.data() + 12 + data.size(), 4);
  CHECK(length_crc == MaskedCrc32c(record.data(), 8));
  CHECK(data_crc == MaskedCrc32c(data.data(), data.size()));
  CHECK(record.substr(12, data.size()) == data);
}

TEST_CASE("scalar events encode wall_time, step and a simple_value summary", "[event_writer]") {
  const std::string event = EncodeScalarEvent("acc", 3, 0.5f, 2.0);
  // wall_time: field 1, fixed64.
  CHECK(static_cast<unsigned char>(event[0]) == 0x09);
  double wall_time;
  std::memcpy(&wall_time, event.data() + 1, 8);
  CHECK(wall_time == 2.0);
  // step: field 2, varint 3.
  CHECK(event.substr(9, 2) == std::string("\x10\x03", 2));
  // summary: field 5 holding Value{tag = "acc", simple_value = 0.5f}.
  const std::string value = std::string(
                                "\x0a\x03"
                                "acc"
                                "\x15",
                                6) +
                            std::string("\0\0\0\x3f", 4);
  const std::string summary = std::string("\x0a") + static_cast<char>(value.size()) + value;
  CHECK(event.substr(11) == std::string("\x2a") + static_cast<char>(summary.size()) + summary);
}

TEST_CASE("the writer creates a tfevents file that starts with file_version", "[event_writer]") {
  const auto dir = std::filesystem::temp_directory_path() / "bayestune_writer_test";
  std::filesystem::remove_all(dir);
  std::string path;
  {
    EventFileWriter writer((dir / "sub").string());
    writer.AddScalar("loss", 1, 0.25f, 10.0);
    writer.Flush();
    path = writer.path();
  }
  CHECK(std::filesystem::path(path).filename().string().rfind("events.out.tfevents.", 0) == 0);
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string content = bytes.str();
  REQUIRE(content.size() > 12);
  CHECK(content.find("brain.Event:2") != std::string::npos);
  const std::string last = FrameTfRecord(EncodeScalarEvent("loss", 1, 0.25f, 10.0));
  CHECK(content.substr(content.size() - last.size()) == last);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a folder that cannot be made is an error naming it", "[event_writer]") {
  CHECK_THROWS_WITH(EventFileWriter("/proc/no_such_dir/x"), Catch::Contains("/proc/no_such_dir/x"));
}
