#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace bayestune {

// A random stream whose distributions are written out here rather than taken from <random> (whose
// distributions differ between standard libraries), so that a seed means the same weights and
// batch order on the CPU and GPU paths and with any compiler.
class HostRandom {
 public:
  explicit HostRandom(std::uint64_t seed) : engine_(seed) {}

  // Uniform in [0, 1), 53 random bits.
  double Uniform();
  // Uniform in [0, n), without modulo bias.
  std::uint64_t UniformInt(std::uint64_t n);
  // Standard normal (Box-Muller).
  double Normal();
  // 0 .. n-1 in a random order (Fisher-Yates).
  std::vector<std::int64_t> Permutation(std::int64_t n);

 private:
  std::mt19937_64 engine_;
  bool has_spare_normal_ = false;
  double spare_normal_ = 0;
};

}  // namespace bayestune
