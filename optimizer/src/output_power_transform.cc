#include "output_power_transform.h"

#include <algorithm>
#include <cmath>

#include "output_warper.h"

namespace bayestune {
namespace {

constexpr double kMinLambda = -3.0;
constexpr double kMaxLambda = 3.0;

// Mean 0 and variance 1 (just centred when every value is the same).
std::vector<double> Standardised(std::vector<double> values) {
  double mean = 0.0;
  for (double v : values)
    mean += v;
  mean /= static_cast<double>(values.size());
  double variance = 0.0;
  for (double v : values)
    variance += (v - mean) * (v - mean);
  variance /= static_cast<double>(values.size());
  const double scale = variance > 0.0 ? std::sqrt(variance) : 1.0;
  for (double& v : values)
    v = (v - mean) / scale;
  return values;
}

// The profile log likelihood of lambda: -n/2 ln(variance of the transformed values) plus the log
// Jacobian (lambda - 1) * sum sign(y) ln(1 + |y|).
double LogLikelihood(const std::vector<double>& values, double lambda) {
  const double n = static_cast<double>(values.size());
  double mean = 0.0;
  double jacobian = 0.0;
  std::vector<double> transformed;
  transformed.reserve(values.size());
  for (double y : values) {
    transformed.push_back(YeoJohnson(y, lambda));
    mean += transformed.back();
    jacobian += std::copysign(std::log1p(std::abs(y)), y);
  }
  mean /= n;
  double variance = 0.0;
  for (double t : transformed)
    variance += (t - mean) * (t - mean);
  variance /= n;
  if (!(variance > 0.0) || !std::isfinite(variance)) return -1e300;
  return -0.5 * n * std::log(variance) + (lambda - 1.0) * jacobian;
}

}  // namespace

double YeoJohnson(double y, double lambda) {
  constexpr double kZero = 1e-12;
  if (y >= 0.0) {
    if (std::abs(lambda) < kZero) return std::log1p(y);
    return std::expm1(lambda * std::log1p(y)) / lambda;
  }
  if (std::abs(lambda - 2.0) < kZero) return -std::log1p(-y);
  return -std::expm1((2.0 - lambda) * std::log1p(-y)) / (2.0 - lambda);
}

double FitYeoJohnsonLambda(const std::vector<double>& values) {
  if (values.size() < 2 ||
      std::all_of(values.begin(), values.end(), [&](double v) { return v == values.front(); })) {
    return 1.0;
  }
  // Golden-section search for the maximum.
  const double ratio = (std::sqrt(5.0) - 1.0) / 2.0;
  double a = kMinLambda;
  double b = kMaxLambda;
  double c = b - ratio * (b - a);
  double d = a + ratio * (b - a);
  double fc = LogLikelihood(values, c);
  double fd = LogLikelihood(values, d);
  for (int i = 0; i < 60 && b - a > 1e-6; ++i) {
    if (fc >= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = LogLikelihood(values, c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = LogLikelihood(values, d);
    }
  }
  return 0.5 * (a + b);
}

Eigen::VectorXd PowerTransformObjectiveValues(const std::vector<std::optional<double>>& values) {
  std::vector<double> known;
  for (const auto& v : values) {
    if (v) known.push_back(*v);
  }
  Eigen::VectorXd targets(static_cast<Eigen::Index>(values.size()));
  if (known.empty()) {
    targets.setZero();
    return targets;
  }
  known = Standardised(std::move(known));
  const double lambda = FitYeoJohnsonLambda(known);
  for (double& v : known)
    v = YeoJohnson(v, lambda);
  known = Standardised(std::move(known));
  const auto [low, high] = std::minmax_element(known.begin(), known.end());
  const double failed = *low - 0.5 * std::max(*high - *low, 1.0);
  std::size_t next = 0;
  for (std::size_t i = 0; i < values.size(); ++i)
    targets[static_cast<Eigen::Index>(i)] = values[i] ? known[next++] : failed;
  // Standardised with the failed trials, as the warper does.
  if (next < values.size()) {
    const double mean = targets.mean();
    const double spread = std::sqrt((targets.array() - mean).square().mean());
    targets = (targets.array() - mean) / (spread > 0.0 ? spread : 1.0);
  }
  return targets;
}

Eigen::VectorXd ObjectiveTargets(OutputTransform transform,
                                 const std::vector<std::optional<double>>& values) {
  return transform == OutputTransform::kYeoJohnson ? PowerTransformObjectiveValues(values)
                                                   : WarpObjectiveValues(values);
}

}  // namespace bayestune
