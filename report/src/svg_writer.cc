#include "svg_writer.h"

#include "html_escape.h"
#include "number_format.h"

namespace bayestune::report_internal {

namespace {
std::string C(double v) {
  return FormatCoordinate(v);
}
}  // namespace

SvgWriter::SvgWriter(double width, double height, std::string_view label,
                     std::string_view attributes, std::string_view css_class) {
  markup_ += "<svg class=\"chart";
  if (!css_class.empty()) {
    markup_ += ' ';
    markup_ += css_class;
  }
  markup_ += "\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ";
  markup_ +=
      C(width) + " " + C(height) + "\" role=\"img\" aria-label=\"" + EscapeHtml(label) + "\"";
  markup_ += attributes;
  markup_ += ">";
}

void SvgWriter::AppendClass(std::string& out, std::string_view css_class) {
  if (css_class.empty()) return;
  out += " class=\"";
  out += css_class;
  out += "\"";
}

void SvgWriter::Line(double x1, double y1, double x2, double y2, std::string_view css_class) {
  markup_ +=
      "<line x1=\"" + C(x1) + "\" y1=\"" + C(y1) + "\" x2=\"" + C(x2) + "\" y2=\"" + C(y2) + "\"";
  AppendClass(markup_, css_class);
  markup_ += "/>";
}

void SvgWriter::Text(double x, double y, std::string_view text, std::string_view css_class,
                     std::string_view anchor, double rotate) {
  markup_ += "<text x=\"" + C(x) + "\" y=\"" + C(y) + "\"";
  if (anchor != "start") {
    markup_ += " text-anchor=\"";
    markup_ += anchor;
    markup_ += "\"";
  }
  if (rotate != 0) {
    markup_ += " transform=\"rotate(" + C(rotate) + " " + C(x) + " " + C(y) + ")\"";
  }
  AppendClass(markup_, css_class);
  markup_ += ">" + EscapeHtml(text) + "</text>";
}

void SvgWriter::Rect(double x, double y, double width, double height, std::string_view css_class,
                     std::string_view attributes) {
  markup_ += "<rect x=\"" + C(x) + "\" y=\"" + C(y) + "\" width=\"" + C(width) + "\" height=\"" +
             C(height) + "\"";
  AppendClass(markup_, css_class);
  markup_ += attributes;
  markup_ += "/>";
}

void SvgWriter::Circle(double x, double y, double radius, std::string_view css_class,
                       std::string_view attributes) {
  markup_ += "<circle cx=\"" + C(x) + "\" cy=\"" + C(y) + "\" r=\"" + C(radius) + "\"";
  AppendClass(markup_, css_class);
  markup_ += attributes;
  markup_ += "/>";
}

void SvgWriter::Path(std::string_view d, std::string_view css_class, std::string_view attributes) {
  markup_ += "<path d=\"";
  markup_ += d;
  markup_ += "\"";
  AppendClass(markup_, css_class);
  markup_ += attributes;
  markup_ += "/>";
}

void SvgWriter::OpenGroup(std::string_view css_class, std::string_view attributes) {
  markup_ += "<g";
  AppendClass(markup_, css_class);
  markup_ += attributes;
  markup_ += ">";
}

void SvgWriter::CloseGroup() {
  markup_ += "</g>";
}

std::string SvgWriter::Finish() {
  markup_ += "</svg>";
  return std::move(markup_);
}

std::string DiamondPath(double x, double y, double radius) {
  const std::string r = C(radius);
  return "M" + C(x) + " " + C(y - radius) + "l" + r + " " + r + " -" + r + " " + r + " -" + r +
         " -" + r + "z";
}

std::string CrossPath(double x, double y, double radius) {
  const std::string d = C(2 * radius);
  return "M" + C(x - radius) + " " + C(y - radius) + "l" + d + " " + d + "m0 -" + d + "l-" + d +
         " " + d;
}

std::string TrianglePath(double x, double y, double radius, bool up) {
  const double h = up ? -radius : radius;
  return "M" + C(x) + " " + C(y + h) + "L" + C(x + radius) + " " + C(y - h) + "L" + C(x - radius) +
         " " + C(y - h) + "z";
}

std::string DataAttribute(std::string_view name, std::string_view value) {
  return " data-" + std::string(name) + "=\"" + EscapeHtml(value) + "\"";
}

std::string DataAttribute(std::string_view name, long long value) {
  return " data-" + std::string(name) + "=\"" + std::to_string(value) + "\"";
}

}  // namespace bayestune::report_internal
