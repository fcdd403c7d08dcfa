#include "bayestune/report/study_report.h"

#include <nlohmann/json.hpp>

#include "bayestune/optimizer/study.h"
#include "html_escape.h"
#include "number_format.h"
#include "page_assets.h"
#include "report_context.h"
#include "report_palette.h"
#include "report_sections.h"
#include "step_budget.h"
#include "trial_text.h"

namespace bayestune {

namespace {

using namespace report_internal;

std::string Card(std::string_view css, std::string_view label, std::string_view value,
                 std::string_view detail = "") {
  std::string html = "<div class=\"card " + std::string(css) + "\"><span>" + EscapeHtml(label) +
                     "</span><b>" + EscapeHtml(value) + "</b>";
  if (!detail.empty()) html += "<small>" + EscapeHtml(detail) + "</small>";
  return html + "</div>";
}

std::string Header(const ReportContext& context) {
  const StudyRecord& study = context.study();
  const StudySpec& spec = study.spec;
  const StudyProgress progress = CountProgress(context.trials(), spec);
  const auto count = [](std::size_t n) { return FormatCount(static_cast<std::int64_t>(n)); };
  std::string html = "<header><p class=\"kicker\">bayestune study report</p><h1>" +
                     EscapeHtml(study.name) + "</h1><p class=\"sub\">" +
                     EscapeHtml(std::string(GoalName(spec.goal)) + " " + spec.metric_tag +
                                " \xC2\xB7 " + AlgorithmText(spec.algorithm) + " \xC2\xB7 " +
                                std::to_string(spec.parameters.size()) +
                                (spec.parameters.size() == 1 ? " parameter" : " parameters") +
                                " \xC2\xB7 created " + FormatUtcTime(study.created_time) +
                                " \xC2\xB7 " + std::string(StudyStateName(study.state))) +
                     "</p><div class=\"cards\">";
  // maxTrials lowered below the trials made (which ends the study): said as `status` says it,
  // where "10 of 4 planned" read as more trials than the study plans.
  const int made = progress.finished() + progress.active;
  html +=
      Card("", "trials", count(context.trials().size()),
           made > progress.max_trials
               ? "maxTrials " + FormatCount(progress.max_trials) + " was lowered below the " +
                     FormatCount(made) + " trials made"
               : "of " + FormatCount(progress.target()) + " planned" +
                     (progress.capacity ? std::string(spec.algorithm == Algorithm::kGridSearch
                                                          ? " (the grid's combinations"
                                                          : " (the search space's points") +
                                              "; maxTrials " + FormatCount(spec.max_trials) + ")"
                                        : ""));
  html += Card("ok", "succeeded", count(progress.succeeded));
  html += Card("stop", "stopped early", count(progress.stopped_early));
  html += Card("fail", "failed", count(progress.failed));
  if (progress.infeasible > 0) html += Card("inf", "infeasible", count(progress.infeasible));
  if (progress.active > 0) html += Card("run", "running", count(progress.active));
  if (progress.requested > 0) html += Card("", "queued", count(progress.requested));
  if (!context.ranked().empty()) {
    const Trial& best = *context.ranked().front();
    html += Card("best", "best " + spec.metric_tag, FormatSignificant(*best.final_value, 6),
                 "trial " + std::to_string(best.id));
  }
  html += "</div>";
  // What early stopping saved: epochs not run compared with running every trial to the end.
  if (const std::string saved = DescribeStepsSaved(CountSteps(context.trials(), spec));
      !saved.empty()) {
    html += "<p class=\"sub\">" + EscapeHtml(saved) + "</p>";
  }
  html +=
      "<nav>"
      "<a href=\"#history\">History</a><a href=\"#parallel-coordinates\">Parallel "
      "coordinates</a><a href=\"#slices\">Slices</a><a href=\"#learning-curves\">Learning "
      "curves</a><a href=\"#importance\">Importance</a><a href=\"#best-trials\">Best "
      "trials</a><a href=\"#gpu-timeline\">GPU use</a><a href=\"#failures\">Failures</a>"
      "<a href=\"#settings\">Settings</a></nav>";
  const ReportOptions& options = context.options();
  if (context.trials().size() > options.max_drawn_trials) {
    html +=
        "<p class=\"banner\"><b>A large study.</b> So that the charts stay readable and the "
        "file small, each chart draws at most " +
        FormatCount(static_cast<std::int64_t>(options.max_drawn_trials)) + " trials (" +
        FormatCount(static_cast<std::int64_t>(options.max_learning_curves)) +
        " learning curves): a fixed sample, the same in every chart, that always keeps the "
        "best trials and every improvement of the best so far. The counts, the best-so-far "
        "line, the importance, the GPU busy shares and the tables use all " +
        count(context.trials().size()) + " trials.</p>";
  }
  return html + "</header>";
}

// Tooltip lines of a trial: what it is, its value, its parameters, where and how long it ran.
std::vector<std::string> TooltipLines(const ReportContext& context, const Trial& trial) {
  const StudySpec& spec = context.spec();
  std::vector<std::string> lines;
  lines.push_back("Trial " + std::to_string(trial.id) + " \xC2\xB7 " + StateWord(trial) +
                  (trial.attempt > 1 ? " (attempt " + std::to_string(trial.attempt) + ")" : ""));
  if (trial.final_value && trial.state == TrialState::kSucceeded) {
    lines.push_back(spec.metric_tag + " = " + FormatSignificant(*trial.final_value, 6) +
                    (trial.final_step ? " at step " + std::to_string(*trial.final_step) : ""));
  } else if (!trial.failure_reason.empty()) {
    lines.push_back(FailureHeadline(trial.failure_reason, 100));
  }
  for (const ParameterSpec& parameter : spec.parameters) {
    const auto it = trial.parameters.find(parameter.name);
    if (it == trial.parameters.end()) continue;
    lines.push_back(parameter.name + " = " + TruncateText(DisplayValue(it->second), 60));
  }
  std::string where = WhereItRan(trial);
  if (const std::string time = RunTime(trial); !time.empty()) where += " \xC2\xB7 ran for " + time;
  if (trial.start_time) lines.push_back(where);
  for (std::string& line : lines)
    line = ToValidUtf8(line);
  return lines;
}

// The tooltip texts of the trials the page draws, as JSON that is safe inside <script>.
std::string TrialData(const ReportContext& context) {
  nlohmann::ordered_json data = nlohmann::ordered_json::object();
  for (std::int64_t id : context.referenced()) {
    if (const Trial* trial = context.Find(id)) {
      data[std::to_string(id)] = TooltipLines(context, *trial);
    }
  }
  const std::string json = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string safe;
  safe.reserve(json.size());
  for (char c : json) {
    // '<' only occurs inside strings: escaped, "</script>" cannot end the element early.
    if (c == '<') {
      safe += "\\u003c";
    } else {
      safe += c;
    }
  }
  return safe;
}

}  // namespace

void WriteStudyReport(std::ostream& out, const StudyRecord& study, const std::vector<Trial>& trials,
                      const ReportOptions& options) {
  ReportContext context(study, trials, options);
  std::string body;
  body += HistorySection(context);
  body += ParetoFrontSection(context);
  body += ParallelCoordinatesSection(context);
  body += SliceSection(context);
  body += LearningCurveSection(context);
  body += ImportanceSection(context);
  body += BestTrialsSection(context);
  body += GpuTimelineSection(context);
  body += FailuresSection(context);
  body += SettingsSection(context);

  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      << "<meta http-equiv=\"Content-Security-Policy\" content=\"" << kContentSecurityPolicy
      << "\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      << "<meta name=\"generator\" content=\"" << EscapeHtml(options.generator) << "\">"
      << "<title>" << EscapeHtml(study.name) << " \xC2\xB7 bayestune report</title><style>"
      << kReportStyle << "</style></head>\n<body><main>" << Header(context) << body
      << "<footer>Made by " << EscapeHtml(options.generator);
  if (options.generated_time) out << " on " << FormatUtcTime(*options.generated_time);
  out << " from " << FormatCount(static_cast<std::int64_t>(context.trials().size()))
      << " trials. One self-contained file: it needs no network. Hover over a point, line or "
         "row to see its trial everywhere.</footer></main>\n"
      << "<script type=\"application/json\" id=\"trial-data\">" << TrialData(context)
      << "</script>\n<script>" << kReportScript << "</script>\n</body></html>\n";
}

}  // namespace bayestune
