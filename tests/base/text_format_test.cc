// The one way bayestune writes counts, durations, times, lists, shell words and shown text.
#include "text_format.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "shell_word.h"
#include "shown_text.h"
#include "time_format.h"

namespace bayestune {

TEST_CASE("FormatCount puts a comma every three digits", "[base][format]") {
  CHECK(FormatCount(0) == "0");
  CHECK(FormatCount(999) == "999");
  CHECK(FormatCount(1000) == "1,000");
  CHECK(FormatCount(1234567) == "1,234,567");
  CHECK(FormatCount(-1234) == "-1,234");
  CHECK(FormatCount(std::numeric_limits<std::int64_t>::min()) == "-9,223,372,036,854,775,808");
}

TEST_CASE("FormatDuration is compact at every scale", "[base][format]") {
  CHECK(FormatDuration(0.42) == "0.4s");
  CHECK(FormatDuration(12.7) == "12s");
  CHECK(FormatDuration(65) == "1m05s");
  CHECK(FormatDuration(2 * 3600 + 3 * 60 + 59) == "2h03m");
  CHECK(FormatDuration(3 * 86400 + 4 * 3600 + 1) == "3d04h");
  CHECK(FormatDuration(-5) == "0.0s");  // a clock that went back
  CHECK(FormatDuration(NAN) == "?");
  CHECK(FormatDuration(INFINITY) == "?");
  CHECK(FormatDuration(1e300) == "?");
}

TEST_CASE("JoinText joins words, or anything through a formatter", "[base][format]") {
  CHECK(JoinText({}) == "");
  CHECK(JoinText({"a"}) == "a");
  CHECK(JoinText({"a", "b", "c"}) == "a, b, c");
  CHECK(JoinText({"a", "b"}, " ") == "a b");
  const std::vector<int> ids = {3, 1, 2};
  CHECK(JoinText(ids, [](int id) { return "#" + std::to_string(id); }) == "#3, #1, #2");
}

TEST_CASE("ShellWord quotes only what a shell would change, ShellQuote always", "[base][format]") {
  CHECK(ShellWord("--lr=0.01") == "--lr=0.01");
  CHECK(ShellWord("/data/set_1.csv") == "/data/set_1.csv");
  CHECK(ShellWord("") == "''");
  CHECK(ShellWord("a b") == "'a b'");
  CHECK(ShellWord("$(rm -rf /)") == "'$(rm -rf /)'");
  CHECK(ShellWord("it's") == "'it'\\''s'");
  CHECK(ShellQuote("plain") == "'plain'");
  CHECK(ShellQuote("it's") == "'it'\\''s'");
  CHECK(ShellQuote("") == "''");
}

TEST_CASE("timestamps are RFC 3339 UTC with 0, 3 or 6 fractional digits", "[base][time]") {
  const double k10am = 1714557600;  // 2024-05-01 10:00:00 UTC
  CHECK(FormatUtcTimestamp(0) == "1970-01-01T00:00:00Z");
  CHECK(FormatUtcTimestamp(k10am) == "2024-05-01T10:00:00Z");
  CHECK(FormatUtcTimestamp(k10am + 0.25) == "2024-05-01T10:00:00.250Z");
  CHECK(FormatUtcTimestamp(k10am + 59.000001) == "2024-05-01T10:00:59.000001Z");
  CHECK(FormatUtcTimestamp(k10am + 0.9999996) == "2024-05-01T10:00:01Z");
  CHECK(FormatUtcTimestamp(-0.5) == "1969-12-31T23:59:59.500Z");
}

TEST_CASE("UTC and local times for people", "[base][time]") {
  CHECK(FormatUtcTime(1714557605.9) == "2024-05-01 10:00:05 UTC");
  CHECK(FormatUtcTime(NAN) == "?");
  CHECK(FormatLocalTime(NAN) == "?");
  // Local time has the same shape whatever the zone.
  const std::string local = FormatLocalTime(1714557605);
  REQUIRE(local.size() == 19);
  CHECK(local[4] == '-');
  CHECK(local[10] == ' ');
  CHECK(local[13] == ':');
}

TEST_CASE("ShownText escapes what would drive a terminal, keeps UTF-8", "[base][format]") {
  // Clear screen, window title (OSC ... BEL), cursor up, CR overwrite, DEL.
  CHECK(ShownText("a\x1b[2Jb") == "a\\x1b[2Jb");
  CHECK(ShownText("\x1b]0;pwned\x07") == "\\x1b]0;pwned\\x07");
  CHECK(ShownText("ok\rFAKE") == "ok\\x0dFAKE");
  CHECK(ShownText("x\x7fy") == "x\\x7fy");
  // C1 CSI (U+009B) is a control too; invalid UTF-8 is shown byte by byte.
  CHECK(ShownText("\xC2\x9b"
                  "2J") == "\\xc2\\x9b2J");
  CHECK(ShownText("\xFF\xC3") == "\\xff\\xc3");
  CHECK(ShownText("\xE0\x80\x80") == "\\xe0\\x80\\x80");  // overlong
  CHECK(ShownText(std::string("a\0b", 3)) == "a\\x00b");
  // Valid UTF-8 (accents, CJK, emoji, a non-breaking space) and backslashes are kept.
  CHECK(ShownText("ünï 日本語 😀 \xC2\xA0 C:\\dir") == "ünï 日本語 😀 \xC2\xA0 C:\\dir");
  // One line (a table cell): tab and newline escaped; several lines (a log's tail): kept.
  CHECK(ShownText("a\tb\nc") == "a\\x09b\\x0ac");
  CHECK(ShownText("a\tb\nc\x1b", ShownLines::kMultiLine) == "a\tb\nc\\x1b");
}

TEST_CASE("ShownText escapes invisible characters that reorder or hide text", "[base][format]") {
  // A right-to-left override would show "run_gpj.sh" as "run_hs.jpg"; the isolates, marks, the
  // Arabic letter mark (two bytes), zero-width space, word joiner, line separator and BOM likewise.
  CHECK(ShownText("run_\u202Egpj.sh") == "run_\\xe2\\x80\\xaegpj.sh");
  CHECK(ShownText("a\u2066b\u2069c\u200Fd") == "a\\xe2\\x81\\xa6b\\xe2\\x81\\xa9c\\xe2\\x80\\x8fd");
  CHECK(ShownText("x\u061Cy") == "x\\xd8\\x9cy");
  CHECK(ShownText("x\u200By\u2060z\u2028w\uFEFF") ==
        "x\\xe2\\x80\\x8by\\xe2\\x81\\xa0z\\xe2\\x80\\xa8w\\xef\\xbb\\xbf");
  // Joiners stay: scripts and emoji sequences (a family emoji) need them.
  CHECK(ShownText("\U0001F468\u200D\U0001F469 \u0645\u200C\u06CC") ==
        "\U0001F468\u200D\U0001F469 \u0645\u200C\u06CC");
}

TEST_CASE("Utf8Prefix cuts at most so many bytes, never inside a character", "[base][format]") {
  CHECK(Utf8Prefix("abc", 5) == "abc");
  CHECK(Utf8Prefix("abc", 2) == "ab");
  CHECK(Utf8Prefix("a\xc3\xa9", 2) == "a");  // é is 2 bytes
  CHECK(Utf8Prefix("a\xc3\xa9", 3) == "a\xc3\xa9");
  CHECK(Utf8Prefix("\xe6\x97\xa5\xe6\x9c\xac", 5) == "\xe6\x97\xa5");  // 日本, 3 bytes each
  CHECK(Utf8Prefix("\xf0\x9f\x98\x80", 3).empty());                    // an emoji, 4 bytes
  CHECK(Utf8Prefix("", 0).empty());
}

}  // namespace bayestune
