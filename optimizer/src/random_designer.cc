#include "bayestune/optimizer/random_designer.h"

#include <random>

#include "acquisition_optimizer.h"
#include "bayestune/optimizer/errors.h"
#include "feasible_rounding.h"
#include "model_encoding.h"

namespace bayestune {
namespace {

// Draws per point before a repeat is accepted (a finite space nearly used up).
constexpr int kMaxDraws = 1000;

}  // namespace

std::vector<ParameterValues> RandomDesigner::Suggest(const DesignerInput& input) {
  const int d = input.space.ModelDimensions();
  const FeasibleRounding rounding(input.space);
  Eigen::MatrixXd taken(d, 0);
  for (const Trial& t : input.trials) {
    try {
      const Eigen::VectorXd x = EncodeForModel(input.space, t.parameters);
      taken.conservativeResize(Eigen::NoChange, taken.cols() + 1);
      taken.col(taken.cols() - 1) = x;
    } catch (const InvalidArgument&) {
      // a trial of another space
    }
  }
  std::mt19937_64 rng(input.seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<ParameterValues> points;
  for (int i = 0; i < input.count; ++i) {
    const auto feasible = rounding.FeasiblePointCount();
    const bool any_left = !feasible || *feasible > static_cast<std::size_t>(taken.cols());
    Eigen::VectorXd x(d);
    for (int draw = 0; draw < kMaxDraws; ++draw) {
      for (Eigen::Index j = 0; j < d; ++j)
        x[j] = uniform(rng);
      rounding.Round(x);
      if (!any_left || !IsNearAnyColumn(x, taken)) break;
    }
    taken.conservativeResize(d, taken.cols() + 1);
    taken.col(taken.cols() - 1) = x;
    points.push_back(DecodeFromModel(input.space, x));
  }
  return points;
}

}  // namespace bayestune
