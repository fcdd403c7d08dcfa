// How often each value of the three parameters of the value-share tests (INTEGER n in 1..4,
// DISCRETE d of {0.1, 0.2, 0.9}, INTEGER m in 1..4 on a log scale) comes out in a designer's
// points.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "bayestune/optimizer/parameter_value.h"

namespace bayestune::testing {

struct ValueShares {
  std::map<std::int64_t, int> n;
  std::map<double, int> d;
  std::map<std::int64_t, int> m;
};

inline ValueShares CountValueShares(const std::vector<ParameterValues>& points) {
  ValueShares shares;
  for (const ParameterValues& p : points) {
    ++shares.n[p.at("n").AsInteger()];
    ++shares.d[p.at("d").AsDouble()];
    ++shares.m[p.at("m").AsInteger()];
  }
  return shares;
}

}  // namespace bayestune::testing
