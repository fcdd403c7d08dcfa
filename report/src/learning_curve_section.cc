// 4. Learning curves: every trial's intermediate measurements of the objective against the step.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <set>

#include "bayestune/optimizer/asha_stopping_rule.h"
#include "legend.h"
#include "number_format.h"
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

// The value range of the learning curves' axis. Every value, unless a few curves reach far
// beyond the others (a diverged trial's loss of 1e6): then it spans from the k-th lowest curve
// minimum to the k-th highest curve maximum, k being one more than a tenth of the curves (at least
// 2), when that is at least 3 times narrower than all values. The far-out values are so chosen by
// curve, not by value: the start of every curve (an accuracy rising from 0.1, a loss falling from
// 2.3) is far from where the curves spend most of their steps, and Tukey's fences on the values
// would leave exactly those starts out, pinning every curve flat along the edge of the chart.
template <typename Curves>
ValueRange CurvesRange(const Curves& curves, const std::vector<double>& values) {
  ValueRange range;
  if (values.empty()) return range;
  range.empty = false;
  range.lower = *std::min_element(values.begin(), values.end());
  range.upper = *std::max_element(values.begin(), values.end());
  if (curves.size() < 2) return range;
  std::vector<double> minima;
  std::vector<double> maxima;
  for (const auto& curve : curves) {
    if (curve.points.empty()) continue;
    const auto [low, high] = std::minmax_element(
        curve.points.begin(), curve.points.end(),
        [](const Measurement& a, const Measurement& b) { return a.value < b.value; });
    minima.push_back(low->value);
    maxima.push_back(high->value);
  }
  const std::size_t k = std::max<std::size_t>(1, curves.size() / 10) + 1;
  if (minima.size() < k) return range;
  std::nth_element(minima.begin(), minima.begin() + static_cast<std::ptrdiff_t>(k - 1),
                   minima.end());
  std::nth_element(maxima.begin(), maxima.begin() + static_cast<std::ptrdiff_t>(k - 1),
                   maxima.end(), std::greater<>());
  const double lower = minima[k - 1];
  const double upper = maxima[k - 1];
  if (!(upper >= lower) || range.upper - range.lower < 3 * (upper - lower)) return range;
  range.lower = lower;
  range.upper = upper;
  for (double value : values) {
    range.below += value < lower ? 1 : 0;
    range.above += value > upper ? 1 : 0;
  }
  return range;
}

// One rung of an ASHA study: bracket b's rung k at its step.
struct RungMark {
  int bracket = 0;
  int rung = 0;
  std::int64_t step = 0;
};

// Every bracket's rungs of an ASHA study, bracket by bracket, lowest first (bracket b's rung k is
// at bracket 0's rung b + k: with several brackets, lines coincide); none for another rule or an
// unusable spec.
std::vector<RungMark> RungMarksOf(const StudySpec& spec) {
  if (!spec.enable_early_stopping || spec.early_stopping.rule != EarlyStoppingRule::kAsha ||
      EarlyStoppingProblem(spec)) {
    return {};
  }
  const AshaStoppingRule rule(spec.early_stopping);
  std::vector<RungMark> marks;
  for (int bracket = 0; bracket < spec.early_stopping.brackets; ++bracket) {
    const std::vector<std::int64_t> steps = rule.RungSteps(bracket);
    for (std::size_t k = 0; k < steps.size(); ++k)
      marks.push_back({bracket, static_cast<int>(k), steps[k]});
  }
  return marks;
}

}  // namespace

std::string LearningCurveSection(ReportContext& context) {
  const std::string& metric = context.spec().metric_tag;
  std::vector<const Trial*> with_curve;
  std::size_t thinned = 0;
  for (const Trial& trial : context.trials()) {
    std::size_t count = 0;
    for (const Measurement& m : trial.MeasurementsOf(metric))  // the final attempt's curve
      count += std::isfinite(m.value) ? 1 : 0;
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
  // ASHA's rungs within the steps drawn: a dashed line each, every bracket's.
  std::vector<RungMark> rungs;
  std::set<std::int64_t> rung_steps;
  for (const RungMark& mark : RungMarksOf(context.spec())) {
    if (mark.step < min_step || mark.step > max_step) continue;
    rungs.push_back(mark);
    rung_steps.insert(mark.step);
  }
  const int brackets = context.spec().early_stopping.brackets;
  if (!rungs.empty()) {
    std::string steps;
    for (std::int64_t step : rung_steps)
      steps += (steps.empty() ? "" : ", ") + std::to_string(step);
    note += " Dashed lines mark ASHA's rungs (step" +
            std::string(rung_steps.size() > 1 ? "s " : " ") + steps +
            "): a trial that reaches one goes on only while it is in the top 1/" +
            std::to_string(context.spec().early_stopping.reduction_factor) +
            " of the trials of its bracket that reached it before.";
    if (brackets > 1) {
      note += " Each of the " + std::to_string(brackets) +
              " brackets has its own rungs, labelled bracket by bracket (b1 rung 0: bracket 1's "
              "first rung); trial n is in bracket (n - 1) mod " +
              std::to_string(brackets) + ".";
    }
  }
  if (thinned > 0) {
    note += " " + FormatCount(static_cast<std::int64_t>(thinned)) + " curves with more than " +
            FormatCount(static_cast<std::int64_t>(context.options().max_curve_points)) +
            " measurements are thinned to that many, evenly spaced.";
  }
  const ValueRange range = CurvesRange(curves, values);
  if (range.below + range.above > 0) {
    note += " " + FormatCount(static_cast<std::int64_t>(range.below + range.above)) +
            " far-out measurements lie beyond the axis: their curves leave the chart there.";
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
  if (!rungs.empty()) legend.push_back({LegendMark::kLine, "rung", "ASHA rung"});
  html += Legend(legend);

  const AxisScale y_scale = AxisScale::NiceLinear(range.lower, range.upper, 6);
  const AxisScale x_scale =
      min_step < max_step
          ? AxisScale::Linear(static_cast<double>(min_step), static_cast<double>(max_step), true)
          : AxisScale::Linear(static_cast<double>(min_step) - 1, static_cast<double>(max_step) + 1,
                              true);
  PlotArea area{72, 12, kWidth - 24, kHeight - 48, 0, 6};
  SvgWriter svg(kWidth, kHeight, "Learning curves of " + metric, "",
                curves.size() > 60 ? "many" : "");
  DrawBottomAxis(svg, area, x_scale, "step", 10);
  DrawLeftAxis(svg, area, y_scale, metric, 6);
  const auto x_of = [&](std::int64_t step) {
    return area.X(x_scale.Unit(static_cast<double>(step)));
  };
  // Curves go where their values are, and the chart clips them: a far-out stretch leaves the
  // chart at its true slope instead of running flat along the edge. Marks (a single measurement,
  // where a trial stopped or failed) are kept at the edge.
  // (Beyond ten heights of the chart a curve is as good as vertical: kept there, the numbers stay
  // small.)
  const auto y_of = [&](double value) {
    return area.Y(std::clamp(y_scale.Unit(value), -10.0, 11.0));
  };
  const auto mark_y_of = [&](double value) {
    return area.Y(std::clamp(y_scale.Unit(value), 0.0, 1.0));
  };
  // The rungs, under the curves, each labelled at the top (with several brackets, a row of
  // labels each, "b1 rung 0").
  if (!rungs.empty()) {
    svg.OpenGroup("rungs");
    for (const RungMark& mark : rungs) {
      const std::string x = FormatCoordinate(x_of(mark.step));
      svg.Raw("<line x1=\"" + x + "\" y1=\"" + FormatCoordinate(area.top) + "\" x2=\"" + x +
              "\" y2=\"" + FormatCoordinate(area.bottom) + "\" class=\"rung\"" +
              (brackets > 1 ? DataAttribute("bracket", mark.bracket) : std::string()) +
              DataAttribute("rung", mark.rung) + DataAttribute("step", mark.step) + "/>");
      svg.Text(x_of(mark.step) + 3, area.top + 10 + 11 * mark.bracket,
               (brackets > 1 ? "b" + std::to_string(mark.bracket) + " " : std::string()) + "rung " +
                   std::to_string(mark.rung),
               "rung-label");
    }
    svg.CloseGroup();
  }
  // A nested <svg> over the plot area, in the chart's own units, clips what is drawn in it.
  const std::string box = FormatCoordinate(area.left) + " " + FormatCoordinate(area.top) + " " +
                          FormatCoordinate(area.width()) + " " + FormatCoordinate(area.height());
  svg.Raw("<svg x=\"" + FormatCoordinate(area.left) + "\" y=\"" + FormatCoordinate(area.top) +
          "\" width=\"" + FormatCoordinate(area.width()) + "\" height=\"" +
          FormatCoordinate(area.height()) + "\" viewBox=\"" + box + "\">");
  svg.OpenGroup("lc");
  for (const Curve& curve : curves) {
    const Trial& trial = *curve.trial;
    const std::string css =
        &trial == best ? std::string("best-curve") : "lc-" + std::string(StateClass(trial));
    const std::string attributes = context.TrialAttributes(trial, "curve");
    if (curve.points.size() == 1) {
      svg.Circle(x_of(curve.points[0].step), mark_y_of(curve.points[0].value), 2.5, css + " dot",
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
  svg.CloseGroup();
  svg.Raw("</svg>");
  // End marks over every curve.
  svg.OpenGroup("lc");
  for (const Curve& curve : curves) {
    const Trial& trial = *curve.trial;
    const Measurement& end = curve.points.back();
    if (trial.stopped_early && trial.state == TrialState::kSucceeded) {
      svg.Path(DiamondPath(x_of(end.step), mark_y_of(end.value), 4.5), "stop",
               context.TrialAttributes(trial, "stopped-end"));
    } else if (trial.state == TrialState::kFailed) {
      svg.Path(CrossPath(x_of(end.step), mark_y_of(end.value), 3.5), "fail",
               context.TrialAttributes(trial, "failed-end"));
    }
  }
  svg.CloseGroup();
  html += svg.Finish();
  return html + "</section>";
}

}  // namespace bayestune::report_internal
