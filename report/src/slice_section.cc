// 3. Slice plots: the objective against each parameter, on the parameter's own scale.
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "html_escape.h"
#include "legend.h"
#include "number_format.h"
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

// Where a trial's point goes in a slice plot.
struct SlicePoint {
  const Trial* trial = nullptr;
  double x = 0;
  double y = 0;
  std::size_t group_size = 1;  // trials with the same parameter value and objective value
  bool labels_group = false;   // this point carries the group's count label
  double label_x = 0;
  bool label_anchor_end = false;
};

// Places the drawn trials (those with a position on the parameter's axis), in their order.
// Trials alone at their place are spread sideways by a fixed amount per trial (categories,
// INTEGER and DISCRETE values). Trials with exactly the same parameter value and objective value
// would hide each other at any spread: they are set side by side, in trial order, and the group
// gets a count label. Every point, with room for the best trial's ring, stays inside the area.
std::vector<SlicePoint> PlaceSlicePoints(const std::vector<const Trial*>& drawn,
                                         const ParameterSpec& parameter, const AxisScale& scale,
                                         const PlotArea& area, double radius, double ring,
                                         const std::function<double(const Trial&)>& y_of) {
  std::vector<SlicePoint> points;
  std::vector<double> units;
  std::map<std::pair<double, double>, std::vector<std::size_t>> groups;
  for (const Trial* trial : drawn) {
    const auto unit = ParameterPosition(parameter, scale, *trial);
    if (!unit) continue;
    groups[{*unit, *trial->final_value}].push_back(points.size());
    SlicePoint point;
    point.trial = trial;
    point.y = y_of(*trial);
    points.push_back(point);
    units.push_back(*unit);
  }
  const double low = area.left + ring + 1;
  const double high = area.right - ring - 1;
  for (const auto& [key, members] : groups) {
    if (members.size() == 1) {
      SlicePoint& point = points[members.front()];
      // A sideways spread fixed per trial, at most 12 pixels either way.
      const double shift = static_cast<double>(DrawingPriority(point.trial->id) % 1000) / 999 - 0.5;
      const double spread =
          std::min(SpreadWidth(parameter, scale, *point.trial) * area.width(), 24.0);
      point.x = std::clamp(area.X(units[members.front()]) + shift * spread, low, high);
      continue;
    }
    // Side by side in trial order, a point and a half apart (closer for large groups), centred
    // on the value and moved whole inside the area.
    std::vector<std::size_t> ordered = members;
    std::sort(ordered.begin(), ordered.end(), [&](std::size_t a, std::size_t b) {
      return points[a].trial->id < points[b].trial->id;
    });
    const double count = static_cast<double>(ordered.size());
    const double step = std::min(1.6 * radius, 36.0 / (count - 1));
    double start = area.X(key.first) - step * (count - 1) / 2;
    start = std::clamp(start, low, std::max(low, high - step * (count - 1)));
    for (std::size_t j = 0; j < ordered.size(); ++j) {
      SlicePoint& point = points[ordered[j]];
      point.x = start + step * static_cast<double>(j);
      point.group_size = ordered.size();
    }
    // The count beside the group: to its right, or to its left near the right edge.
    SlicePoint& labelled = points[ordered.back()];
    const double group_right = labelled.x + radius + 2;
    labelled.labels_group = true;
    labelled.label_anchor_end = group_right + 22 > area.right;
    labelled.label_x = labelled.label_anchor_end ? start - radius - 2 : group_right;
  }
  return points;
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
      "discrete values are spread a little sideways so that they do not hide each other, and "
      "trials with the same value and the same objective are set side by side with their count "
      "(\u00d73). The "
      "colour is the trial number, to show where the search went over "
      "time; the ring marks the best trial. " +
      SampleSentence(sample, "trials"));
  html += Legend({{LegendMark::kRing, "best-ring", "best trial"}},
                 RampLegendItem("trial number", "first", "last", OrderColor));

  const double first = static_cast<double>(context.trials().front().id);
  const double last = static_cast<double>(context.trials().back().id);
  const Trial* best = context.ranked().front();
  const double radius = drawn.size() > 300 ? 2.4 : 3.2;
  const double ring = radius + 3.5;
  html += "<div class=\"slices\">";
  for (const ParameterSpec& parameter : parameters) {
    const AxisScale scale = AxisScale::ForParameter(parameter);
    // Headroom: the ring of a trial at either end of an axis stays inside the plot.
    PlotArea area{60, 10, kWidth - 12, kHeight - 48, 18, ring + 2};
    SvgWriter svg(kWidth, kHeight, "Objective against " + parameter.name,
                  DataAttribute("parameter", parameter.name), drawn.size() > 150 ? "many" : "");
    DrawBottomAxis(svg, area, scale, AxisTitle(parameter), 5);
    DrawLeftAxis(svg, area, context.objective_axis(), context.spec().metric_tag, 5);
    const std::vector<SlicePoint> points = PlaceSlicePoints(
        drawn, parameter, scale, area, radius, ring,
        [&](const Trial& trial) { return area.Y(context.ObjectiveUnit(*trial.final_value)); });
    svg.OpenGroup("pts");
    for (const SlicePoint& point : points) {
      const Trial& trial = *point.trial;
      const double order =
          last > first ? (static_cast<double>(trial.id) - first) / (last - first) : 1.0;
      svg.Circle(point.x, point.y, radius, "",
                 " fill=\"" + OrderColor(order) + "\"" + context.TrialAttributes(trial, "slice"));
    }
    svg.CloseGroup();
    for (const SlicePoint& point : points) {
      if (point.group_size < 2 || !point.labels_group) continue;
      svg.Raw("<text x=\"" + FormatCoordinate(point.label_x) + "\" y=\"" +
              FormatCoordinate(point.y + 3.5) + "\"" +
              (point.label_anchor_end ? " text-anchor=\"end\"" : "") + " class=\"dup-count\"" +
              DataAttribute("count", point.group_size) + ">\u00d7" +
              std::to_string(point.group_size) + "</text>");
    }
    for (const SlicePoint& point : points) {
      if (point.trial == best) svg.Circle(point.x, point.y, ring, "best-ring");
    }
    html += "<figure>" + svg.Finish() + "</figure>";
  }
  html += "</div>";
  return html + "</section>";
}

}  // namespace bayestune::report_internal
