#include "optimizer_settings.h"

#include <cmath>

namespace bayestune {

AdamStepScales AdamScales(const OptimizerSettings& settings, std::int64_t step) {
  const double t = static_cast<double>(step);
  const double bias_correction1 = 1.0 - std::pow(static_cast<double>(settings.beta1), t);
  const double bias_correction2 = 1.0 - std::pow(static_cast<double>(settings.beta2), t);
  AdamStepScales scales;
  scales.step_size = static_cast<float>(settings.learning_rate / bias_correction1);
  scales.inverse_sqrt_bias_correction2 = static_cast<float>(1.0 / std::sqrt(bias_correction2));
  return scales;
}

}  // namespace bayestune
