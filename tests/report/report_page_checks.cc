#include "report_page_checks.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <regex>
#include <set>

namespace bayestune::testing {

std::string SectionOf(std::string_view page, std::string_view id) {
  const std::string open = "<section id=\"" + std::string(id) + "\"";
  const auto start = page.find(open);
  if (start == std::string_view::npos) return "";
  const auto end = page.find("</section>", start);
  return std::string(page.substr(start, end == std::string_view::npos ? end : end - start));
}

std::size_t CountOf(std::string_view text, std::string_view needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

std::string AttributeOf(std::string_view markup, std::string_view name) {
  const std::string key = " " + std::string(name) + "=\"";
  const auto start = markup.find(key);
  if (start == std::string_view::npos) return "";
  const auto end = markup.find('"', start + key.size());
  return std::string(markup.substr(start + key.size(), end - start - key.size()));
}

std::size_t KindCount(std::string_view page, std::string_view section, std::string_view kind) {
  return CountOf(SectionOf(page, section), "data-kind=\"" + std::string(kind) + "\"");
}

ExpectedMarks ExpectedMarksOf(const StudySpec& spec, const std::vector<Trial>& trials) {
  ExpectedMarks marks;
  const Trial* best = nullptr;
  std::set<std::string> failure_lines;
  for (const Trial& t : trials) {
    const bool has_curve = !t.MeasurementsOf(spec.metric_tag).empty();
    if (t.state == TrialState::kSucceeded && t.final_value) {
      (t.stopped_early ? marks.stopped : marks.succeeded) += 1;
      if (t.stopped_early && has_curve) ++marks.stopped_ends;
      // A trial trained to the end beats any stopped early one; a stopped one beats only stopped
      // ones; else the better value (the first of equal ones).
      const bool better = best == nullptr || (best->stopped_early && !t.stopped_early) ||
                          (best->stopped_early == t.stopped_early &&
                           spec.IsBetter(*t.final_value, *best->final_value));
      if (better) {
        best = &t;
        ++marks.improvements;
      }
    }
    if (t.state == TrialState::kFailed) {
      ++marks.failed;
      if (has_curve) ++marks.failed_ends;
    }
    if (t.state == TrialState::kInfeasible) ++marks.infeasible;
    if (t.state == TrialState::kFailed || t.state == TrialState::kInfeasible) {
      // Grouped by state, first line (the trial's folder, trial-<n>, made alike) and last line
      // (its numbers made alike).
      std::string reason = t.failure_reason;
      while (!reason.empty() && reason.back() == '\n')
        reason.pop_back();
      const std::string first = std::regex_replace(reason.substr(0, reason.find('\n')),
                                                   std::regex("trial-[0-9]+"), "trial-#");
      const std::string last = std::regex_replace(
          reason.substr(reason.rfind('\n') == std::string::npos ? reason.size()
                                                                : reason.rfind('\n') + 1),
          std::regex("[0-9]+"), "#");
      failure_lines.insert(std::string(TrialStateName(t.state)) + "|" + first + "|" + last);
    }
    if (has_curve) ++marks.curves;
    if (t.start_time) marks.bars += t.gpus.empty() ? 1 : t.gpus.size();
  }
  marks.failure_groups = failure_lines.size();
  return marks;
}

DuplicateGroups DuplicateGroupsOf(const StudySpec& spec, const std::vector<Trial>& trials) {
  DuplicateGroups duplicates;
  for (const ParameterSpec& parameter : spec.parameters) {
    std::map<std::pair<std::string, double>, std::size_t> places;
    for (const Trial& t : trials) {
      const auto value = t.parameters.find(parameter.name);
      if (t.state != TrialState::kSucceeded || !t.final_value || !std::isfinite(*t.final_value) ||
          value == t.parameters.end()) {
        continue;
      }
      ++places[{value->second.ToString(), *t.final_value}];
    }
    for (const auto& [place, count] : places) {
      if (count < 2) continue;
      ++duplicates.groups;
      duplicates.trials += count;
    }
  }
  return duplicates;
}

void CheckReportMarks(std::string_view page, const StudySpec& spec,
                      const std::vector<Trial>& trials) {
  const ExpectedMarks expected = ExpectedMarksOf(spec, trials);
  const std::size_t valued = expected.succeeded + expected.stopped;
  // 1. History: a point per trial with a value, a cross per trial without one, the best so far.
  CHECK(KindCount(page, "history", "succeeded") == expected.succeeded);
  CHECK(KindCount(page, "history", "stopped") == expected.stopped);
  CHECK(KindCount(page, "history", "failed") == expected.failed);
  CHECK(KindCount(page, "history", "infeasible") == expected.infeasible);
  const std::string history = SectionOf(page, "history");
  if (valued > 0) {
    CHECK(AttributeOf(history, "data-improvements") == std::to_string(expected.improvements));
  }
  // 2. Parallel coordinates: a line per trial with a value, an axis per parameter and objective.
  const std::string parallel = SectionOf(page, "parallel-coordinates");
  CHECK(KindCount(page, "parallel-coordinates", "line") == valued);
  if (valued > 0) CHECK(CountOf(parallel, "class=\"pc-ax\"") == spec.parameters.size() + 1);
  // 3. Slices: one plot per parameter, a point per trial with a value in each.
  const std::string slices = SectionOf(page, "slices");
  if (valued > 0) CHECK(CountOf(slices, "data-parameter=") == spec.parameters.size());
  CHECK(KindCount(page, "slices", "slice") == valued * spec.parameters.size());
  // Trials drawn at one place are counted there (x3), one label a group.
  const DuplicateGroups duplicates = DuplicateGroupsOf(spec, trials);
  CHECK(CountOf(slices, "class=\"dup-count\"") == duplicates.groups);
  // 4. Learning curves, with stopped-early and failed trials marked where they ended.
  CHECK(KindCount(page, "learning-curves", "curve") == expected.curves);
  CHECK(KindCount(page, "learning-curves", "stopped-end") == expected.stopped_ends);
  CHECK(KindCount(page, "learning-curves", "failed-end") == expected.failed_ends);
  // 5. Importance: a bar per parameter once there are enough trials.
  const std::string importance = SectionOf(page, "importance");
  CHECK(CountOf(importance, "class=\"imp\"") == (valued >= 5 ? spec.parameters.size() : 0));
  // 6. Best trials, GPU use, failures, settings.
  CHECK(KindCount(page, "best-trials", "row") == std::min<std::size_t>(valued, 10));
  CHECK(KindCount(page, "gpu-timeline", "bar") == expected.bars);
  CHECK(KindCount(page, "failures", "failure-group") == expected.failure_groups);
  const std::string settings = SectionOf(page, "settings");
  for (const ParameterSpec& parameter : spec.parameters) {
    CHECK(CountOf(settings, "<td>" + parameter.name + "</td>") == 1);
  }
}

}  // namespace bayestune::testing
