#include "legend.h"

#include "html_escape.h"
#include "number_format.h"
#include "svg_writer.h"

namespace bayestune::report_internal {

namespace {

std::string Mark(const LegendEntry& entry) {
  std::string c = " class=\"" + entry.css_class + "\"";
  switch (entry.mark) {
    case LegendMark::kDot:
      return "<circle cx=\"8\" cy=\"7\" r=\"4\"" + c + "/>";
    case LegendMark::kDiamond:
      return "<path d=\"" + DiamondPath(8, 7, 5) + "\"" + c + "/>";
    case LegendMark::kCross:
      return "<path d=\"" + CrossPath(8, 7, 4) + "\"" + c + "/>";
    case LegendMark::kTriangle:
      return "<path d=\"" + TrianglePath(8, 7, 5, true) + "\"" + c + "/>";
    case LegendMark::kLine:
      return "<line x1=\"0\" y1=\"7\" x2=\"18\" y2=\"7\"" + c + "/>";
    case LegendMark::kBar:
      return "<rect x=\"1\" y=\"2\" width=\"16\" height=\"10\" rx=\"2\"" + c + "/>";
    case LegendMark::kRing:
      return "<circle cx=\"8\" cy=\"7\" r=\"5\"" + c + "/>";
  }
  return "";
}

}  // namespace

std::string Legend(const std::vector<LegendEntry>& entries, std::string_view extra) {
  std::string html = "<div class=\"legend\">";
  for (const LegendEntry& entry : entries) {
    html += "<span><svg width=\"18\" height=\"14\" aria-hidden=\"true\">" + Mark(entry) + "</svg>" +
            EscapeHtml(entry.label) + "</span>";
  }
  html += extra;
  html += "</div>";
  return html;
}

std::string RampLegendItem(std::string_view title, std::string_view low, std::string_view high,
                           std::string (*ramp)(double)) {
  std::string html = "<span>" + EscapeHtml(title) + ": " + EscapeHtml(low) +
                     " <svg width=\"80\" height=\"10\" aria-hidden=\"true\">";
  constexpr int kSteps = 10;
  for (int i = 0; i < kSteps; ++i) {
    html += "<rect x=\"" + std::to_string(i * 8) + "\" y=\"0\" width=\"8\" height=\"10\" fill=\"" +
            ramp((i + 0.5) / kSteps) + "\"/>";
  }
  html += "</svg> " + EscapeHtml(high) + "</span>";
  return html;
}

}  // namespace bayestune::report_internal
