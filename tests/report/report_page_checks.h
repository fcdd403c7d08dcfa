#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune::testing {

// The markup of <section id="`id`"> up to its </section> ("" when there is none).
std::string SectionOf(std::string_view page, std::string_view id);
// How often `needle` occurs in `text`.
std::size_t CountOf(std::string_view text, std::string_view needle);
// The value of the first `name="..."` attribute in `markup`, "" when there is none.
std::string AttributeOf(std::string_view markup, std::string_view name);
// How many elements of `kind` (data-kind="...") a section holds.
std::size_t KindCount(std::string_view page, std::string_view section, std::string_view kind);

// What a report of these trials must draw when nothing is subsampled, counted from the trials
// themselves (not by the report's code).
struct ExpectedMarks {
  std::size_t succeeded = 0;     // SUCCEEDED, not stopped early, with a value
  std::size_t stopped = 0;       // SUCCEEDED and stopped early
  std::size_t failed = 0;        // FAILED
  std::size_t infeasible = 0;    // INFEASIBLE
  std::size_t curves = 0;        // trials with a measurement of the metric
  std::size_t stopped_ends = 0;  // stopped-early SUCCEEDED trials with a curve
  std::size_t failed_ends = 0;   // FAILED trials with a curve
  std::size_t bars = 0;          // started trials, one bar per GPU (or one on the CPU lane)
  std::size_t improvements = 0;  // trials that improved the best so far, under the goal
  std::size_t failure_groups = 0;
};
ExpectedMarks ExpectedMarksOf(const StudySpec& spec, const std::vector<Trial>& trials);

// Trials that a slice plot would draw at one place: in the plot of a parameter, SUCCEEDED trials
// with the same value of it and the same objective value. Counted over every parameter's plot.
struct DuplicateGroups {
  std::size_t groups = 0;  // sets of two or more such trials
  std::size_t trials = 0;  // the trials in them
};
DuplicateGroups DuplicateGroupsOf(const StudySpec& spec, const std::vector<Trial>& trials);

// Checks (Catch2) that every section of a report page holds exactly the marks expected for a
// study small enough that nothing is subsampled: points by kind, lines, slice points, curves and
// their end marks, importance bars, table rows, GPU bars.
void CheckReportMarks(std::string_view page, const StudySpec& spec,
                      const std::vector<Trial>& trials);

}  // namespace bayestune::testing
