#include "bayestune/optimizer/random_designer.h"

#include <random>

namespace bayestune {

std::vector<ParameterValues> RandomDesigner::Suggest(const DesignerInput& input) {
  std::mt19937_64 rng(input.seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<ParameterValues> points;
  for (int i = 0; i < input.count; ++i) {
    Eigen::VectorXd x(input.space.ModelDimensions());
    for (Eigen::Index d = 0; d < x.size(); ++d)
      x[d] = uniform(rng);
    points.push_back(input.space.Decode(x));
  }
  return points;
}

}  // namespace bayestune
