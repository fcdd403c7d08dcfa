#pragma once

#include "bayestune/optimizer/gp_bandit_options.h"

namespace bayestune {

// log h(z) with h(z) = phi(z) + z Phi(z), the expected improvement of a standard normal over -z;
// accurate for every finite z (for z << 0, about -z^2/2 - 2 ln|z| - ln sqrt(2 pi)).
double LogH(double z);
// d/dz log h(z) = Phi(z) / h(z), accurate for every finite z.
double LogHDerivative(double z);

// An acquisition function of the GP posterior at a point (mean and variance of the latent
// function, outputs as "higher is better"), with its partial derivatives, so that a caller can
// chain them with the GP's gradients.
class AcquisitionFunction {
 public:
  // `best`: the incumbent (the best observed target) for expected improvement; `beta` for UCB.
  AcquisitionFunction(AcquisitionKind kind, double best, double beta = 2.0)
      : kind_(kind), best_(best), beta_(beta) {}

  AcquisitionKind kind() const { return kind_; }
  double best() const { return best_; }

  double Value(double mean, double variance) const;
  double Value(double mean, double variance, double* d_mean, double* d_variance) const;

 private:
  AcquisitionKind kind_;
  double best_;
  double beta_;
};

}  // namespace bayestune
