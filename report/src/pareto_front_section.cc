// The Pareto front of a study of several metrics: two metrics, a scatter of every succeeded trial
// with the front drawn through its trials; three or more, a scatter of each pair of metrics, the
// front's trials marked in each. Nothing for a study of one metric.
#include <algorithm>
#include <cmath>
#include <set>

#include "bayestune/optimizer/pareto_front.h"
#include "legend.h"
#include "number_format.h"
#include "plot_area.h"
#include "report_sections.h"

namespace bayestune::report_internal {

namespace {

constexpr double kWidth = 960;

// The axis of metric k over the trials' values, a little wider than their range.
AxisScale MetricAxis(const std::vector<const Trial*>& trials, std::size_t k) {
  double lo = INFINITY;
  double hi = -INFINITY;
  for (const Trial* trial : trials) {
    lo = std::min(lo, trial->final_values[k]);
    hi = std::max(hi, trial->final_values[k]);
  }
  if (!(hi > lo)) {
    lo -= 0.5 + std::abs(lo) * 0.05;
    hi += 0.5 + std::abs(hi) * 0.05;
  }
  return AxisScale::NiceLinear(lo, hi);
}

std::string MetricTitle(const MetricSpec& metric) {
  return metric.metric_id + (metric.goal == Goal::kMaximize ? " (maximize)" : " (minimize)");
}

// One scatter of metric `kx` against metric `ky`.
void DrawPair(SvgWriter& svg, ReportContext& context, const PlotArea& area,
              const std::vector<const Trial*>& trials, const std::set<std::int64_t>& front,
              std::size_t kx, std::size_t ky, double radius) {
  const std::vector<MetricSpec>& metrics = context.spec().metrics;
  const AxisScale x_axis = MetricAxis(trials, kx);
  const AxisScale y_axis = MetricAxis(trials, ky);
  DrawBottomAxis(svg, area, x_axis, MetricTitle(metrics[kx]), 6);
  DrawLeftAxis(svg, area, y_axis, MetricTitle(metrics[ky]), 5);
  const auto x_of = [&](const Trial* t) { return area.X(x_axis.Unit(t->final_values[kx])); };
  const auto y_of = [&](const Trial* t) { return area.Y(y_axis.Unit(t->final_values[ky])); };
  if (metrics.size() == 2) {
    // The front as a line through its trials, in the order of the first metric.
    std::vector<const Trial*> on_front;
    for (const Trial* trial : trials) {
      if (front.count(trial->id) != 0) on_front.push_back(trial);
    }
    std::sort(on_front.begin(), on_front.end(), [&](const Trial* a, const Trial* b) {
      return a->final_values[kx] < b->final_values[kx];
    });
    std::string d;
    for (const Trial* trial : on_front)
      d += (d.empty() ? "M" : "L") + FormatCoordinate(x_of(trial)) + " " +
           FormatCoordinate(y_of(trial));
    if (!d.empty()) {
      svg.Path(d, "best-line", DataAttribute("front", static_cast<long long>(on_front.size())));
    }
  }
  svg.OpenGroup("pts");
  for (const Trial* trial : trials) {
    const bool optimal = front.count(trial->id) != 0;
    svg.Circle(x_of(trial), y_of(trial), optimal ? radius + 1.4 : radius, optimal ? "stop" : "ok",
               context.TrialAttributes(*trial, optimal ? "pareto-optimal" : "succeeded"));
  }
  svg.CloseGroup();
}

}  // namespace

std::string ParetoFrontSection(ReportContext& context) {
  const StudySpec& spec = context.spec();
  if (!IsMultiObjective(spec)) return "";
  std::vector<const Trial*> trials;
  for (const Trial& trial : context.trials()) {
    if (trial.state == TrialState::kSucceeded && trial.final_values.size() == spec.metrics.size() &&
        std::all_of(trial.final_values.begin(), trial.final_values.end(),
                    [](double v) { return std::isfinite(v); })) {
      trials.push_back(&trial);
    }
  }
  std::set<std::int64_t> front;
  for (const Trial& trial : ParetoOptimalTrials(context.trials(), spec))
    front.insert(trial.id);
  std::string html = OpenSection("pareto", "Pareto front", trials.size(), trials.size());
  if (trials.empty()) {
    html += EmptyNote(kNoValueYet);
    return html + "</section>";
  }
  const std::size_t m = spec.metrics.size();
  html += Note(
      "Each point is a succeeded trial, by its value of " +
      std::string(m == 2 ? "the two metrics" : "each pair of metrics") + "; the " +
      FormatCount(static_cast<std::int64_t>(front.size())) +
      " trials of the Pareto front (no other trial is as good in every metric and better in one) "
      "are the larger points" +
      (m == 2 ? std::string(", joined by the line.") : std::string(".")));
  html +=
      Legend({{LegendMark::kDot, "stop", "Pareto-optimal"}, {LegendMark::kDot, "ok", "dominated"}});
  const double radius = trials.size() > 300 ? 2.6 : 3.6;
  if (m == 2) {
    const double height = 330;
    PlotArea area{72, 14, kWidth - 24, height - 48};
    SvgWriter svg(kWidth, height, "Pareto front of " + context.study().name);
    DrawPair(svg, context, area, trials, front, 0, 1, radius);
    html += svg.Finish();
  } else {
    // Pairwise, three charts a row.
    const double cell = kWidth / 3;
    for (std::size_t i = 0; i < m; ++i) {
      for (std::size_t j = i + 1; j < m; ++j) {
        const double height = 300;
        PlotArea area{64, 14, cell - 16, height - 48};
        SvgWriter svg(cell, height,
                      spec.metrics[i].metric_id + " against " + spec.metrics[j].metric_id);
        DrawPair(svg, context, area, trials, front, i, j, radius - 0.8);
        html += svg.Finish();
      }
    }
  }
  return html + "</section>";
}

}  // namespace bayestune::report_internal
