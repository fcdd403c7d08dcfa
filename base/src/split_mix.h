#pragma once

#include <cstdint>

namespace bayestune {

// SplitMix64's finaliser: spreads seeds that differ in a few bits (0, 1, 2, ...) over all 64.
inline std::uint64_t SplitMix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace bayestune
