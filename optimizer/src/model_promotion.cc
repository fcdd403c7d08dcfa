#include "model_promotion.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <string>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/search_space.h"
#include "finished_trials_gp.h"
#include "model_encoding.h"

namespace bayestune {
namespace {

// The memo holds at most this many answers; it is cleared when full (answers are recomputed, the
// same).
constexpr std::size_t kMaxMemo = 4096;

// The FinishedTrialsGp salt of the GP of final values (RungGainModel's are the rungs' steps, 1 and
// more).
constexpr std::int64_t kFinalValues = 0;

}  // namespace

std::optional<double> LastReportTime(const Trial& t, const std::string& metric) {
  // Over the trial's measurements as they are (MeasurementsOf copies them): asked of every trial
  // trained to the end at every decision.
  std::optional<double> last;
  for (const Measurement& m : t.measurements) {
    if (m.metric != metric || !t.IsCurrentAttempt(m) || !std::isfinite(m.value)) continue;
    last = std::max(last.value_or(m.wall_time), m.wall_time);
  }
  return last;
}

bool FinishedBefore(const Trial& t, const std::string& metric, double before_wall_time) {
  const std::optional<double> last = LastReportTime(t, metric);
  return last && *last < before_wall_time && (!t.end_time || *t.end_time < before_wall_time);
}

ModelPromoter::ModelPromoter() : gps_(FinishedTrialsGp::Shared()) {}

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
  std::vector<LearntTrial> learnt;  // values: higher is better
  std::vector<std::int64_t> ids;
  for (const Trial& t : trials) {
    if (t.id == trial.id || t.stopped_early || t.state != TrialState::kSucceeded ||
        !t.final_value || !std::isfinite(*t.final_value)) {
      continue;
    }
    if (!FinishedBefore(t, spec.metric_tag, before_wall_time)) continue;
    const double last = *LastReportTime(t, spec.metric_tag);
    try {
      learnt.push_back({last, t.id, EncodeForModel(space, t.parameters), sign * *t.final_value});
    } catch (const InvalidArgument&) {
      continue;
    }
    ids.push_back(t.id);
  }
  const std::size_t needed = std::max<std::size_t>(3, spec.parameters.size() + 1);
  if (learnt.size() < needed) return std::nullopt;
  Key key{trial.id, trial.attempt, before_wall_time,
          std::vector<double>(x.data(), x.data() + x.size()), ids};
  {
    std::lock_guard lock(mutex_);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
  }
  const int trained = static_cast<int>(learnt.size());
  const StandardisedGp gp = gps_->Fit(std::move(learnt), kFinalValues);
  std::optional<ModelPromotion> answer;
  if (gp.gp) {
    const double predicted = gp.Predict(x)(0);
    if (predicted >= gp.best) answer = ModelPromotion{sign * predicted, sign * gp.best, trained};
  }
  std::lock_guard lock(mutex_);
  if (memo_.size() >= kMaxMemo) memo_.clear();
  memo_.emplace(std::move(key), answer);
  return answer;
}

}  // namespace bayestune
