#include "local_model.h"

#include <algorithm>

#include "gp_hyperparameter_fit.h"
#include "local_refinement.h"
#include "output_power_transform.h"

namespace bayestune {

std::optional<LocalModel> LocalModel::Fit(const Eigen::MatrixXd& observed,
                                          const std::vector<std::optional<double>>& values,
                                          const Eigen::VectorXd& incumbent,
                                          const std::vector<int>& coordinates, int count,
                                          OutputTransform transform, const GpFitOptions& fit) {
  if (count < 1 || observed.cols() < count) return std::nullopt;
  const Eigen::Index d = incumbent.size();
  const std::vector<Eigen::Index> nearest =
      NearestColumns(observed.topRows(d), incumbent, coordinates, count);
  Eigen::MatrixXd points(d, count);
  std::vector<std::optional<double>> local_values;
  for (std::size_t i = 0; i < nearest.size(); ++i) {
    points.col(static_cast<Eigen::Index>(i)) = observed.col(nearest[i]).head(d);
    local_values.push_back(values[static_cast<std::size_t>(nearest[i])]);
  }
  const Eigen::VectorXd targets = ObjectiveTargets(transform, local_values);
  GaussianProcess gp(points, targets, FitGpHyperparameters(points, targets, fit));
  return LocalModel(std::move(gp), targets.maxCoeff());
}

void LocalModel::AddFantasy(const Eigen::VectorXd& x) {
  Eigen::VectorXd mean;
  Eigen::VectorXd variance;
  gp_.Predict(x, &mean, &variance);
  gp_.AddObservation(x, mean[0]);
  best_ = std::max(best_, mean[0]);
}

}  // namespace bayestune
