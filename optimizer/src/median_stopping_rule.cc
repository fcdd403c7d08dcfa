#include "bayestune/optimizer/median_stopping_rule.h"

#include <algorithm>
#include <cmath>

namespace bayestune {

bool ShouldStopByMedianRule(const Trial& trial, const std::vector<Trial>& completed,
                            const std::string& metric, Goal goal,
                            const MedianStoppingOptions& options) {
  const bool maximize = goal == Goal::kMaximize;
  // The trial's latest step s and its best value up to s; non-finite values never count.
  bool any = false;
  std::int64_t step = 0;
  double best = 0.0;
  for (const Measurement& m : trial.measurements) {
    if (m.metric != metric || !std::isfinite(m.value)) continue;
    step = any ? std::max(step, m.step) : m.step;
    best = !any ? m.value : maximize ? std::max(best, m.value) : std::min(best, m.value);
    any = true;
  }
  if (!any) return false;

  std::vector<double> running_averages;
  for (const Trial& other : completed) {
    if (other.id == trial.id) continue;
    double sum = 0;
    int count = 0;
    for (const Measurement& m : other.measurements) {
      if (m.metric == metric && m.step <= step && std::isfinite(m.value)) {
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
