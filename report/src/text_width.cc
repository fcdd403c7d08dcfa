#include "text_width.h"

#include <cstring>

namespace bayestune::report_internal {

namespace {

// The width of one character, in em.
double CharacterWidth(unsigned char c) {
  if (c >= 0x80) return 1.0;
  if (std::strchr("iljI!|.,:;'`", c) != nullptr) return 0.3;
  if (std::strchr("ftr ()[]{}/\\-\"", c) != nullptr) return 0.42;
  if (std::strchr("mwMW@%", c) != nullptr) return 1.0;
  if ((c >= 'A' && c <= 'Z') || std::strchr("<>=+~&#_^*$?", c) != nullptr) return 0.84;
  return 0.65;
}

constexpr double kEllipsisWidth = 1.0;  // "…", in em

}  // namespace

double EstimatedTextWidth(std::string_view text, double font_size) {
  double width = 0;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte & 0xC0) == 0x80) continue;  // a continuation byte
    width += CharacterWidth(byte);
  }
  return width * font_size;
}

std::string FitText(std::string_view text, double max_width, double font_size) {
  if (EstimatedTextWidth(text, font_size) <= max_width) return std::string(text);
  double width = kEllipsisWidth * font_size;
  std::size_t end = 0;
  while (end < text.size()) {
    std::size_t next = end + 1;
    while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80)
      ++next;
    const double added = CharacterWidth(static_cast<unsigned char>(text[end])) * font_size;
    if (width + added > max_width) break;
    width += added;
    end = next;
  }
  return std::string(text.substr(0, end)) + "\xE2\x80\xA6";
}

}  // namespace bayestune::report_internal
