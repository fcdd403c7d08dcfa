#pragma once

#include <cstdint>
#include <string>

namespace bayestune {

enum class Activation { kRelu, kTanh };
enum class DeviceChoice { kAuto, kCpu, kGpu };
enum class OptimizerKind { kSgd, kAdam };

const char* ActivationName(Activation activation);
const char* DeviceChoiceName(DeviceChoice device);
const char* OptimizerName(OptimizerKind optimizer);

// Everything bayestune-mlp is told by its flags, with the defaults it runs with.
// The defaults are sized so that the book's study (n_layers 10..100, momentum 0.1..1.0) runs a
// trial in seconds on one CPU core and still shows how both hyperparameters matter.
struct MlpOptions {
  int n_layers = 10;  // hidden layers, 1..100 (docs/gpu_models.md: what a layer is)
  OptimizerKind optimizer = OptimizerKind::kSgd;
  double learning_rate = 0.01;  // the default of --optimizer=sgd; adam's is 0.001
  double momentum = 0.9;        // sgd only
  double beta1 = 0.9;           // adam only, as torch.optim.Adam's defaults
  double beta2 = 0.999;
  double epsilon = 1e-8;
  int hidden_units = 64;
  int batch_size = 64;
  int epochs = 10;
  double weight_decay = 1e-4;
  Activation activation = Activation::kRelu;
  std::uint64_t seed = 1;
  std::string job_dir;  // empty: no event file
  DeviceChoice device = DeviceChoice::kAuto;
  int threads = 1;                         // CPU threads: --threads, else OMP_NUM_THREADS, else 1
  std::string threads_source = "default";  // where `threads` came from, for the log
  std::string data;  // empty: BAYESTUNE_MLP_DATA, else the digits dataset of the source tree
};

}  // namespace bayestune
