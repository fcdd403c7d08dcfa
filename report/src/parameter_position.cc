#include "parameter_position.h"

#include <algorithm>
#include <cmath>

namespace bayestune::report_internal {

std::optional<double> ParameterPosition(const ParameterSpec& parameter, const AxisScale& scale,
                                        const Trial& trial) {
  const auto it = trial.parameters.find(parameter.name);
  if (it == trial.parameters.end()) return std::nullopt;
  if (scale.is_category()) {
    if (!it->second.IsString()) return std::nullopt;
    const auto& values = scale.categories();
    const auto found = std::find(values.begin(), values.end(), it->second.AsString());
    if (found == values.end()) return std::nullopt;
    return scale.CategoryUnit(static_cast<std::size_t>(found - values.begin()));
  }
  if (!it->second.IsNumeric()) return std::nullopt;
  const double unit = scale.Unit(it->second.AsDouble());
  if (!std::isfinite(unit)) return std::nullopt;
  return std::clamp(unit, 0.0, 1.0);
}

}  // namespace bayestune::report_internal
