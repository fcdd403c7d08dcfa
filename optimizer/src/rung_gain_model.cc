#include "rung_gain_model.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>

#include "bayestune/optimizer/asha_stopping_rule.h"
#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/search_space.h"
#include "finished_trials_gp.h"
#include "model_encoding.h"
#include "model_promotion.h"

namespace bayestune {

RungGainModel::RungGainModel() : gps_(FinishedTrialsGp::Shared()) {}

std::optional<RungGainModel::Prediction> RungGainModel::Gains(const std::vector<const Trial*>& of,
                                                              const std::vector<Trial>& trials,
                                                              const StudySpec& spec,
                                                              std::int64_t step,
                                                              double before_wall_time) const {
  const SearchSpace space(spec.parameters);
  std::vector<LearntTrial> learnt;
  for (const Trial& t : trials) {
    if (t.stopped_early || t.state != TrialState::kSucceeded || !t.final_value ||
        !std::isfinite(*t.final_value)) {
      continue;
    }
    if (!FinishedBefore(t, spec.metric_tag, before_wall_time)) continue;
    const double last = *LastReportTime(t, spec.metric_tag);
    const std::optional<StepValue> at = ValueAtStep(t.MeasurementsOf(spec.metric_tag), step, spec);
    if (!at) continue;
    try {
      learnt.push_back(
          {last, t.id, EncodeForModel(space, t.parameters), *t.final_value - at->value});
    } catch (const InvalidArgument&) {
    }
  }
  const std::size_t needed = std::max<std::size_t>(3, spec.parameters.size() + 1);
  if (learnt.size() < needed) return std::nullopt;
  Prediction out;
  out.trained = static_cast<int>(learnt.size());
  const Eigen::Index dimensions = learnt.front().point.size();
  const StandardisedGp gp = gps_->Fit(std::move(learnt), step);
  // Where the model cannot place a trial: the mean gain.
  out.gains.assign(of.size(), gp.mean);
  std::vector<std::size_t> placed;
  Eigen::MatrixXd points(dimensions, static_cast<Eigen::Index>(of.size()));
  for (std::size_t i = 0; i < of.size(); ++i) {
    try {
      points.col(static_cast<Eigen::Index>(placed.size())) =
          EncodeForModel(space, of[i]->parameters);
      placed.push_back(i);
    } catch (const InvalidArgument&) {
    }
  }
  const Eigen::VectorXd gains =
      gp.Predict(points.leftCols(static_cast<Eigen::Index>(placed.size())));
  for (std::size_t k = 0; k < placed.size(); ++k)
    out.gains[placed[k]] = gains(static_cast<Eigen::Index>(k));
  return out;
}

}  // namespace bayestune
