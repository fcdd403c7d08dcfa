#include "finished_trials_gp.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>

#include "bayestune/optimizer/gp_bandit_designer.h"
#include "gp_hyperparameter_fit.h"
#include "split_mix.h"

namespace bayestune {
namespace {

constexpr int kMaxModelPoints = 500;
constexpr std::size_t kMaxFits = 256;
constexpr std::size_t kMaxGps = 16;  // a GP of 500 trials holds 2 MB
const GpBanditOptions kRefits{
    .max_model_points = kMaxModelPoints, .refit_all_up_to = 20, .refit_growth = 0.25};

// The columns and values of `learnt[0, count)`, at most kMaxModelPoints of them (the best quarter
// and a random rest, drawn by `seed`).
void ModelData(const std::vector<LearntTrial>& learnt, std::size_t count, std::uint64_t seed,
               Eigen::MatrixXd* points, Eigen::VectorXd* values) {
  Eigen::VectorXd all(static_cast<Eigen::Index>(count));
  for (std::size_t i = 0; i < count; ++i)
    all(static_cast<Eigen::Index>(i)) = learnt[i].value;
  std::mt19937_64 rng(seed);
  const std::vector<Eigen::Index> kept = BestAndRandomSubset(all, kMaxModelPoints, rng);
  const auto n = static_cast<Eigen::Index>(kept.size());
  points->resize(learnt.front().point.size(), n);
  values->resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(kept[static_cast<std::size_t>(i)]);
    points->col(i) = learnt[k].point;
    (*values)(i) = learnt[k].value;
  }
}

// (values - their mean) / their spread; the spread 0 when they are all the same.
Eigen::VectorXd Standardised(const Eigen::VectorXd& values, double* mean, double* spread) {
  *mean = values.mean();
  *spread = std::sqrt((values.array() - *mean).square().sum() / static_cast<double>(values.size()));
  if (!(*spread > 0) || !std::isfinite(*spread)) {
    *spread = 0;
    return Eigen::VectorXd::Zero(values.size());
  }
  return (values.array() - *mean) / *spread;
}

}  // namespace

Eigen::VectorXd StandardisedGp::Predict(const Eigen::MatrixXd& points) const {
  if (!gp) return Eigen::VectorXd::Constant(points.cols(), mean);
  Eigen::VectorXd standardised;
  gp->Predict(points, &standardised, nullptr);
  return (mean + spread * standardised.array()).matrix();
}

std::shared_ptr<const FinishedTrialsGp> FinishedTrialsGp::Shared() {
  static const auto shared = std::make_shared<const FinishedTrialsGp>();
  return shared;
}

StandardisedGp FinishedTrialsGp::Fit(std::vector<LearntTrial> learnt, std::int64_t salt) const {
  std::sort(learnt.begin(), learnt.end(), [](const LearntTrial& a, const LearntTrial& b) {
    return a.last_report != b.last_report ? a.last_report < b.last_report : a.id < b.id;
  });
  const auto key_of = [&](std::size_t count) {
    Key key{static_cast<double>(salt)};
    for (std::size_t i = 0; i < count; ++i) {
      key.push_back(static_cast<double>(learnt[i].id));
      key.push_back(learnt[i].value);
      key.insert(key.end(), learnt[i].point.data(),
                 learnt[i].point.data() + learnt[i].point.size());
    }
    return key;
  };
  const auto seed_of = [&](std::size_t count) {
    std::uint64_t seed = SplitMix64(static_cast<std::uint64_t>(salt) ^ 0x6A1F'0000'0000'0000ULL);
    for (std::size_t i = 0; i < count; ++i)
      seed = SplitMix64(seed ^ static_cast<std::uint64_t>(learnt[i].id));
    return seed;
  };
  const Key key = key_of(learnt.size());
  {
    std::lock_guard lock(mutex_);
    if (auto it = gps_.find(key); it != gps_.end()) return it->second;
  }
  StandardisedGp out;
  Eigen::MatrixXd points;
  Eigen::VectorXd values;
  ModelData(learnt, learnt.size(), seed_of(learnt.size()), &points, &values);
  out.best = values.maxCoeff();
  const Eigen::VectorXd targets = Standardised(values, &out.mean, &out.spread);
  if (out.spread > 0) {
    // The hyperparameters of the last refit point, fitted on the first trials to finish.
    const auto point = static_cast<std::size_t>(
        GpBanditDesigner::RefitPoint(static_cast<int>(learnt.size()), kRefits));
    const Key fit_key = key_of(point);
    std::optional<GpHyperparameters> hyperparameters;
    {
      std::lock_guard lock(mutex_);
      if (auto it = fits_.find(fit_key); it != fits_.end()) hyperparameters = it->second;
    }
    if (!hyperparameters) {
      GpFitOptions fit;
      fit.seed = seed_of(point);
      if (point < learnt.size()) {
        Eigen::MatrixXd fit_points;
        Eigen::VectorXd fit_values;
        ModelData(learnt, point, fit.seed, &fit_points, &fit_values);
        double m = 0, sd = 0;
        const Eigen::VectorXd fit_targets = Standardised(fit_values, &m, &sd);
        hyperparameters = FitGpHyperparameters(fit_points, fit_targets, fit);
      } else {
        hyperparameters = FitGpHyperparameters(points, targets, fit);
      }
      std::lock_guard lock(mutex_);
      if (fits_.size() >= kMaxFits) fits_.clear();
      fits_.emplace(fit_key, *hyperparameters);
    }
    out.gp = std::make_shared<const GaussianProcess>(points, targets, *hyperparameters);
  }
  std::lock_guard lock(mutex_);
  if (gps_.size() >= kMaxGps) gps_.clear();
  gps_.emplace(key, out);
  return out;
}

}  // namespace bayestune
