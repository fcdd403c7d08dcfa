// The backward pass against central finite differences of the loss, parameter by parameter.
#include <catch2/catch.hpp>
#include <cmath>

#include "host_random.h"
#include "mlp_backend.h"
#include "trainer_test_support.h"

using namespace bayestune;

namespace {

struct GradientCheck {
  double worst_error = 0;  // largest |numeric - analytic| / (2e-3 + |analytic|)
  double largest_gradient = 0;
};

GradientCheck CheckGradient(Activation activation, int n_layers) {
  const TrainingData data = testing::SyntheticData(5, 4, 12, 4, 7);
  MlpBackendSetup setup;
  setup.architecture = {5, 6, n_layers, 4, activation};
  setup.optimizer.batch_size = 12;
  setup.data = &data;
  // Every parameter random and away from zero, biases too, so that no term hides behind a zero.
  HostRandom random(11);
  setup.initial_parameters.resize(setup.architecture.parameter_count());
  for (float& p : setup.initial_parameters)
    p = static_cast<float>(0.6 * random.Normal());
  const auto backend = MakeCpuMlpBackend(setup);
  const std::vector<std::int64_t> batch = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  std::vector<float> gradient;
  backend->LossAndGradient(batch, gradient);
  REQUIRE(gradient.size() == setup.initial_parameters.size());

  GradientCheck check;
  std::vector<float> scratch;
  const float step = 1e-3f;  // small enough to cross few ReLU kinks, large for float noise
  for (std::size_t i = 0; i < gradient.size(); ++i) {
    std::vector<float> parameters = setup.initial_parameters;
    parameters[i] += step;
    backend->set_parameters(parameters);
    const double up = backend->LossAndGradient(batch, scratch);
    parameters[i] -= 2 * step;
    backend->set_parameters(parameters);
    const double down = backend->LossAndGradient(batch, scratch);
    const double numeric = (up - down) / (2.0 * step);
    const double error = std::abs(numeric - gradient[i]) / (2e-3 + std::abs(gradient[i]));
    INFO("parameter " << i << ": analytic " << gradient[i] << ", numeric " << numeric);
    check.worst_error = std::max(check.worst_error, error);
    check.largest_gradient = std::max(check.largest_gradient, std::abs(double{gradient[i]}));
  }
  return check;
}

}  // namespace

TEST_CASE("the backward pass matches finite differences", "[gpu_models][gradient]") {
  // n_layers = 1: no residual layer; 3: two residual layers with branch scale 1/sqrt(2).
  for (const Activation activation : {Activation::kRelu, Activation::kTanh}) {
    for (const int n_layers : {1, 3}) {
      INFO(ActivationName(activation) << ", n_layers " << n_layers);
      const GradientCheck check = CheckGradient(activation, n_layers);
      CHECK(check.largest_gradient > 0.01);
      CHECK(check.worst_error < 0.05);
    }
  }
}
