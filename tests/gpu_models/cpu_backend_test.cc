#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>
#include <set>

#include "host_random.h"
#include "mlp_backend.h"
#include "trainer_test_support.h"
#include "training_run.h"

using namespace bayestune;

TEST_CASE("the host random stream is fixed by its seed", "[gpu_models][random]") {
  HostRandom a(5), b(5), c(6);
  for (int i = 0; i < 10; ++i) {
    const double x = a.Normal();
    CHECK(x == b.Normal());
    CHECK(x != c.Normal());
  }
  const auto permutation = HostRandom(1).Permutation(100);
  CHECK(std::set<std::int64_t>(permutation.begin(), permutation.end()).size() == 100);
  CHECK(permutation != HostRandom(2).Permutation(100));
}

TEST_CASE("each epoch visits every training sample once, in a seeded order",
          "[gpu_models][random]") {
  BatchOrder first(50, 9), second(50, 9);
  const auto epoch1 = first.NextEpoch();
  const auto epoch2 = first.NextEpoch();
  CHECK(epoch1 != epoch2);
  CHECK(second.NextEpoch() == epoch1);
  std::vector<std::int64_t> sorted = epoch2;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::int64_t> all(50);
  std::iota(all.begin(), all.end(), 0);
  CHECK(sorted == all);
}

TEST_CASE("initial weights follow He (ReLU) and LeCun (tanh, output) scaling",
          "[gpu_models][init]") {
  const MlpArchitecture relu{400, 300, 3, 10, Activation::kRelu};
  const std::vector<float> parameters = InitialParameters(relu, 1);
  REQUIRE(static_cast<std::int64_t>(parameters.size()) == relu.parameter_count());
  auto variance = [&](int l) {
    const DenseLayerLayout layout = relu.layer(l);
    double sum = 0;
    const std::int64_t n = std::int64_t{layout.rows} * layout.cols;
    for (std::int64_t i = 0; i < n; ++i)
      sum += double{parameters[layout.weight_offset + i]} * parameters[layout.weight_offset + i];
    for (int b = 0; b < layout.rows; ++b)
      CHECK(parameters[layout.bias_offset + b] == 0.0f);
    return sum / static_cast<double>(n) * layout.cols;
  };
  CHECK(variance(0) == Approx(2.0).epsilon(0.02));
  CHECK(variance(2) == Approx(2.0).epsilon(0.02));
  CHECK(variance(3) == Approx(1.0).epsilon(0.05));  // the output layer
  CHECK(relu.residual_scale() == Approx(1 / std::sqrt(2.0)));
  CHECK(InitialParameters(relu, 1) == parameters);
  CHECK(InitialParameters(relu, 2) != parameters);
}

TEST_CASE("the CPU backend gives the same results for the same seed", "[gpu_models][cpu]") {
  const TrainingData data = testing::SyntheticData(8, 3, 100, 30, 4);
  MlpBackendSetup setup;
  setup.architecture = {8, 16, 5, 3, Activation::kRelu};
  setup.optimizer = {
      .learning_rate = 0.05f, .momentum = 0.9f, .weight_decay = 1e-4f, .batch_size = 16};
  setup.data = &data;
  setup.initial_parameters = InitialParameters(setup.architecture, 3);
  std::vector<float> final_parameters[2];
  std::vector<PassTotals> totals[2];
  for (int run = 0; run < 2; ++run) {
    const auto backend = MakeCpuMlpBackend(setup);
    BatchOrder order(data.train.size(), 3);
    for (int epoch = 0; epoch < 3; ++epoch)
      totals[run].push_back(backend->TrainEpoch(order.NextEpoch()));
    totals[run].push_back(backend->Evaluate());
    final_parameters[run] = backend->parameters();
  }
  CHECK(final_parameters[0] == final_parameters[1]);
  for (std::size_t i = 0; i < totals[0].size(); ++i) {
    CHECK(totals[0][i].loss_sum == totals[1][i].loss_sum);
    CHECK(totals[0][i].correct == totals[1][i].correct);
  }
  CHECK(totals[0].back().samples == 30);
  CHECK(totals[0][0].samples == 100);
  CHECK(totals[0][2].mean_loss() < totals[0][0].mean_loss());
  CHECK(final_parameters[0] != setup.initial_parameters);
}

// torch.optim.Adam's update written out in double, from the gradients the backend reports.
TEST_CASE("Adam steps follow torch.optim.Adam, bias correction and weight decay included",
          "[gpu_models][cpu][adam]") {
  const TrainingData data = testing::SyntheticData(6, 3, 20, 5, 8);
  MlpBackendSetup setup;
  setup.architecture = {6, 5, 3, 3, Activation::kTanh};
  setup.optimizer = {.kind = OptimizerKind::kAdam,
                     .learning_rate = 0.01f,
                     .beta1 = 0.8f,
                     .beta2 = 0.99f,
                     .epsilon = 1e-6f,
                     .weight_decay = 0.05f,
                     .batch_size = 20};
  setup.data = &data;
  setup.initial_parameters = InitialParameters(setup.architecture, 2);
  const auto backend = MakeCpuMlpBackend(setup);
  std::vector<std::int64_t> all(20);
  std::iota(all.begin(), all.end(), 0);

  const std::size_t n = setup.initial_parameters.size();
  std::vector<double> w(setup.initial_parameters.begin(), setup.initial_parameters.end());
  std::vector<double> m(n, 0.0), v(n, 0.0);
  const OptimizerSettings& o = setup.optimizer;
  for (int t = 1; t <= 3; ++t) {
    INFO("step " << t);
    std::vector<float> gradient;
    backend->LossAndGradient(all, gradient);  // at the current parameters, without decay
    backend->TrainEpoch(all);                 // one batch: one step
    for (std::size_t i = 0; i < n; ++i) {
      const double g = gradient[i] + double{o.weight_decay} * w[i];
      m[i] = o.beta1 * m[i] + (1 - double{o.beta1}) * g;
      v[i] = o.beta2 * v[i] + (1 - double{o.beta2}) * g * g;
      const double m_hat = m[i] / (1 - std::pow(double{o.beta1}, t));
      const double v_hat = v[i] / (1 - std::pow(double{o.beta2}, t));
      w[i] -= o.learning_rate * m_hat / (std::sqrt(v_hat) + o.epsilon);
    }
    const std::vector<float> got = backend->parameters();
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i)
      worst = std::max(worst, std::abs(got[i] - w[i]));
    // Each step moves a parameter by about learning_rate: an error in the update shows at 1e-3.
    CHECK(worst < 2e-5);
    // Take the backend's parameters as the reference's, so that float rounding does not build up.
    w.assign(got.begin(), got.end());
  }
}

TEST_CASE("the CPU backend's results do not depend on its thread count",
          "[gpu_models][cpu][threads]") {
  const TrainingData data = testing::SyntheticData(100, 10, 512, 64, 5);
  MlpBackendSetup setup;
  setup.architecture = {100, 256, 3, 10, Activation::kTanh};
  setup.optimizer = {.learning_rate = 0.05f, .momentum = 0.9f, .batch_size = 128};
  setup.data = &data;
  setup.initial_parameters = InitialParameters(setup.architecture, 4);
  std::vector<float> final_parameters[2];
  double losses[2] = {0, 0};
  for (const int threads : {1, 2}) {
    setup.cpu_threads = threads;
    const auto backend = MakeCpuMlpBackend(setup);
    CHECK_THAT(backend->device_description(),
               Catch::StartsWith("cpu (" + std::to_string(threads) + " thread"));
    BatchOrder order(data.train.size(), 1);
    for (int epoch = 0; epoch < 2; ++epoch)
      losses[threads - 1] = backend->TrainEpoch(order.NextEpoch()).mean_loss();
    final_parameters[threads - 1] = backend->parameters();
  }
  CHECK(losses[1] == Approx(losses[0]).epsilon(1e-5));
  double difference = 0, norm = 0;
  for (std::size_t i = 0; i < final_parameters[0].size(); ++i) {
    difference += std::pow(double{final_parameters[1][i]} - final_parameters[0][i], 2);
    norm += std::pow(double{final_parameters[0][i]}, 2);
  }
  CHECK(std::sqrt(difference / norm) < 1e-5);
}
