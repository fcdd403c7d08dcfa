#include "rung_gain_model.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <random>

#include "bayestune/optimizer/asha_stopping_rule.h"
#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/search_space.h"
#include "gaussian_process.h"
#include "gp_hyperparameter_fit.h"
#include "model_encoding.h"
#include "model_promotion.h"
#include "split_mix.h"

namespace bayestune {
namespace {

// As ModelPromoter: at most this many trials trained to the end (the best quarter of the gains and
// a random rest), and at most this many fitted GPs kept.
constexpr int kMaxModelPoints = 500;
constexpr std::size_t kMaxMemo = 256;

}  // namespace

std::optional<RungGainModel::Prediction> RungGainModel::Gains(const std::vector<const Trial*>& of,
                                                              const std::vector<Trial>& trials,
                                                              const StudySpec& spec,
                                                              std::int64_t step,
                                                              double before_wall_time) const {
  const SearchSpace space(spec.parameters);
  std::vector<Eigen::VectorXd> points;
  std::vector<double> gains;
  std::vector<std::int64_t> ids;
  for (const Trial& t : trials) {
    if (t.stopped_early || t.state != TrialState::kSucceeded || !t.final_value ||
        !std::isfinite(*t.final_value)) {
      continue;
    }
    const std::optional<double> last = LastReportTime(t, spec.metric_tag);
    if (!last || *last >= before_wall_time) continue;
    const std::optional<StepValue> at = ValueAtStep(t.MeasurementsOf(spec.metric_tag), step, spec);
    if (!at) continue;
    try {
      points.push_back(EncodeForModel(space, t.parameters));
    } catch (const InvalidArgument&) {
      continue;
    }
    gains.push_back(*t.final_value - at->value);
    ids.push_back(t.id);
  }
  const std::size_t needed = std::max<std::size_t>(3, spec.parameters.size() + 1);
  if (gains.size() < needed) return std::nullopt;

  Key key{step, ids};
  Fitted fitted;
  bool found = false;
  {
    std::lock_guard lock(mutex_);
    if (auto it = memo_.find(key); it != memo_.end()) {
      fitted = it->second;
      found = true;
    }
  }
  if (!found) {
    std::uint64_t seed = SplitMix64(static_cast<std::uint64_t>(step) ^ 0x6A1F'0000'0000'0000ULL);
    for (const std::int64_t id : ids)
      seed = SplitMix64(seed ^ static_cast<std::uint64_t>(id));
    const Eigen::VectorXd all =
        Eigen::Map<const Eigen::VectorXd>(gains.data(), static_cast<Eigen::Index>(gains.size()));
    std::mt19937_64 rng(seed);
    const std::vector<Eigen::Index> kept = BestAndRandomSubset(all, kMaxModelPoints, rng);
    const auto n = static_cast<Eigen::Index>(kept.size());
    Eigen::MatrixXd observed(points.front().size(), n);
    Eigen::VectorXd y(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      const auto k = static_cast<std::size_t>(kept[static_cast<std::size_t>(i)]);
      observed.col(i) = points[k];
      y(i) = gains[k];
    }
    fitted.mean = y.mean();
    const double spread =
        std::sqrt((y.array() - fitted.mean).square().sum() / static_cast<double>(n));
    if (spread > 0 && std::isfinite(spread)) {
      fitted.spread = spread;
      const Eigen::VectorXd targets = (y.array() - fitted.mean) / spread;
      GpFitOptions fit;
      fit.seed = seed;
      fitted.gp = std::make_shared<const GaussianProcess>(
          observed, targets, FitGpHyperparameters(observed, targets, fit));
    }
    std::lock_guard lock(mutex_);
    if (memo_.size() >= kMaxMemo) memo_.clear();
    memo_.emplace(std::move(key), fitted);
  }

  Prediction out;
  out.trained = static_cast<int>(gains.size());
  for (const Trial* t : of) {
    double gain = fitted.mean;  // where the model cannot place a trial: the mean gain
    if (fitted.gp) {
      try {
        const Eigen::VectorXd x = EncodeForModel(space, t->parameters);
        Eigen::VectorXd mean, variance;
        fitted.gp->Predict(x, &mean, &variance);
        gain = fitted.mean + fitted.spread * mean(0);
      } catch (const InvalidArgument&) {
      }
    }
    out.gains.push_back(gain);
  }
  return out;
}

}  // namespace bayestune
