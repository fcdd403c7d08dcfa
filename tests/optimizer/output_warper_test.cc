#include "output_warper.h"

#include <catch2/catch.hpp>
#include <cmath>

using namespace bayestune;

namespace {

std::vector<std::optional<double>> Values(std::initializer_list<double> values) {
  return {values.begin(), values.end()};
}

void CheckStandardised(const Eigen::VectorXd& w) {
  CHECK(w.mean() == Approx(0.0).margin(1e-12));
  CHECK(std::sqrt((w.array() - w.mean()).square().mean()) == Approx(1.0));
}

}  // namespace

TEST_CASE("warping keeps the order and standardises", "[warp]") {
  const Eigen::VectorXd w = WarpObjectiveValues(Values({3, -1, 7, 0.5, 2, 10, 4}));
  CheckStandardised(w);
  const std::vector<int> order = {1, 3, 4, 0, 6, 2, 5};  // increasing values
  for (std::size_t i = 1; i < order.size(); ++i)
    CHECK(w[order[i]] > w[order[i - 1]]);
}

TEST_CASE("an outlier does not squash the differences between good values", "[warp]") {
  // Higher is better; one diverged trial at -1e9.
  const auto with_outlier = Values({1, 2, 3, 4, 5, 6, 7, 8, -1e9});
  const Eigen::VectorXd w = WarpObjectiveValues(with_outlier);
  CheckStandardised(w);
  // Without warping, 1..8 would be within 1e-8 of each other after standardising.
  CHECK(w[7] - w[6] > 0.05);
  CHECK(w[7] - w[0] > 0.5);
  CHECK(w[8] < w[0]);
  // Rosenbrock-like: values over orders of magnitude, minimised (so negated here).
  const Eigen::VectorXd r = WarpObjectiveValues(Values({-1, -3, -10, -300, -5000, -2e5, -9e5}));
  for (int i = 1; i < 7; ++i)
    CHECK(r[i - 1] - r[i] > 1e-3);
  CHECK(r.maxCoeff() - r.minCoeff() < 6.0);
}

TEST_CASE("trials without a value get less than the worst value", "[warp]") {
  std::vector<std::optional<double>> values = Values({1, 5, 3});
  values.push_back(std::nullopt);
  values.push_back(NAN);
  const Eigen::VectorXd w = WarpObjectiveValues(values);
  CHECK(w.allFinite());
  CHECK(w[3] < w[0]);
  CHECK(w[4] == w[3]);
  CheckStandardised(w);
}

TEST_CASE("equal values, a single value and no value are handled", "[warp]") {
  const Eigen::VectorXd equal = WarpObjectiveValues(Values({2, 2, 2}));
  CHECK(equal.isZero());
  std::vector<std::optional<double>> values = Values({2, 2});
  values.push_back(std::nullopt);
  const Eigen::VectorXd with_failure = WarpObjectiveValues(values);
  CHECK(with_failure[0] == with_failure[1]);
  CHECK(with_failure[2] < with_failure[0]);
  CHECK(WarpObjectiveValues(Values({4})).isZero());
  CHECK(WarpObjectiveValues({std::nullopt, std::nullopt}).isZero());
  CHECK(WarpObjectiveValues({}).size() == 0);
}
