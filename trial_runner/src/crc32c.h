#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace bayestune {

// CRC-32C (Castagnoli), as TFRecord framing uses it. Uses the CPU's CRC32 instruction (SSE 4.2)
// when there is one, else a table. `crc` continues an earlier result.
std::uint32_t Crc32c(const void* data, std::size_t size, std::uint32_t crc = 0);
inline std::uint32_t Crc32c(std::string_view data) {
  return Crc32c(data.data(), data.size());
}

// TFRecord's mask: rotate right by 15 bits and add a constant.
inline std::uint32_t MaskCrc32c(std::uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}
inline std::uint32_t MaskedCrc32c(const void* data, std::size_t size) {
  return MaskCrc32c(Crc32c(data, size));
}

// Whether Crc32c runs on the CPU's instruction (for the benchmark's report).
bool Crc32cUsesHardware();

}  // namespace bayestune
