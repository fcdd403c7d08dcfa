// 8. Failures: the trials that ended without a value, grouped by their reason's headline (its
// first line and the last line of a log tail), whatever numbers that line and the trial's folder
// hold.
#include <algorithm>
#include <map>

#include "html_escape.h"
#include "number_format.h"
#include "report_sections.h"
#include "svg_writer.h"
#include "trial_text.h"

namespace bayestune::report_internal {

namespace {

constexpr std::size_t kListedTrials = 12;
constexpr std::size_t kExampleCharacters = 4000;

struct FailureGroup {
  std::string headline;
  std::vector<const Trial*> trials;
};

}  // namespace

std::string FailuresSection(ReportContext& context) {
  // By state and FailureGroupKey: grouped by the headline itself, a wrong metric tag (whose
  // reason names the trial's folder) or a flag the trainer lacks (argparse's 'unrecognized
  // arguments: --beta1=0.93', a value of its own each time) made one group per trial.
  std::map<std::string, FailureGroup> by_cause;
  std::size_t total = 0;
  for (const Trial& trial : context.trials()) {
    if (trial.state != TrialState::kFailed && trial.state != TrialState::kInfeasible) continue;
    ++total;
    const std::string state(TrialStateName(trial.state));
    auto& group = by_cause[state + "\n" + FailureGroupKey(trial.failure_reason)];
    if (group.trials.empty())
      group.headline = state + ": " + FailureHeadline(trial.failure_reason, 160);
    group.trials.push_back(&trial);
  }
  std::vector<FailureGroup> groups;
  for (auto& [cause, group] : by_cause)
    groups.push_back(std::move(group));
  std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
    return a.trials.size() != b.trials.size() ? a.trials.size() > b.trials.size()
                                              : a.trials.front()->id < b.trials.front()->id;
  });
  std::string html = OpenSection("failures", "Failures", groups.size(), total);
  if (total == 0) {
    html += EmptyNote("No trial failed or was infeasible.");
    return html + "</section>";
  }
  html +=
      Note(FormatCount(static_cast<std::int64_t>(total)) + (total == 1 ? " trial" : " trials") +
           " ended without a usable value, grouped by the reason's first line and, for a crash, "
           "the last line of its log, whatever numbers that line and the trial's folder hold. "
           "Open a group for the whole reason of its first trial.");
  html +=
      "<div class=\"scroll\"><table><thead><tr><th>reason</th><th class=\"n\">trials</th>"
      "<th>which</th></tr></thead><tbody>";
  for (const FailureGroup& group : groups) {
    const Trial& example = *group.trials.front();
    html += "<tr" + DataAttribute("kind", "failure-group") + "><td><details><summary>" +
            EscapeHtml(group.headline) + "</summary><pre>" +
            EscapeHtml(TruncateText(ToValidUtf8(example.failure_reason), kExampleCharacters)) +
            "</pre></details></td><td class=\"n\">" +
            FormatCount(static_cast<std::int64_t>(group.trials.size())) + "</td><td>";
    for (std::size_t i = 0; i < group.trials.size() && i < kListedTrials; ++i) {
      html += (i == 0 ? "" : ", ") + std::to_string(group.trials[i]->id);
    }
    if (group.trials.size() > kListedTrials) {
      html += " and " +
              FormatCount(static_cast<std::int64_t>(group.trials.size() - kListedTrials)) + " more";
    }
    html += "</td></tr>";
  }
  html += "</tbody></table></div>";
  return html + "</section>";
}

}  // namespace bayestune::report_internal
