#include "posterior_draw.h"

#include <Eigen/Cholesky>

namespace bayestune {

Eigen::VectorXd PosteriorDraw(const GaussianProcess& gp, const Eigen::MatrixXd& points,
                              std::mt19937_64& rng) {
  const Eigen::Index m = points.cols();
  Eigen::MatrixXd cross = gp.kernel().Cross(gp.points(), points);  // n x m
  const Eigen::VectorXd mean = (cross.transpose() * gp.alpha()).array() + gp.hyperparameters().mean;
  gp.cholesky().triangularView<Eigen::Lower>().solveInPlace(cross);
  Eigen::MatrixXd covariance = gp.kernel().Gram(points);
  covariance.noalias() -= cross.transpose() * cross;
  std::normal_distribution<double> normal(0.0, 1.0);
  Eigen::VectorXd z(m);
  for (Eigen::Index i = 0; i < m; ++i)
    z[i] = normal(rng);
  const double s2 = gp.hyperparameters().signal_variance;
  for (double jitter = 1e-10 * s2; jitter <= s2; jitter *= 10.0) {
    Eigen::MatrixXd with_jitter = covariance;
    with_jitter.diagonal().array() += jitter;
    Eigen::LLT<Eigen::MatrixXd> factor(with_jitter);
    if (factor.info() == Eigen::Success) return mean + factor.matrixL() * z;
  }
  // Numerically no covariance left to draw from: the marginal draws.
  const Eigen::VectorXd sd = covariance.diagonal().cwiseMax(0.0).cwiseSqrt();
  return mean + sd.cwiseProduct(z);
}

}  // namespace bayestune
