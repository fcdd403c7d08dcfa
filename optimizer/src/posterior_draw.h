#pragma once

#include <Eigen/Core>
#include <random>

#include "gaussian_process.h"

namespace bayestune {

// One draw of the GP's latent function, jointly at the columns of `points` (dimensions x m): the
// posterior mean plus L z for the Cholesky factor L of the posterior covariance (with jitter added
// to its diagonal, growing tenfold per retry, until it factorises) and standard normal z. O(m^3):
// for a few thousand points at most. Thompson sampling takes a point where a draw is highest.
Eigen::VectorXd PosteriorDraw(const GaussianProcess& gp, const Eigen::MatrixXd& points,
                              std::mt19937_64& rng);

}  // namespace bayestune
