// bayestune-mlp: the MLP trainer that bayestune runs as a trial (docs/gpu_models.md).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <new>
#include <optional>

#include "backend_selection.h"
#include "data_loading.h"
#include "event_file_writer.h"
#include "hypertune_writer.h"
#include "mlp_flags.h"
#include "trainer_error.h"
#include "training_run.h"

namespace bayestune {
namespace {

std::string DescribeModel(const MlpOptions& o, const MlpBackendSetup& setup) {
  const MlpArchitecture& architecture = setup.architecture;
  char residual[64] = "no residual layer";
  if (o.n_layers > 1) {
    std::snprintf(residual, sizeof(residual), "layers 2..%d residual, branch scale %.3g",
                  o.n_layers, architecture.residual_scale());
  }
  char optimizer[128];
  if (o.optimizer == OptimizerKind::kAdam) {
    std::snprintf(optimizer, sizeof(optimizer),
                  "Adam learning_rate %g beta1 %g beta2 %g epsilon %g", o.learning_rate, o.beta1,
                  o.beta2, o.epsilon);
  } else {
    std::snprintf(optimizer, sizeof(optimizer), "SGD learning_rate %g momentum %g", o.learning_rate,
                  o.momentum);
  }
  char text[640];
  std::snprintf(text, sizeof(text),
                "model: %d hidden layer(s) of %d %s units (%s), %d inputs, %d classes, %lld "
                "parameters; %s weight_decay %g, batch %d, %d epoch(s), seed %llu",
                o.n_layers, o.hidden_units, ActivationName(o.activation), residual,
                architecture.input_features, architecture.classes,
                static_cast<long long>(architecture.parameter_count()), optimizer, o.weight_decay,
                setup.optimizer.batch_size, o.epochs, static_cast<unsigned long long>(o.seed));
  return text;
}

int Train(const MlpOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const TrainingData data = LoadTrainingData(o.data);
  std::cout << "data: " << data.description << std::endl;

  MlpBackendSetup setup;
  setup.architecture = {data.train.num_features, o.hidden_units, o.n_layers, data.num_classes,
                        o.activation};
  setup.optimizer.kind = o.optimizer;
  setup.optimizer.learning_rate = static_cast<float>(o.learning_rate);
  setup.optimizer.momentum = static_cast<float>(o.momentum);
  setup.optimizer.beta1 = static_cast<float>(o.beta1);
  setup.optimizer.beta2 = static_cast<float>(o.beta2);
  setup.optimizer.epsilon = static_cast<float>(o.epsilon);
  setup.optimizer.weight_decay = static_cast<float>(o.weight_decay);
  setup.optimizer.batch_size =
      static_cast<int>(std::min<std::int64_t>(o.batch_size, data.train.size()));
  setup.cpu_threads = o.threads;
  setup.data = &data;
  setup.initial_parameters = InitialParameters(setup.architecture, o.seed);
  std::cout << DescribeModel(o, setup) << std::endl;
  const std::unique_ptr<MlpBackend> backend = SelectMlpBackend(o.device, setup, std::cout);
  std::cout << "device: " << backend->device_description() << std::endl;
  std::cout << "threads: " << o.threads << " (" << o.threads_source << ")"
            << (backend->device_description().starts_with("cpu") ? "" : ", unused on the GPU")
            << std::endl;

  std::unique_ptr<EventFileWriter> events;
  if (!o.job_dir.empty()) {
    events = std::make_unique<EventFileWriter>(o.job_dir);
    std::cout << "event file: " << events->path() << std::endl;
  } else {
    std::cout << "event file: none (no --job-dir)" << std::endl;
  }
  std::optional<HypertuneWriter> hypertune = HypertuneWriter::FromEnvironment();
  if (hypertune) std::cout << "hypertune file: " << hypertune->path() << std::endl;

  const std::vector<EpochMetrics> history = RunTraining(
      *backend, data.train.size(), o.epochs, o.seed, setup.architecture.parameter_count(),
      {events.get(), hypertune ? &*hypertune : nullptr}, std::cout);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("done: accuracy %.4f after %d epoch(s) in %.2f s\n", history.back().accuracy,
              o.epochs, seconds);
  return 0;
}

}  // namespace
}  // namespace bayestune

int main(int argc, char** argv) {
  using namespace bayestune;
  try {
    const ParsedMlpFlags flags = ParseMlpFlags(argc, argv);
    if (flags.help) {
      std::cout << *flags.help;
      return 0;
    }
    return Train(flags.options);
  } catch (const TrainerError& error) {
    std::cout.flush();
    std::cerr << "bayestune-mlp: error: " << error.what() << std::endl;
    return static_cast<int>(error.exit_code());
  } catch (const std::bad_alloc&) {
    std::cout.flush();
    std::cerr << "bayestune-mlp: error: out of memory; lower --hidden_units, --n_layers or "
                 "--batch_size"
              << std::endl;
    return static_cast<int>(TrainerExitCode::kFailure);
  } catch (const std::exception& error) {
    std::cout.flush();
    std::cerr << "bayestune-mlp: error: " << error.what() << std::endl;
    return static_cast<int>(TrainerExitCode::kFailure);
  }
}
