#pragma once

#include <cstdint>
#include <string>

#include "text_format.h"
#include "time_format.h"

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

}  // namespace bayestune
