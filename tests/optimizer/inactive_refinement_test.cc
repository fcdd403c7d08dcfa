// The acquisition optimizer's L-BFGS refinement moves only the coordinates of the parameters active
// at its start: an inactive parameter's coordinate is a placeholder (kInactiveCoordinate) that
// rounding resets, so moving it judges the point by a value it will not have once rounded.
#include <catch2/catch.hpp>
#include <random>

#include "acquisition_function.h"
#include "acquisition_optimizer.h"
#include "bayestune/optimizer/search_space.h"
#include "gaussian_process.h"
#include "model_encoding.h"

using namespace bayestune;

TEST_CASE("acquisition optimizer: the refinement keeps inactive coordinates fixed",
          "[acquisition][conditional]") {
  // x, then `mode` (off | on), then `child`, active only when mode is 'on'. Model coordinates:
  // x 0, mode's one-hot block 1-2, child 3.
  ParameterSpec child = ParameterSpec::Double("child", 0.0, 1.0);
  child.condition = ParentCondition{"mode", {ParameterValue(std::string("on"))}};
  const SearchSpace space({ParameterSpec::Double("x", 0.0, 1.0),
                           ParameterSpec::Categorical("mode", {"off", "on"}), child});
  REQUIRE(space.ModelDimensions() == 4);

  // The best observation is at mode 'off'; one at mode 'on' with child 0.9 pulls the mean at
  // 'off' towards child 0.9, where its x optimum differs from the one at child's placeholder.
  Eigen::MatrixXd points(4, 2);
  points << 0.3, 0.7,  //
      1.0, 0.0,        //
      0.0, 1.0,        //
      kInactiveCoordinate, 0.9;
  Eigen::VectorXd values(2);
  values << 1.0, 0.95;
  GpHyperparameters h;
  h.length_scales = Eigen::Vector4d(0.3, 2.0, 2.0, 0.3);
  h.noise_variance = 1e-6;
  const GaussianProcess gp(points, values, h);
  const AcquisitionFunction mean_only(AcquisitionKind::kUpperConfidenceBound, 1.0, 0.0);

  // One candidate, near the 'off' observation, and its refinement.
  AcquisitionOptimizerOptions options;
  options.sobol_candidates = 0;
  options.local_candidates = 1;
  options.local_centers = 1;
  options.refine_starts = 1;
  options.refine_evaluations = 100;
  const AcquisitionOptimizer optimizer(space, options);
  const Eigen::MatrixXd centers = points.leftCols(1);
  auto value_at = [&](const Eigen::VectorXd& p) {
    Eigen::VectorXd mean;
    Eigen::VectorXd variance;
    gp.Predict(p, &mean, &variance);
    return mean_only.Value(mean[0], variance[0]);
  };
  int refined_at_off = 0;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    std::mt19937_64 rng(seed);
    const std::optional<Eigen::VectorXd> best =
        optimizer.Maximize(gp, mean_only, centers, Eigen::MatrixXd(4, 0), rng);
    REQUIRE(best);
    if ((*best)[1] != 1.0) continue;  // the candidate's step switched mode to 'on'
    REQUIRE((*best)[3] == kInactiveCoordinate);
    ++refined_at_off;
    // The best x at mode 'off' (child at its placeholder), on a fine grid.
    double grid_best = -1e300;
    Eigen::VectorXd p = *best;
    for (int i = 0; i <= 10000; ++i) {
      p[0] = i / 10000.0;
      grid_best = std::max(grid_best, value_at(p));
    }
    INFO("seed " << seed << ": x " << (*best)[0]);
    CHECK(value_at(*best) >= grid_best - 1e-7);
  }
  CHECK(refined_at_off > 0);
}
