#include "rung_gain_model.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <random>

#include "bayestune/optimizer/asha_stopping_rule.h"
#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/gp_bandit_designer.h"
#include "bayestune/optimizer/search_space.h"
#include "gaussian_process.h"
#include "gp_hyperparameter_fit.h"
#include "model_encoding.h"
#include "model_promotion.h"
#include "split_mix.h"

namespace bayestune {
namespace {

// As ModelPromoter: at most this many trials trained to the end (the best quarter of the gains and
// a random rest); at most this many hyperparameter fits and GPs kept. The hyperparameters are
// fitted afresh up to 20 trials, then at 25% growth (GpBanditDesigner::RefitPoint), on the first
// trials to finish: a study of hundreds of trials trained to the end fits them some 25 times per
// rung, not once per trial that finishes.
constexpr int kMaxModelPoints = 500;
constexpr std::size_t kMaxMemo = 256;
constexpr std::size_t kMaxModels = 16;  // a GP of 500 trials holds 2 MB
const GpBanditOptions kRefits{
    .max_model_points = kMaxModelPoints, .refit_all_up_to = 20, .refit_growth = 0.25};

struct Learnt {
  double last_report;  // orders them: the first to finish first
  std::int64_t id;
  Eigen::VectorXd point;
  double gain;
};

// The columns and gains of `learnt[0, count)`, at most kMaxModelPoints of them (the best quarter
// and a random rest, drawn by `seed`).
void ModelData(const std::vector<Learnt>& learnt, std::size_t count, std::uint64_t seed,
               Eigen::MatrixXd* points, Eigen::VectorXd* gains) {
  Eigen::VectorXd all(static_cast<Eigen::Index>(count));
  for (std::size_t i = 0; i < count; ++i)
    all(static_cast<Eigen::Index>(i)) = learnt[i].gain;
  std::mt19937_64 rng(seed);
  const std::vector<Eigen::Index> kept = BestAndRandomSubset(all, kMaxModelPoints, rng);
  const auto n = static_cast<Eigen::Index>(kept.size());
  points->resize(learnt.front().point.size(), n);
  gains->resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(kept[static_cast<std::size_t>(i)]);
    points->col(i) = learnt[k].point;
    (*gains)(i) = learnt[k].gain;
  }
}

}  // namespace

std::shared_ptr<const RungGainModel> RungGainModel::Shared() {
  static const auto shared = std::make_shared<const RungGainModel>();
  return shared;
}

std::optional<RungGainModel::Prediction> RungGainModel::Gains(const std::vector<const Trial*>& of,
                                                              const std::vector<Trial>& trials,
                                                              const StudySpec& spec,
                                                              std::int64_t step,
                                                              double before_wall_time) const {
  const SearchSpace space(spec.parameters);
  std::vector<Learnt> learnt;
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
      learnt.push_back(
          {*last, t.id, EncodeForModel(space, t.parameters), *t.final_value - at->value});
    } catch (const InvalidArgument&) {
    }
  }
  const std::size_t needed = std::max<std::size_t>(3, spec.parameters.size() + 1);
  if (learnt.size() < needed) return std::nullopt;
  std::sort(learnt.begin(), learnt.end(), [](const Learnt& a, const Learnt& b) {
    return a.last_report != b.last_report ? a.last_report < b.last_report : a.id < b.id;
  });
  // The data of the first `count` trials learnt from, as the memos' key: the same data give the
  // same model whichever study or process they come from.
  const auto key_of = [&](std::size_t count) {
    Key key{static_cast<double>(step)};
    for (std::size_t i = 0; i < count; ++i) {
      key.push_back(static_cast<double>(learnt[i].id));
      key.push_back(learnt[i].gain);
      key.insert(key.end(), learnt[i].point.data(),
                 learnt[i].point.data() + learnt[i].point.size());
    }
    return key;
  };
  const auto seed_of = [&](std::size_t count) {
    std::uint64_t seed = SplitMix64(static_cast<std::uint64_t>(step) ^ 0x6A1F'0000'0000'0000ULL);
    for (std::size_t i = 0; i < count; ++i)
      seed = SplitMix64(seed ^ static_cast<std::uint64_t>(learnt[i].id));
    return seed;
  };

  const Key key = key_of(learnt.size());
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
    Eigen::MatrixXd observed;
    Eigen::VectorXd y;
    ModelData(learnt, learnt.size(), seed_of(learnt.size()), &observed, &y);
    fitted.mean = y.mean();
    const double spread =
        std::sqrt((y.array() - fitted.mean).square().sum() / static_cast<double>(y.size()));
    if (spread > 0 && std::isfinite(spread)) {
      fitted.spread = spread;
      const Eigen::VectorXd targets = (y.array() - fitted.mean) / spread;
      // The hyperparameters of the last refit point: fitted on the first trials to finish,
      // standardised by their own mean and spread.
      const auto point = static_cast<std::size_t>(
          GpBanditDesigner::RefitPoint(static_cast<int>(learnt.size()), kRefits));
      const Key fit_key = key_of(point);
      std::optional<GpHyperparameters> hyperparameters;
      {
        std::lock_guard lock(mutex_);
        if (auto it = fits_.find(fit_key); it != fits_.end()) hyperparameters = it->second;
      }
      if (!hyperparameters) {
        Eigen::MatrixXd fit_points = observed;
        Eigen::VectorXd fit_targets = targets;
        if (point < learnt.size()) {
          Eigen::VectorXd fit_gains;
          ModelData(learnt, point, seed_of(point), &fit_points, &fit_gains);
          const double m = fit_gains.mean();
          const double sd = std::sqrt((fit_gains.array() - m).square().sum() /
                                      static_cast<double>(fit_gains.size()));
          fit_targets = (fit_gains.array() - m) / (sd > 0 && std::isfinite(sd) ? sd : 1.0);
        }
        GpFitOptions fit;
        fit.seed = seed_of(point);
        hyperparameters = FitGpHyperparameters(fit_points, fit_targets, fit);
        std::lock_guard lock(mutex_);
        if (fits_.size() >= kMaxMemo) fits_.clear();
        fits_.emplace(fit_key, *hyperparameters);
      }
      fitted.gp = std::make_shared<const GaussianProcess>(observed, targets, *hyperparameters);
    }
    std::lock_guard lock(mutex_);
    if (memo_.size() >= kMaxModels) memo_.clear();
    memo_.emplace(key, fitted);
  }

  Prediction out;
  out.trained = static_cast<int>(learnt.size());
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
