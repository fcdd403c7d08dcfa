#pragma once

#include <cstdint>

#include "mlp_options.h"

namespace bayestune {

// How the parameters are updated after each batch, as torch.optim does it, with weight decay (an
// L2 penalty, not AdamW's decoupled decay) added to every parameter's gradient g:
//   sgd  (torch.optim.SGD, dampening 0, no Nesterov):
//          v = momentum * v + (g + weight_decay * w);   w -= learning_rate * v
//   adam (torch.optim.Adam, amsgrad off), at step t = 1, 2, ...:
//          g' = g + weight_decay * w;   m = beta1 * m + (1 - beta1) * g';
//          v = beta2 * v + (1 - beta2) * g'^2;
//          w -= (learning_rate / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + epsilon)
struct OptimizerSettings {
  OptimizerKind kind = OptimizerKind::kSgd;
  float learning_rate = 0.01f;
  float momentum = 0.9f;  // sgd
  float beta1 = 0.9f;     // adam
  float beta2 = 0.999f;   // adam
  float epsilon = 1e-8f;  // adam
  float weight_decay = 0.0f;
  int batch_size = 64;  // samples per step
};

// Adam's step-size factors of step t (1-based): learning_rate / (1 - beta1^t) and
// 1 / sqrt(1 - beta2^t), computed in double on the host, so that both backends use the same.
struct AdamStepScales {
  float step_size = 0;
  float inverse_sqrt_bias_correction2 = 0;
};
AdamStepScales AdamScales(const OptimizerSettings& settings, std::int64_t step);

}  // namespace bayestune
