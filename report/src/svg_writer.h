#pragma once

#include <string>
#include <string_view>

namespace bayestune::report_internal {

// Builds the markup of one inline <svg> chart. Coordinates are in the chart's own units (its
// viewBox); the chart scales to the width of the page. Text passed as `text` is escaped here;
// `attributes` and `css_class` are trusted markup (class names, numbers).
class SvgWriter {
 public:
  // `css_class` is added to the chart's class ("chart"); "many" thins marks for dense charts.
  SvgWriter(double width, double height, std::string_view label, std::string_view attributes = "",
            std::string_view css_class = "");

  void Line(double x1, double y1, double x2, double y2, std::string_view css_class = "");
  // anchor: "start", "middle" or "end".
  void Text(double x, double y, std::string_view text, std::string_view css_class = "",
            std::string_view anchor = "start", double rotate = 0);
  void Rect(double x, double y, double width, double height, std::string_view css_class,
            std::string_view attributes = "");
  void Circle(double x, double y, double radius, std::string_view css_class,
              std::string_view attributes = "");
  // A path; `d` is path data built with FormatCoordinate.
  void Path(std::string_view d, std::string_view css_class, std::string_view attributes = "");
  void OpenGroup(std::string_view css_class, std::string_view attributes = "");
  void CloseGroup();
  // Markup appended as it is.
  void Raw(std::string_view markup) { markup_ += markup; }

  // The markup, with </svg>.
  std::string Finish();

 private:
  static void AppendClass(std::string& out, std::string_view css_class);
  std::string markup_;
};

// Marker shapes as path data, centred on (x, y).
std::string DiamondPath(double x, double y, double radius);
std::string CrossPath(double x, double y, double radius);
// A triangle pointing up (up = true) or down, for a value beyond the axis.
std::string TrianglePath(double x, double y, double radius, bool up);

// ' data-trial="12"' and the like, for attributes.
std::string DataAttribute(std::string_view name, std::string_view value);
std::string DataAttribute(std::string_view name, long long value);

}  // namespace bayestune::report_internal
