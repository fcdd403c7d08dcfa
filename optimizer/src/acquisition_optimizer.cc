#include "acquisition_optimizer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlopt.hpp>
#include <numeric>

#include "scrambled_sobol.h"
#include "trust_region.h"

namespace bayestune {
namespace {

// Candidates are evaluated in blocks of this many, to bound the n x block cross-covariance.
constexpr Eigen::Index kEvaluationBlock = 512;
// Local steps: standard deviations on the unit cube, used in turn.
constexpr double kLocalSteps[] = {0.01, 0.05, 0.15};

Eigen::VectorXd Evaluate(const GaussianProcess& gp, const AcquisitionFunction& acquisition,
                         const Eigen::MatrixXd& points) {
  Eigen::VectorXd values(points.cols());
  for (Eigen::Index first = 0; first < points.cols(); first += kEvaluationBlock) {
    const Eigen::Index count = std::min(kEvaluationBlock, points.cols() - first);
    Eigen::VectorXd mean;
    Eigen::VectorXd variance;
    gp.Predict(points.middleCols(first, count), &mean, &variance);
    for (Eigen::Index i = 0; i < count; ++i)
      values[first + i] = acquisition.Value(mean[i], variance[i]);
  }
  return values;
}

struct RefineProblem {
  const GaussianProcess* gp;
  const AcquisitionFunction* acquisition;
  const std::vector<int>* coordinates;
  Eigen::VectorXd x;  // the full point; the free coordinates are overwritten
  double best_value = -std::numeric_limits<double>::infinity();
  Eigen::VectorXd best_x;
};

double RefineObjective(unsigned n, const double* free, double* grad, void* data) {
  auto* p = static_cast<RefineProblem*>(data);
  for (unsigned i = 0; i < n; ++i)
    p->x[(*p->coordinates)[i]] = free[i];
  double mean = 0.0;
  double variance = 0.0;
  Eigen::VectorXd mean_gradient;
  Eigen::VectorXd variance_gradient;
  p->gp->PredictWithGradient(p->x, &mean, &variance, &mean_gradient, &variance_gradient);
  double d_mean = 0.0;
  double d_variance = 0.0;
  double value = p->acquisition->Value(mean, variance, &d_mean, &d_variance);
  if (!std::isfinite(value)) value = -1e300;
  if (grad) {
    for (unsigned i = 0; i < n; ++i) {
      const int c = (*p->coordinates)[i];
      grad[i] = d_mean * mean_gradient[c] + d_variance * variance_gradient[c];
      if (!std::isfinite(grad[i])) grad[i] = 0.0;
    }
  }
  if (value > p->best_value) {
    p->best_value = value;
    p->best_x = p->x;
  }
  return value;
}

}  // namespace

bool IsNearAnyColumn(const Eigen::VectorXd& x, const Eigen::MatrixXd& points, double tolerance) {
  for (Eigen::Index i = 0; i < points.cols(); ++i) {
    if ((points.col(i) - x).cwiseAbs().maxCoeff() <= tolerance) return true;
  }
  return false;
}

AcquisitionOptimizer::AcquisitionOptimizer(const SearchSpace& space,
                                           AcquisitionOptimizerOptions options)
    : space_(&space), options_(options), rounding_(space) {}

AcquisitionOptimizer::Budget AcquisitionOptimizer::BudgetFor(int observations) const {
  Budget b{options_.sobol_candidates, options_.local_candidates, options_.refine_starts};
  if (observations <= options_.full_budget_observations) return b;
  // Each candidate costs O(n^2) (the variance): the budget shrinks as 1/n^2, so that the cost of
  // a suggestion stays about flat in n down to the floors.
  const double ratio =
      static_cast<double>(options_.full_budget_observations) / static_cast<double>(observations);
  const double factor = ratio * ratio;
  auto shrink = [&](int value, int floor) {
    return std::min(value, std::max(floor, static_cast<int>(std::lround(value * factor))));
  };
  return {shrink(b.sobol_candidates, 128), shrink(b.local_candidates, 64),
          shrink(b.refine_starts, 2)};
}

Eigen::MatrixXd AcquisitionOptimizer::Candidates(const Eigen::MatrixXd& centers,
                                                 const Budget& budget, std::mt19937_64& rng,
                                                 const SearchBox* box) const {
  const int d = rounding_.dimensions();
  if (auto count = rounding_.FeasiblePointCount();
      count && *count <= options_.max_enumerated_points) {
    Eigen::MatrixXd all(d, static_cast<Eigen::Index>(*count));
    for (std::size_t i = 0; i < *count; ++i)
      all.col(static_cast<Eigen::Index>(i)) = rounding_.FeasiblePoint(i);
    return all;
  }
  const int centers_used = std::min<int>(options_.local_centers, static_cast<int>(centers.cols()));
  const int local = centers_used > 0 ? budget.local_candidates : 0;
  const int global = budget.sobol_candidates;
  Eigen::MatrixXd candidates(d, global + local);
  const ScrambledSobol sobol(d, rng());
  candidates.leftCols(global) = sobol.Points(0, global).transpose();
  const Eigen::VectorXd lower = box ? box->lower : Eigen::VectorXd::Zero(d);
  const Eigen::VectorXd upper = box ? box->upper : Eigen::VectorXd::Ones(d);
  if (box) {
    for (int i = 0; i < global; ++i)
      candidates.col(i) = lower + (upper - lower).cwiseProduct(candidates.col(i));
  }

  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const auto& ordered = rounding_.ordered_coordinates();
  const auto& blocks = rounding_.categorical_blocks();
  // In many dimensions a step moves only some coordinates, as in TuRBO.
  const double move_probability =
      ordered.empty() ? 0.0 : std::min(1.0, 10.0 / static_cast<double>(ordered.size()));
  const int jumps =
      ordered.empty() ? 0 : static_cast<int>(std::lround(options_.coordinate_jump_share * local));
  for (int i = 0; i < local; ++i) {
    Eigen::VectorXd x = centers.col(i % centers_used);
    if (i >= local - jumps) {
      const int c = ordered[std::uniform_int_distribution<std::size_t>(0, ordered.size() - 1)(rng)];
      x[c] = lower[c] + (upper[c] - lower[c]) * uniform(rng);
      candidates.col(global + i) = x;
      continue;
    }
    const double step = kLocalSteps[(i / centers_used) % std::size(kLocalSteps)];
    bool moved = false;
    for (int c : ordered) {
      if (uniform(rng) < move_probability) {
        x[c] = std::clamp(x[c] + step * normal(rng), lower[c], upper[c]);
        moved = true;
      }
    }
    if (!blocks.empty() && (!moved || uniform(rng) < 0.3)) {
      const auto& b = blocks[std::uniform_int_distribution<std::size_t>(0, blocks.size() - 1)(rng)];
      x.segment(b.offset, b.width).setZero();
      x[b.offset + std::uniform_int_distribution<int>(0, b.width - 1)(rng)] = 1.0;
    }
    candidates.col(global + i) = x;
  }
  for (Eigen::Index i = 0; i < candidates.cols(); ++i)
    rounding_.Round(candidates.col(i));
  return candidates;
}

Eigen::VectorXd AcquisitionOptimizer::Refine(const GaussianProcess& gp,
                                             const AcquisitionFunction& acquisition,
                                             const Eigen::VectorXd& start,
                                             const SearchBox* box) const {
  // The numeric coordinates of the parameters active at the start: an inactive parameter's is a
  // placeholder that rounding resets, so moving it would judge a point by a value it loses.
  const std::vector<int> coordinates = RefinedCoordinates(*space_, start);
  if (coordinates.empty()) return start;
  RefineProblem problem{&gp,
                        &acquisition,
                        &coordinates,
                        start,
                        -std::numeric_limits<double>::infinity(),
                        Eigen::VectorXd()};
  std::vector<double> free;
  std::vector<double> lower;
  std::vector<double> upper;
  for (int c : coordinates) {
    lower.push_back(box ? box->lower[c] : 0.0);
    upper.push_back(box ? box->upper[c] : 1.0);
    free.push_back(std::clamp(start[c], lower.back(), upper.back()));
  }
  nlopt::opt optimizer(nlopt::LD_LBFGS, static_cast<unsigned>(free.size()));
  optimizer.set_lower_bounds(lower);
  optimizer.set_upper_bounds(upper);
  optimizer.set_max_objective(RefineObjective, &problem);
  optimizer.set_maxeval(options_.refine_evaluations);
  optimizer.set_ftol_rel(1e-9);
  optimizer.set_xtol_abs(1e-7);
  double value = 0.0;
  try {
    optimizer.optimize(free, value);
  } catch (const std::exception&) {
    // Round-off: keep the best point seen.
  }
  Eigen::VectorXd best = problem.best_x.size() == start.size() ? problem.best_x : start;
  rounding_.Round(best);
  return best;
}

std::optional<Eigen::VectorXd> AcquisitionOptimizer::Maximize(
    const GaussianProcess& gp, const AcquisitionFunction& acquisition,
    const Eigen::MatrixXd& centers, const Eigen::MatrixXd& exclude, std::mt19937_64& rng,
    const SearchBox* box) const {
  const Budget budget = BudgetFor(gp.size());
  Eigen::MatrixXd candidates = Candidates(centers, budget, rng, box);
  const bool enumerated = rounding_.FeasiblePointCount() &&
                          *rounding_.FeasiblePointCount() <= options_.max_enumerated_points;
  Eigen::VectorXd values = Evaluate(gp, acquisition, candidates);
  const std::optional<TrustRegion> region =
      TrustRegion::Around(gp.points().topRows(gp.dimensions()), options_);
  auto penalize = [&](double value, const Eigen::VectorXd& x) {
    if (region) value = region->Penalize(value, x);
    return box ? box->Penalize(value, x) : value;
  };
  for (Eigen::Index i = 0; i < candidates.cols(); ++i)
    values[i] = penalize(values[i], candidates.col(i));
  std::vector<Eigen::Index> order(static_cast<std::size_t>(candidates.cols()));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](Eigen::Index a, Eigen::Index b) { return values[a] > values[b]; });

  // Refine the best few distinct, not excluded candidates.
  std::vector<Eigen::VectorXd> pool_points;
  std::vector<double> pool_values;
  if (!enumerated) {
    Eigen::MatrixXd starts(candidates.rows(), 0);
    for (Eigen::Index i : order) {
      if (static_cast<int>(starts.cols()) >= budget.refine_starts) break;
      const Eigen::VectorXd x = candidates.col(i);
      if (IsNearAnyColumn(x, starts) || IsNearAnyColumn(x, exclude)) continue;
      starts.conservativeResize(Eigen::NoChange, starts.cols() + 1);
      starts.col(starts.cols() - 1) = x;
    }
    for (Eigen::Index s = 0; s < starts.cols(); ++s) {
      Eigen::VectorXd refined = Refine(gp, acquisition, starts.col(s), box);
      Eigen::VectorXd mean;
      Eigen::VectorXd variance;
      gp.Predict(refined, &mean, &variance);
      const double value = acquisition.Value(mean[0], variance[0]);
      pool_values.push_back(penalize(value, refined));
      pool_points.push_back(std::move(refined));
    }
  }
  // The refined points compete with every candidate.
  std::vector<std::size_t> pool_order(pool_points.size());
  std::iota(pool_order.begin(), pool_order.end(), 0);
  std::stable_sort(pool_order.begin(), pool_order.end(),
                   [&](std::size_t a, std::size_t b) { return pool_values[a] > pool_values[b]; });
  std::size_t next_pool = 0;
  std::size_t next_candidate = 0;
  while (next_pool < pool_order.size() || next_candidate < order.size()) {
    const bool take_pool = next_pool < pool_order.size() &&
                           (next_candidate >= order.size() ||
                            pool_values[pool_order[next_pool]] >= values[order[next_candidate]]);
    const Eigen::VectorXd x =
        take_pool ? pool_points[pool_order[next_pool++]] : candidates.col(order[next_candidate++]);
    if (!IsNearAnyColumn(x, exclude)) return x;
  }
  return std::nullopt;
}

}  // namespace bayestune
