#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bayestune {

// How bayestune writes numbers, durations and lists for people (the exports write exact values).

// `items` joined by `separator`: {"a", "b"} -> "a, b"; {} -> "".
std::string JoinText(const std::vector<std::string>& items, std::string_view separator = ", ");

// `items` each written by `format`, then joined as JoinText joins.
template <typename Range, typename Format>
std::string JoinText(const Range& items, Format format, std::string_view separator = ", ") {
  std::string text;
  bool first = true;
  for (const auto& item : items) {
    if (!first) text += separator;
    text += format(item);
    first = false;
  }
  return text;
}

// A count with thousands separators: 10000 -> "10,000", -1234 -> "-1,234".
std::string FormatCount(std::int64_t count);

// The longest start of `text` of at most `max_bytes` bytes that does not end inside a UTF-8
// character (a file name cut to fit NAME_MAX stays valid UTF-8 when `text` was).
std::string Utf8Prefix(std::string_view text, std::size_t max_bytes);

// A duration in seconds, compact: "0.4s", "12s", "1m05s", "2h03m", "3d04h"; "?" when not finite.
// Negative durations (a clock that went back) are written as 0.
std::string FormatDuration(double seconds);

}  // namespace bayestune
