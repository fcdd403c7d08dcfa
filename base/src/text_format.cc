#include "text_format.h"

#include <cmath>
#include <cstdio>

namespace bayestune {

std::string JoinText(const std::vector<std::string>& items, std::string_view separator) {
  return JoinText(
      items, [](const std::string& item) { return item; }, separator);
}

std::string FormatCount(std::int64_t count) {
  const std::uint64_t magnitude =
      count < 0 ? 0 - static_cast<std::uint64_t>(count) : static_cast<std::uint64_t>(count);
  const std::string digits = std::to_string(magnitude);
  std::string out = count < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string FormatDuration(double seconds) {
  if (std::isnan(seconds) || std::isinf(seconds)) return "?";
  if (seconds < 0) seconds = 0;
  char text[48];
  if (seconds < 10) {
    std::snprintf(text, sizeof text, "%.1fs", seconds);
  } else if (seconds < 60) {
    std::snprintf(text, sizeof text, "%.0fs", std::floor(seconds));
  } else if (seconds < 3600) {
    const auto whole = static_cast<long long>(seconds);
    std::snprintf(text, sizeof text, "%lldm%02llds", whole / 60, whole % 60);
  } else if (seconds < 86400) {
    const auto minutes = static_cast<long long>(seconds / 60);
    std::snprintf(text, sizeof text, "%lldh%02lldm", minutes / 60, minutes % 60);
  } else if (seconds < 1e15) {
    const auto hours = static_cast<long long>(seconds / 3600);
    std::snprintf(text, sizeof text, "%lldd%02lldh", hours / 24, hours % 24);
  } else {
    return "?";
  }
  return text;
}

std::string Utf8Prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t end = max_bytes;
  // Back over continuation bytes (10xxxxxx) to the start of the character cut in two.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  return std::string(text.substr(0, end));
}

}  // namespace bayestune
