// 6. The best trials, as a table.
#include <set>
#include <string>

#include "html_escape.h"
#include "number_format.h"
#include "report_sections.h"
#include "trial_text.h"

namespace bayestune::report_internal {

std::string BestTrialsSection(ReportContext& context) {
  const auto& ranked = context.ranked();
  const std::size_t rows = std::min(ranked.size(), context.options().best_trials);
  std::string html = OpenSection("best-trials", "Best trials", rows, ranked.size());
  if (rows == 0) {
    html += EmptyNote("No trial has succeeded yet.");
    return html + "</section>";
  }
  const auto& spec = context.spec();
  html += Note("The " + (rows == ranked.size() ? std::string("") : std::to_string(rows) + " ") +
               "best of the " + FormatCount(static_cast<std::int64_t>(ranked.size())) +
               " succeeded trials, by " + spec.metric_tag + " (" +
               (spec.goal == Goal::kMaximize ? "highest" : "lowest") + " first).");
  html +=
      "<div class=\"scroll\"><table><thead><tr><th class=\"n\">rank</th><th class=\"n\">trial</th>"
      "<th class=\"n\">" +
      EscapeHtml(spec.metric_tag) + "</th><th class=\"n\">step</th>";
  // A parameter named as one of the other columns (trial, step, the objective) is
  // "param.<name>", as in `bayestune trials`, `best` and the CSV export: "rank trial loss step
  // trial loss" left the reader to guess which "loss" was the objective.
  std::set<std::string> used = {"rank", "trial", spec.metric_tag, "step", "ran for", "on"};
  for (const ParameterSpec& parameter : spec.parameters) {
    std::string column = parameter.name;
    while (used.count(column) != 0)
      column = "param." + column;
    used.insert(column);
    html += "<th>" + EscapeHtml(column) + "</th>";
  }
  html += "<th class=\"n\">ran for</th><th>on</th></tr></thead><tbody>";
  for (std::size_t i = 0; i < rows; ++i) {
    const Trial& trial = *ranked[i];
    html += "<tr" + context.TrialAttributes(trial, "row") + "><td class=\"n\">" +
            std::to_string(i + 1) + "</td><td class=\"n\">" + std::to_string(trial.id);
    if (trial.stopped_early) html += " <span class=\"badge stop\">stopped early</span>";
    html += "</td><td class=\"n\"><b>" + FormatSignificant(*trial.final_value, 6) +
            "</b></td><td class=\"n\">" +
            (trial.final_step ? std::to_string(*trial.final_step) : std::string()) + "</td>";
    for (const ParameterSpec& parameter : spec.parameters) {
      const auto it = trial.parameters.find(parameter.name);
      html +=
          "<td" + std::string(parameter.type == ParameterType::kCategorical ? "" : " class=\"n\"") +
          ">" +
          (it == trial.parameters.end() ? std::string()
                                        : EscapeHtml(TruncateText(DisplayValue(it->second), 40))) +
          "</td>";
    }
    html += "<td class=\"n\">" + RunTime(trial) + "</td><td>" + WhereItRan(trial) + "</td></tr>";
  }
  html += "</tbody></table></div>";
  return html + "</section>";
}

}  // namespace bayestune::report_internal
