#include "mlp_architecture.h"

#include <cmath>

#include "host_random.h"

namespace bayestune {

DenseLayerLayout MlpArchitecture::layer(int index) const {
  DenseLayerLayout layout;
  std::int64_t offset = 0;
  for (int l = 0; l <= index; ++l) {
    layout.rows = l == n_layers ? classes : hidden_units;
    layout.cols = l == 0 ? input_features : hidden_units;
    layout.weight_offset = offset;
    layout.bias_offset = offset + static_cast<std::int64_t>(layout.rows) * layout.cols;
    offset = layout.bias_offset + layout.rows;
  }
  return layout;
}

std::int64_t MlpArchitecture::parameter_count() const {
  const DenseLayerLayout output = layer(n_layers);
  return output.bias_offset + output.rows;
}

float MlpArchitecture::residual_scale() const {
  return n_layers > 1 ? 1.0f / std::sqrt(static_cast<float>(n_layers - 1)) : 1.0f;
}

std::vector<float> InitialParameters(const MlpArchitecture& architecture, std::uint64_t seed) {
  std::vector<float> parameters(static_cast<std::size_t>(architecture.parameter_count()), 0.0f);
  HostRandom random(seed);
  for (int l = 0; l <= architecture.n_layers; ++l) {
    const DenseLayerLayout layout = architecture.layer(l);
    const bool relu = l < architecture.n_layers && architecture.activation == Activation::kRelu;
    const double stddev = std::sqrt((relu ? 2.0 : 1.0) / layout.cols);
    const std::int64_t weights = static_cast<std::int64_t>(layout.rows) * layout.cols;
    for (std::int64_t i = 0; i < weights; ++i) {
      parameters[layout.weight_offset + i] = static_cast<float>(stddev * random.Normal());
    }
  }
  return parameters;
}

}  // namespace bayestune
