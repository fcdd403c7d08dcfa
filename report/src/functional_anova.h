#pragma once

#include <vector>

#include "regression_forest.h"

namespace bayestune {

// The main effect of one feature: the share of a function's variance it explains alone.
struct MainEffect {
  double fraction = 0;  // the mean over the forest's trees, in [0, 1]
  double spread = 0;    // the standard deviation over the trees
};

// Functional ANOVA of a regression forest (Hutter, Hoos and Leyton-Brown, "An efficient approach
// for assessing hyperparameter importance", ICML 2014), main effects only. Over the whole input
// domain, with numeric features uniform on [0, 1] and every category equally likely, each tree
// is a function f with variance V; the main effect of feature j is f_j(x_j) = E[f | x_j], and its
// share is Var(f_j) / V. Computed exactly from the tree's leaves (boxes of the domain), in time
// linear in leaves and split points. Trees that are constant are left out; with none left, every
// share is 0. One entry per feature, in the forest's order.
std::vector<MainEffect> MainEffectFractions(const RegressionForest& forest);

}  // namespace bayestune
