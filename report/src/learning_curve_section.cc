// 4. Learning curves: every trial's intermediate measurements of the objective against the step.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "bayestune/report/number_format.h"
#include "legend.h"
#include "plot_area.h"
#include "report_palette.h"
#include "report_sections.h"

namespace bayestune::report_internal {

namespace {

constexpr double kWidth = 960;
constexpr double kHeight = 360;

// The measurements of the trial's objective, by step (in the order reported within a step), at
// most `max_points` of them: the first, the last and evenly spaced ones between.
std::vector<Measurement> CurveOf(const Trial& trial, const std::string& metric,
                                 std::size_t max_points) {
  std::vector<Measurement> curve = trial.MeasurementsOf(metric);
  std::erase_if(curve, [](const Measurement& m) { return !std::isfinite(m.value); });
  std::stable_sort(curve.begin(), curve.end(),
                   [](const Measurement& a, const Measurement& b) { return a.step < b.step; });
  if (curve.size() <= max_points || max_points < 2) return curve;
  std::vector<Measurement> thinned;
  thinned.reserve(max_points);
  const double stride = static_cast<double>(curve.size() - 1) / static_cast<double>(max_points - 1);
  for (std::size_t i = 0; i < max_points; ++i) {
    thinned.push_back(
        curve[static_cast<std::size_t>(std::llround(stride * static_cast<double>(i)))]);
  }
  return thinned;
}

}  // namespace

std::string LearningCurveSection(ReportContext& context) {
  const std::string& metric = context.spec().metric_tag;
  std::vector<const Trial*> with_curve;
  std::size_t thinned = 0;
  for (const Trial& trial : context.trials()) {
    std::size_t count = 0;
    for (const Measurement& m : trial.measurements)
      count += m.metric == metric && std::isfinite(m.value) ? 1 : 0;
    if (count > 0) with_curve.push_back(&trial);
  }
  const DrawingSample sample = context.Sample(with_curve, context.options().max_learning_curves);
  std::string html =
      OpenSection("learning-curves", "Learning curves", sample.ids.size(), sample.total);
  if (sample.total == 0) {
    html += EmptyNote("No trial has reported an intermediate measurement of '" + metric + "' yet.");
    return html + "</section>";
  }

  struct Curve {
    const Trial* trial;
    std::vector<Measurement> points;
  };
  std::vector<Curve> curves;
  std::vector<double> values;
  std::int64_t min_step = std::numeric_limits<std::int64_t>::max();
  std::int64_t max_step = std::numeric_limits<std::int64_t>::min();
  const Trial* best = context.ranked().empty() ? nullptr : context.ranked().front();
  for (const Trial* trial : context.TrialsOf(sample)) {
    Curve curve{trial, CurveOf(*trial, metric, context.options().max_curve_points)};
    if (curve.points.size() == context.options().max_curve_points &&
        trial->MeasurementsOf(metric).size() > curve.points.size()) {
      ++thinned;
    }
    for (const Measurement& m : curve.points) {
      values.push_back(m.value);
      min_step = std::min(min_step, m.step);
      max_step = std::max(max_step, m.step);
    }
    curves.push_back(std::move(curve));
  }
  // The best trial's curve goes last, on top of the others.
  std::stable_partition(curves.begin(), curves.end(),
                        [&](const Curve& c) { return c.trial != best; });

  std::string note = "Every intermediate measurement of " + metric +
                     " that a trial reported, against its step, coloured by the trial's state. "
                     "Stopped-early trials end in an orange diamond, failed ones in a red cross; "
                     "the best trial is drawn dark, on top.";
  if (thinned > 0) {
    note += " " + FormatCount(static_cast<std::int64_t>(thinned)) + " curves with more than " +
            FormatCount(static_cast<std::int64_t>(context.options().max_curve_points)) +
            " measurements are thinned to that many, evenly spaced.";
  }
  const ValueRange range = RobustRange(values);
  if (range.below + range.above > 0) {
    note += " " + FormatCount(static_cast<std::int64_t>(range.below + range.above)) +
            " far-out measurements are drawn at the edge of the axis.";
  }
  note += " " + SampleSentence(sample, "curves");
  html += Note(note);
  std::set<std::string> classes;
  for (const Curve& curve : curves)
    classes.insert(curve.trial == best ? "best" : StateClass(*curve.trial));
  std::vector<LegendEntry> legend;
  const auto add = [&](const char* css, LegendMark mark, const char* mark_class,
                       const char* label) {
    if (classes.count(css) != 0) legend.push_back({mark, mark_class, label});
  };
  add("ok", LegendMark::kLine, "lc-ok", "succeeded");
  add("stop", LegendMark::kLine, "lc-stop", "stopped early");
  add("stop", LegendMark::kDiamond, "stop", "where it stopped");
  add("fail", LegendMark::kLine, "lc-fail", "failed");
  add("fail", LegendMark::kCross, "fail", "where it failed");
  add("inf", LegendMark::kLine, "lc-inf", "infeasible");
  add("run", LegendMark::kLine, "lc-run", "running");
  add("best", LegendMark::kLine, "best-curve", "best trial");
  html += Legend(legend);

  const AxisScale y_scale = AxisScale::NiceLinear(range.lower, range.upper, 6);
  const AxisScale x_scale =
      min_step < max_step
          ? AxisScale::Linear(static_cast<double>(min_step), static_cast<double>(max_step), true)
          : AxisScale::Linear(static_cast<double>(min_step) - 1, static_cast<double>(max_step) + 1,
                              true);
  PlotArea area{72, 12, kWidth - 24, kHeight - 48};
  SvgWriter svg(kWidth, kHeight, "Learning curves of " + metric, "",
                curves.size() > 60 ? "many" : "");
  DrawBottomAxis(svg, area, x_scale, "step", 10);
  DrawLeftAxis(svg, area, y_scale, metric, 6);
  const auto x_of = [&](std::int64_t step) {
    return area.X(x_scale.Unit(static_cast<double>(step)));
  };
  const auto y_of = [&](double value) { return area.Y(std::clamp(y_scale.Unit(value), 0.0, 1.0)); };
  svg.OpenGroup("lc");
  for (const Curve& curve : curves) {
    const Trial& trial = *curve.trial;
    const std::string css =
        &trial == best ? std::string("best-curve") : "lc-" + std::string(StateClass(trial));
    const std::string attributes = context.TrialAttributes(trial, "curve");
    if (curve.points.size() == 1) {
      svg.Circle(x_of(curve.points[0].step), y_of(curve.points[0].value), 2.5, css + " dot",
                 attributes);
    } else {
      std::string points;
      for (const Measurement& m : curve.points) {
        if (!points.empty()) points += ' ';
        points += FormatCoordinate(x_of(m.step)) + "," + FormatCoordinate(y_of(m.value));
      }
      svg.Raw("<polyline points=\"" + points + "\" class=\"" + css + "\"" + attributes + "/>");
    }
  }
  // End marks over every curve.
  for (const Curve& curve : curves) {
    const Trial& trial = *curve.trial;
    const Measurement& end = curve.points.back();
    if (trial.stopped_early && trial.state == TrialState::kSucceeded) {
      svg.Path(DiamondPath(x_of(end.step), y_of(end.value), 4.5), "stop",
               context.TrialAttributes(trial, "stopped-end"));
    } else if (trial.state == TrialState::kFailed) {
      svg.Path(CrossPath(x_of(end.step), y_of(end.value), 3.5), "fail",
               context.TrialAttributes(trial, "failed-end"));
    }
  }
  svg.CloseGroup();
  html += svg.Finish();
  return html + "</section>";
}

}  // namespace bayestune::report_internal
