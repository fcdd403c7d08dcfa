#pragma once

#include <cstdint>
#include <string>

namespace bayestune {

// `value` with at most `digits` significant digits, in the shortest of fixed and exponent form,
// without trailing zeros or a '+' or leading zeros in the exponent: 0.9312, 1e-4, 1.5e+6 ->
// "1.5e6", 12, "NaN", "inf", "-inf".
std::string FormatSignificant(double value, int digits = 4);

// A tick label for `value` on an axis whose ticks are `step` apart: as many decimals as the step
// needs (0.25 with step 0.05 -> "0.25", 3 with step 1 -> "3"), exponent form for very large or
// very small numbers.
std::string FormatTick(double value, double step);

// An SVG coordinate: rounded to a tenth, without a trailing ".0" ("12", "12.5", "-3.1"); "0" for
// a value that is not finite or beyond a billion.
std::string FormatCoordinate(double value);

// A count with thousands separators: 10000 -> "10,000".
std::string FormatCount(std::int64_t count);

// A duration in seconds, compact and readable: "850 ms", "42 s", "3 min 20 s", "2 h 05 min",
// "3 d 4 h".
std::string FormatDuration(double seconds);

// A time in seconds since the Unix epoch as "2024-05-01 10:00:05 UTC".
std::string FormatUtcTime(double seconds_since_epoch);

}  // namespace bayestune
