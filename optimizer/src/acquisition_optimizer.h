#pragma once

#include <Eigen/Core>
#include <optional>
#include <random>

#include "acquisition_function.h"
#include "bayestune/optimizer/gp_bandit_options.h"
#include "bayestune/optimizer/search_space.h"
#include "feasible_rounding.h"
#include "gaussian_process.h"
#include "local_refinement.h"

namespace bayestune {

// Finds the feasible point of highest acquisition value. The acquisition is evaluated only at
// feasible points (candidates are rounded first), so INTEGER and DISCRETE values are judged as
// they will run and categoricals are one-hot, never in between.
class AcquisitionOptimizer {
 public:
  AcquisitionOptimizer(const SearchSpace& space, AcquisitionOptimizerOptions options = {});

  // The best rounded point (model coordinates) that is not within 1e-9 of a column of `exclude`,
  // or nullopt when every candidate is (a finite space used up). `centers` (columns) are the
  // points to search around, best first. With a `box`, the search keeps to it: candidates are
  // drawn in it, the refinement is bounded by it, and a point outside (a finite space's, or
  // after rounding) is taken only when no point inside is left.
  std::optional<Eigen::VectorXd> Maximize(const GaussianProcess& gp,
                                          const AcquisitionFunction& acquisition,
                                          const Eigen::MatrixXd& centers,
                                          const Eigen::MatrixXd& exclude, std::mt19937_64& rng,
                                          const SearchBox* box = nullptr) const;

  const FeasibleRounding& rounding() const { return rounding_; }

 private:
  // The budgets for a GP of `observations` points.
  struct Budget {
    int sobol_candidates;
    int local_candidates;
    int refine_starts;
  };
  Budget BudgetFor(int observations) const;
  Eigen::MatrixXd Candidates(const Eigen::MatrixXd& centers, const Budget& budget,
                             std::mt19937_64& rng, const SearchBox* box) const;
  Eigen::VectorXd Refine(const GaussianProcess& gp, const AcquisitionFunction& acquisition,
                         const Eigen::VectorXd& start, const SearchBox* box) const;

  const SearchSpace* space_;
  AcquisitionOptimizerOptions options_;
  FeasibleRounding rounding_;
};

// Whether `x` is within `tolerance` (max norm) of a column of `points`.
bool IsNearAnyColumn(const Eigen::VectorXd& x, const Eigen::MatrixXd& points,
                     double tolerance = 1e-9);

}  // namespace bayestune
