#include "stopped_trial_values.h"

#include <algorithm>
#include <cmath>

#include "bayestune/optimizer/asha_stopping_rule.h"

namespace bayestune {

std::vector<Trial> TrialsForModel(std::vector<Trial> trials, const StudySpec& /*spec*/) {
  for (Trial& t : trials) {
    if (t.state != TrialState::kSucceeded || !t.stopped_early) continue;
    t.state = TrialState::kActive;  // avoided, not learned as final
    t.final_value.reset();
    t.final_values.clear();
  }
  return trials;
}

bool HasRungFidelity(const StudySpec& spec) {
  return spec.enable_early_stopping && spec.early_stopping.rule == EarlyStoppingRule::kAsha &&
         spec.early_stopping.max_step > 1 && spec.early_stopping.min_step >= 1 &&
         spec.early_stopping.reduction_factor >= 2 && !IsMultiObjective(spec);
}

double StepFidelity(std::int64_t step, const StudySpec& spec) {
  const double top = std::log(static_cast<double>(spec.early_stopping.max_step));
  const double at = std::log(static_cast<double>(std::max<std::int64_t>(step, 1)));
  return std::clamp(at / top, 0.0, 1.0);
}

std::vector<CurveObservation> CurveObservations(const Trial& trial, const StudySpec& spec) {
  std::vector<CurveObservation> out;
  if (!HasRungFidelity(spec)) return out;
  const EarlyStoppingSpec& es = spec.early_stopping;
  std::vector<Measurement> curve;
  for (const Measurement& m : trial.MeasurementsOf(spec.metric_tag)) {
    if (trial.IsCurrentAttempt(m) && std::isfinite(m.value)) curve.push_back(m);
  }
  if (curve.empty()) return out;
  std::int64_t last_rung_step = 0;
  // The rungs below maxStep; the next one is never multiplied past int64 (a minStep near 2^62
  // wrapped to a negative step that every measurement reaches, and the loop never ended).
  for (std::int64_t step = es.min_step;
       step<es.max_step; step = step> es.max_step / es.reduction_factor
           ? es.max_step
           : step * es.reduction_factor) {
    const std::optional<StepValue> v = ValueAtStep(curve, step, spec);
    if (!v || v->step >= es.max_step) break;
    out.push_back({StepFidelity(v->step, spec), v->value, v->wall_time});
    last_rung_step = v->step;
  }
  if (trial.stopped_early) {
    const auto last = std::max_element(
        curve.begin(), curve.end(),
        [](const Measurement& a, const Measurement& b) { return a.step < b.step; });
    if (last->step > last_rung_step && last->step < es.max_step) {
      if (const std::optional<StepValue> v = ValueAtStep(curve, last->step, spec)) {
        out.push_back({StepFidelity(v->step, spec), v->value, v->wall_time});
      }
    }
  }
  return out;
}

}  // namespace bayestune
