// The CUDA + cuBLAS backend against the Eigen one. Exits 77 (ctest: skipped) when no GPU is usable.
#define CATCH_CONFIG_RUNNER
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>

#include "data_loading.h"
#include "gpu_mlp_backend.h"
#include "training_run.h"

using namespace bayestune;

namespace {

MlpBackendSetup MakeSetup(const TrainingData& data, int n_layers, Activation activation,
                          int hidden_units, int batch_size, std::uint64_t seed) {
  MlpBackendSetup setup;
  setup.architecture = {data.train.num_features, hidden_units, n_layers, data.num_classes,
                        activation};
  setup.optimizer = {
      .learning_rate = 0.01f, .momentum = 0.9f, .weight_decay = 1e-4f, .batch_size = batch_size};
  setup.data = &data;
  setup.initial_parameters = InitialParameters(setup.architecture, seed);
  return setup;
}

// |a - b| / |b| in the Euclidean norm. A norm rather than a largest element, because rounding
// may flip a ReLU whose input is within ~1e-6 of zero, which changes one sample's share of a few
// gradient rows: harmless, and rare, but not within an elementwise tolerance of 1e-4.
double RelativeDifference(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  double difference = 0, norm = 1e-30;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference += (double{a[i]} - b[i]) * (double{a[i]} - b[i]);
    norm += double{b[i]} * b[i];
  }
  return std::sqrt(difference / norm);
}

const TrainingData& Digits() {
  static const TrainingData data = LoadTrainingData("");  // BAYESTUNE_MLP_DATA, else the default
  return data;
}

}  // namespace

TEST_CASE("the GPU names the physical device it runs on", "[gpu]") {
  const auto setup = MakeSetup(Digits(), 2, Activation::kRelu, 16, 32, 1);
  const auto gpu = MakeGpuMlpBackend(setup);
  const std::string description = gpu->device_description();
  std::printf("device: %s\n", description.c_str());
  CHECK_THAT(description, Catch::StartsWith("gpu 0 of CUDA_VISIBLE_DEVICES="));
  CHECK_THAT(description, Catch::Contains("PCI bus id") && Catch::Contains("GPU-"));
}

TEST_CASE("GPU gradients equal the CPU's on the same batch", "[gpu]") {
  const TrainingData& data = Digits();
  std::vector<std::int64_t> batch(64);
  for (std::size_t i = 0; i < batch.size(); ++i)
    batch[i] = static_cast<std::int64_t>(7 * i + 3);
  for (const Activation activation : {Activation::kRelu, Activation::kTanh}) {
    for (const int n_layers : {1, 3, 40}) {
      INFO(ActivationName(activation) << ", n_layers " << n_layers);
      const auto setup = MakeSetup(data, n_layers, activation, 48, 64, 5);
      const auto cpu = MakeCpuMlpBackend(setup);
      const auto gpu = MakeGpuMlpBackend(setup);
      std::vector<float> cpu_gradient, gpu_gradient;
      const double cpu_loss = cpu->LossAndGradient(batch, cpu_gradient);
      const double gpu_loss = gpu->LossAndGradient(batch, gpu_gradient);
      CHECK(gpu_loss == Approx(cpu_loss).epsilon(1e-5));
      CHECK(RelativeDifference(gpu_gradient, cpu_gradient) < 1e-3);
      // A partial batch (the last of an epoch) too.
      const std::vector<std::int64_t> partial(batch.begin(), batch.begin() + 13);
      CHECK(gpu->LossAndGradient(partial, gpu_gradient) ==
            Approx(cpu->LossAndGradient(partial, cpu_gradient)).epsilon(1e-5));
      CHECK(RelativeDifference(gpu_gradient, cpu_gradient) < 1e-3);
    }
  }
}

TEST_CASE("GPU SGD steps (momentum, weight decay) equal the CPU's", "[gpu]") {
  const TrainingData& data = Digits();
  auto setup = MakeSetup(data, 5, Activation::kTanh, 32, 64, 4);  // smooth: no kinks to flip
  setup.optimizer = {
      .learning_rate = 0.1f, .momentum = 0.9f, .weight_decay = 0.01f, .batch_size = 64};
  const auto cpu = MakeCpuMlpBackend(setup);
  const auto gpu = MakeGpuMlpBackend(setup);
  // Two epochs of one full and one partial batch each: four steps, the velocity carried over.
  std::vector<std::int64_t> samples(100);
  for (std::size_t i = 0; i < samples.size(); ++i)
    samples[i] = static_cast<std::int64_t>(11 * i);
  for (int epoch = 0; epoch < 2; ++epoch) {
    const PassTotals cpu_totals = cpu->TrainEpoch(samples);
    const PassTotals gpu_totals = gpu->TrainEpoch(samples);
    CHECK(gpu_totals.samples == 100);
    CHECK(gpu_totals.loss_sum == Approx(cpu_totals.loss_sum).epsilon(1e-4));
    CHECK(std::abs(gpu_totals.correct - cpu_totals.correct) <= 1);  // a near-tie may flip
  }
  CHECK(RelativeDifference(gpu->parameters(), cpu->parameters()) < 1e-5);
}

// Training is chaotic (ReLU kinks flip with rounding), so the paths drift apart slowly: on the CPU
// alone, a 1e-6 change of the initial weights moves the loss of epoch 3 by about 1e-3.
TEST_CASE("GPU and CPU training agree epoch by epoch", "[gpu]") {
  const TrainingData& data = Digits();
  for (const Activation activation : {Activation::kRelu, Activation::kTanh}) {
    INFO(ActivationName(activation));
    const auto setup = MakeSetup(data, 10, activation, 64, 64, 2);
    const auto cpu = MakeCpuMlpBackend(setup);
    const auto gpu = MakeGpuMlpBackend(setup);
    BatchOrder order(data.train.size(), 2);
    for (int epoch = 1; epoch <= 3; ++epoch) {
      INFO("epoch " << epoch);
      const auto samples = order.NextEpoch();
      const PassTotals cpu_train = cpu->TrainEpoch(samples);
      const PassTotals gpu_train = gpu->TrainEpoch(samples);
      CHECK(gpu_train.samples == cpu_train.samples);
      CHECK(gpu_train.mean_loss() == Approx(cpu_train.mean_loss()).epsilon(1e-2));
      CHECK(std::abs(gpu_train.accuracy() - cpu_train.accuracy()) <= 0.02);
      const PassTotals cpu_validation = cpu->Evaluate();
      const PassTotals gpu_validation = gpu->Evaluate();
      CHECK(gpu_validation.samples == 360);
      CHECK(gpu_validation.mean_loss() == Approx(cpu_validation.mean_loss()).epsilon(1e-2));
      CHECK(std::abs(gpu_validation.accuracy() - cpu_validation.accuracy()) <= 0.03);
    }
    CHECK(RelativeDifference(gpu->parameters(), cpu->parameters()) < 3e-2);
  }
}

TEST_CASE("GPU Adam steps (bias correction, weight decay) equal the CPU's", "[gpu][adam]") {
  const TrainingData& data = Digits();
  auto setup = MakeSetup(data, 5, Activation::kTanh, 32, 64, 4);  // smooth: no kinks to flip
  setup.optimizer = {.kind = OptimizerKind::kAdam,
                     .learning_rate = 0.003f,
                     .beta1 = 0.8f,
                     .beta2 = 0.99f,
                     .epsilon = 1e-6f,
                     .weight_decay = 0.01f,
                     .batch_size = 64};
  const auto cpu = MakeCpuMlpBackend(setup);
  const auto gpu = MakeGpuMlpBackend(setup);
  // Three epochs of one full and one partial batch each: six steps, t = 1..6.
  std::vector<std::int64_t> samples(100);
  for (std::size_t i = 0; i < samples.size(); ++i)
    samples[i] = static_cast<std::int64_t>(13 * i + 1);
  for (int epoch = 0; epoch < 3; ++epoch) {
    INFO("epoch " << epoch + 1);
    const PassTotals cpu_totals = cpu->TrainEpoch(samples);
    const PassTotals gpu_totals = gpu->TrainEpoch(samples);
    CHECK(gpu_totals.loss_sum == Approx(cpu_totals.loss_sum).epsilon(1e-4));
    CHECK(std::abs(gpu_totals.correct - cpu_totals.correct) <= 1);
  }
  CHECK(RelativeDifference(gpu->parameters(), cpu->parameters()) < 1e-5);
}

TEST_CASE("GPU and CPU Adam training agree epoch by epoch", "[gpu][adam]") {
  const TrainingData& data = Digits();
  auto setup = MakeSetup(data, 10, Activation::kRelu, 64, 64, 2);
  setup.optimizer.kind = OptimizerKind::kAdam;
  setup.optimizer.learning_rate = 0.001f;
  const auto cpu = MakeCpuMlpBackend(setup);
  const auto gpu = MakeGpuMlpBackend(setup);
  BatchOrder order(data.train.size(), 2);
  for (int epoch = 1; epoch <= 3; ++epoch) {
    INFO("epoch " << epoch);
    const auto samples = order.NextEpoch();
    const PassTotals cpu_train = cpu->TrainEpoch(samples);
    const PassTotals gpu_train = gpu->TrainEpoch(samples);
    CHECK(gpu_train.mean_loss() == Approx(cpu_train.mean_loss()).epsilon(1e-2));
    CHECK(std::abs(gpu_train.accuracy() - cpu_train.accuracy()) <= 0.02);
    CHECK(std::abs(gpu->Evaluate().accuracy() - cpu->Evaluate().accuracy()) <= 0.03);
  }
}

// --threads sets the CPU's OpenBLAS threads; the GPU backend ignores it. A multi-threaded CPU
// run still agrees with the GPU, and the GPU's results do not depend on the setting.
TEST_CASE("a multi-threaded CPU backend agrees with the GPU, which ignores the thread count",
          "[gpu][threads]") {
  const TrainingData& data = Digits();
  auto setup = MakeSetup(data, 4, Activation::kTanh, 256, 128, 3);
  setup.cpu_threads = 2;
  const auto cpu = MakeCpuMlpBackend(setup);
  CHECK_THAT(cpu->device_description(), Catch::StartsWith("cpu (2 threads"));
  const auto gpu = MakeGpuMlpBackend(setup);
  setup.cpu_threads = 1;
  const auto gpu_one_thread = MakeGpuMlpBackend(setup);
  std::vector<std::int64_t> samples(300);
  for (std::size_t i = 0; i < samples.size(); ++i)
    samples[i] = static_cast<std::int64_t>(4 * i);
  for (int epoch = 0; epoch < 2; ++epoch) {
    const PassTotals cpu_totals = cpu->TrainEpoch(samples);
    const PassTotals gpu_totals = gpu->TrainEpoch(samples);
    const PassTotals gpu_one_thread_totals = gpu_one_thread->TrainEpoch(samples);
    CHECK(gpu_totals.loss_sum == Approx(cpu_totals.loss_sum).epsilon(1e-4));
    // The loss sums are atomic adds, in no fixed order.
    CHECK(gpu_one_thread_totals.loss_sum == Approx(gpu_totals.loss_sum).epsilon(1e-9));
  }
  CHECK(RelativeDifference(gpu->parameters(), cpu->parameters()) < 1e-5);
  CHECK(RelativeDifference(gpu_one_thread->parameters(), gpu->parameters()) < 1e-6);
}

TEST_CASE("a 100-layer net trains on the GPU without NaNs", "[gpu]") {
  const auto setup = MakeSetup(Digits(), 100, Activation::kRelu, 64, 64, 1);
  const auto gpu = MakeGpuMlpBackend(setup);
  BatchOrder order(Digits().train.size(), 1);
  PassTotals last;
  for (int epoch = 0; epoch < 3; ++epoch)
    last = gpu->TrainEpoch(order.NextEpoch());
  CHECK(std::isfinite(last.mean_loss()));
  CHECK(gpu->Evaluate().accuracy() > 0.5);
}

TEST_CASE("set_parameters and parameters round-trip through the GPU", "[gpu]") {
  const auto setup = MakeSetup(Digits(), 2, Activation::kTanh, 8, 16, 1);
  const auto gpu = MakeGpuMlpBackend(setup);
  CHECK(gpu->parameters() == setup.initial_parameters);
  std::vector<float> changed = setup.initial_parameters;
  for (float& p : changed)
    p *= 0.5f;
  gpu->set_parameters(changed);
  CHECK(gpu->parameters() == changed);
}

int main(int argc, char** argv) {
  const GpuProbe probe = ProbeGpu();
  if (!probe.usable) {
    std::printf("SKIP: no usable GPU: %s\n", probe.reason.c_str());
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
