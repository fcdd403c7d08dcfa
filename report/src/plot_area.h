#pragma once

#include <string_view>
#include <vector>

#include "axis_scale.h"
#include "svg_writer.h"

namespace bayestune::report_internal {

// The rectangle of a chart where data is drawn, and the mapping of axis units (0 to 1) into it.
struct PlotArea {
  double left = 0;
  double top = 0;
  double right = 0;
  double bottom = 0;
  double inset = 0;    // keeps marks at the ends of the x range off the axes
  double inset_y = 0;  // headroom: keeps marks at the ends of the y range off the edges

  double X(double unit) const { return left + inset + unit * (right - left - 2 * inset); }
  double Y(double unit) const { return bottom - inset_y - unit * (bottom - top - 2 * inset_y); }
  double width() const { return right - left; }
  double height() const { return bottom - top; }
};

// A horizontal axis along the bottom of the area: its line, ticks with labels (at most
// `max_label_characters` each), light grid lines up through the area, and a title under it.
void DrawBottomAxis(SvgWriter& svg, const PlotArea& area, const std::vector<AxisTick>& ticks,
                    std::string_view title, std::size_t max_label_characters = 14,
                    bool grid = true);
void DrawBottomAxis(SvgWriter& svg, const PlotArea& area, const AxisScale& scale,
                    std::string_view title, int target_ticks = 8);
// A vertical axis along the left of the area, its title rotated beside it.
void DrawLeftAxis(SvgWriter& svg, const PlotArea& area, const AxisScale& scale,
                  std::string_view title, int target_ticks = 6);

}  // namespace bayestune::report_internal
