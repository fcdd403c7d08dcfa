#include "report_context.h"

#include <algorithm>
#include <cmath>

#include "bayestune/optimizer/study.h"
#include "html_escape.h"
#include "number_format.h"
#include "svg_writer.h"

namespace bayestune::report_internal {

namespace {

AxisScale ObjectiveAxis(const ValueRange& range) {
  if (range.empty) return AxisScale::Linear(0, 1);
  return AxisScale::NiceLinear(range.lower, range.upper, 6);
}

}  // namespace

ReportContext::ReportContext(const StudyRecord& study, std::vector<Trial> trials,
                             const ReportOptions& options)
    : study_(study),
      options_(options),
      trials_(std::move(trials)),
      objective_axis_(AxisScale::Linear(0, 1)) {
  std::sort(trials_.begin(), trials_.end(),
            [](const Trial& a, const Trial& b) { return a.id < b.id; });
  std::vector<double> values;
  for (const Trial& trial : trials_) {
    if (trial.state == TrialState::kSucceeded && trial.final_value &&
        std::isfinite(*trial.final_value)) {
      valued_.push_back(&trial);
      values.push_back(*trial.final_value);
    }
  }
  ranked_ = valued_;
  std::sort(ranked_.begin(), ranked_.end(), [&](const Trial* a, const Trial* b) {
    return RanksBefore(*a, *b, study_.spec);  // the one ranking of bayestune
  });
  // The best so far under the one ranking (RanksBefore), as `best`, `status` and the label at the
  // line's end say it: a trial stopped early is the best only while no trial before it was trained
  // to the end. By raw value, a cut-off value better than every final one (a loss that rises with
  // the steps, a median-stopped trial's early value) lifted the line above the labelled best.
  const Trial* best = nullptr;
  for (const Trial* trial : valued_) {
    if (best == nullptr || RanksBefore(*trial, *best, study_.spec)) {
      best = trial;
      improvements_.push_back(trial->id);
    }
  }
  for (std::size_t i = 0; i < ranked_.size() && i < options_.best_trials; ++i) {
    always_drawn_.push_back(ranked_[i]->id);
  }
  always_drawn_.insert(always_drawn_.end(), improvements_.begin(), improvements_.end());
  objective_range_ = RobustRange(values);
  objective_axis_ = ObjectiveAxis(objective_range_);
}

double ReportContext::ObjectiveUnit(double value) const {
  return std::clamp(objective_axis_.Unit(value), 0.0, 1.0);
}

double ReportContext::Quality(double value) const {
  const double unit = ObjectiveUnit(value);
  return spec().goal == Goal::kMaximize ? unit : 1 - unit;
}

std::string ReportContext::ObjectiveTitle() const {
  return spec().metric_tag + (spec().goal == Goal::kMaximize ? " (maximize)" : " (minimize)");
}

const Trial* ReportContext::Find(std::int64_t id) const {
  const auto it = std::lower_bound(trials_.begin(), trials_.end(), id,
                                   [](const Trial& t, std::int64_t value) { return t.id < value; });
  return it != trials_.end() && it->id == id ? &*it : nullptr;
}

std::vector<const Trial*> ReportContext::TrialsOf(const DrawingSample& sample) const {
  std::vector<const Trial*> out;
  out.reserve(sample.ids.size());
  for (std::int64_t id : sample.ids) {
    if (const Trial* trial = Find(id)) out.push_back(trial);
  }
  return out;
}

DrawingSample ReportContext::Sample(const std::vector<const Trial*>& eligible,
                                    std::size_t limit) const {
  std::vector<std::int64_t> ids;
  ids.reserve(eligible.size());
  for (const Trial* trial : eligible)
    ids.push_back(trial->id);
  return SelectDrawnTrials(ids, limit, always_drawn_);
}

std::string ReportContext::TrialAttributes(const Trial& trial, std::string_view kind) {
  referenced_.insert(trial.id);
  return DataAttribute("trial", trial.id) + DataAttribute("kind", kind);
}

std::string OpenSection(std::string_view id, std::string_view title, std::size_t drawn,
                        std::size_t total) {
  return "<section id=\"" + std::string(id) + "\"" +
         DataAttribute("drawn", static_cast<long long>(drawn)) +
         DataAttribute("total", static_cast<long long>(total)) + "><h2>" + EscapeHtml(title) +
         "</h2>";
}

std::string Note(std::string_view text) {
  return "<p class=\"note\">" + EscapeHtml(text) + "</p>";
}

std::string EmptyNote(std::string_view text) {
  return "<p class=\"empty\">" + EscapeHtml(text) + "</p>";
}

std::string SampleSentence(const DrawingSample& sample, std::string_view what) {
  if (!sample.subsampled()) return "";
  return "Showing " + FormatCount(static_cast<std::int64_t>(sample.ids.size())) + " of " +
         FormatCount(static_cast<std::int64_t>(sample.total)) + " " + std::string(what) +
         ": a fixed sample (by a hash of the trial number) that always keeps the best trials and "
         "every improvement of the best so far. ";
}

}  // namespace bayestune::report_internal
