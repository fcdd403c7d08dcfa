#include "scrambled_sobol.h"

#include <catch2/catch.hpp>
#include <set>

using namespace bayestune;

TEST_CASE("scrambled Sobol points lie in the unit cube and repeat with the seed", "[sobol]") {
  const ScrambledSobol a(5, 42);
  const ScrambledSobol b(5, 42);
  const ScrambledSobol c(5, 43);
  const Eigen::MatrixXd pa = a.Points(0, 64);
  CHECK(pa == b.Points(0, 64));
  CHECK(pa != c.Points(0, 64));
  CHECK(pa.minCoeff() >= 0.0);
  CHECK(pa.maxCoeff() < 1.0);
  // A point asked alone is the same point as in a block.
  CHECK(a.Point(37) == pa.row(37).transpose());
  CHECK(a.Points(10, 5) == pa.middleRows(10, 5));
}

TEST_CASE("the first 2^m points stratify every coordinate and the first two jointly", "[sobol]") {
  for (std::uint64_t seed : {0ULL, 7ULL, 123456789ULL}) {
    const ScrambledSobol sobol(8, seed);
    const Eigen::MatrixXd p = sobol.Points(0, 16);
    for (int j = 0; j < 8; ++j) {
      std::set<int> cells;
      for (int i = 0; i < 16; ++i)
        cells.insert(static_cast<int>(p(i, j) * 16));
      CHECK(cells.size() == 16);  // one point in each interval [k/16, (k+1)/16)
    }
    // Sobol's first two dimensions form a (0, m, 2)-net: one point in each 4 x 4 box.
    std::set<std::pair<int, int>> boxes;
    for (int i = 0; i < 16; ++i)
      boxes.insert({static_cast<int>(p(i, 0) * 4), static_cast<int>(p(i, 1) * 4)});
    CHECK(boxes.size() == 16);
  }
}

TEST_CASE("dimensions beyond Sobol's table are filled with uniform numbers", "[sobol]") {
  const ScrambledSobol sobol(3700, 1);
  const Eigen::MatrixXd p = sobol.Points(0, 3);
  CHECK(p.cols() == 3700);
  CHECK(p.minCoeff() >= 0.0);
  CHECK(p.maxCoeff() < 1.0);
  CHECK(p(1, 3699) != p(2, 3699));
  CHECK(ScrambledSobol(0, 1).Points(0, 4).cols() == 0);
}
