// Escaping of user text for HTML and SVG, and the text helpers of the report.
#include "html_escape.h"

#include <catch2/catch.hpp>

#include "number_format.h"

using namespace bayestune;

TEST_CASE("EscapeHtml escapes markup characters and quotes") {
  CHECK(EscapeHtml("<a href=\"x\">'Tom' & Jerry</a>") ==
        "&lt;a href=&quot;x&quot;&gt;&#39;Tom&#39; &amp; Jerry&lt;/a&gt;");
  CHECK(EscapeHtml("plain text, 3 < 4") == "plain text, 3 &lt; 4");
  CHECK(EscapeHtml("") == "");
  CHECK(EscapeHtml("line\nnext\ttab") == "line\nnext\ttab");
}

TEST_CASE("EscapeHtml makes any bytes valid UTF-8") {
  const std::string replacement = "\xEF\xBF\xBD";
  CHECK(EscapeHtml("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") ==
        "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");                            // é € 😀 kept
  CHECK(EscapeHtml("a\xFFz") == "a" + replacement + "z");                        // not UTF-8 at all
  CHECK(EscapeHtml("\xC0\xAF") == replacement + replacement);                    // an overlong '/'
  CHECK(EscapeHtml("\xED\xA0\x80") == replacement + replacement + replacement);  // a surrogate
  CHECK(EscapeHtml("cut \xE2\x82") == "cut " + replacement + replacement);       // truncated
  CHECK(EscapeHtml("bell\x07") == "bell" + replacement);  // a control character
  CHECK(ToValidUtf8("a\xFF\x01") == "a" + replacement + "\x01");
}

TEST_CASE("TruncateText counts characters, not bytes") {
  CHECK(TruncateText("learning_rate", 20) == "learning_rate");
  CHECK(TruncateText("learning_rate", 5) == "learn\xE2\x80\xA6");
  CHECK(TruncateText("\xC3\xA9\xC3\xA9\xC3\xA9", 2) == "\xC3\xA9\xC3\xA9\xE2\x80\xA6");
}

TEST_CASE("Numbers are formatted for people") {
  CHECK(FormatSignificant(0.93124, 4) == "0.9312");
  CHECK(FormatSignificant(1e-4, 3) == "0.0001");
  CHECK(FormatSignificant(1e-5, 3) == "1e-5");
  CHECK(FormatSignificant(1.5e6, 3) == "1.5e6");
  CHECK(FormatSignificant(12.0, 4) == "12");
  CHECK(FormatSignificant(std::nan(""), 4) == "NaN");
  CHECK(FormatTick(0.25, 0.05) == "0.25");
  CHECK(FormatTick(0.5, 0.25) == "0.50");
  CHECK(FormatTick(3, 1) == "3");
  CHECK(FormatTick(1e-12, 0.2) == "0");
  CHECK(FormatCoordinate(12.04) == "12");
  CHECK(FormatCoordinate(12.46) == "12.5");
  CHECK(FormatCoordinate(-0.3) == "-0.3");
}
