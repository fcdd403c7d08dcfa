// 3. Slice plots: the objective against each parameter, on the parameter's own scale.
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

}  // namespace

std::string SliceSection(ReportContext& context) {
  const auto& parameters = context.spec().parameters;
  const DrawingSample sample = context.Sample(context.valued(), context.options().max_drawn_trials);
  const std::vector<const Trial*> drawn = context.TrialsOf(sample);
  std::string html = OpenSection("slices", "Slice plots", drawn.size(), sample.total);
  if (sample.total == 0) {
    html += EmptyNote("Drawn once a trial has succeeded with an objective value; none has yet.");
    return html + "</section>";
  }
  html += Note(
      "The objective against each parameter, on the parameter's own scale (log axes for "
      "log-scaled parameters; categories side by side, spread a little so that points do not "
      "hide each other). The colour is the trial number, to show where the search went over "
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
    PlotArea area{60, 10, kWidth - 12, kHeight - 48};
    SvgWriter svg(kWidth, kHeight, "Objective against " + parameter.name,
                  DataAttribute("parameter", parameter.name));
    DrawBottomAxis(svg, area, scale, AxisTitle(parameter), 5);
    DrawLeftAxis(svg, area, context.objective_axis(), context.spec().metric_tag, 5);
    const auto place = [&](const Trial& trial) -> std::optional<std::pair<double, double>> {
      auto unit = ParameterPosition(parameter, scale, trial);
      if (!unit) return std::nullopt;
      if (scale.is_category()) {
        const double spread =
            (static_cast<double>(DrawingPriority(trial.id) % 1000) / 999 - 0.5) * 0.5;
        *unit += spread * scale.CategoryBand();
      }
      return std::make_pair(area.X(*unit), area.Y(context.ObjectiveUnit(*trial.final_value)));
    };
    svg.OpenGroup("pts");
    for (const Trial* trial : drawn) {
      const auto xy = place(*trial);
      if (!xy) continue;
      const double order = last > first ? (static_cast<double>(trial->id) - first) / (last - first)
                                         : 1.0;
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
