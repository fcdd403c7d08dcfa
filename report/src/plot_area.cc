#include "plot_area.h"

#include "html_escape.h"

namespace bayestune::report_internal {

void DrawBottomAxis(SvgWriter& svg, const PlotArea& area, const std::vector<AxisTick>& ticks,
                    std::string_view title, std::size_t max_label_characters, bool grid) {
  if (grid) {
    svg.OpenGroup("grid");
    for (const AxisTick& tick : ticks)
      svg.Line(area.X(tick.unit), area.top, area.X(tick.unit), area.bottom);
    svg.CloseGroup();
  }
  svg.OpenGroup("ax");
  svg.Line(area.left, area.bottom, area.right, area.bottom);
  for (const AxisTick& tick : ticks) {
    const double x = area.X(tick.unit);
    svg.Line(x, area.bottom, x, area.bottom + 4);
    svg.Text(x, area.bottom + 16, TruncateText(tick.label, max_label_characters), "", "middle");
  }
  svg.CloseGroup();
  if (!title.empty()) {
    svg.Text((area.left + area.right) / 2, area.bottom + 34, title, "title", "middle");
  }
}

void DrawBottomAxis(SvgWriter& svg, const PlotArea& area, const AxisScale& scale,
                    std::string_view title, int target_ticks) {
  // Category labels share the band of their category.
  std::size_t max_characters = 14;
  if (scale.is_category()) {
    const double band = area.width() * scale.CategoryBand();
    max_characters = std::max<std::size_t>(3, static_cast<std::size_t>(band / 6.5));
  }
  DrawBottomAxis(svg, area, scale.Ticks(target_ticks), title, max_characters, !scale.is_category());
}

void DrawLeftAxis(SvgWriter& svg, const PlotArea& area, const AxisScale& scale,
                  std::string_view title, int target_ticks) {
  const std::vector<AxisTick> ticks = scale.Ticks(target_ticks);
  if (!scale.is_category()) {
    svg.OpenGroup("grid");
    for (const AxisTick& tick : ticks)
      svg.Line(area.left, area.Y(tick.unit), area.right, area.Y(tick.unit));
    svg.CloseGroup();
  }
  svg.OpenGroup("ax");
  svg.Line(area.left, area.top, area.left, area.bottom);
  for (const AxisTick& tick : ticks) {
    const double y = area.Y(tick.unit);
    svg.Line(area.left - 4, y, area.left, y);
    svg.Text(area.left - 7, y + 3.5, TruncateText(tick.label, 10), "", "end");
  }
  svg.CloseGroup();
  if (!title.empty()) {
    const double x = area.left - 50;
    const double y = (area.top + area.bottom) / 2;
    svg.Text(x, y, TruncateText(title, 40), "title", "middle", -90);
  }
}

}  // namespace bayestune::report_internal
