#include "multi_objective_designer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "acquisition_optimizer.h"
#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/gp_bandit_designer.h"
#include "bayestune/optimizer/pareto_front.h"
#include "feasible_rounding.h"
#include "gaussian_process.h"
#include "gp_hyperparameter_fit.h"
#include "initial_design.h"
#include "input_warping.h"
#include "model_encoding.h"

namespace bayestune {
namespace {

// sqrt(beta) of the per-objective upper confidence bounds: tuned on the benchmark (1.0 and 1.8
// were each worse on one problem; OSS Vizier uses 1.8).
constexpr double kUcbCoefficient = 1.4;
// Candidates per suggestion: uniform points of the cube, Gaussian steps around the best observed
// points under the suggestion's weight, and refinement rounds around the best candidates.
constexpr int kUniformCandidates = 1000;
constexpr int kLocalCandidates = 1000;
constexpr int kLocalCenters = 5;
constexpr int kRefineStarts = 4;
constexpr int kRefineRounds = 6;
constexpr int kRefineCandidates = 64;

bool IsPending(TrialState state) {
  return state == TrialState::kRequested || state == TrialState::kActive ||
         state == TrialState::kStopping;
}

Eigen::MatrixXd ToMatrix(const std::vector<Eigen::VectorXd>& columns, int rows) {
  Eigen::MatrixXd m(rows, static_cast<Eigen::Index>(columns.size()));
  for (std::size_t i = 0; i < columns.size(); ++i)
    m.col(static_cast<Eigen::Index>(i)) = columns[i];
  return m;
}

struct MultiHistory {
  Eigen::MatrixXd finished;  // dimensions x n
  // Per objective, per finished trial: higher is better; nullopt: no usable values.
  std::vector<std::vector<std::optional<double>>> values;
  std::vector<std::vector<double>> points;  // per finished trial, as reported (for ranks)
  Eigen::MatrixXd pending;
  Eigen::MatrixXd all;
  int own_trials = 0;
};

MultiHistory ReadHistory(const DesignerInput& input) {
  const int d = input.space.ModelDimensions();
  const std::vector<MetricSpec> objectives = Objectives(input.spec);
  const std::size_t m = objectives.size();
  MultiHistory h;
  h.values.resize(m);
  std::vector<Eigen::VectorXd> finished, pending, all;
  for (const Trial& t : input.trials) {
    if (t.id > 0) ++h.own_trials;
    Eigen::VectorXd x;
    try {
      x = EncodeForModel(input.space, t.parameters);
    } catch (const InvalidArgument&) {
      continue;
    }
    all.push_back(x);
    if (IsPending(t.state)) {
      pending.push_back(std::move(x));
      continue;
    }
    finished.push_back(std::move(x));
    std::vector<double> values = ObjectiveValues(t, input.spec);
    const bool usable =
        t.state == TrialState::kSucceeded && values.size() == m &&
        std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
    for (std::size_t k = 0; k < m; ++k) {
      if (usable) {
        h.values[k].push_back(objectives[k].goal == Goal::kMaximize ? values[k] : -values[k]);
      } else {
        h.values[k].push_back(std::nullopt);
      }
    }
    if (!usable) values.assign(m, std::numeric_limits<double>::quiet_NaN());
    h.points.push_back(std::move(values));
  }
  h.finished = ToMatrix(finished, d);
  h.pending = ToMatrix(pending, d);
  h.all = ToMatrix(all, d);
  return h;
}

// The GP targets of one objective (higher is better): the values with the bad tail clipped at the
// first quartile minus 1.5 interquartile ranges (a diverged trial must not squash the rest), a
// trial without a value imputed at the worst minus half the range, then standardised. Linear
// otherwise: the single-objective warp (output_warper.h) stretches the best values, which on the
// benchmark pulled the search to the ends of the front and lost hypervolume.
Eigen::VectorXd ObjectiveTargets(const std::vector<std::optional<double>>& values) {
  std::vector<double> sorted;
  for (const auto& v : values) {
    if (v) sorted.push_back(*v);
  }
  Eigen::VectorXd y = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(values.size()));
  if (sorted.empty()) return y;
  std::sort(sorted.begin(), sorted.end());
  const double q1 = sorted[sorted.size() / 4];
  const double q3 = sorted[(3 * sorted.size()) / 4];
  const double lo = std::max(sorted.front(), q1 - 1.5 * (q3 - q1));
  const double hi = sorted.back();
  for (std::size_t i = 0; i < values.size(); ++i) {
    y[static_cast<Eigen::Index>(i)] = values[i] ? std::max(*values[i], lo) : lo - 0.5 * (hi - lo);
  }
  const double mean = y.mean();
  const double sd = std::sqrt((y.array() - mean).square().mean());
  y.array() -= mean;
  if (sd > 0) y /= sd;
  return y;
}

// A weight drawn uniformly on the positive part of the unit sphere.
Eigen::VectorXd RandomWeight(std::size_t m, std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  Eigen::VectorXd w(static_cast<Eigen::Index>(m));
  for (Eigen::Index k = 0; k < w.size(); ++k)
    w[k] = std::max(std::abs(normal(rng)), 1e-6);
  return w / w.norm();
}

// The hypervolume scalarization's argument: min_k (y_k - r_k) / w_k, for each column of `y`
// (objectives x count).
Eigen::VectorXd Scalarize(const Eigen::MatrixXd& y, const Eigen::VectorXd& reference,
                          const Eigen::VectorXd& weight) {
  Eigen::VectorXd s(y.cols());
  for (Eigen::Index j = 0; j < y.cols(); ++j)
    s[j] = ((y.col(j) - reference).array() / weight.array()).minCoeff();
  return s;
}

class ScalarizedUcb {
 public:
  ScalarizedUcb(const std::vector<GaussianProcess>& gps, const Eigen::VectorXd& reference,
                const Eigen::VectorXd& weight)
      : gps_(gps), reference_(reference), weight_(weight) {}

  Eigen::VectorXd operator()(const Eigen::MatrixXd& candidates) const {
    Eigen::MatrixXd ucb(static_cast<Eigen::Index>(gps_.size()), candidates.cols());
    for (std::size_t k = 0; k < gps_.size(); ++k) {
      Eigen::VectorXd mean, variance;
      gps_[k].Predict(candidates, &mean, &variance);
      ucb.row(static_cast<Eigen::Index>(k)) =
          (mean.array() + kUcbCoefficient * variance.array().max(0.0).sqrt()).matrix().transpose();
    }
    return Scalarize(ucb, reference_, weight_);
  }

 private:
  const std::vector<GaussianProcess>& gps_;
  const Eigen::VectorXd& reference_;
  const Eigen::VectorXd& weight_;
};

// A Gaussian step of `scale` from `center`, on a random subset of the coordinates (at least one),
// rounded.
Eigen::VectorXd Step(const Eigen::VectorXd& center, double scale, const FeasibleRounding& rounding,
                     std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  const Eigen::Index d = center.size();
  Eigen::VectorXd x = center;
  const double share = std::min(1.0, 2.0 / static_cast<double>(d) + 0.3);
  bool moved = false;
  for (Eigen::Index i = 0; i < d; ++i) {
    if (uniform(rng) < share) {
      x[i] += scale * normal(rng);
      moved = true;
    }
  }
  if (!moved) x[std::uniform_int_distribution<Eigen::Index>(0, d - 1)(rng)] += scale * normal(rng);
  rounding.Round(x);
  return x;
}

// The best candidate not near a column of `exclude`, or nullopt.
std::optional<Eigen::VectorXd> MaximizeAcquisition(const ScalarizedUcb& acquisition,
                                                   const Eigen::MatrixXd& centers,
                                                   const Eigen::MatrixXd& exclude,
                                                   const FeasibleRounding& rounding,
                                                   std::mt19937_64& rng) {
  const int d = rounding.dimensions();
  std::uniform_real_distribution<double> uniform;
  const double scales[] = {0.02, 0.08, 0.25};
  Eigen::MatrixXd candidates(d, kUniformCandidates + kLocalCandidates);
  Eigen::Index count = 0;
  for (int i = 0; i < kUniformCandidates; ++i) {
    Eigen::VectorXd x(d);
    for (int j = 0; j < d; ++j)
      x[j] = uniform(rng);
    rounding.Round(x);
    candidates.col(count++) = x;
  }
  if (centers.cols() > 0) {
    for (int i = 0; i < kLocalCandidates; ++i) {
      const Eigen::Index c = i % centers.cols();
      candidates.col(count++) = Step(centers.col(c), scales[i % 3], rounding, rng);
    }
  }
  candidates.conservativeResize(d, count);
  Eigen::VectorXd scores = acquisition(candidates);
  for (Eigen::Index j = 0; j < count; ++j) {
    if (IsNearAnyColumn(candidates.col(j), exclude)) {
      scores[j] = -std::numeric_limits<double>::infinity();
    }
  }
  std::vector<Eigen::Index> order(static_cast<std::size_t>(count));
  std::iota(order.begin(), order.end(), 0);
  const std::size_t starts = std::min<std::size_t>(kRefineStarts, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(starts), order.end(),
                    [&](Eigen::Index a, Eigen::Index b) { return scores[a] > scores[b]; });
  std::optional<Eigen::VectorXd> best;
  double best_score = -std::numeric_limits<double>::infinity();
  for (std::size_t s = 0; s < starts; ++s) {
    if (!std::isfinite(scores[order[s]])) continue;
    Eigen::VectorXd x = candidates.col(order[s]);
    double score = scores[order[s]];
    double scale = 0.05;
    for (int round = 0; round < kRefineRounds; ++round, scale *= 0.5) {
      Eigen::MatrixXd steps(d, kRefineCandidates);
      for (int i = 0; i < kRefineCandidates; ++i)
        steps.col(i) = Step(x, scale, rounding, rng);
      const Eigen::VectorXd step_scores = acquisition(steps);
      for (int i = 0; i < kRefineCandidates; ++i) {
        if (step_scores[i] > score && !IsNearAnyColumn(steps.col(i), exclude)) {
          score = step_scores[i];
          x = steps.col(i);
        }
      }
    }
    if (score > best_score) {
      best_score = score;
      best = x;
    }
  }
  return best;
}

}  // namespace

std::vector<ParameterValues> SuggestMultiObjective(const DesignerInput& input,
                                                   const GpBanditOptions& options) {
  const SearchSpace& space = input.space;
  const int d = space.ModelDimensions();
  std::vector<ParameterValues> suggestions;
  if (input.count < 1) return suggestions;
  const FeasibleRounding rounding(space);
  const std::optional<std::size_t> feasible_points = rounding.FeasiblePointCount();
  MultiHistory history = ReadHistory(input);
  Eigen::MatrixXd chosen(d, 0);
  auto excluded = [&]() -> Eigen::MatrixXd {
    const std::size_t used = static_cast<std::size_t>(history.all.cols() + chosen.cols());
    if (feasible_points && used >= *feasible_points) return Eigen::MatrixXd(d, 0);
    return Join(history.all, chosen);
  };

  // The initial design: the same Sobol sequence as for one objective.
  const int initial = options.initial_points > 0 ? options.initial_points
                                                 : GpBanditDesigner::DefaultInitialPoints(space);
  AppendInitialDesign({.points = initial,
                       .count = input.count,
                       .study_seed = input.spec.seed.value_or(0),
                       .own_trials = history.own_trials,
                       .trials_seen = history.all.cols(),
                       .finished = history.finished.cols()},
                      rounding, excluded, chosen);

  if (chosen.cols() < input.count && history.finished.cols() > 0) {
    std::mt19937_64 rng(input.seed ^ 0x3D0B'1EC7'0000'0000ULL);
    const std::size_t m = history.values.size();
    // The observations the GPs see: all, or beyond max_model_points the best by Pareto rank.
    std::vector<Eigen::Index> kept(static_cast<std::size_t>(history.finished.cols()));
    std::iota(kept.begin(), kept.end(), 0);
    if (static_cast<int>(kept.size()) > options.max_model_points) {
      std::vector<Goal> goals(m, Goal::kMaximize);
      std::vector<std::vector<double>> flipped;
      for (std::size_t i = 0; i < kept.size(); ++i) {
        std::vector<double> p;
        for (std::size_t k = 0; k < m; ++k)
          p.push_back(history.values[k][i].value_or(std::numeric_limits<double>::quiet_NaN()));
        flipped.push_back(std::move(p));
      }
      const std::vector<int> ranks = ParetoRanks(flipped, goals);
      std::stable_sort(kept.begin(), kept.end(),
                       [&](Eigen::Index a, Eigen::Index b) { return ranks[a] < ranks[b]; });
      kept.resize(static_cast<std::size_t>(options.max_model_points));
      std::sort(kept.begin(), kept.end());
    }
    Eigen::MatrixXd observed(d, static_cast<Eigen::Index>(kept.size()));
    for (std::size_t i = 0; i < kept.size(); ++i)
      observed.col(static_cast<Eigen::Index>(i)) = history.finished.col(kept[i]);
    std::vector<GaussianProcess> gps;
    Eigen::MatrixXd targets(static_cast<Eigen::Index>(m), observed.cols());
    Eigen::VectorXd reference(static_cast<Eigen::Index>(m));
    for (std::size_t k = 0; k < m; ++k) {
      std::vector<std::optional<double>> values;
      for (Eigen::Index i : kept)
        values.push_back(history.values[k][static_cast<std::size_t>(i)]);
      const Eigen::VectorXd y = ObjectiveTargets(values);
      targets.row(static_cast<Eigen::Index>(k)) = y.transpose();
      GpFitOptions fit = options.fit;
      fit.seed = rng();
      gps.emplace_back(observed, y,
                       FitGpHyperparameters(observed, y, fit, DoubleCoordinates(input.space)));
      // Just below the worst target, so that every observation has a positive share of volume.
      reference[static_cast<Eigen::Index>(k)] =
          y.minCoeff() - 0.1 * std::max(1e-9, y.maxCoeff() - y.minCoeff());
    }
    auto add_fantasy = [&](const Eigen::VectorXd& x) {
      for (GaussianProcess& gp : gps) {
        Eigen::VectorXd mean, variance;
        gp.Predict(x, &mean, &variance);
        gp.AddObservation(x, mean[0]);
      }
    };
    for (Eigen::Index i = 0; i < history.pending.cols(); ++i)
      add_fantasy(history.pending.col(i));
    for (Eigen::Index i = 0; i < chosen.cols(); ++i)
      add_fantasy(chosen.col(i));

    while (chosen.cols() < input.count) {
      const Eigen::VectorXd weight = RandomWeight(m, rng);
      // Search around the observations that score best under this weight.
      const Eigen::VectorXd observed_scores = Scalarize(targets, reference, weight);
      std::vector<Eigen::Index> order(static_cast<std::size_t>(observed_scores.size()));
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) {
        return observed_scores[a] > observed_scores[b];
      });
      Eigen::MatrixXd centers(d, 0);
      for (std::size_t i = 0; i < order.size() && i < kLocalCenters; ++i)
        AppendColumn(centers, observed.col(order[i]));
      const ScalarizedUcb acquisition(gps, reference, weight);
      std::optional<Eigen::VectorXd> x =
          MaximizeAcquisition(acquisition, centers, excluded(), rounding, rng);
      if (!x) x = MaximizeAcquisition(acquisition, centers, Eigen::MatrixXd(d, 0), rounding, rng);
      if (!x) break;
      AppendColumn(chosen, *x);
      if (chosen.cols() < input.count) add_fantasy(*x);
    }
  }

  for (Eigen::Index i = 0; i < chosen.cols(); ++i)
    suggestions.push_back(DecodeFromModel(space, chosen.col(i)));
  return suggestions;
}

}  // namespace bayestune
