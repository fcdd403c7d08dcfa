#include "stopped_trial_values.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

#include "bayestune/optimizer/asha_stopping_rule.h"

namespace bayestune {
namespace {

bool HasValue(const Trial& t) {
  return t.state == TrialState::kSucceeded && t.final_value && std::isfinite(*t.final_value);
}

// The highest step the trial's current attempt reported (finite values only).
std::optional<std::int64_t> LastStep(const std::vector<Measurement>& measurements) {
  std::optional<std::int64_t> last;
  for (const Measurement& m : measurements) {
    if (std::isfinite(m.value)) last = std::max(last.value_or(m.step), m.step);
  }
  return last;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

}  // namespace

std::vector<Trial> TrialsForModel(std::vector<Trial> trials, const StudySpec& spec) {
  struct Entry {
    std::size_t index;
    std::vector<Measurement> curve;  // the objective, current attempt
    std::int64_t last_step = 0;
    bool stopped = false;
  };
  std::vector<Entry> finished;
  bool any_stopped = false;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const Trial& t = trials[i];
    if (!HasValue(t)) continue;
    Entry e{i, t.MeasurementsOf(spec.metric_tag), 0, t.stopped_early};
    e.last_step = LastStep(e.curve).value_or(t.final_step.value_or(0));
    any_stopped = any_stopped || e.stopped;
    finished.push_back(std::move(e));
  }
  if (!any_stopped) return trials;

  const std::size_t needed = std::max<std::size_t>(3, spec.parameters.size() + 1);
  std::size_t complete = 0;
  for (const Entry& e : finished)
    complete += e.stopped ? 0 : 1;
  // The fidelity: nullopt is the full training; else a step.
  std::optional<std::int64_t> fidelity;
  if (complete < needed) {
    std::vector<std::int64_t> candidates;
    for (const Entry& e : finished) {
      if (e.stopped) candidates.push_back(e.last_step);
    }
    std::sort(candidates.rbegin(), candidates.rend());
    for (std::int64_t step : candidates) {
      std::size_t reached = 0;
      for (const Entry& e : finished)
        reached += (!e.stopped || e.last_step >= step) ? 1 : 0;
      if (reached >= needed) {
        fidelity = step;
        break;
      }
    }
    // Too few trials anywhere: the full training, with what can be imputed.
  }
  // A trial's value at the fidelity, when it reached it.
  const auto at_fidelity = [&](const Entry& e) -> std::optional<double> {
    if (!fidelity) {
      if (e.stopped) return std::nullopt;
      return *trials[e.index].final_value;
    }
    if (e.stopped && e.last_step < *fidelity) return std::nullopt;
    if (auto v = ValueAtStep(e.curve, *fidelity, spec)) return v->value;
    if (!e.stopped) return *trials[e.index].final_value;  // reported below it: its final value
    return std::nullopt;
  };
  std::vector<std::optional<double>> targets;
  for (const Entry& e : finished)
    targets.push_back(at_fidelity(e));
  for (std::size_t i = 0; i < finished.size(); ++i) {
    const Entry& e = finished[i];
    Trial& trial = trials[e.index];
    if (targets[i]) {
      trial.final_value = *targets[i];
      continue;
    }
    // Stopped below the fidelity: its value at its last step plus the median gain of the
    // trials that reached both.
    std::optional<StepValue> own = ValueAtStep(e.curve, e.last_step, spec);
    std::vector<double> gains;
    for (std::size_t j = 0; j < finished.size(); ++j) {
      if (j == i || !targets[j]) continue;
      // Only a reference reported between the step and the fidelity says what the gain is.
      const Entry& ref = finished[j];
      const std::int64_t ref_end = fidelity ? ValueAtStep(ref.curve, *fidelity, spec)
                                                  .value_or(StepValue{0, ref.last_step, 0})
                                                  .step
                                            : ref.last_step;
      if (auto there = ValueAtStep(ref.curve, e.last_step, spec); there && there->step < ref_end) {
        gains.push_back(*targets[j] - there->value);
      }
    }
    if (!own || gains.empty()) {
      trial.state = TrialState::kActive;  // nothing to place it by: avoided, not learned
      trial.final_value.reset();
      continue;
    }
    trial.final_value = own->value + Median(gains);
  }
  return trials;
}

}  // namespace bayestune
