#include "bayestune/optimizer/median_stopping_rule.h"

#include <algorithm>

namespace bayestune {

bool ShouldStopByMedianRule(const Trial& trial, const std::vector<Trial>& completed,
                            const std::string& metric, Goal goal,
                            const MedianStoppingOptions& options) {
  const std::vector<Measurement> own = trial.MeasurementsOf(metric);
  if (own.empty()) return false;
  std::int64_t step = own.front().step;
  for (const auto& m : own)
    step = std::max(step, m.step);
  const bool maximize = goal == Goal::kMaximize;
  double best = own.front().value;
  for (const auto& m : own)
    best = maximize ? std::max(best, m.value) : std::min(best, m.value);

  std::vector<double> running_averages;
  for (const Trial& other : completed) {
    if (other.id == trial.id) continue;
    double sum = 0;
    int count = 0;
    for (const auto& m : other.measurements) {
      if (m.metric == metric && m.step <= step) {
        sum += m.value;
        ++count;
      }
    }
    if (count > 0) running_averages.push_back(sum / count);
  }
  if (static_cast<int>(running_averages.size()) < std::max(1, options.min_completed_trials)) {
    return false;
  }
  std::sort(running_averages.begin(), running_averages.end());
  const std::size_t n = running_averages.size();
  const double median = n % 2 == 1 ? running_averages[n / 2]
                                   : 0.5 * (running_averages[n / 2 - 1] + running_averages[n / 2]);
  return maximize ? best < median : best > median;
}

}  // namespace bayestune
