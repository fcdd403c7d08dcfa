#pragma once

#include <string>
#include <vector>

namespace bayestune::bench {

// One test function of docs/benchmarks.md: minimised over a box.
struct BenchmarkFunction {
  std::string name;
  std::vector<double> lower;
  std::vector<double> upper;
  double optimum = 0.0;  // f*
  double (*evaluate)(const std::vector<double>& x) = nullptr;

  int dimensions() const { return static_cast<int>(lower.size()); }
};

// branin2, hartmann6, ackley5, rosenbrock4, styblinski4, levy4, in that order.
const std::vector<BenchmarkFunction>& BenchmarkSuite();
// Throws std::invalid_argument naming the valid names when there is no function of that name.
const BenchmarkFunction& FindBenchmarkFunction(const std::string& name);

}  // namespace bayestune::bench
