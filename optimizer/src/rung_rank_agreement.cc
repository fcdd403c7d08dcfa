#include "rung_rank_agreement.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "bayestune/optimizer/asha_stopping_rule.h"
#include "model_promotion.h"

namespace bayestune {

double RankCorrelation(const std::vector<double>& a, const std::vector<double>& b) {
  const auto ranks = [](const std::vector<double>& v) {
    std::vector<std::size_t> order(v.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t i, std::size_t j) { return v[i] < v[j]; });
    std::vector<double> r(v.size());
    for (std::size_t k = 0; k < order.size();) {
      std::size_t end = k;
      while (end + 1 < order.size() && v[order[end + 1]] == v[order[k]])
        ++end;
      for (std::size_t m = k; m <= end; ++m)
        r[order[m]] = 0.5 * static_cast<double>(k + end);
      k = end + 1;
    }
    return r;
  };
  const std::vector<double> ra = ranks(a), rb = ranks(b);
  const double n = static_cast<double>(a.size());
  const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / n;
  const double mb = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
  double num = 0, da = 0, db = 0;
  for (std::size_t i = 0; i < ra.size(); ++i) {
    num += (ra[i] - ma) * (rb[i] - mb);
    da += (ra[i] - ma) * (ra[i] - ma);
    db += (rb[i] - mb) * (rb[i] - mb);
  }
  return da > 0 && db > 0 ? num / std::sqrt(da * db) : 0.0;
}

std::optional<RungRankAgreement> RankAgreementAtStep(const std::vector<Trial>& trials,
                                                     const StudySpec& spec, std::int64_t step,
                                                     int min_trained, double before_wall_time,
                                                     std::optional<std::int64_t> excluded) {
  std::vector<double> at_step, final;
  for (const Trial& t : trials) {
    if ((excluded && t.id == *excluded) || t.state != TrialState::kSucceeded || t.stopped_early ||
        !t.final_value || !std::isfinite(*t.final_value)) {
      continue;
    }
    if (!FinishedBefore(t, spec.metric_tag, before_wall_time)) continue;
    const std::optional<StepValue> value =
        ValueAtStep(t.MeasurementsOf(spec.metric_tag), step, spec);
    if (!value) continue;
    at_step.push_back(value->value);
    final.push_back(*t.final_value);
  }
  if (static_cast<int>(at_step.size()) < std::max(min_trained, 2)) return std::nullopt;
  return RungRankAgreement{RankCorrelation(at_step, final), static_cast<int>(at_step.size())};
}

}  // namespace bayestune
