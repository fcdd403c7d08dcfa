#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bayestune::report_internal {

// The mark a legend shows for an entry; drawn with the entry's CSS class, as in the chart.
enum class LegendMark { kDot, kDiamond, kCross, kTriangle, kLine, kBar, kRing };

struct LegendEntry {
  LegendMark mark = LegendMark::kDot;
  std::string css_class;  // the class the chart gives such marks
  std::string label;      // plain text
};

// An HTML legend: a row of small marks with their labels.
// `extra` is more legend items (such as RampLegendItem), appended as they are.
std::string Legend(const std::vector<LegendEntry>& entries, std::string_view extra = "");

// An HTML legend item for a colour ramp: `low` [gradient] `high`, titled.
std::string RampLegendItem(std::string_view title, std::string_view low, std::string_view high,
                           std::string (*ramp)(double));

}  // namespace bayestune::report_internal
