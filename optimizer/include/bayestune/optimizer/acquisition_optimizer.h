#pragma once

#include <Eigen/Core>
#include <optional>
#include <random>

#include "bayestune/optimizer/acquisition_function.h"
#include "bayestune/optimizer/feasible_rounding.h"
#include "bayestune/optimizer/gaussian_process.h"
#include "bayestune/optimizer/search_space.h"

namespace bayestune {

struct AcquisitionOptimizerOptions {
  // Candidates: scrambled Sobol points over the whole cube, and points around the best
  // observations (Gaussian steps of a few sizes).
  int sobol_candidates = 1024;
  int local_candidates = 512;
  int local_centers = 5;
  // The best few distinct candidates are refined by L-BFGS (NLopt) on the DOUBLE, INTEGER and
  // DISCRETE coordinates, each categorical held at the candidate's value; then rounded.
  int refine_starts = 5;
  int refine_evaluations = 40;
  // A finite space with at most this many points is searched exhaustively instead.
  std::size_t max_enumerated_points = 4096;
  // With a GP of more observations than this, the candidate counts and refinement starts shrink
  // as (full_budget_observations / n)^2 (to at least 128 Sobol and 64 local candidates and 2
  // starts): a candidate's variance costs O(n^2), so that the cost stays about flat in n.
  int full_budget_observations = 300;
};

// Finds the feasible point of highest acquisition value. The acquisition is evaluated only at
// feasible points (candidates are rounded first), so INTEGER and DISCRETE values are judged as
// they will run and categoricals are one-hot, never in between.
class AcquisitionOptimizer {
 public:
  AcquisitionOptimizer(const SearchSpace& space, AcquisitionOptimizerOptions options = {});

  // The best rounded point (model coordinates) that is not within 1e-9 of a column of `exclude`,
  // or nullopt when every candidate is (a finite space used up). `centers` (columns) are the
  // points to search around, best first.
  std::optional<Eigen::VectorXd> Maximize(const GaussianProcess& gp,
                                          const AcquisitionFunction& acquisition,
                                          const Eigen::MatrixXd& centers,
                                          const Eigen::MatrixXd& exclude,
                                          std::mt19937_64& rng) const;

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
                             std::mt19937_64& rng) const;
  Eigen::VectorXd Refine(const GaussianProcess& gp, const AcquisitionFunction& acquisition,
                         const Eigen::VectorXd& start) const;

  const SearchSpace* space_;
  AcquisitionOptimizerOptions options_;
  FeasibleRounding rounding_;
};

// Whether `x` is within `tolerance` (max norm) of a column of `points`.
bool IsNearAnyColumn(const Eigen::VectorXd& x, const Eigen::MatrixXd& points,
                     double tolerance = 1e-9);

}  // namespace bayestune
