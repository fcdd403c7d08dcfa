#include "learning_curve.h"

#include <cmath>
#include <stdexcept>

#include "benchmark_functions.h"

namespace bayestune::bench {

Landscape ParseLandscape(const std::string& name) {
  if (name == "quadratic3") return Landscape::kQuadratic3;
  if (name == "hartmann6") return Landscape::kHartmann6;
  throw std::invalid_argument("unknown landscape '" + name + "'; valid: quadratic3, hartmann6");
}

std::vector<std::string> LandscapeParameters(Landscape landscape) {
  if (landscape == Landscape::kQuadratic3) return {"a", "b", "c"};
  return {"x1", "x2", "x3", "x4", "x5", "x6"};
}

double FinalValue(Landscape landscape, const std::map<std::string, double>& parameters) {
  if (landscape == Landscape::kQuadratic3) {
    const double a = parameters.at("a"), b = parameters.at("b"), c = parameters.at("c");
    return 0.9 - 0.8 * ((a - 0.75) * (a - 0.75) + (b - 0.35) * (b - 0.35)) -
           0.2 * (c - 0.5) * (c - 0.5);
  }
  const BenchmarkFunction& hartmann6 = FindBenchmarkFunction("hartmann6");
  std::vector<double> x;
  for (const std::string& name : LandscapeParameters(landscape))
    x.push_back(parameters.at(name));
  return 0.5 + 0.4 * hartmann6.evaluate(x) / hartmann6.optimum;
}

double CurveTau(Landscape landscape, const std::string& slow,
                const std::map<std::string, double>& parameters) {
  const double s = landscape == Landscape::kQuadratic3 ? parameters.at("c") : parameters.at("x6");
  if (slow == "instant") return 1e-6;
  if (slow == "mild") return s > 0.8 ? 1 + 12 * s * s : 1 + 2 * s * s;
  if (slow == "c") return 1 + 12 * s * s;
  if (slow == "a") {
    if (landscape == Landscape::kQuadratic3)
      return 1 + 12 * parameters.at("a") * parameters.at("a");
    const double q = (FinalValue(landscape, parameters) - 0.5) / 0.4;
    return 1 + 6.75 * q * q;
  }
  throw std::invalid_argument("unknown curve family --slow=" + slow +
                              "; valid: a, c, mild, instant");
}

}  // namespace bayestune::bench
