#include "acquisition_function.h"

#include <cmath>
#include <numbers>

namespace bayestune {
namespace {

const double kLogSqrt2Pi = 0.5 * std::log(2.0 * std::numbers::pi);
const double kLogSqrtHalfPi = 0.5 * std::log(0.5 * std::numbers::pi);
// Below this z, erfc(-z / sqrt 2) nears the smallest double: asymptotic series take over.
constexpr double kAsymptoticZ = -30.0;

// log(1 - exp(a)) for a < 0, accurate for a near 0 and for a very negative.
double Log1mExp(double a) {
  return a > -std::numbers::ln2 ? std::log(-std::expm1(a)) : std::log1p(-std::exp(a));
}

// log Phi(z).
double LogNormalCdf(double z) {
  if (z >= kAsymptoticZ) return std::log(0.5 * std::erfc(-z / std::numbers::sqrt2));
  // Phi(z) = phi(z) / |z| * (1 - 1/z^2 + 3/z^4 - 15/z^6 + ...).
  const double w = 1.0 / (z * z);
  return -0.5 * z * z - kLogSqrt2Pi - std::log(-z) + std::log1p(-w + 3 * w * w - 15 * w * w * w);
}

}  // namespace

double LogH(double z) {
  if (z > -1.0) {
    const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
    const double cdf = 0.5 * std::erfc(-z / std::numbers::sqrt2);
    return std::log(pdf + z * cdf);
  }
  if (z >= kAsymptoticZ) {
    // h(z) = phi(z) (1 - |z| erfcx(|z| / sqrt 2) sqrt(pi / 2)), erfcx(x) = exp(x^2) erfc(x).
    const double x = -z / std::numbers::sqrt2;
    const double log_erfcx = x * x + std::log(std::erfc(x));
    return -0.5 * z * z - kLogSqrt2Pi + Log1mExp(log_erfcx + std::log(-z) + kLogSqrtHalfPi);
  }
  // h(z) = phi(z) / z^2 * (1 - 3/z^2 + 15/z^4 - 105/z^6 + ...).
  const double w = 1.0 / (z * z);
  return -0.5 * z * z - kLogSqrt2Pi - 2.0 * std::log(-z) +
         std::log1p(-3 * w + 15 * w * w - 105 * w * w * w);
}

double LogHDerivative(double z) {
  if (z > -1.0) {
    const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
    const double cdf = 0.5 * std::erfc(-z / std::numbers::sqrt2);
    return cdf / (pdf + z * cdf);
  }
  return std::exp(LogNormalCdf(z) - LogH(z));
}

double AcquisitionFunction::Value(double mean, double variance) const {
  double d_mean = 0.0;
  double d_variance = 0.0;
  return Value(mean, variance, &d_mean, &d_variance);
}

double AcquisitionFunction::Value(double mean, double variance, double* d_mean,
                                  double* d_variance) const {
  const double sigma = std::sqrt(variance);
  if (kind_ == AcquisitionKind::kUpperConfidenceBound) {
    *d_mean = 1.0;
    *d_variance = beta_ / (2.0 * sigma);
    return mean + beta_ * sigma;
  }
  const double z = (mean - best_) / sigma;
  if (kind_ == AcquisitionKind::kLogProbabilityOfImprovement) {
    // d/dz log Phi(z) = phi(z) / Phi(z) = exp(log phi(z) - log Phi(z)).
    const double log_cdf = LogNormalCdf(z);
    const double dlogcdf = std::exp(-0.5 * z * z - kLogSqrt2Pi - log_cdf);
    *d_mean = dlogcdf / sigma;
    *d_variance = -dlogcdf * z / (2.0 * variance);
    return log_cdf;
  }
  // log EI = log h(z) + log sigma, z = (mean - best) / sigma.
  const double dlogh = LogHDerivative(z);
  *d_mean = dlogh / sigma;
  // dz/dvar = -z / (2 var); d log sigma / d var = 1 / (2 var).
  *d_variance = (1.0 - dlogh * z) / (2.0 * variance);
  return LogH(z) + std::log(sigma);
}

}  // namespace bayestune
