#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "axis_scale.h"
#include "bayestune/optimizer/study_repository.h"
#include "bayestune/report/study_report.h"
#include "drawing_sample.h"
#include "value_range.h"

namespace bayestune::report_internal {

// What every section of a report needs: the study, its trials by id, the trials with an objective
// value ranked by the goal, the best so far, and the objective's axis. Sections note here the
// trials they draw, so that the page carries tooltip text for exactly those.
class ReportContext {
 public:
  ReportContext(const StudyRecord& study, std::vector<Trial> trials, const ReportOptions& options);

  const StudyRecord& study() const { return study_; }
  const StudySpec& spec() const { return study_.spec; }
  const ReportOptions& options() const { return options_; }
  const std::vector<Trial>& trials() const { return trials_; }  // by id
  // SUCCEEDED trials with a finite objective value: by id, and best first.
  const std::vector<const Trial*>& valued() const { return valued_; }
  const std::vector<const Trial*>& ranked() const { return ranked_; }
  // The trials that improved on the best so far, in id order (the first valued trial included).
  const std::vector<std::int64_t>& improvements() const { return improvements_; }
  // What every subsample keeps: the best few trials and every improvement.
  const std::vector<std::int64_t>& always_drawn() const { return always_drawn_; }
  const ValueRange& objective_range() const { return objective_range_; }
  // The objective's axis (nice bounds around objective_range).
  const AxisScale& objective_axis() const { return objective_axis_; }

  // Where a value sits on the objective axis, clamped to it, and how good it is (0 the worst value
  // on the axis, 1 the best, for either goal).
  double ObjectiveUnit(double value) const;
  double Quality(double value) const;
  // "accuracy (maximize)" for axis titles.
  std::string ObjectiveTitle() const;

  const Trial* Find(std::int64_t id) const;
  // The trials of `ids`, a subsample; to be drawn.
  std::vector<const Trial*> TrialsOf(const DrawingSample& sample) const;
  // At most `limit` of the given trials, deterministically (drawing_sample.h).
  DrawingSample Sample(const std::vector<const Trial*>& eligible, std::size_t limit) const;

  // ' data-trial="12" data-kind="<kind>"' for an element that stands for a trial; notes the trial
  // for the tooltip data.
  std::string TrialAttributes(const Trial& trial, std::string_view kind);
  const std::set<std::int64_t>& referenced() const { return referenced_; }

 private:
  const StudyRecord& study_;
  const ReportOptions& options_;
  std::vector<Trial> trials_;
  std::vector<const Trial*> valued_;
  std::vector<const Trial*> ranked_;
  std::vector<std::int64_t> improvements_;
  std::vector<std::int64_t> always_drawn_;
  ValueRange objective_range_;
  AxisScale objective_axis_;
  std::set<std::int64_t> referenced_;
};

// The start of a section: <section id=... data-drawn=... data-total=...><h2>title</h2>.
std::string OpenSection(std::string_view id, std::string_view title, std::size_t drawn,
                        std::size_t total);
// A note under a section title (plain text, escaped).
std::string Note(std::string_view text);
// The placeholder of a chart that has nothing to draw (plain text, escaped).
std::string EmptyNote(std::string_view text);
// The placeholder of the charts of trials with an objective value.
inline constexpr std::string_view kNoValueYet =
    "Drawn once a trial has succeeded with an objective value; none has yet.";
// "Showing 1,000 of 10,000 <what>: ..." when the sample leaves trials out, else "".
std::string SampleSentence(const DrawingSample& sample, std::string_view what);

}  // namespace bayestune::report_internal
