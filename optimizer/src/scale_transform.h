#pragma once

#include "bayestune/optimizer/parameter.h"

namespace bayestune {

// Maps a value in [lo, hi] to the model's unit interval, as Vizier does:
//   LINEAR (and NONE): u = (x - lo) / (hi - lo)
//   LOG:               u = (ln x - ln lo) / (ln hi - ln lo)                    (lo > 0)
//   REVERSE_LOG:       u = 1 - (ln(lo + hi - x) - ln lo) / (ln hi - ln lo)     (lo > 0; dense near
//   hi)
// x outside [lo, hi] is clamped first. lo == hi maps to 0.
double ToUnit(double x, double lo, double hi, ScaleType scale);

// The inverse of ToUnit: u in [0, 1] (clamped) back to [lo, hi]. u = 0 gives lo and u = 1 gives hi
// exactly.
double FromUnit(double u, double lo, double hi, ScaleType scale);

}  // namespace bayestune
