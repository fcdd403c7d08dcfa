#pragma once

#include <vector>

#include "bayestune/optimizer/parameter.h"
#include "bayestune/optimizer/parameter_value.h"

namespace bayestune::bench {

// The conditional benchmark's tree (tree_problem.py writes the same for Optuna): a categorical
// root `model` with four branches of different dimension and scale, two with nested children.
//   linear: slope DOUBLE [-5, 5]                                   best 0.5
//   rbf:    gamma DOUBLE [1e-4, 1] log, c DOUBLE [1e-2, 1e2] log    best 0.1
//   poly:   degree INTEGER [1, 5], coef DOUBLE [0, 10];
//           degree 3..5 brings shift DOUBLE [-1, 1]                best 0.3
//   mlp:    layers INTEGER [1, 4], lr DOUBLE [1e-5, 1e-1] log, units1 DOUBLE [0, 1];
//           layers 2..4 brings units2 DOUBLE [0, 1];
//           layers 3..4 brings units3 DOUBLE [0, 1]
//                                                                  best 0 (the optimum)
// The optimum: model mlp, layers 3, lr 1e-3, units1 0.3, units2 0.7, units3 0.2; value 0.
std::vector<ParameterSpec> TreeParameters();
// The objective (to minimize); every parameter active in `values` must be there.
double TreeObjective(const ParameterValues& values);

}  // namespace bayestune::bench
