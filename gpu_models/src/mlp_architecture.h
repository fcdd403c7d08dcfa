#pragma once

#include <cstdint>
#include <vector>

#include "mlp_options.h"

namespace bayestune {

// One dense layer's place in the flat parameter vector: a column-major rows x cols weight matrix
// (rows = outputs) followed by `rows` biases.
struct DenseLayerLayout {
  int rows = 0;
  int cols = 0;
  std::int64_t weight_offset = 0;
  std::int64_t bias_offset = 0;
};

// The classifier both backends train, a pre-activation residual MLP without normalisation:
//   h_1 = W_1 x + b_1                                   (input -> hidden)
//   h_l = h_{l-1} + s * (W_l act(h_{l-1}) + b_l)        (l = 2 .. n_layers, residual)
//   logits = W_out act(h_n) + b_out, softmax cross-entropy
// n_layers counts the hidden layers: each has its own weight matrix and is followed by one
// activation, so n_layers = 1 is the classic one-hidden-layer MLP. The residual branches are
// scaled by s = 1 / sqrt(n_layers - 1) and their weights start with zero mean, so the variance of
// h grows by at most a factor e at any depth: a 100-layer net starts as well conditioned as a
// 2-layer one and its gradients reach the first layer through the identity paths.
struct MlpArchitecture {
  int input_features = 0;
  int hidden_units = 0;
  int n_layers = 0;
  int classes = 0;
  Activation activation = Activation::kRelu;

  // Layers 0 .. n_layers - 1 are the hidden ones, layer n_layers the output layer.
  DenseLayerLayout layer(int index) const;
  std::int64_t parameter_count() const;
  float residual_scale() const;
};

// Weights drawn on the host from `seed`: He (normal, variance 2 / fan_in) for ReLU layers, LeCun
// (variance 1 / fan_in) for tanh layers and the output layer; biases zero.
std::vector<float> InitialParameters(const MlpArchitecture& architecture, std::uint64_t seed);

}  // namespace bayestune
