#include "crc32c.h"

#include <catch2/catch.hpp>
#include <string>

using namespace bayestune;

TEST_CASE("CRC-32C matches the check values of tfevents.md", "[crc32c]") {
  CHECK(Crc32c("123456789") == 0xE3069283u);
  const std::string zeros(32, '\0');
  CHECK(Crc32c(zeros) == 0x8A9136AAu);
  const std::string record = std::string("\x1a\x11") + "CRC test, one two";
  CHECK(MaskedCrc32c(record.data(), record.size()) == 0x5794D08Au);
}

TEST_CASE("CRC-32C continues across chunks of any alignment", "[crc32c]") {
  std::string data;
  for (int i = 0; i < 1000; ++i)
    data.push_back(static_cast<char>(i * 37 + 11));
  const std::uint32_t whole = Crc32c(data);
  for (std::size_t split : {0u, 1u, 7u, 8u, 9u, 500u, 999u, 1000u}) {
    const std::uint32_t first = Crc32c(data.data(), split);
    CHECK(Crc32c(data.data() + split, data.size() - split, first) == whole);
  }
}
