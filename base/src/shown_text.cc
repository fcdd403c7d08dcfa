#include "shown_text.h"

#include <cstdio>

namespace bayestune {
namespace {

// The length of the valid UTF-8 sequence at text[at] (1 to 4), or 0 where it is not valid.
std::size_t Utf8SequenceLength(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

// The code point of the valid UTF-8 sequence of `length` bytes at text[at].
char32_t CodePoint(std::string_view text, std::size_t at, std::size_t length) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
  if (length == 1) return byte(0);
  char32_t point = byte(0) & (0xFF >> (length + 1));
  for (std::size_t i = 1; i < length; ++i)
    point = (point << 6) | (byte(i) & 0x3F);
  return point;
}

// Invisible format characters that reorder or hide what a reader sees: the bidirectional marks,
// embeddings, overrides and isolates ("Trojan Source": U+202E shows "gpj.exe" as "exe.jpg"), the
// zero-width space and word joiner, the invisible operators, the line and paragraph separators,
// the byte order mark and the interlinear annotation marks. The zero-width joiner and non-joiner
// (U+200C, U+200D) are kept: scripts and emoji sequences need them and they move nothing.
bool IsHiddenFormatCharacter(char32_t point) {
  return point == 0x061C || point == 0x180E || point == 0x200B || point == 0x200E ||
         point == 0x200F || (point >= 0x2028 && point <= 0x202E) ||
         (point >= 0x2060 && point <= 0x206F) || point == 0xFEFF ||
         (point >= 0xFFF9 && point <= 0xFFFB);
}

void AppendByteEscape(std::string& out, unsigned char c) {
  char escaped[8];
  std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned>(c));
  out += escaped;
}

}  // namespace

std::string ShownText(std::string_view text, ShownLines lines) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t length = Utf8SequenceLength(text, i);
    const bool kept_break = lines == ShownLines::kMultiLine && (c == '\n' || c == '\t');
    // C1 controls (U+0080..U+009F) are C2 80..C2 9F: a terminal may obey them as ESC sequences.
    const bool c1 = length == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) <= 0x9F;
    if (length == 0 || c1 || (length == 1 && (c < 0x20 || c == 0x7F) && !kept_break)) {
      const std::size_t escaped = length == 0 ? 1 : length;
      for (std::size_t k = 0; k < escaped; ++k)
        AppendByteEscape(out, static_cast<unsigned char>(text[i + k]));
      i += escaped;
      continue;
    }
    if (length >= 2 && IsHiddenFormatCharacter(CodePoint(text, i, length))) {
      // Byte by byte, as the other escapes: bash's $'...' reads \xHH back in every locale (its
      // \u needs a UTF-8 one).
      for (std::size_t k = 0; k < length; ++k)
        AppendByteEscape(out, static_cast<unsigned char>(text[i + k]));
      i += length;
      continue;
    }
    out.append(text.substr(i, length));
    i += length;
  }
  return out;
}

std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    out.append(text.substr(i, length));
    i += length;
  }
  return out;
}

}  // namespace bayestune
