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

namespace bayestune {
namespace {

// The memo holds at most this many answers; it is cleared when full (answers are recomputed, the
// same).
constexpr std::size_t kMaxMemo = 4096;

// The GP learns from at most this many of the trials trained to the end (the best quarter of them
// and a random rest, drawn by the trial's id): an exact GP of n trials costs O(n^3), and an ASHA
// study of thousands of finished trials would stall the runner's stop checks on each fit.
constexpr int kMaxModelPoints = 500;

}  // namespace

std::optional<double> LastReportTime(const Trial& t, const std::string& metric) {
  std::optional<double> last;
  for (const Measurement& m : t.MeasurementsOf(metric)) {
    if (std::isfinite(m.value)) last = std::max(last.value_or(m.wall_time), m.wall_time);
  }
  return last;
}

std::optional<ModelPromotion> ModelPromoter::Promote(const Trial& trial,
                                                     const std::vector<Trial>& trials,
                                                     const StudySpec& spec,
                                                     double before_wall_time) const {
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
    if (predicted(0) >= best) {
      answer = ModelPromotion{sign * (mean + spread * predicted(0)), sign * y.maxCoeff(),
                              static_cast<int>(values.size())};
    }
  }
  std::lock_guard lock(mutex_);
  if (memo_.size() >= kMaxMemo) memo_.clear();
  memo_.emplace(std::move(key), answer);
  return answer;
}

}  // namespace bayestune
