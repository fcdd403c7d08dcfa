#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

namespace bayestune {

// Points of a Sobol sequence (Joe-Kuo direction numbers, from Boost.Random) scrambled by a random
// linear matrix scramble and a random digital shift (Matousek 1998, as scipy.stats.qmc.Sobol does):
// every point is uniform on [0, 1)^d while the sequence keeps its low discrepancy. The first 2^m
// points of any seed are a (t, m, d)-net, so a design of 8 or 16 points covers the cube evenly.
//
// The same dimensions and seed give the same sequence. Dimensions beyond the table (3,667) are
// filled with independent uniform numbers from the same seed.
class ScrambledSobol {
 public:
  ScrambledSobol(int dimensions, std::uint64_t seed);

  int dimensions() const { return dimensions_; }
  // Point `index` of the sequence (index 0 is the scrambled origin), `dimensions()` coordinates.
  Eigen::VectorXd Point(std::uint64_t index) const;
  // Points first, first + 1, ..., first + count - 1 as the rows of a count x dimensions matrix.
  Eigen::MatrixXd Points(std::uint64_t first, int count) const;

 private:
  int dimensions_;
  std::uint64_t seed_;
  // Per Sobol dimension: the rows of the lower-triangular scramble matrix (bit k of the output is
  // the parity of rows[k] & input), and the digital shift.
  std::vector<std::uint32_t> scramble_rows_;
  std::vector<std::uint32_t> shifts_;
};

}  // namespace bayestune
