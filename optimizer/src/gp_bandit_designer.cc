#include "bayestune/optimizer/gp_bandit_designer.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "acquisition_function.h"
#include "acquisition_optimizer.h"
#include "bayestune/optimizer/errors.h"
#include "gaussian_process.h"
#include "gp_hyperparameter_fit.h"
#include "model_encoding.h"
#include "output_warper.h"
#include "scrambled_sobol.h"
#include "split_mix.h"

namespace bayestune {
namespace {

// Sobol points tried for one suggestion before the design gives way to the GP (all of them taken
// already: a small finite space).
constexpr int kMaxSobolTries = 256;

bool IsPending(TrialState state) {
  return state == TrialState::kRequested || state == TrialState::kActive ||
         state == TrialState::kStopping;
}

void AppendColumn(Eigen::MatrixXd& m, const Eigen::VectorXd& x) {
  m.conservativeResize(x.size(), m.cols() + 1);
  m.col(m.cols() - 1) = x;
}

Eigen::MatrixXd Join(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  Eigen::MatrixXd joined(a.rows(), a.cols() + b.cols());
  joined << a, b;
  return joined;
}

// What the designer knows of the study's trials, in model coordinates.
struct History {
  Eigen::MatrixXd finished;                   // dimensions x n
  std::vector<std::optional<double>> values;  // higher is better; nullopt: FAILED or INFEASIBLE
  Eigen::MatrixXd pending;
  Eigen::MatrixXd all;  // every trial, for duplicates
  int own_trials = 0;   // trials of this study (not of a resumed one)
};

History ReadHistory(const DesignerInput& input) {
  const int d = input.space.ModelDimensions();
  History h{Eigen::MatrixXd(d, 0), {}, Eigen::MatrixXd(d, 0), Eigen::MatrixXd(d, 0)};
  for (const Trial& t : input.trials) {
    if (t.id > 0) ++h.own_trials;
    Eigen::VectorXd x;
    try {
      x = EncodeForModel(input.space, t.parameters);
    } catch (const InvalidArgument&) {
      continue;  // parameters of another space tell this one nothing
    }
    AppendColumn(h.all, x);
    if (IsPending(t.state)) {
      AppendColumn(h.pending, x);
      continue;
    }
    AppendColumn(h.finished, x);
    if (t.state == TrialState::kSucceeded && t.final_value && std::isfinite(*t.final_value)) {
      h.values.push_back(input.spec.goal == Goal::kMaximize ? *t.final_value : -*t.final_value);
    } else {
      h.values.push_back(std::nullopt);
    }
  }
  return h;
}

// Keeps the observations of `subset`, in its order.
void KeepModelPoints(const std::vector<Eigen::Index>& subset, Eigen::MatrixXd& points,
                     Eigen::VectorXd& targets, std::vector<std::optional<double>>& values) {
  Eigen::MatrixXd kept_points(points.rows(), static_cast<Eigen::Index>(subset.size()));
  Eigen::VectorXd kept_targets(static_cast<Eigen::Index>(subset.size()));
  std::vector<std::optional<double>> kept_values;
  for (std::size_t i = 0; i < subset.size(); ++i) {
    kept_points.col(static_cast<Eigen::Index>(i)) = points.col(subset[i]);
    kept_targets[static_cast<Eigen::Index>(i)] = targets[subset[i]];
    kept_values.push_back(values[static_cast<std::size_t>(subset[i])]);
  }
  points = std::move(kept_points);
  targets = std::move(kept_targets);
  values = std::move(kept_values);
}

}  // namespace

int GpBanditDesigner::DefaultInitialPoints(const SearchSpace& space) {
  return std::clamp(space.ModelDimensions() + 2, 5, 20);
}

std::vector<ParameterValues> GpBanditDesigner::Suggest(const DesignerInput& input) {
  const SearchSpace& space = input.space;
  const int d = space.ModelDimensions();
  std::vector<ParameterValues> suggestions;
  if (input.count < 1) return suggestions;
  if (d == 0) {
    // One feasible point: it is all there is to give.
    suggestions.assign(static_cast<std::size_t>(input.count),
                       DecodeFromModel(space, Eigen::VectorXd(0)));
    return suggestions;
  }
  const AcquisitionOptimizer optimizer(space, options_.acquisition_optimizer);
  const std::optional<std::size_t> feasible_points = optimizer.rounding().FeasiblePointCount();
  History history = ReadHistory(input);
  Eigen::MatrixXd chosen(d, 0);
  // Points to avoid: every trial and every point chosen so far, unless a finite space has none
  // left.
  auto excluded = [&]() -> Eigen::MatrixXd {
    const std::size_t used = static_cast<std::size_t>(history.all.cols() + chosen.cols());
    if (feasible_points && used >= *feasible_points) return Eigen::MatrixXd(d, 0);
    return Join(history.all, chosen);
  };

  // The initial design.
  const int initial =
      options_.initial_points > 0 ? options_.initial_points : DefaultInitialPoints(space);
  const ScrambledSobol sobol(d, SplitMix64(input.spec.seed.value_or(0) ^ 0x50B0'1D5E'ED00'0000ULL));
  std::uint64_t sobol_index = static_cast<std::uint64_t>(history.own_trials);
  while (static_cast<int>(chosen.cols()) < input.count &&
         (history.all.cols() + chosen.cols() < initial || history.finished.cols() == 0)) {
    const Eigen::MatrixXd avoid = excluded();
    bool found = false;
    for (int attempt = 0; attempt < kMaxSobolTries && !found; ++attempt) {
      Eigen::VectorXd x = sobol.Point(sobol_index++);
      optimizer.rounding().Round(x);
      if (IsNearAnyColumn(x, avoid)) continue;
      AppendColumn(chosen, x);
      found = true;
    }
    if (!found) break;
  }

  // The GP.
  if (chosen.cols() < input.count && history.finished.cols() > 0) {
    std::mt19937_64 rng(input.seed);
    Eigen::VectorXd targets = WarpObjectiveValues(history.values);
    Eigen::MatrixXd observed = history.finished;
    std::vector<std::optional<double>> values = history.values;
    if (observed.cols() > options_.max_model_points) {
      KeepModelPoints(BestAndRandomSubset(targets, options_.max_model_points, rng), observed,
                      targets, values);
    }
    GpFitOptions fit = options_.fit;
    fit.seed = rng();
    const GpHyperparameters hyperparameters = FitGpHyperparameters(observed, targets, fit);
    GaussianProcess gp(observed, targets, hyperparameters);

    // The incumbent, and the best observations to search around.
    std::vector<Eigen::Index> order;
    for (Eigen::Index i = 0; i < targets.size(); ++i) {
      if (values[static_cast<std::size_t>(i)]) order.push_back(i);
    }
    if (order.empty()) {
      order.resize(static_cast<std::size_t>(targets.size()));
      std::iota(order.begin(), order.end(), 0);
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](Eigen::Index a, Eigen::Index b) { return targets[a] > targets[b]; });
    double best = targets[order.front()];
    Eigen::MatrixXd centers(d, 0);
    for (std::size_t i = 0;
         i < order.size() &&
         i < static_cast<std::size_t>(options_.acquisition_optimizer.local_centers);
         ++i) {
      AppendColumn(centers, observed.col(order[i]));
    }
    // Kriging believer: a pending trial is taken to return the GP's mean, as if observed (so it
    // may become the incumbent, and its point loses its appeal).
    auto add_fantasy = [&](const Eigen::VectorXd& x) {
      Eigen::VectorXd mean;
      Eigen::VectorXd variance;
      gp.Predict(x, &mean, &variance);
      gp.AddObservation(x, mean[0]);
      best = std::max(best, mean[0]);
    };
    for (Eigen::Index i = 0; i < history.pending.cols(); ++i)
      add_fantasy(history.pending.col(i));
    for (Eigen::Index i = 0; i < chosen.cols(); ++i)
      add_fantasy(chosen.col(i));

    // In a batch in the second half of the study, the first GP point is the posterior mean's
    // maximiser (pure exploitation, which converges as a sequential run does); the others
    // maximise the acquisition.
    bool exploit = options_.batch_exploitation && input.count - chosen.cols() > 1 &&
                   2 * history.own_trials >= input.spec.max_trials;
    while (chosen.cols() < input.count) {
      const AcquisitionFunction acquisition =
          exploit ? AcquisitionFunction(AcquisitionKind::kUpperConfidenceBound, best, 0.0)
                  : AcquisitionFunction(options_.acquisition, best, options_.ucb_beta);
      exploit = false;
      std::optional<Eigen::VectorXd> x =
          optimizer.Maximize(gp, acquisition, centers, excluded(), rng);
      if (!x) x = optimizer.Maximize(gp, acquisition, centers, Eigen::MatrixXd(d, 0), rng);
      if (!x) break;
      AppendColumn(chosen, *x);
      add_fantasy(*x);
    }
  }

  for (Eigen::Index i = 0; i < chosen.cols(); ++i)
    suggestions.push_back(DecodeFromModel(space, chosen.col(i)));
  return suggestions;
}

}  // namespace bayestune
