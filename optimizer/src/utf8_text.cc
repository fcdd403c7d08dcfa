#include "utf8_text.h"

#include <cstdint>
#include <cstdio>

namespace bayestune {
namespace {

// The length of the UTF-8 sequence that starts at `text[i]`, with its code point, or 0 when it is
// not valid UTF-8 (overlong forms, surrogates and code points beyond U+10FFFF included).
std::size_t DecodeUtf8(std::string_view text, std::size_t i, std::uint32_t& code_point) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  std::uint32_t minimum = 0;
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  }
  if ((lead & 0xE0) == 0xC0) {
    length = 2, code_point = lead & 0x1F, minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code_point = lead & 0x0F, minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code_point = lead & 0x07, minimum = 0x10000;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(k) & 0x3F);
  }
  if (code_point < minimum || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return 0;
  }
  return length;
}

bool IsControl(std::uint32_t code_point) {
  return code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F);
}

}  // namespace

std::string ControlOrEncodingProblem(std::string_view text, bool allow_tab) {
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t code_point = 0;
    const std::size_t length = DecodeUtf8(text, i, code_point);
    if (length == 0) return "is not valid UTF-8";
    if (code_point == 0) return "holds a NUL byte";
    if (IsControl(code_point) && !(allow_tab && code_point == '\t')) {
      return "holds a control character";
    }
    i += length;
  }
  return "";
}

std::string EscapeForMessage(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t code_point = 0;
    const std::size_t length = DecodeUtf8(text, i, code_point);
    if (length != 0 && !IsControl(code_point)) {
      out.append(text.substr(i, length));
      i += length;
      continue;
    }
    const std::size_t bytes = length == 0 ? 1 : length;
    for (std::size_t k = 0; k < bytes; ++k) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\x%02X", static_cast<unsigned char>(text[i + k]));
      out += escape;
    }
    i += bytes;
  }
  return out;
}

}  // namespace bayestune
