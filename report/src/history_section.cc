// 1. Optimisation history: every trial's objective against its number, the best so far, and the
// trials that ended without a value marked under the axis.
#include <cmath>

#include "legend.h"
#include "number_format.h"
#include "plot_area.h"
#include "report_sections.h"

namespace bayestune::report_internal {

namespace {

constexpr double kWidth = 960;

bool EndedWithoutValue(const Trial& trial) {
  return trial.state == TrialState::kFailed || trial.state == TrialState::kInfeasible;
}

}  // namespace

std::string HistorySection(ReportContext& context) {
  const auto& trials = context.trials();
  std::vector<const Trial*> without_value;
  std::size_t running = 0;
  for (const Trial& trial : trials) {
    if (EndedWithoutValue(trial)) without_value.push_back(&trial);
    if (trial.state == TrialState::kActive || trial.state == TrialState::kStopping) ++running;
  }
  const DrawingSample valued = context.Sample(context.valued(), context.options().max_drawn_trials);
  const DrawingSample failed = context.Sample(without_value, context.options().max_drawn_trials);
  std::string html =
      OpenSection("history", "Optimisation history", valued.ids.size() + failed.ids.size(),
                  valued.total + failed.total);
  if (valued.total + failed.total == 0) {
    html += EmptyNote(trials.empty()
                          ? "No trials yet."
                          : "No trial has finished yet (" +
                                FormatCount(static_cast<std::int64_t>(running)) + " running).");
    return html + "</section>";
  }
  const bool has_values = valued.total > 0;
  const bool has_strip = failed.total > 0;
  const bool maximize = context.spec().goal == Goal::kMaximize;

  std::string note = "Each point is the objective of one trial, against its trial number; the " +
                     std::string(maximize ? "line is the highest" : "line is the lowest") +
                     " value so far (the goal is to " + (maximize ? "maximize" : "minimize") + " " +
                     context.spec().metric_tag + ").";
  if (has_strip) note += " Trials that ended without a value are marked under the chart.";
  if (running > 0) {
    note += " " + FormatCount(static_cast<std::int64_t>(running)) +
            (running == 1 ? " trial is" : " trials are") + " still running.";
  }
  const ValueRange& range = context.objective_range();
  if (range.below + range.above > 0) {
    note += " " + FormatCount(static_cast<std::int64_t>(range.below + range.above)) +
            " far-out values are drawn as triangles at the edge of the axis.";
  }
  if (valued.subsampled() || failed.subsampled()) {
    note += " Showing " + FormatCount(static_cast<std::int64_t>(valued.ids.size())) + " of " +
            FormatCount(static_cast<std::int64_t>(valued.total)) + " trials with a value and " +
            FormatCount(static_cast<std::int64_t>(failed.ids.size())) + " of " +
            FormatCount(static_cast<std::int64_t>(failed.total)) +
            " without: a fixed sample (by a hash of the trial number) that always keeps the best "
            "trials and every improvement of the best so far; the line uses every trial.";
  }
  html += Note(note);

  std::size_t count[4] = {0, 0, 0, 0};  // succeeded, stopped early, failed, infeasible
  for (const Trial* trial : context.valued())
    ++count[trial->stopped_early ? 1 : 0];
  for (const Trial* trial : without_value)
    ++count[trial->state == TrialState::kInfeasible ? 3 : 2];
  std::vector<LegendEntry> legend;
  if (count[0] > 0) legend.push_back({LegendMark::kDot, "ok", "succeeded"});
  if (count[1] > 0) legend.push_back({LegendMark::kDiamond, "stop", "stopped early"});
  if (has_values) legend.push_back({LegendMark::kLine, "best-line", "best so far"});
  if (count[2] > 0) legend.push_back({LegendMark::kCross, "fail", "failed"});
  if (count[3] > 0) legend.push_back({LegendMark::kCross, "inf", "infeasible"});
  html += Legend(legend);

  const double plot_height = has_values ? 250 : 0;
  const double strip_height = has_strip ? 30 : 0;
  const double height = 14 + plot_height + strip_height + (has_values && has_strip ? 8 : 0) + 48;
  PlotArea area{72, 14, kWidth - 24, 14 + plot_height};
  PlotArea axis_area = area;
  axis_area.bottom = height - 48;
  const std::int64_t first = trials.front().id;
  const std::int64_t last = trials.back().id;
  const AxisScale x_scale =
      AxisScale::Linear(static_cast<double>(first) - 0.5, static_cast<double>(last) + 0.5, true);
  const bool many = valued.ids.size() + failed.ids.size() > 300;
  SvgWriter svg(kWidth, height, "Optimisation history of " + context.study().name, "",
                many ? "many" : "");
  DrawBottomAxis(svg, axis_area, x_scale, "trial number", 10);
  const auto x_of = [&](std::int64_t id) {
    return axis_area.X(x_scale.Unit(static_cast<double>(id)));
  };
  const double radius = many ? 2.6 : 3.6;

  if (has_values) {
    DrawLeftAxis(svg, area, context.objective_axis(), context.ObjectiveTitle());
    const auto y_of = [&](double value) { return area.Y(context.ObjectiveUnit(value)); };
    // The best so far, over every valued trial (not only those drawn), to the last trial; under
    // the points.
    std::string d;
    double best = 0;
    for (std::int64_t id : context.improvements()) {
      best = *context.Find(id)->final_value;
      d += d.empty() ? "M" + FormatCoordinate(x_of(id)) + " " + FormatCoordinate(y_of(best))
                     : "H" + FormatCoordinate(x_of(id)) + "V" + FormatCoordinate(y_of(best));
    }
    d += "H" + FormatCoordinate(x_of(last));
    svg.Path(d, "best-line",
             DataAttribute("improvements", static_cast<long long>(context.improvements().size())));
    svg.OpenGroup("pts");
    for (const Trial* trial : context.TrialsOf(valued)) {
      const double value = *trial->final_value;
      const double x = x_of(trial->id);
      const double y = y_of(value);
      const bool stopped = trial->stopped_early;
      const std::string attributes =
          context.TrialAttributes(*trial, stopped ? "stopped" : "succeeded");
      const char* css = stopped ? "stop" : "ok";
      if (!range.Contains(value)) {
        svg.Path(TrianglePath(x, y, radius + 1, value > range.upper), css, attributes);
      } else if (stopped) {
        svg.Path(DiamondPath(x, y, radius + 1), css, attributes);
      } else {
        svg.Circle(x, y, radius, css, attributes);
      }
    }
    svg.CloseGroup();
    // The label goes on the side of the line away from the other points, unless that side has
    // no room.
    const Trial* best_trial = context.ranked().front();
    const double line_y = y_of(best);
    double label_y = maximize ? line_y - 8 : line_y + 15;
    if (label_y < area.top + 10) label_y = line_y + 15;
    if (label_y > area.bottom - 4) label_y = line_y - 8;
    svg.Text(area.right - 4, label_y,
             "best " + FormatSignificant(*best_trial->final_value, 5) + " (trial " +
                 std::to_string(best_trial->id) + ")",
             "best-label", "end");
  }
  if (has_strip) {
    const double top = axis_area.bottom - strip_height;
    svg.Rect(area.left, top, area.width(), strip_height, "strip");
    svg.Text(area.left - 7, top + strip_height / 2 + 3.5, "no value", "", "end");
    svg.OpenGroup("pts");
    for (const Trial* trial : context.TrialsOf(failed)) {
      // A little vertical spread, fixed per trial, so that neighbours do not hide each other.
      const double jitter = (static_cast<double>(DrawingPriority(trial->id) % 1000) / 999 - 0.5) *
                            (strip_height - 14);
      const bool infeasible = trial->state == TrialState::kInfeasible;
      svg.Path(CrossPath(x_of(trial->id), top + strip_height / 2 + jitter, many ? 2.4 : 3.2),
               infeasible ? "inf" : "fail",
               context.TrialAttributes(*trial, infeasible ? "infeasible" : "failed"));
    }
    svg.CloseGroup();
  }
  html += svg.Finish();
  return html + "</section>";
}

}  // namespace bayestune::report_internal
