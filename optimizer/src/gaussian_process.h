#pragma once

#include <Eigen/Core>

#include "matern52_kernel.h"

namespace bayestune {

// The hyperparameters of a GP with a Matern-5/2 ARD kernel (mixed with its additive counterpart
// when additive_weight > 0: matern52_kernel.h), a constant mean and Gaussian noise.
struct GpHyperparameters {
  Eigen::VectorXd length_scales;  // one per model dimension, on the unit cube
  double signal_variance = 1.0;
  double additive_weight = 0.0;  // the additive part's share of the signal variance, in [0, 1)
  Eigen::VectorXd additive_length_scales;  // the additive part's; empty: `length_scales`
  double noise_variance = 1e-6;
  double mean = 0.0;
  // Kumaraswamy input warping (input_warping.h): each model dimension's a and b, or both empty
  // (none). The kernel sees w(x) of every point; a dimension with a = b = 1 is not warped.
  Eigen::VectorXd warp_a;
  Eigen::VectorXd warp_b;
};

// The posterior of a Gaussian process given observations and fixed hyperparameters: a Cholesky
// factor of K + noise I (with jitter added to the diagonal, growing tenfold per retry, when K is
// numerically not positive definite) and the weights alpha = (K + noise I)^-1 (y - mean). Memory:
// one n x n matrix. Points are the columns of a matrix (dimensions x count). With input warping
// (GpHyperparameters::warp_a, warp_b) every point given is warped before the kernel sees it, and
// gradients are in the unwarped coordinates: callers work in the model's unit cube throughout.
class GaussianProcess {
 public:
  // Throws Error(kInternal) when K + noise I stays not positive definite after every jitter retry
  // (which takes non-finite inputs).
  GaussianProcess(Eigen::MatrixXd points, Eigen::VectorXd values,
                  const GpHyperparameters& hyperparameters);

  // The GP of `points` and `values` with the hyperparameters of `prefix`, whose points are the
  // first columns of `points`: the factor of `prefix` is extended by the rows of the new points,
  // in O(n^2 k) for k new points instead of O(n^3), and the weights are computed for `values`
  // (all of them may differ from the prefix's). Refactorises from scratch when the new block is
  // not positive definite with the prefix's jitter. Throws Error(kInternal) when `prefix`'s points
  // are not the first columns of `points`.
  static GaussianProcess Extend(const GaussianProcess& prefix, Eigen::MatrixXd points,
                                Eigen::VectorXd values);
  // Whether `points` begins with this GP's points (column for column, exactly).
  bool IsPrefixOf(const Eigen::MatrixXd& points) const;

  int size() const { return static_cast<int>(values_.size()); }
  // The dimensions of the points Predict, PredictWithGradient and AddObservation take: the
  // observations' own, less the inputs fixed by FixTrailingInputs.
  int dimensions() const { return static_cast<int>(points_.rows() - fixed_inputs_.size()); }
  // As given (unwarped).
  const Eigen::MatrixXd& points() const { return points_; }
  const Eigen::VectorXd& values() const { return values_; }
  const GpHyperparameters& hyperparameters() const { return hyperparameters_; }
  // The kernel of the warped points when the hyperparameters warp (apply it to points warped by
  // WarpPoints, input_warping.h).
  const Matern52Kernel& kernel() const { return kernel_; }
  // What was added to the diagonal beyond the noise to make the factorisation succeed.
  double jitter() const { return jitter_; }
  // L, lower triangular (the strict upper triangle is not meaningful), and alpha.
  const Eigen::MatrixXd& cholesky() const { return cholesky_; }
  const Eigen::VectorXd& alpha() const { return alpha_; }

  // The posterior mean and variance of the latent function at each column of `points`; with
  // `variance` null the mean alone (no triangular solve: O(n m) instead of O(n^2 m)).
  void Predict(const Eigen::MatrixXd& points, Eigen::VectorXd* mean,
               Eigen::VectorXd* variance) const;
  // The same at one point, with the gradients of both in x.
  void PredictWithGradient(const Eigen::VectorXd& x, double* mean, double* variance,
                           Eigen::VectorXd* mean_gradient,
                           Eigen::VectorXd* variance_gradient) const;

  // Conditions on one more observation with the same hyperparameters, in O(n^2): used for
  // fantasies of pending trials (kriging believer).
  void AddObservation(const Eigen::VectorXd& x, double value);

  // Appends `inputs` to every point given to Predict, PredictWithGradient and AddObservation
  // from now on (gradients are of the other coordinates): the GP is then searched on the slice of
  // its inputs where the last ones take these values. A multi-fidelity GP, whose last input is the
  // training step, is predicted at the final step so. Empty: none (the default).
  void FixTrailingInputs(Eigen::VectorXd inputs);
  const Eigen::VectorXd& fixed_inputs() const { return fixed_inputs_; }

  // log p(y | X, hyperparameters).
  double LogMarginalLikelihood() const;

 private:
  // With a factor computed already.
  GaussianProcess(Eigen::MatrixXd points, Eigen::VectorXd values,
                  const GpHyperparameters& hyperparameters, Eigen::MatrixXd factor, double jitter);
  void UpdateWeights();
  // Predict at points with every input given.
  void PredictAt(const Eigen::MatrixXd& points, Eigen::VectorXd* mean,
                 Eigen::VectorXd* variance) const;
  // `x` with the fixed inputs appended.
  Eigen::VectorXd WithFixedInputs(const Eigen::VectorXd& x) const;
  // Points as the kernel sees them: warped, when the hyperparameters warp.
  Eigen::MatrixXd Warp(const Eigen::MatrixXd& points) const;
  const Eigen::MatrixXd& KernelPoints() const { return warped_ ? warped_points_ : points_; }

  Eigen::MatrixXd points_;
  Eigen::VectorXd values_;
  GpHyperparameters hyperparameters_;
  Matern52Kernel kernel_;
  Eigen::MatrixXd cholesky_;  // lower triangle: L with L L^T = K + (noise + jitter) I
  Eigen::VectorXd alpha_;
  double jitter_ = 0.0;
  Eigen::VectorXd fixed_inputs_;
  bool warped_ = false;
  Eigen::MatrixXd warped_points_;  // with warped_: points_ warped
};

// Factorises `matrix` + diagonal I = L L^T into the lower triangle of `factor`, retrying with
// jitter of 1e-10, 1e-9, ... 1e-4 times `scale` added to the diagonal. Returns the jitter used, or
// a negative number when every try failed.
double CholeskyWithJitter(const Eigen::MatrixXd& matrix, double diagonal, double scale,
                          Eigen::MatrixXd* factor);

// The variance floor of a prediction: posterior variances are clamped to this fraction of the
// signal variance, so that log(variance) and 1 / sigma stay finite at observed points.
inline constexpr double kMinRelativeVariance = 1e-12;

}  // namespace bayestune
