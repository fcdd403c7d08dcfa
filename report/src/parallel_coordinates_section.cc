// 2. Parallel coordinates: one vertical axis per parameter, on its own scale, and one for the
// objective; each trial a line through its values, coloured by how good its objective is.
#include <algorithm>
#include <optional>

#include "bayestune/optimizer/conditional_parameters.h"
#include "html_escape.h"
#include "legend.h"
#include "number_format.h"
#include "parameter_position.h"
#include "plot_area.h"
#include "report_palette.h"
#include "report_sections.h"
#include "text_width.h"

namespace bayestune::report_internal {

namespace {

constexpr double kWidth = 960;
constexpr double kHeight = 400;
constexpr double kLabelFontSize = 11;  // svg text, page_assets.cc
constexpr double kLabelGap = 5;        // between a category label and its axis

std::string ScaleHint(const AxisScale& scale) {
  switch (scale.kind()) {
    case AxisScale::Kind::kLog:
      return "log scale";
    case AxisScale::Kind::kReverseLog:
      return "reverse log scale";
    case AxisScale::Kind::kCategory:
      return "categories";
    case AxisScale::Kind::kLinear:
      break;
  }
  return "linear";
}

// How far left of a category axis the lines run level into their category: the room for its
// labels, which sit there, just above their category's line, where no other line passes (lines
// reach the level stretches of the other categories at its left end). The first axis needs none:
// no line comes from its left.
double LabelRoom(const AxisScale& scale, std::size_t axis, double spacing) {
  if (axis == 0 || !scale.is_category()) return 0;
  double widest = 0;
  for (const AxisTick& tick : scale.Ticks(6))
    widest = std::max(widest, EstimatedTextWidth(tick.label, kLabelFontSize));
  return std::min(0.45 * spacing, widest + kLabelGap + 6);
}

void DrawVerticalAxis(SvgWriter& svg, const PlotArea& area, double x, const AxisScale& scale,
                      const std::string& name, const std::string& hint, double spacing,
                      double label_room) {
  const auto max_name = static_cast<std::size_t>(std::max(4.0, spacing / 7.2));
  const auto max_label = static_cast<std::size_t>(std::max(3.0, spacing / 6.8 - 1));
  svg.OpenGroup("pc-ax");
  svg.Line(x, area.top, x, area.bottom);
  for (const AxisTick& tick : scale.Ticks(6)) {
    const double y = area.Y(tick.unit);
    svg.Line(x - 3, y, x + 3, y);
    if (label_room > 0) {
      svg.Text(x - kLabelGap, y - 6,
               FitText(tick.label, label_room - kLabelGap - 6, kLabelFontSize), "cat-label", "end");
    } else {
      svg.Text(x - 6, y + 3.5, TruncateText(tick.label, max_label),
               scale.is_category() ? "cat-label" : "", "end");
    }
  }
  svg.CloseGroup();
  svg.Text(x, area.top - 24, TruncateText(name, max_name), "title", "middle");
  svg.Text(x, area.top - 10, hint, "hint", "middle");
}

}  // namespace

std::string ParallelCoordinatesSection(ReportContext& context) {
  const auto& parameters = context.spec().parameters;
  const DrawingSample sample = context.Sample(context.valued(), context.options().max_drawn_trials);
  std::vector<AxisScale> scales;
  for (const ParameterSpec& parameter : parameters)
    scales.push_back(AxisScale::ForParameter(parameter));

  // The lines to draw, worst first so that the best lie on top.
  // A conditional parameter that is inactive in a trial has no position: its line breaks there
  // and goes on at the next axis where it has one.
  struct Line {
    const Trial* trial;
    std::vector<std::optional<double>> units;
  };
  std::vector<Line> lines;
  for (const Trial* trial : context.TrialsOf(sample)) {
    Line line{trial, {}};
    const std::vector<bool> active = ActiveParameters(parameters, trial->parameters);
    bool complete = true;
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      const auto unit = ParameterPosition(parameters[i], scales[i], *trial);
      if (!unit && active[i]) complete = false;
      line.units.push_back(active[i] ? unit : std::nullopt);
    }
    if (!complete) continue;
    line.units.push_back(context.ObjectiveUnit(*trial->final_value));
    lines.push_back(std::move(line));
  }
  std::stable_sort(lines.begin(), lines.end(), [&](const Line& a, const Line& b) {
    return context.Quality(*a.trial->final_value) < context.Quality(*b.trial->final_value);
  });

  std::string html =
      OpenSection("parallel-coordinates", "Parallel coordinates", lines.size(), sample.total);
  if (sample.total == 0) {
    return html + EmptyNote(kNoValueYet) + "</section>";
  }
  html += Note(
      "Each line is a trial that succeeded, through its value of every parameter and, on the "
      "last axis, its objective. Parameters are on their own scale (log-scaled ones on log axes, "
      "categories in the order of the spec, each line running level into its category beside the "
      "category's name); the darker the line, the better its objective ranks, "
      "and the best lie on top. A line breaks at the axis of a conditional parameter that is "
      "not active in its trial. " +
      SampleSentence(sample, "trials"));
  html += Legend({}, RampLegendItem("objective", "worse", "better", QualityColor));

  PlotArea area{70, 56, kWidth - 70, kHeight - 20};
  const std::size_t axes = parameters.size() + 1;
  const double spacing = area.width() / static_cast<double>(axes - 1);
  const auto axis_x = [&](std::size_t i) { return area.left + spacing * static_cast<double>(i); };

  SvgWriter svg(kWidth, kHeight, "Parallel coordinates of the parameters and the objective", "",
                lines.size() > 150 ? "many" : "");
  std::vector<double> label_rooms;
  for (std::size_t i = 0; i < scales.size(); ++i)
    label_rooms.push_back(LabelRoom(scales[i], i, spacing));
  label_rooms.push_back(0);  // the objective's axis
  svg.OpenGroup("pc");
  for (std::size_t rank = 0; rank < lines.size(); ++rank) {
    const Line& line = lines[rank];
    std::string d;
    bool pen_down = false;
    for (std::size_t i = 0; i < line.units.size(); ++i) {
      if (!line.units[i]) {
        pen_down = false;
        continue;
      }
      const std::string y = FormatCoordinate(area.Y(*line.units[i]));
      if (label_rooms[i] > 0) {
        d += (pen_down ? "L" : "M") + FormatCoordinate(axis_x(i) - label_rooms[i]) + " " + y;
        pen_down = true;
      }
      d += (pen_down ? "L" : "M") + FormatCoordinate(axis_x(i)) + " " + y;
      pen_down = true;
    }
    // Coloured by rank, so that a few far-out values do not wash out the others' colours.
    const double quality =
        lines.size() > 1 ? static_cast<double>(rank) / static_cast<double>(lines.size() - 1) : 1.0;
    const std::string color = QualityColor(quality);
    svg.Path(d, "", " stroke=\"" + color + "\"" + context.TrialAttributes(*line.trial, "line"));
  }
  svg.CloseGroup();
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    DrawVerticalAxis(svg, area, axis_x(i), scales[i], parameters[i].name, ScaleHint(scales[i]),
                     spacing, label_rooms[i]);
  }
  DrawVerticalAxis(
      svg, area, axis_x(parameters.size()), context.objective_axis(), context.spec().metric_tag,
      context.spec().goal == Goal::kMaximize ? "objective, maximize" : "objective, minimize",
      spacing, 0);
  html += svg.Finish();
  return html + "</section>";
}

}  // namespace bayestune::report_internal
