#include "benchmark_functions.h"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace bayestune::bench {
namespace {

using std::numbers::pi;

double Branin(const std::vector<double>& x) {
  const double b = 5.1 / (4 * pi * pi);
  const double c = 5 / pi;
  const double t = 1 / (8 * pi);
  const double u = x[1] - b * x[0] * x[0] + c * x[0] - 6;
  return u * u + 10 * (1 - t) * std::cos(x[0]) + 10;
}

double Hartmann6(const std::vector<double>& x) {
  static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  static const double a[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                 {0.05, 10, 17, 0.1, 8, 14},
                                 {3, 3.5, 1.7, 10, 17, 8},
                                 {17, 8, 0.05, 10, 0.1, 14}};
  static const double p[4][6] = {{1312, 1696, 5569, 124, 8283, 5886},
                                 {2329, 4135, 8307, 3736, 1004, 9991},
                                 {2348, 1451, 3522, 2883, 3047, 6650},
                                 {4047, 8828, 8732, 5743, 1091, 381}};
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    double inner = 0;
    for (int j = 0; j < 6; ++j) {
      const double diff = x[j] - 1e-4 * p[i][j];
      inner += a[i][j] * diff * diff;
    }
    sum += alpha[i] * std::exp(-inner);
  }
  return -sum;
}

double Ackley(const std::vector<double>& x) {
  const double d = static_cast<double>(x.size());
  double squares = 0;
  double cosines = 0;
  for (double v : x) {
    squares += v * v;
    cosines += std::cos(2 * pi * v);
  }
  return -20 * std::exp(-0.2 * std::sqrt(squares / d)) - std::exp(cosines / d) + 20 + std::exp(1.0);
}

double Rosenbrock(const std::vector<double>& x) {
  double sum = 0;
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    const double a = x[i + 1] - x[i] * x[i];
    const double b = x[i] - 1;
    sum += 100 * a * a + b * b;
  }
  return sum;
}

double StyblinskiTang(const std::vector<double>& x) {
  double sum = 0;
  for (double v : x)
    sum += v * v * v * v - 16 * v * v + 5 * v;
  return 0.5 * sum;
}

double Levy(const std::vector<double>& x) {
  const std::size_t d = x.size();
  auto w = [&](std::size_t i) { return 1 + (x[i] - 1) / 4; };
  const double s0 = std::sin(pi * w(0));
  double sum = s0 * s0;
  for (std::size_t i = 0; i + 1 < d; ++i) {
    const double s = std::sin(pi * w(i) + 1);
    sum += (w(i) - 1) * (w(i) - 1) * (1 + 10 * s * s);
  }
  const double s = std::sin(2 * pi * w(d - 1));
  sum += (w(d - 1) - 1) * (w(d - 1) - 1) * (1 + s * s);
  return sum;
}

std::vector<double> Repeat(double v, int n) {
  return std::vector<double>(static_cast<std::size_t>(n), v);
}

}  // namespace

const std::vector<BenchmarkFunction>& BenchmarkSuite() {
  static const std::vector<BenchmarkFunction> suite = {
      {"branin2", {-5, 0}, {10, 15}, 0.397887, Branin},
      {"hartmann6", Repeat(0, 6), Repeat(1, 6), -3.32237, Hartmann6},
      {"ackley5", Repeat(-32.768, 5), Repeat(32.768, 5), 0.0, Ackley},
      {"rosenbrock4", Repeat(-5, 4), Repeat(10, 4), 0.0, Rosenbrock},
      {"styblinski4", Repeat(-5, 4), Repeat(5, 4), -156.664664, StyblinskiTang},
      {"levy4", Repeat(-10, 4), Repeat(10, 4), 0.0, Levy},
  };
  return suite;
}

const BenchmarkFunction& FindBenchmarkFunction(const std::string& name) {
  std::string names;
  for (const auto& f : BenchmarkSuite()) {
    if (f.name == name) return f;
    names += (names.empty() ? "" : ", ") + f.name;
  }
  throw std::invalid_argument("unknown function '" + name + "'; valid: " + names);
}

}  // namespace bayestune::bench
