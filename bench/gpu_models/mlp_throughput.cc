// Training throughput of the MLP backends in samples per second: forward, backward and SGD step
// over synthetic MNIST-shaped data, the data resident on the device, as bayestune-mlp trains.
// Prints one JSON line: samples_per_s (wall clock) and, for a CPU shared with other work,
// samples_per_cpu_s (the process's CPU time). Usage: bench_mlp_throughput --device=cpu|gpu
// [--threads=N] [--optimizer=sgd|adam] [...]; bench/gpu_models/compare_cpu.sh runs it beside
// PyTorch.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "gpu_mlp_backend.h"
#include "host_random.h"
#include "trainer_error.h"
#include "training_run.h"

using namespace bayestune;

namespace {

TrainingData RandomData(int features, int classes, std::int64_t samples) {
  HostRandom random(42);
  TrainingData data;
  data.num_classes = classes;
  for (Dataset* set : {&data.train, &data.validation}) {
    set->num_features = features;
    const std::int64_t count = set == &data.train ? samples : 1;
    set->features.resize(static_cast<std::size_t>(count) * features);
    for (float& x : set->features)
      x = static_cast<float>(random.Uniform());
    for (std::int64_t i = 0; i < count; ++i) {
      set->labels.push_back(static_cast<std::int32_t>(random.UniformInt(classes)));
    }
  }
  return data;
}

}  // namespace

int main(int argc, char** argv) {
  std::string device = "cpu";
  int n_layers = 4, hidden_units = 512, batch_size = 256, features = 784, classes = 10;
  std::int64_t samples = 0;
  int epochs = 0;
  int threads = 0;
  std::string optimizer = "sgd";
  CLI::App app("Training throughput of bayestune-mlp's backends, in samples per second");
  app.add_option("--device", device, "cpu or gpu")->check(CLI::IsMember({"cpu", "gpu"}));
  app.add_option("--n_layers", n_layers, "hidden layers")->check(CLI::Range(1, 100));
  app.add_option("--hidden_units", hidden_units, "units per hidden layer")
      ->check(CLI::PositiveNumber);
  app.add_option("--batch_size", batch_size, "samples per step")->check(CLI::PositiveNumber);
  app.add_option("--features", features, "inputs per sample")->check(CLI::PositiveNumber);
  app.add_option("--classes", classes, "classes")->check(CLI::Range(2, 1000));
  app.add_option("--samples", samples, "samples per epoch (default: 4096 cpu, 65536 gpu)");
  app.add_option("--epochs", epochs, "timed epochs, after one untimed (default: 2 cpu, 10 gpu)");
  app.add_option("--threads", threads, "CPU threads (default: $OMP_NUM_THREADS, else 1)")
      ->check(CLI::Range(1, 64));
  app.add_option("--optimizer", optimizer, "sgd or adam")->check(CLI::IsMember({"sgd", "adam"}));
  CLI11_PARSE(app, argc, argv);
  const bool gpu = device == "gpu";
  if (samples <= 0) samples = gpu ? 65536 : 4096;
  if (epochs <= 0) epochs = gpu ? 10 : 2;
  if (threads <= 0) {
    const char* omp = std::getenv("OMP_NUM_THREADS");
    threads = omp && std::atoi(omp) > 0 ? std::atoi(omp) : 1;
  }

  try {
    const TrainingData data = RandomData(features, classes, samples);
    MlpBackendSetup setup;
    setup.architecture = {features, hidden_units, n_layers, classes, Activation::kRelu};
    setup.optimizer.kind = optimizer == "adam" ? OptimizerKind::kAdam : OptimizerKind::kSgd;
    setup.optimizer.learning_rate = optimizer == "adam" ? 0.001f : 0.01f;
    setup.optimizer.weight_decay = 1e-4f;
    setup.optimizer.batch_size = batch_size;
    setup.cpu_threads = threads;
    setup.data = &data;
    setup.initial_parameters = InitialParameters(setup.architecture, 1);
    const auto backend = gpu ? MakeGpuMlpBackend(setup) : MakeCpuMlpBackend(setup);
    BatchOrder order(samples, 1);
    backend->TrainEpoch(order.NextEpoch());  // warm-up: allocations, cuBLAS heuristics, caches
    double seconds = 0, cpu_seconds = 0;
    for (int epoch = 0; epoch < epochs; ++epoch) {
      const auto epoch_order = order.NextEpoch();  // drawn outside the timed part
      const auto start = std::chrono::steady_clock::now();
      const std::clock_t cpu_start = std::clock();
      backend->TrainEpoch(epoch_order);  // ends with reading the loss back: synchronised
      cpu_seconds += static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    const double trained = static_cast<double>(samples) * epochs;
    std::printf(
        "{\"impl\": \"bayestune\", \"device\": \"%s\", \"device_name\": \"%s\", "
        "\"threads\": %d, \"optimizer\": \"%s\", \"n_layers\": %d, "
        "\"hidden_units\": %d, \"batch_size\": %d, \"features\": %d, \"classes\": %d, "
        "\"samples\": %lld, \"epochs\": %d, \"seconds\": %.4f, \"samples_per_s\": %.1f, "
        "\"process_cpu_seconds\": %.4f, \"samples_per_cpu_s\": %.1f}\n",
        device.c_str(), backend->device_description().c_str(), gpu ? 1 : threads, optimizer.c_str(),
        n_layers, hidden_units, batch_size, features, classes, static_cast<long long>(samples),
        epochs, seconds, trained / seconds, cpu_seconds, trained / cpu_seconds);
    return 0;
  } catch (const TrainerError& error) {
    std::fprintf(stderr, "bench_mlp_throughput: %s\n", error.what());
    return static_cast<int>(error.exit_code());
  }
}
