#pragma once

#include <string_view>

namespace bayestune::report_internal {

// The report's style sheet: layout, tables, and the colours of trial states (report_palette.h).
extern const std::string_view kReportStyle;
// The report's script: tooltips and highlighting of a trial across every chart on hover. Reads the
// trial texts from the JSON in <script id="trial-data">; only ever sets textContent. When done it
// sets data-report-script="ready" on <html>, which tests look for.
extern const std::string_view kReportScript;
// Nothing may be fetched: inline style and script only, images only from data: URLs.
extern const std::string_view kContentSecurityPolicy;

}  // namespace bayestune::report_internal
