#include "scale_transform.h"

#include <algorithm>
#include <cmath>

namespace bayestune {

double ToUnit(double x, double lo, double hi, ScaleType scale) {
  if (!(hi > lo)) return 0.0;
  x = std::clamp(x, lo, hi);
  double u = 0.0;
  switch (scale) {
    case ScaleType::kNone:
    case ScaleType::kLinear:
      u = (x - lo) / (hi - lo);
      break;
    case ScaleType::kLog:
      u = (std::log(x) - std::log(lo)) / (std::log(hi) - std::log(lo));
      break;
    case ScaleType::kReverseLog: {
      // u = 1 - ln((lo + hi - x) / lo) / L with L = ln(hi / lo), written two ways so that no
      // digits cancel: near lo as -log1p((lo - x) / hi) / L, near hi with hi - x taken first.
      const double span = std::log(hi) - std::log(lo);
      if (x - lo < hi - x) {
        u = -std::log1p((lo - x) / hi) / span;
      } else {
        u = 1.0 - std::log1p((hi - x) / lo) / span;
      }
      break;
    }
  }
  return std::clamp(u, 0.0, 1.0);
}

double FromUnit(double u, double lo, double hi, ScaleType scale) {
  if (!(hi > lo)) return lo;
  u = std::clamp(u, 0.0, 1.0);
  if (u == 0.0) return lo;
  if (u == 1.0) return hi;
  double x = lo;
  switch (scale) {
    case ScaleType::kNone:
    case ScaleType::kLinear:
      x = lo + u * (hi - lo);
      break;
    case ScaleType::kLog:
      x = std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo)));
      break;
    case ScaleType::kReverseLog: {
      // x = lo + hi - lo * exp((1 - u) L), the inverse of the forms in ToUnit.
      const double span = std::log(hi) - std::log(lo);
      if (u < 0.5) {
        x = lo - hi * std::expm1(-u * span);
      } else {
        x = hi - lo * std::expm1((1.0 - u) * span);
      }
      break;
    }
  }
  return std::clamp(x, lo, hi);
}

}  // namespace bayestune
