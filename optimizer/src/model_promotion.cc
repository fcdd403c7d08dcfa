#include "model_promotion.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/search_space.h"
#include "gaussian_process.h"
#include "gp_hyperparameter_fit.h"
#include "model_encoding.h"
#include "split_mix.h"
#include "stopped_trial_values.h"

namespace bayestune {
namespace {

// When the trial's current attempt last reported the objective (finite values only).
std::optional<double> LastReportTime(const Trial& t, const std::string& metric) {
  std::optional<double> last;
  for (const Measurement& m : t.MeasurementsOf(metric)) {
    if (std::isfinite(m.value)) last = std::max(last.value_or(m.wall_time), m.wall_time);
  }
  return last;
}

// The memo holds at most this many answers; it is cleared when full (answers are recomputed, the
// same).
constexpr std::size_t kMaxMemo = 4096;

// The GP learns from at most this many of the trials trained to the end (the best quarter of them
// and a random rest, drawn by the trial's id): an exact GP of n trials costs O(n^3), and an ASHA
// study of thousands of finished trials would stall the runner's stop checks on each fit.
constexpr int kMaxModelPoints = 500;

}  // namespace

std::optional<ModelPromotion> ModelPromoter::Promote(const Trial& trial,
                                                     const std::vector<Trial>& trials,
                                                     const StudySpec& spec,
                                                     double before_wall_time) const {
  if (curve_) return PromoteByCurves(trial, trials, spec, before_wall_time);
  const SearchSpace space(spec.parameters);
  Eigen::VectorXd x;
  try {
    x = EncodeForModel(space, trial.parameters);
  } catch (const InvalidArgument&) {
    return std::nullopt;  // parameters the model cannot place
  }
  const double sign = spec.goal == Goal::kMaximize ? 1.0 : -1.0;
  std::vector<Eigen::VectorXd> points;
  std::vector<double> values;  // higher is better
  std::vector<std::int64_t> ids;
  for (const Trial& t : trials) {
    if (t.id == trial.id || t.stopped_early || t.state != TrialState::kSucceeded ||
        !t.final_value || !std::isfinite(*t.final_value)) {
      continue;
    }
    const std::optional<double> last = LastReportTime(t, spec.metric_tag);
    if (!last || *last >= before_wall_time) continue;
    try {
      points.push_back(EncodeForModel(space, t.parameters));
    } catch (const InvalidArgument&) {
      continue;
    }
    values.push_back(sign * *t.final_value);
    ids.push_back(t.id);
  }
  const std::size_t needed = std::max<std::size_t>(3, spec.parameters.size() + 1);
  if (values.size() < needed) return std::nullopt;
  Key key{trial.id, trial.attempt, before_wall_time,
          std::vector<double>(x.data(), x.data() + x.size()), ids};
  {
    std::lock_guard lock(mutex_);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
  }
  const std::uint64_t seed =
      SplitMix64(static_cast<std::uint64_t>(trial.id) ^ 0x9A0D'E100'0000'0000ULL);
  const Eigen::VectorXd all_values =
      Eigen::Map<const Eigen::VectorXd>(values.data(), static_cast<Eigen::Index>(values.size()));
  std::mt19937_64 rng(seed);
  const std::vector<Eigen::Index> kept = BestAndRandomSubset(all_values, kMaxModelPoints, rng);
  const auto n = static_cast<Eigen::Index>(kept.size());
  Eigen::MatrixXd observed(x.size(), n);
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(kept[static_cast<std::size_t>(i)]);
    observed.col(i) = points[k];
    y(i) = values[k];
  }
  // Standardised, so that the fit's bounds and priors apply; back in the metric's units for the
  // reason.
  const double mean = y.mean();
  const double spread = std::sqrt((y.array() - mean).square().sum() / static_cast<double>(n));
  std::optional<ModelPromotion> answer;
  if (spread > 0 && std::isfinite(spread)) {
    const Eigen::VectorXd targets = (y.array() - mean) / spread;
    GpFitOptions fit;
    fit.seed = seed;
    const GaussianProcess gp(observed, targets, FitGpHyperparameters(observed, targets, fit));
    Eigen::VectorXd predicted, variance;
    gp.Predict(x, &predicted, &variance);
    const double best = targets.maxCoeff();
    if (predicted(0) + kappa_ * std::sqrt(std::max(0.0, variance(0))) >= best) {
      answer = ModelPromotion{sign * (mean + spread * predicted(0)), sign * y.maxCoeff(),
                              static_cast<int>(values.size())};
    }
  }
  std::lock_guard lock(mutex_);
  if (memo_.size() >= kMaxMemo) memo_.clear();
  memo_.emplace(std::move(key), answer);
  return answer;
}

std::optional<ModelPromotion> ModelPromoter::PromoteByCurves(const Trial& trial,
                                                             const std::vector<Trial>& trials,
                                                             const StudySpec& spec,
                                                             double before_wall_time) const {
  if (!HasRungFidelity(spec)) return std::nullopt;
  const SearchSpace space(spec.parameters);
  Eigen::VectorXd x;
  try {
    x = EncodeForModel(space, trial.parameters);
  } catch (const InvalidArgument&) {
    return std::nullopt;
  }
  const Eigen::Index d = x.size();
  const double sign = spec.goal == Goal::kMaximize ? 1.0 : -1.0;
  std::vector<Eigen::VectorXd> points;
  std::vector<double> values;  // higher is better
  std::vector<bool> final;     // at fidelity 1
  std::vector<std::int64_t> ids;
  int trained = 0;
  auto add = [&](const Eigen::VectorXd& at, double fidelity, double value, bool is_final) {
    Eigen::VectorXd p(d + 1);
    p << at, fidelity;
    points.push_back(std::move(p));
    values.push_back(sign * value);
    final.push_back(is_final);
  };
  for (const Trial& t : trials) {
    if (t.id == trial.id) continue;
    Eigen::VectorXd at;
    try {
      at = EncodeForModel(space, t.parameters);
    } catch (const InvalidArgument&) {
      continue;
    }
    bool any = false;
    for (const CurveObservation& o : CurveObservations(t, spec)) {
      if (o.wall_time < before_wall_time && std::isfinite(o.value)) {
        add(at, o.fidelity, o.value, false);
        any = true;
      }
    }
    if (t.state == TrialState::kSucceeded && !t.stopped_early && t.final_value &&
        std::isfinite(*t.final_value)) {
      const std::optional<double> last = LastReportTime(t, spec.metric_tag);
      if (last && *last < before_wall_time) {
        add(at, 1.0, *t.final_value, true);
        ++trained;
        any = true;
      }
    }
    if (any) ids.push_back(t.id);
  }
  const std::size_t needed = std::max<std::size_t>(3, spec.parameters.size() + 1);
  if (static_cast<std::size_t>(trained) < needed) return std::nullopt;
  for (const CurveObservation& o : CurveObservations(trial, spec)) {
    if (o.wall_time <= before_wall_time && std::isfinite(o.value))
      add(x, o.fidelity, o.value, false);
  }
  Key key{trial.id, trial.attempt, before_wall_time,
          std::vector<double>(x.data(), x.data() + x.size()), ids};
  std::get<4>(key).push_back(static_cast<std::int64_t>(values.size()));
  {
    std::lock_guard lock(mutex_);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
  }
  const std::uint64_t seed =
      SplitMix64(static_cast<std::uint64_t>(trial.id) ^ 0x9A0D'E100'0000'0000ULL);
  const auto n = static_cast<Eigen::Index>(values.size());
  Eigen::MatrixXd observed(d + 1, n);
  Eigen::VectorXd y(n);
  double best_raw = -INFINITY;
  for (Eigen::Index i = 0; i < n; ++i) {
    observed.col(i) = points[static_cast<std::size_t>(i)];
    y(i) = values[static_cast<std::size_t>(i)];
    if (final[static_cast<std::size_t>(i)]) best_raw = std::max(best_raw, y(i));
  }
  const double mean = y.mean();
  const double spread = std::sqrt((y.array() - mean).square().sum() / static_cast<double>(n));
  std::optional<ModelPromotion> answer;
  if (spread > 0 && std::isfinite(spread)) {
    const Eigen::VectorXd targets = (y.array() - mean) / spread;
    GpFitOptions fit;
    fit.seed = seed;
    fit.max_points = 100;
    const GaussianProcess gp(observed, targets, FitGpHyperparameters(observed, targets, fit));
    Eigen::VectorXd at(d + 1);
    at << x, 1.0;
    Eigen::VectorXd predicted, variance;
    gp.Predict(at, &predicted, &variance);
    const double best = (best_raw - mean) / spread;
    if (predicted(0) + kappa_ * std::sqrt(std::max(0.0, variance(0))) >= best) {
      answer = ModelPromotion{sign * (mean + spread * predicted(0)), sign * best_raw, trained};
    }
  }
  std::lock_guard lock(mutex_);
  if (memo_.size() >= kMaxMemo) memo_.clear();
  memo_.emplace(std::move(key), answer);
  return answer;
}

}  // namespace bayestune
