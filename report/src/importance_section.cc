// 5. Parameter importance: how much of the objective's variance each parameter explains alone
// (functional ANOVA of a random forest), as bars.
#include <algorithm>
#include <cmath>

#include "html_escape.h"
#include "number_format.h"
#include "parameter_importance.h"
#include "plot_area.h"
#include "report_sections.h"

namespace bayestune::report_internal {

namespace {

constexpr double kWidth = 960;
constexpr double kRowHeight = 28;

std::string Percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof(text), fraction < 0.1 ? "%.1f%%" : "%.0f%%", fraction * 100);
  return text;
}

}  // namespace

std::string ImportanceSection(ReportContext& context) {
  const ImportanceEstimate estimate =
      EstimateParameterImportance(context.spec(), context.trials(), context.options().importance);
  std::vector<ParameterImportance> bars = estimate.parameters;
  std::string html = OpenSection("importance", "Parameter importance",
                                 estimate.available ? bars.size() : 0, bars.size());
  if (!estimate.available) {
    html += EmptyNote("Parameter importance " + estimate.unavailable_reason + ".");
    return html + "</section>";
  }
  std::stable_sort(bars.begin(), bars.end(),
                   [](const auto& a, const auto& b) { return a.fraction > b.fraction; });
  double explained = 0;
  double largest = 0;
  for (const auto& bar : bars) {
    explained += bar.fraction;
    largest = std::max(largest, bar.fraction);
  }
  const int trees = context.options().importance.forest.trees;
  std::string note =
      "The share of the variance of " + context.spec().metric_tag +
      " that each parameter explains on its own (its main effect), by functional ANOVA of a "
      "random forest of " +
      std::to_string(trees) + " trees fitted to the " +
      FormatCount(static_cast<std::int64_t>(estimate.trials_used)) +
      " succeeded trials, with parameters on the optimizer's scale. The other " +
      Percent(std::max(0.0, 1 - explained)) +
      " comes from interactions between parameters and from noise.";
  if (estimate.trials_used < 30) note += " With this few trials the estimate is rough.";
  if (estimate.values_clipped > 0) {
    note += " " + FormatCount(static_cast<std::int64_t>(estimate.values_clipped)) +
            " far-out objective values were pulled in to the edge of the range first.";
  }
  html += Note(note);

  const double upper = std::clamp(std::ceil(largest * 10 - 1e-9) / 10, 0.1, 1.0);
  const AxisScale scale = AxisScale::Linear(0, upper * 100);
  const double height = 10 + kRowHeight * static_cast<double>(bars.size()) + 44;
  PlotArea area{210, 10, kWidth - 80, height - 44};
  SvgWriter svg(kWidth, height, "Parameter importance");
  DrawBottomAxis(svg, area, scale, "share of the variance explained alone (%)", 6);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& bar = bars[i];
    const double y = area.top + kRowHeight * static_cast<double>(i);
    const double x_end = area.X(scale.Unit(bar.fraction * 100));
    svg.Text(area.left - 10, y + kRowHeight / 2 + 4, TruncateText(bar.name, 28), "label", "end");
    svg.Rect(area.left, y + 5, std::max(0.0, x_end - area.left), kRowHeight - 10, "imp",
             DataAttribute("parameter", bar.name) +
                 DataAttribute("fraction", FormatSignificant(bar.fraction, 4)));
    svg.Text(x_end + 6, y + kRowHeight / 2 + 4, Percent(bar.fraction), "value");
  }
  html += svg.Finish();
  return html + "</section>";
}

}  // namespace bayestune::report_internal
