// 9. The study's settings: the spec, its parameters, and the tuning.yaml it came from.
#include "html_escape.h"
#include "number_format.h"
#include "report_sections.h"
#include "trial_text.h"

namespace bayestune::report_internal {

namespace {

std::string Row(std::string_view name, std::string_view value) {
  return "<tr><th>" + EscapeHtml(name) + "</th><td>" + EscapeHtml(value) + "</td></tr>";
}

std::string Range(const ParameterSpec& parameter) {
  switch (parameter.type) {
    case ParameterType::kCategorical: {
      std::string text;
      for (const auto& value : parameter.categorical_values)
        text += (text.empty() ? "" : ", ") + value;
      return text;
    }
    case ParameterType::kDiscrete: {
      std::string text;
      for (double value : parameter.discrete_values)
        text += (text.empty() ? "" : ", ") + FormatSignificant(value, 6);
      return text;
    }
    default:
      return FormatSignificant(parameter.min_value, 6) + " to " +
             FormatSignificant(parameter.max_value, 6);
  }
}

}  // namespace

std::string SettingsSection(ReportContext& context) {
  const StudyRecord& study = context.study();
  const StudySpec& spec = study.spec;
  std::string html = OpenSection("settings", "Study settings", 0, 0);
  html += "<div class=\"two\"><table class=\"kv\"><tbody>";
  html += Row("study", study.name);
  html += Row("state", StudyStateName(study.state));
  html += Row("created", FormatUtcTime(study.created_time));
  html += Row("goal", GoalName(spec.goal));
  html += Row("metric tag", spec.metric_tag);
  html += Row("algorithm", AlgorithmText(spec.algorithm));
  html += Row("max trials", std::to_string(spec.max_trials));
  html += Row("max parallel trials", std::to_string(spec.max_parallel_trials));
  html += Row("max failed trials",
              spec.max_failed_trials > 0
                  ? std::to_string(spec.max_failed_trials)
                  : "0 (the default: " + std::to_string(DefaultMaxFailedTrials(spec)) + ")");
  html += Row("early stopping", spec.enable_early_stopping ? "on" : "off");
  html += Row("measurement selection", MeasurementSelectionName(spec.measurement_selection));
  html += Row("seed", spec.seed ? std::to_string(*spec.seed) : "(none)");
  if (!spec.resume_previous_job_id.empty()) {
    html += Row("resumes", spec.resume_previous_job_id);
  }
  html +=
      "</tbody></table><div class=\"scroll\"><table><thead><tr><th>parameter</th><th>type</th>"
      "<th>values</th><th>scale</th></tr></thead><tbody>";
  for (const ParameterSpec& parameter : spec.parameters) {
    html += "<tr><td>" + EscapeHtml(parameter.name) + "</td><td>" +
            std::string(ParameterTypeName(parameter.type)) + "</td><td class=\"values\">" +
            EscapeHtml(TruncateText(Range(parameter), 300)) + "</td><td>" +
            (parameter.type == ParameterType::kCategorical
                 ? std::string()
                 : std::string(ScaleTypeName(parameter.scale))) +
            "</td></tr>";
  }
  html += "</tbody></table></div></div>";
  if (!study.spec_text.empty()) {
    html += "<details><summary>tuning.yaml as given</summary><pre>" + EscapeHtml(study.spec_text) +
            "</pre></details>";
  }
  return html + "</section>";
}

}  // namespace bayestune::report_internal
