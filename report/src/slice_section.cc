// 3. Slice plots: the objective against each parameter, on the parameter's own scale.
#include <algorithm>
#include <cmath>

#include "bayestune/report/html_escape.h"
#include "legend.h"
#include "parameter_position.h"
#include "plot_area.h"
#include "report_palette.h"
#include "report_sections.h"

namespace bayestune::report_internal {

namespace {

constexpr double kWidth = 330;
constexpr double kHeight = 250;

std::string AxisTitle(const ParameterSpec& parameter) {
  switch (parameter.scale) {
    case ScaleType::kLog:
      return parameter.name + " (log scale)";
    case ScaleType::kReverseLog:
      return parameter.name + " (reverse log scale)";
    default:
      return parameter.name;
  }
}

// How wide (in axis units) the points of one value may spread sideways, so that they do not hide
// each other: half a category's band; for INTEGER and DISCRETE parameters of few values, half the
// gap to the nearest other value; nothing for continuous ones.
double SpreadWidth(const ParameterSpec& parameter, const AxisScale& scale, const Trial& trial) {
  if (scale.is_category()) return 0.5 * scale.CategoryBand();
  const auto it = trial.parameters.find(parameter.name);
  if (it == trial.parameters.end() || !it->second.IsNumeric()) return 0;
  const double value = it->second.AsDouble();
  std::vector<double> neighbours;
  if (parameter.type == ParameterType::kInteger && parameter.Upper() - parameter.Lower() <= 60) {
    neighbours = {value - 1, value + 1};
  } else if (parameter.type == ParameterType::kDiscrete && parameter.discrete_values.size() <= 60) {
    const auto& values = parameter.discrete_values;
    const auto at = std::lower_bound(values.begin(), values.end(), value);
    if (at != values.begin()) neighbours.push_back(*(at - 1));
    if (at != values.end() && at + 1 != values.end()) neighbours.push_back(*(at + 1));
  } else {
    return 0;
  }
  double gap = 1;
  for (double other : neighbours) {
    if (other >= parameter.Lower() && other <= parameter.Upper()) {
      gap = std::min(gap, std::abs(scale.Unit(other) - scale.Unit(value)));
    }
  }
  return 0.5 * gap;
}

}  // namespace

std::string SliceSection(ReportContext& context) {
  const auto& parameters = context.spec().parameters;
  const DrawingSample sample = context.Sample(context.valued(), context.options().max_drawn_trials);
  const std::vector<const Trial*> drawn = context.TrialsOf(sample);
  std::string html = OpenSection("slices", "Slice plots", drawn.size(), sample.total);
  if (sample.total == 0) {
    return html + EmptyNote(kNoValueYet) + "</section>";
  }
  html += Note(
      "The objective against each parameter, on the parameter's own scale (log axes for "
      "log-scaled parameters, categories side by side); points of categories and of integer or "
      "discrete values are spread a little sideways so that they do not hide each other. The "
      "colour is the trial number, to show where the search went over "
      "time; the ring marks the best trial. " +
      SampleSentence(sample, "trials"));
  html += Legend({{LegendMark::kRing, "best-ring", "best trial"}},
                 RampLegendItem("trial number", "first", "last", OrderColor));

  const double first = static_cast<double>(context.trials().front().id);
  const double last = static_cast<double>(context.trials().back().id);
  const Trial* best = context.ranked().front();
  const double radius = drawn.size() > 300 ? 2.4 : 3.2;
  html += "<div class=\"slices\">";
  for (const ParameterSpec& parameter : parameters) {
    const AxisScale scale = AxisScale::ForParameter(parameter);
    PlotArea area{60, 10, kWidth - 12, kHeight - 48, 10};
    SvgWriter svg(kWidth, kHeight, "Objective against " + parameter.name,
                  DataAttribute("parameter", parameter.name), drawn.size() > 150 ? "many" : "");
    DrawBottomAxis(svg, area, scale, AxisTitle(parameter), 5);
    DrawLeftAxis(svg, area, context.objective_axis(), context.spec().metric_tag, 5);
    const auto place = [&](const Trial& trial) -> std::optional<std::pair<double, double>> {
      const auto unit = ParameterPosition(parameter, scale, trial);
      if (!unit) return std::nullopt;
      // A sideways spread fixed per trial, at most 12 pixels.
      const double shift = static_cast<double>(DrawingPriority(trial.id) % 1000) / 999 - 0.5;
      const double spread = std::min(SpreadWidth(parameter, scale, trial) * area.width(), 24.0);
      return std::make_pair(area.X(*unit) + shift * spread,
                            area.Y(context.ObjectiveUnit(*trial.final_value)));
    };
    svg.OpenGroup("pts");
    for (const Trial* trial : drawn) {
      const auto xy = place(*trial);
      if (!xy) continue;
      const double order =
          last > first ? (static_cast<double>(trial->id) - first) / (last - first) : 1.0;
      svg.Circle(xy->first, xy->second, radius, "",
                 " fill=\"" + OrderColor(order) + "\"" + context.TrialAttributes(*trial, "slice"));
    }
    svg.CloseGroup();
    if (const auto xy = place(*best)) svg.Circle(xy->first, xy->second, radius + 3.5, "best-ring");
    html += "<figure>" + svg.Finish() + "</figure>";
  }
  html += "</div>";
  return html + "</section>";
}

}  // namespace bayestune::report_internal
