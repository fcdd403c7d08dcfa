#pragma once

#include <string>
#include <string_view>

namespace bayestune {

// Text made safe to put in HTML or SVG, as element content or as a quoted attribute value:
// & < > " ' become character references. The result is valid UTF-8: a byte that is not part of a
// valid UTF-8 sequence (a log tail in a failure reason may hold any bytes) and a control character
// other than tab, line feed and carriage return become U+FFFD.
std::string EscapeHtml(std::string_view text);

// The same text as valid UTF-8, control characters kept, for JSON and other non-HTML output.
std::string ToValidUtf8(std::string_view text);

// At most `max_characters` characters (code points) of valid UTF-8 `text`, with "…" appended when
// it was cut.
std::string TruncateText(std::string_view text, std::size_t max_characters);

}  // namespace bayestune
