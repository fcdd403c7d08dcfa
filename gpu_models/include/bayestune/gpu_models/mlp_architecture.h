#pragma once

#include <cstdint>
#include <vector>

#include "bayestune/gpu_models/mlp_options.h"

namespace bayestune {

// One dense layer's place in the flat parameter vector: a column-major rows x cols weight matrix
// (rows = outputs) followed by `rows` biases.
struct DenseLayerLayout {
  int rows = 0;
  int cols = 0;
  std::int64_t weight_offset = 0;
  std::int64_t bias_offset = 0;
};

// The classifier both backends train:
//   h_1 = act(W_1 x + b_1)                              (input -> hidden)
//   h_l = h_{l-1} + s * act(W_l h_{l-1} + b_l)          (l = 2 .. n_layers, residual)
//   logits = W_out h_n + b_out, softmax cross-entropy
// with s = 1 / sqrt(n_layers - 1), so that the sum of the residual branches keeps the variance of
// the hidden state bounded at any depth: a 100-layer net starts as well conditioned as a 2-layer
// one. n_layers counts the hidden layers, each with its own hidden_units x hidden_units weights.
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
