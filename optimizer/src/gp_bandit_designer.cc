#include "bayestune/optimizer/gp_bandit_designer.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>
#include <random>

#include "acquisition_function.h"
#include "acquisition_optimizer.h"
#include "acquisition_portfolio.h"
#include "bayestune/optimizer/asha_stopping_rule.h"
#include "bayestune/optimizer/errors.h"
#include "gaussian_process.h"
#include "gp_hyperparameter_fit.h"
#include "initial_design.h"
#include "input_warping.h"
#include "local_refinement.h"
#include "model_encoding.h"
#include "multi_objective_designer.h"
#include "output_power_transform.h"
#include "output_warper.h"
#include "rung_rank_agreement.h"
#include "split_mix.h"
#include "stopped_trial_values.h"
#include "ucb_margin.h"

namespace bayestune {
namespace {

bool IsPending(TrialState state) {
  return state == TrialState::kRequested || state == TrialState::kActive ||
         state == TrialState::kStopping;
}

// What the designer knows of the study's trials, in model coordinates.
struct History {
  Eigen::MatrixXd finished;                   // dimensions x n (+ 1 row, the fidelity: see below)
  std::vector<std::optional<double>> values;  // higher is better; nullopt: FAILED or INFEASIBLE
  Eigen::MatrixXd pending;
  Eigen::MatrixXd all;  // every trial, for duplicates
  int own_trials = 0;   // trials of this study (not of a resumed one)
  // With a fidelity input (GpBanditOptions::fidelity_input, HasRungFidelity): `finished` has one
  // more row, the training step's fidelity, and holds every curve observation (CurveObservations)
  // besides the final values at fidelity 1, in the order they were reported.
  bool fidelity = false;
};

// Columns of a matrix (dimensions x count), filled at once rather than grown one by one (which
// copies the matrix each time: quadratic in a long study).
Eigen::MatrixXd ToMatrix(const std::vector<Eigen::VectorXd>& columns, int rows) {
  Eigen::MatrixXd m(rows, static_cast<Eigen::Index>(columns.size()));
  for (std::size_t i = 0; i < columns.size(); ++i)
    m.col(static_cast<Eigen::Index>(i)) = columns[i];
  return m;
}

// With a fidelity input: GpBanditOptions::refit_all_up_to at most, refit_growth at least, and
// GpFitOptions::max_points at most.
constexpr int kFidelityRefitAllUpTo = 20;
constexpr double kFidelityRefitGrowth = 0.25;
constexpr int kFidelityFitPoints = 100;

// A trial's time of finishing, for the order of observations: its last report, else its end.
double FinishTime(const Trial& t) {
  double last = t.end_time.value_or(0.0);
  for (const Measurement& m : t.measurements)
    last = std::max(last, m.wall_time);
  return last;
}

// Trials trained to the end: SUCCEEDED and not stopped early (TrialsForModel makes a stopped
// trial pending; either way it does not count).
int TrainedToEnd(const std::vector<Trial>& trials) {
  return static_cast<int>(std::count_if(trials.begin(), trials.end(), [](const Trial& t) {
    return t.state == TrialState::kSucceeded && !t.stopped_early;
  }));
}

// GpBanditOptions::fidelity_input, or fidelity_input_below_trained while few trials are trained to
// the end, or (with one bracket) fidelity_input_rank_correlation while the trials trained to the
// end rank at the first rung's step as they do at the end.
bool UsesFidelityInput(const GpBanditOptions& options, const DesignerInput& input) {
  const int trained = TrainedToEnd(input.trials);
  if (options.fidelity_input || (options.fidelity_input_below_trained > 0 &&
                                 trained < options.fidelity_input_below_trained)) {
    return true;
  }
  // One bracket only: measured there; Hyperband's brackets rank by predicted finals instead.
  if (!options.fidelity_input_rank_correlation || !HasRungFidelity(input.spec) ||
      input.spec.early_stopping.brackets > 1) {
    return false;
  }
  const std::optional<RungRankAgreement> agreement =
      RankAgreementAtStep(input.trials, input.spec, input.spec.early_stopping.min_step, 4);
  return agreement && agreement->correlation >= *options.fidelity_input_rank_correlation;
}

History ReadHistory(const DesignerInput& input, bool fidelity_input, bool stopped_pending) {
  const int d = input.space.ModelDimensions();
  History h;
  h.fidelity = fidelity_input && HasRungFidelity(input.spec);
  const double sign = input.spec.goal == Goal::kMaximize ? 1.0 : -1.0;
  struct Observation {
    double time;
    Eigen::VectorXd x;
    std::optional<double> value;
  };
  std::vector<Observation> observations;
  std::vector<Eigen::VectorXd> pending;
  std::vector<Eigen::VectorXd> all;
  for (const Trial& t : input.trials) {
    if (t.id > 0) ++h.own_trials;
    Eigen::VectorXd x;
    try {
      x = EncodeForModel(input.space, t.parameters);
    } catch (const InvalidArgument&) {
      continue;  // parameters of another space tell this one nothing
    }
    all.push_back(x);
    auto at_fidelity = [&](double fidelity) {
      if (!h.fidelity) return x;
      Eigen::VectorXd full(d + 1);
      full << x, fidelity;
      return full;
    };
    if (h.fidelity) {
      for (const CurveObservation& o : CurveObservations(t, input.spec)) {
        if (std::isfinite(o.value))
          observations.push_back({o.wall_time, at_fidelity(o.fidelity), sign * o.value});
      }
      // Stopped early (pending for TrialsForModel): its curve is all there is to learn (and,
      // with fidelity_stopped_pending, its point is pending at the final step).
      if (t.stopped_early && IsPending(t.state) && !stopped_pending) continue;
    }
    if (IsPending(t.state)) {
      pending.push_back(std::move(x));
      continue;
    }
    std::optional<double> value;
    if (t.state == TrialState::kSucceeded && t.final_value && std::isfinite(*t.final_value)) {
      value = sign * *t.final_value;
    }
    observations.push_back({h.fidelity ? FinishTime(t) : 0.0, at_fidelity(1.0), value});
  }
  // With a fidelity, by the time of the report, so that the observations of a later call begin
  // with those of an earlier one (the fit and the factor are kept; see Hyperparameters).
  if (h.fidelity) {
    std::stable_sort(observations.begin(), observations.end(),
                     [](const Observation& a, const Observation& b) { return a.time < b.time; });
  }
  std::vector<Eigen::VectorXd> finished;
  for (Observation& o : observations) {
    finished.push_back(std::move(o.x));
    h.values.push_back(o.value);
  }
  h.finished = ToMatrix(finished, h.fidelity ? d + 1 : d);
  h.pending = ToMatrix(pending, d);
  h.all = ToMatrix(all, d);
  return h;
}

bool SameMatrix(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() && a == b;
}

bool SameHyperparameters(const GpHyperparameters& a, const GpHyperparameters& b) {
  return a.length_scales.size() == b.length_scales.size() && a.length_scales == b.length_scales &&
         a.signal_variance == b.signal_variance && a.noise_variance == b.noise_variance &&
         a.mean == b.mean && a.additive_weight == b.additive_weight &&
         a.additive_length_scales.size() == b.additive_length_scales.size() &&
         a.additive_length_scales == b.additive_length_scales &&
         a.warp_a.size() == b.warp_a.size() && a.warp_a == b.warp_a &&
         a.warp_b.size() == b.warp_b.size() && a.warp_b == b.warp_b;
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

struct GpBanditCache {
  std::mutex mutex;
  // The fit of the last refit point below the trial count, and the data it was fitted on.
  std::optional<GpHyperparameters> fit;
  Eigen::MatrixXd fit_points;
  std::vector<std::optional<double>> fit_values;
  std::uint64_t fit_seed = 0;
  // The GP of the last suggestion, before its fantasies.
  std::optional<GaussianProcess> gp;
  GpBanditDesigner::CacheUse last_use;
};

GpBanditDesigner::GpBanditDesigner(GpBanditOptions options)
    : options_(options), cache_(std::make_shared<GpBanditCache>()) {}

GpBanditDesigner::CacheUse GpBanditDesigner::LastCacheUse() const {
  std::lock_guard lock(cache_->mutex);
  return cache_->last_use;
}

int GpBanditDesigner::RefitPoint(int finished, const GpBanditOptions& options) {
  if (finished <= options.refit_all_up_to || options.refit_growth <= 0) return finished;
  int point = std::max(1, options.refit_all_up_to);
  while (true) {
    const int next = NextRefitPoint(point, options);
    if (next > finished) return point;
    point = next;
  }
}

int GpBanditDesigner::NextRefitPoint(int point, const GpBanditOptions& options) {
  if (point < options.refit_all_up_to || options.refit_growth <= 0) return point + 1;
  const int growth = static_cast<int>(std::ceil(point * options.refit_growth - 1e-9));
  return point + std::clamp(growth, 1, std::max(1, options.max_model_points / 4));
}

namespace {

// The indices of the finished trials (in `finished_values`' order) the GP is conditioned on: all
// of them up to max_model_points; beyond, the best quarter and a random rest of the trials up to
// the last refit point (seeded by the study's seed and the point), then every trial after it.
// The set changes only at refit points, so that the GP's factor can be extended in between, and
// it never exceeds max_model_points.
std::vector<Eigen::Index> ModelPoints(const GpBanditOptions& options,
                                      const std::vector<std::optional<double>>& finished_values,
                                      std::uint64_t study_seed) {
  const int n = static_cast<int>(finished_values.size());
  std::vector<Eigen::Index> kept;
  if (n <= options.max_model_points) {
    kept.resize(static_cast<std::size_t>(n));
    std::iota(kept.begin(), kept.end(), 0);
    return kept;
  }
  const int point = GpBanditDesigner::RefitPoint(n, options);
  const int room = GpBanditDesigner::NextRefitPoint(point, options) - point;
  const int base = std::max(options.max_model_points - room, options.max_model_points / 2);
  std::mt19937_64 rng(SplitMix64(study_seed ^ SplitMix64(static_cast<std::uint64_t>(point)) ^
                                 0x5B5E'7000'0000'0000ULL));
  kept = BestAndRandomSubset(
      ObjectiveTargets(options.output_transform,
                       {finished_values.begin(), finished_values.begin() + point}),
      base, rng);
  for (Eigen::Index i = point; i < n; ++i)
    kept.push_back(i);
  return kept;
}

// The hyperparameters for a GP of the finished trials: fitted afresh up to refit_all_up_to, then
// the fit of the last refit point, kept in `cache` or computed again. `warped`: the coordinates
// GpFitOptions::input_warping warps.
GpHyperparameters Hyperparameters(const GpBanditOptions& options, GpBanditCache& cache,
                                  const Eigen::MatrixXd& finished,
                                  const std::vector<std::optional<double>>& finished_values,
                                  const Eigen::MatrixXd& observed, const Eigen::VectorXd& targets,
                                  std::uint64_t seed, const StudySpec& spec,
                                  const std::vector<int>& warped) {
  const int n = static_cast<int>(finished.cols());
  const int point = GpBanditDesigner::RefitPoint(n, options);
  cache.last_use.refit_point = point;
  GpFitOptions fit = options.fit;
  if (spec.max_trials > 0 && point >= options.kernel_share * spec.max_trials) {
    fit.kernel = KernelStructure::kArd;
  }
  if (n <= options.refit_all_up_to || options.refit_growth <= 0) {
    fit.seed = seed;
    return FitGpHyperparameters(observed, targets, fit, warped);
  }
  fit.seed = SplitMix64(spec.seed.value_or(0) ^ SplitMix64(static_cast<std::uint64_t>(point)) ^
                        0x4EF1'7000'0000'0000ULL);
  Eigen::MatrixXd points = finished.leftCols(point);
  std::vector<std::optional<double>> values(finished_values.begin(),
                                            finished_values.begin() + point);
  if (cache.fit && cache.fit_seed == fit.seed && SameMatrix(cache.fit_points, points) &&
      cache.fit_values == values) {
    cache.last_use.hyperparameters_reused = true;
    return *cache.fit;
  }
  cache.fit =
      FitGpHyperparameters(points, ObjectiveTargets(options.output_transform, values), fit, warped);
  cache.fit_points = std::move(points);
  cache.fit_values = std::move(values);
  cache.fit_seed = fit.seed;
  return *cache.fit;
}

}  // namespace

int GpBanditDesigner::DefaultInitialPoints(const SearchSpace& space) {
  return std::clamp(2 * space.ModelDimensions() + 4, 5, 20);
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
  if (IsMultiObjective(input.spec)) return SuggestMultiObjective(input, options_);
  const AcquisitionOptimizer optimizer(space, options_.acquisition_optimizer);
  const std::optional<std::size_t> feasible_points = optimizer.rounding().FeasiblePointCount();
  History history =
      ReadHistory(input, UsesFidelityInput(options_, input), options_.fidelity_stopped_pending);
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
  AppendInitialDesign(
      {.points = initial,
       .count = input.count,
       .study_seed = input.spec.seed.value_or(0),
       .own_trials = history.own_trials,
       .trials_seen = history.all.cols(),
       .finished = TrainedToEnd(input.trials) < options_.initial_design_until_trained
                       ? 0
                       : history.finished.cols()},
      optimizer.rounding(), excluded, chosen);

  // The GP.
  if (chosen.cols() < input.count && history.finished.cols() > 0) {
    std::mt19937_64 rng(input.seed);
    // With a fidelity input every rung a trial reaches is an observation (a few per trial): the
    // hyperparameters are refitted less often (from 20 observations on, at 25% growth) on at most
    // 100 of them, since the runner waits for each suggestion (and so do its stop checks).
    GpBanditOptions model_options = options_;
    if (history.fidelity) {
      model_options.refit_all_up_to = std::min(options_.refit_all_up_to, kFidelityRefitAllUpTo);
      model_options.refit_growth = std::max(options_.refit_growth, kFidelityRefitGrowth);
      model_options.fit.max_points = std::min(options_.fit.max_points, kFidelityFitPoints);
    }
    Eigen::VectorXd targets = ObjectiveTargets(options_.output_transform, history.values);
    Eigen::MatrixXd observed = history.finished;
    std::vector<std::optional<double>> values = history.values;
    if (observed.cols() > options_.max_model_points) {
      KeepModelPoints(ModelPoints(model_options, values, input.spec.seed.value_or(0)), observed,
                      targets, values);
    }
    const std::uint64_t fit_seed = rng();
    // One suggestion at a time per designer (and its copies): they share what is kept.
    std::lock_guard cache_lock(cache_->mutex);
    cache_->last_use = CacheUse{};
    const GpHyperparameters hyperparameters =
        Hyperparameters(model_options, *cache_, history.finished, history.values, observed, targets,
                        fit_seed, input.spec, DoubleCoordinates(space));
    // The factor of the last call, extended when only trials were added since.
    const bool extend = cache_->gp &&
                        SameHyperparameters(cache_->gp->hyperparameters(), hyperparameters) &&
                        cache_->gp->IsPrefixOf(observed);
    cache_->gp = extend ? GaussianProcess::Extend(*cache_->gp, observed, targets)
                        : GaussianProcess(observed, targets, hyperparameters);
    cache_->last_use.factor_extended = extend;
    // With a fidelity input, the acquisition is searched at the final step.
    cache_->gp->FixTrailingInputs(history.fidelity ? Eigen::VectorXd::Ones(1) : Eigen::VectorXd());
    // The kept GP, or a copy of it with fantasies once there are any.
    const GaussianProcess* gp = &*cache_->gp;
    std::optional<GaussianProcess> with_fantasies;

    // The incumbent, and the best observations to search around.
    std::vector<Eigen::Index> order;
    // (With a fidelity input, among the final values: a value at an earlier step is no result.)
    const auto at_final_step = [&](Eigen::Index i) {
      return !history.fidelity || observed(d, i) == 1.0;
    };
    for (Eigen::Index i = 0; i < targets.size(); ++i) {
      if (values[static_cast<std::size_t>(i)] && at_final_step(i)) order.push_back(i);
    }
    if (order.empty()) {
      order.resize(static_cast<std::size_t>(targets.size()));
      std::iota(order.begin(), order.end(), 0);
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](Eigen::Index a, Eigen::Index b) { return targets[a] > targets[b]; });
    double best = targets[order.front()];
    const Eigen::VectorXd incumbent = observed.col(order.front()).head(d);
    const std::vector<int> refined_coordinates = RefinedCoordinates(space, incumbent);
    Eigen::MatrixXd centers(d, 0);
    for (std::size_t i = 0;
         i < order.size() &&
         i < static_cast<std::size_t>(options_.acquisition_optimizer.local_centers);
         ++i) {
      AppendColumn(centers, observed.col(order[i]).head(d));
    }
    // Kriging believer: a pending trial is taken to return the GP's mean, as if observed (so it
    // may become the incumbent, and its point loses its appeal).
    auto add_fantasy = [&](const Eigen::VectorXd& x) {
      Eigen::VectorXd mean;
      Eigen::VectorXd variance;
      gp->Predict(x, &mean, &variance);
      if (!with_fantasies) with_fantasies = *gp;
      with_fantasies->AddObservation(x, mean[0]);
      gp = &*with_fantasies;
      best = std::max(best, mean[0]);
    };
    for (Eigen::Index i = 0; i < history.pending.cols(); ++i)
      add_fantasy(history.pending.col(i));
    for (Eigen::Index i = 0; i < chosen.cols(); ++i)
      add_fantasy(chosen.col(i));

    // In a batch in the second half of the study, the first GP point is the posterior mean's
    // maximiser (pure exploitation, which converges as a sequential run does; in the refinement
    // box, a local GP's: LocalRefinementOptions::parallel_local_model_points); the others maximise
    // the acquisition.
    bool exploit = options_.batch_exploitation && input.count - chosen.cols() > 1 &&
                   2 * history.own_trials >= input.spec.max_trials;
    // A study that runs trials in parallel may have its own UCB and refinement shares.
    GpBanditOptions proposal_options = options_;
    const bool parallel = history.pending.cols() + input.count > 1;
    if (parallel) {
      if (options_.parallel_ucb_share >= 0.0)
        proposal_options.ucb_share = options_.parallel_ucb_share;
      if (options_.local_refinement.parallel_share >= 0.0)
        proposal_options.local_refinement.share = options_.local_refinement.parallel_share;
    }
    // LocalRefinementOptions::parallel_local_model_points: the maximiser in `box` of the posterior
    // mean of a GP fitted afresh to the observations nearest the incumbent. (With a fidelity
    // input, to final values only: the local GP has no step input, and a value at an earlier step
    // taken as final would be a wrong answer.)
    auto local_model_point = [&](const SearchBox& box) -> std::optional<Eigen::VectorXd> {
      const int count = options_.local_refinement.parallel_local_model_points;
      if (count <= 0) return std::nullopt;
      std::vector<Eigen::Index> final_columns;
      for (Eigen::Index i = 0; i < observed.cols(); ++i) {
        if (at_final_step(i)) final_columns.push_back(i);
      }
      if (static_cast<int>(final_columns.size()) < count) return std::nullopt;
      Eigen::MatrixXd final_points(d, static_cast<Eigen::Index>(final_columns.size()));
      for (std::size_t i = 0; i < final_columns.size(); ++i)
        final_points.col(static_cast<Eigen::Index>(i)) = observed.col(final_columns[i]).head(d);
      const std::vector<Eigen::Index> nearest =
          NearestColumns(final_points, incumbent, refined_coordinates, count);
      Eigen::MatrixXd local_points(d, count);
      std::vector<std::optional<double>> local_values;
      for (std::size_t i = 0; i < nearest.size(); ++i) {
        local_points.col(static_cast<Eigen::Index>(i)) = final_points.col(nearest[i]);
        local_values.push_back(
            values[static_cast<std::size_t>(final_columns[static_cast<std::size_t>(nearest[i])])]);
      }
      const Eigen::VectorXd local_targets =
          ObjectiveTargets(options_.output_transform, local_values);
      GpFitOptions fit = options_.fit;
      fit.seed = rng();
      const GaussianProcess local(
          local_points, local_targets,
          FitGpHyperparameters(local_points, local_targets, fit, DoubleCoordinates(space)));
      const AcquisitionFunction mean(AcquisitionKind::kUpperConfidenceBound, 0.0, 0.0);
      return optimizer.Maximize(local, mean, centers, excluded(), rng, &box);
    };
    while (chosen.cols() < input.count) {
      const std::uint64_t trial_index =
          static_cast<std::uint64_t>(history.own_trials + chosen.cols());
      // Late in the study, the search keeps to a box around the incumbent.
      std::optional<SearchBox> box;
      const bool free_point =
          input.count > 1 &&
          input.count - chosen.cols() <=
              static_cast<Eigen::Index>(options_.local_refinement.parallel_free_points);
      if (const std::optional<double> radius = LocalRefinementRadius(
              proposal_options.local_refinement, trial_index, input.spec.max_trials);
          radius && !free_point) {
        box = BoxAround(incumbent, *radius, refined_coordinates);
      }
      const bool in_refinement_box = box.has_value();
      // UCB trials may keep off the cube's faces.
      const bool margin_phase =
          input.spec.max_trials <= 0 ||
          static_cast<double>(trial_index) <
              options_.ucb_margin_share * static_cast<double>(input.spec.max_trials);
      if (!box && margin_phase && proposal_options.acquisition_mix != AcquisitionMix::kEnsemble &&
          AcquisitionForTrial(proposal_options, trial_index, input.spec.max_trials) ==
              AcquisitionKind::kUpperConfidenceBound) {
        box = UcbMarginBox(space, options_.ucb_margin);
      }
      const bool batch_ucb =
          in_refinement_box && parallel && options_.local_refinement.parallel_ucb_beta >= 0.0;
      auto propose = [&](const Eigen::MatrixXd& avoid) -> std::optional<Eigen::VectorXd> {
        if (!exploit && batch_ucb) {
          const AcquisitionFunction ucb(AcquisitionKind::kUpperConfidenceBound, best,
                                        options_.local_refinement.parallel_ucb_beta);
          return optimizer.Maximize(*gp, ucb, centers, avoid, rng, &*box);
        }
        if (!exploit) {
          return ProposePoint(optimizer, *gp, proposal_options, best, trial_index,
                              input.spec.max_trials, centers, avoid, rng, box ? &*box : nullptr);
        }
        const AcquisitionFunction mean(AcquisitionKind::kUpperConfidenceBound, best, 0.0);
        return optimizer.Maximize(*gp, mean, centers, avoid, rng, box ? &*box : nullptr);
      };
      // The first point of a batch in the box: the local model's mean maximiser.
      std::optional<Eigen::VectorXd> x;
      if (exploit && in_refinement_box && parallel) x = local_model_point(*box);
      if (!x) x = propose(excluded());
      if (!x) x = propose(Eigen::MatrixXd(d, 0));
      exploit = false;
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
