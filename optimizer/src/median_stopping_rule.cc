#include "bayestune/optimizer/median_stopping_rule.h"

#include <algorithm>
#include <cmath>

#include "bayestune/optimizer/parameter_value.h"

namespace bayestune {

StopDecision MedianStoppingRule::Decide(const Trial& trial, const std::vector<Trial>& trials,
                                        const StudySpec& spec) const {
  const std::string& metric = spec.metric_tag;
  const bool maximize = spec.goal == Goal::kMaximize;
  // The trial's latest step s and its best value up to s; non-finite values never count.
  bool any = false;
  std::int64_t step = 0;
  double best = 0.0;
  for (const Measurement& m : trial.MeasurementsOf(metric)) {
    if (!std::isfinite(m.value)) continue;
    step = any ? std::max(step, m.step) : m.step;
    best = !any ? m.value : maximize ? std::max(best, m.value) : std::min(best, m.value);
    any = true;
  }
  if (!any) return {};

  std::vector<double> running_averages;
  for (const Trial& other : trials) {
    if (other.id == trial.id || other.state != TrialState::kSucceeded) continue;
    double sum = 0;
    int count = 0;
    std::int64_t reached = -1;
    const std::vector<Measurement> curve = other.MeasurementsOf(metric);
    for (const Measurement& m : curve) {
      if (std::isfinite(m.value)) reached = std::max(reached, m.step);
      if (m.step <= step && std::isfinite(m.value)) {
        sum += m.value;
        ++count;
      }
    }
    // A trial stopped early before step s has no running average up to s: its curve was cut off.
    if (other.stopped_early && reached < step) continue;
    if (count > 0) running_averages.push_back(sum / count);
  }
  if (static_cast<int>(running_averages.size()) < std::max(1, options_.min_completed_trials)) {
    return {};
  }
  std::sort(running_averages.begin(), running_averages.end());
  const std::size_t n = running_averages.size();
  const double median = n % 2 == 1 ? running_averages[n / 2]
                                   : 0.5 * (running_averages[n / 2 - 1] + running_averages[n / 2]);
  if (maximize ? best >= median : best <= median) return {};
  return {true, "median rule: " + metric + " " + FormatMetricValue(best) + " (best up to step " +
                    std::to_string(step) + ") is " + (maximize ? "below" : "above") +
                    " the median " + FormatMetricValue(median) + " of " + std::to_string(n) +
                    " succeeded trials' running averages at step " + std::to_string(step)};
}

}  // namespace bayestune
