// 7. GPU use over time: which trial ran on which GPU when, CPU trials on a lane of their own.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "html_escape.h"
#include "legend.h"
#include "number_format.h"
#include "plot_area.h"
#include "report_palette.h"
#include "report_sections.h"

namespace bayestune::report_internal {

namespace {

constexpr double kWidth = 960;
constexpr int kCpuLane = -1;

struct Bar {
  const Trial* trial;
  double start;
  double end;
  bool open;  // still running: drawn up to the latest time of the study
};

// Ticks at round steps of time over [0, span] seconds, labelled m:ss, h:mm or in days; `unit`
// says which.
std::vector<AxisTick> TimeTicks(double span, std::string* unit) {
  static constexpr double kSteps[] = {1,     2,     5,      10,     15,     30,      60,     120,
                                      300,   600,   900,    1800,   3600,   7200,    10800,  21600,
                                      43200, 86400, 172800, 432000, 604800, 1209600, 2592000};
  // Beyond a month: a round number of days.
  double step = NiceStep(span / 8 / 86400) * 86400;
  for (double s : kSteps) {
    if (span / s <= 8) {
      step = s;
      break;
    }
  }
  *unit = step < 60 ? "m:ss" : step < 86400 ? "h:mm" : "days";
  std::vector<AxisTick> ticks;
  for (int i = 0; i * step <= span + 1e-9; ++i) {
    const auto t = static_cast<long long>(std::llround(i * step));
    char label[32];
    if (step < 60) {
      std::snprintf(label, sizeof(label), "%lld:%02lld", t / 60, t % 60);
    } else if (step < 86400) {
      std::snprintf(label, sizeof(label), "%lld:%02lld", t / 3600, t % 3600 / 60);
    } else {
      std::snprintf(label, sizeof(label), "%lld d", t / 86400);
    }
    ticks.push_back({i * step / span, label});
  }
  return ticks;
}

std::string LaneName(int lane) {
  return lane == kCpuLane ? "CPU" : "GPU " + std::to_string(lane);
}

// The total length of the union of the bars' intervals.
double BusyTime(std::vector<Bar> bars) {
  std::sort(bars.begin(), bars.end(), [](const Bar& a, const Bar& b) { return a.start < b.start; });
  double busy = 0;
  double start = 0;
  double end = -1;
  bool open = false;
  for (const Bar& bar : bars) {
    if (!open || bar.start > end) {
      if (open) busy += end - start;
      start = bar.start;
      end = bar.end;
      open = true;
    } else {
      end = std::max(end, bar.end);
    }
  }
  if (open) busy += end - start;
  return busy;
}

// One bar per trial, in the lane's row given for it; notes the state classes drawn.
template <typename XOf>
void DrawTrialBars(SvgWriter& svg, ReportContext& context, const std::vector<Bar>& bars,
                   const std::vector<int>& rows, double top, double row_height,
                   const std::string& lane_attribute, const XOf& x_of, std::size_t& drawn,
                   std::set<std::string>& states, std::string_view extra_class = "") {
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& bar = bars[i];
    const double x1 = x_of(bar.start);
    const double width = std::max(1.5, x_of(bar.end) - x1);
    const double y = top + rows[i] * (row_height + 2);
    const std::string state = StateClass(*bar.trial);
    states.insert(state);
    svg.Rect(x1, y, width, row_height,
             "bar " + state + (bar.open ? " open" : "") + std::string(extra_class),
             lane_attribute + context.TrialAttributes(*bar.trial, "bar"));
    ++drawn;
  }
}

}  // namespace

std::string GpuTimelineSection(ReportContext& context) {
  // The latest time the study knows of: where bars of running trials end. The runner's times
  // (starts, ends), then the wall times of running trials' measurements, which are the trainer's
  // clock: only those that are finite, not before their trial started and at most a year past the
  // runner's latest time count (one of +inf made the span infinite, and the time axis grew ticks
  // until std::bad_alloc).
  double as_of = -std::numeric_limits<double>::infinity();
  double t0 = std::numeric_limits<double>::infinity();
  for (const Trial& trial : context.trials()) {
    if (trial.start_time) {
      as_of = std::max(as_of, *trial.start_time);
      t0 = std::min(t0, *trial.start_time);
    }
    if (trial.end_time) as_of = std::max(as_of, *trial.end_time);
  }
  constexpr double kYear = 365.25 * 86400;
  const double latest_believed = as_of + kYear;
  for (const Trial& trial : context.trials()) {
    if (!trial.start_time || trial.end_time) continue;
    for (const Measurement& m : trial.measurements) {
      if (std::isfinite(m.wall_time) && m.wall_time >= *trial.start_time &&
          m.wall_time <= latest_believed) {
        as_of = std::max(as_of, m.wall_time);
      }
    }
  }
  std::map<int, std::vector<Bar>> lanes;  // GPU ids in order, the CPU lane (-1) first
  std::size_t total_bars = 0;
  std::size_t trials_on_timeline = 0;
  for (const Trial& trial : context.trials()) {
    if (!trial.start_time) continue;
    const bool open = !trial.end_time;
    const double end = open ? as_of : std::max(*trial.end_time, *trial.start_time);
    ++trials_on_timeline;
    if (trial.gpus.empty()) {
      lanes[kCpuLane].push_back({&trial, *trial.start_time, end, open});
      ++total_bars;
    }
    for (int gpu : trial.gpus) {
      lanes[gpu].push_back({&trial, *trial.start_time, end, open});
      ++total_bars;
    }
  }
  if (trials_on_timeline == 0) {
    return OpenSection("gpu-timeline", "GPU use over time", 0, 0) +
           EmptyNote("No trial has started yet.") + "</section>";
  }
  // The CPU lane goes last.
  std::vector<std::pair<int, std::vector<Bar>>> ordered;
  for (auto& [lane, bars] : lanes) {
    if (lane != kCpuLane) ordered.emplace_back(lane, std::move(bars));
  }
  if (lanes.count(kCpuLane) != 0) ordered.emplace_back(kCpuLane, std::move(lanes[kCpuLane]));

  const bool merged = total_bars > context.options().max_timeline_bars;
  const double span = std::max(as_of - t0, 1e-3);
  PlotArea area{80, 8, kWidth - 120, 0};
  const auto x_of = [&](double t) { return area.X((t - t0) / span); };

  // Trials that overlap on one lane (several trials per GPU) get rows of their own in it.
  struct LaneLayout {
    int lane;
    std::vector<Bar> bars;
    std::vector<int> row;
    int rows = 1;
    double top = 0;
    double row_height = 14;
  };
  std::vector<LaneLayout> layout;
  double y = area.top;
  for (auto& [lane, bars] : ordered) {
    LaneLayout l{lane, std::move(bars), {}, 1, y, 14};
    std::stable_sort(l.bars.begin(), l.bars.end(),
                     [](const Bar& a, const Bar& b) { return a.start < b.start; });
    if (!merged) {
      std::vector<double> row_end;
      for (const Bar& bar : l.bars) {
        std::size_t r = 0;
        while (r < row_end.size() && row_end[r] > bar.start + 1e-9)
          ++r;
        if (r == row_end.size()) row_end.push_back(bar.end);
        row_end[r] = bar.end;
        l.row.push_back(static_cast<int>(r));
      }
      l.rows = std::max<int>(1, static_cast<int>(row_end.size()));
      l.row_height = std::max(5.0, std::min(14.0, 40.0 / l.rows));
    }
    y += l.rows * (l.row_height + 2) + 10;
    layout.push_back(std::move(l));
  }
  area.bottom = y;
  const double height = area.bottom + 50;

  std::string note =
      "Each bar is a trial, on the GPU it ran on, from its start to its end (a trial on two "
      "GPUs has a bar on each; CPU-only trials are on the CPU lane). Time runs from when the "
      "first trial started, " +
      FormatUtcTime(t0) +
      "; trials still running reach to the latest time in the study. A rerun trial shows its "
      "last attempt. On the right: the share of that time each lane was busy.";
  std::size_t drawn = 0;
  std::set<std::string> states;  // the state classes of the bars drawn
  SvgWriter svg(kWidth, height, "GPU use over time");
  std::string time_unit;
  const std::vector<AxisTick> time_ticks = TimeTicks(span, &time_unit);
  DrawBottomAxis(svg, area, time_ticks, "time since the first trial started (" + time_unit + ")");
  for (const LaneLayout& l : layout) {
    const double lane_height = l.rows * (l.row_height + 2) - 2;
    svg.Rect(area.left, l.top - 3, area.width(), lane_height + 6, "lane");
    svg.Text(area.left - 8, l.top + lane_height / 2 + 4, LaneName(l.lane), "label", "end");
    const double busy = BusyTime(l.bars) / span;
    char share[32];
    std::snprintf(share, sizeof(share), "%.0f%% busy", std::min(1.0, busy) * 100);
    svg.Text(area.right + 8, l.top + lane_height / 2 + 4, share, "", "start");
    const std::string lane_attribute = DataAttribute("lane", LaneName(l.lane));
    if (merged) {
      // Busy periods at the resolution of a pixel.
      double start = 0;
      double end = -1;
      const auto flush = [&] {
        if (end < start) return;
        svg.Rect(start, l.top, std::max(1.0, end - start), l.row_height, "busy",
                 lane_attribute + DataAttribute("kind", "busy"));
        ++drawn;
      };
      for (const Bar& bar : l.bars) {
        const double x1 = x_of(bar.start);
        const double x2 = x_of(bar.end);
        if (end >= start && x1 <= end + 1) {
          end = std::max(end, x2);
        } else {
          flush();
          start = x1;
          end = x2;
        }
      }
      flush();
      continue;
    }
    DrawTrialBars(svg, context, l.bars, l.row, l.top, l.row_height, lane_attribute, x_of, drawn,
                  states);
  }
  if (merged) {
    // Failures matter even when bars merge: they are drawn over the busy periods.
    std::vector<const Trial*> failures;
    for (const auto& l : layout) {
      for (const Bar& bar : l.bars) {
        if (bar.trial->state == TrialState::kFailed ||
            bar.trial->state == TrialState::kInfeasible) {
          failures.push_back(bar.trial);
        }
      }
    }
    std::sort(failures.begin(), failures.end(),
              [](const Trial* a, const Trial* b) { return a->id < b->id; });
    failures.erase(std::unique(failures.begin(), failures.end()), failures.end());
    const DrawingSample sample = context.Sample(failures, context.options().max_drawn_trials);
    note += " The study has " + FormatCount(static_cast<std::int64_t>(total_bars)) +
            " bars, too many to tell apart: bars less than a pixel apart are merged into busy "
            "periods, and failed and infeasible trials are drawn over them. " +
            SampleSentence(sample, "failed and infeasible trials");
    const std::set<std::int64_t> chosen(sample.ids.begin(), sample.ids.end());
    for (const auto& l : layout) {
      std::vector<Bar> bars;
      for (const Bar& bar : l.bars) {
        if (chosen.count(bar.trial->id) != 0) bars.push_back(bar);
      }
      DrawTrialBars(svg, context, bars, std::vector<int>(bars.size(), 0), l.top, l.row_height,
                    DataAttribute("lane", LaneName(l.lane)), x_of, drawn, states, " over");
    }
  }
  std::string html = OpenSection("gpu-timeline", "GPU use over time", drawn, total_bars);
  html += Note(note);
  std::vector<LegendEntry> legend;
  if (merged) legend.push_back({LegendMark::kBar, "busy", "busy (trials merged)"});
  for (const auto& [css, label] :
       std::vector<std::pair<std::string, std::string>>{{"ok", "succeeded"},
                                                        {"stop", "stopped early"},
                                                        {"fail", "failed"},
                                                        {"inf", "infeasible"},
                                                        {"run", "running"}}) {
    if (states.count(css) != 0) legend.push_back({LegendMark::kBar, "bar " + css, label});
  }
  html += Legend(legend);
  html += svg.Finish();
  return html + "</section>";
}

}  // namespace bayestune::report_internal
