#pragma once

#include <string>

#include "report_context.h"

namespace bayestune::report_internal {

// Each section of the page as HTML, in the order the page shows them.
std::string HistorySection(ReportContext& context);
std::string ParallelCoordinatesSection(ReportContext& context);
std::string SliceSection(ReportContext& context);
std::string LearningCurveSection(ReportContext& context);
std::string ImportanceSection(ReportContext& context);
std::string BestTrialsSection(ReportContext& context);
std::string GpuTimelineSection(ReportContext& context);
std::string FailuresSection(ReportContext& context);
std::string SettingsSection(ReportContext& context);
// Only for a study of several metrics (pareto_front_section.cc); "" otherwise.
std::string ParetoFrontSection(ReportContext& context);

}  // namespace bayestune::report_internal
