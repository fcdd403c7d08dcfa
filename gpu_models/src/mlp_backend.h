#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dataset.h"
#include "mlp_architecture.h"
#include "optimizer_settings.h"

namespace bayestune {

// Sums over the samples of one pass (an epoch, or an evaluation).
struct PassTotals {
  double loss_sum = 0;
  std::int64_t correct = 0;
  std::int64_t samples = 0;

  double mean_loss() const { return samples ? loss_sum / static_cast<double>(samples) : 0.0; }
  double accuracy() const {
    return samples ? static_cast<double>(correct) / static_cast<double>(samples) : 0.0;
  }
};

// What a backend is built from. `data` must outlive the backend.
struct MlpBackendSetup {
  MlpArchitecture architecture;
  OptimizerSettings optimizer;
  const TrainingData* data = nullptr;
  // Threads of the CPU backend's GEMMs (OpenBLAS's; Eigen's own code runs on one). The GPU
  // backend keeps the host to one thread whatever this says.
  int cpu_threads = 1;
  std::vector<float> initial_parameters;  // laid out as MlpArchitecture::layer() says
};

// Trains the MlpArchitecture network with SGD or Adam on one device. Both backends run the same
// arithmetic in the same order of batches, so the same setup gives the same results on either
// within floating-point tolerance.
class MlpBackend {
 public:
  virtual ~MlpBackend() = default;

  // One line for the log: the device that computes, e.g. "cpu (1 thread, OpenBLAS 0.3.21 ...)".
  virtual std::string device_description() const = 0;
  // One epoch: the training samples at `order`, in batches of batch_size (the last one may be
  // smaller), one optimizer step a batch. The totals are of each batch's mean loss and predictions
  // before its step.
  virtual PassTotals TrainEpoch(std::span<const std::int64_t> order) = 0;
  // Loss and correct predictions over the validation set; the parameters stay as they are.
  virtual PassTotals Evaluate() = 0;
  // The mean loss over the training samples `batch` (at most batch_size of them) and its gradient
  // with respect to every parameter (without weight decay); the parameters stay as they are.
  virtual double LossAndGradient(std::span<const std::int64_t> batch,
                                 std::vector<float>& gradient) = 0;
  virtual std::vector<float> parameters() const = 0;
  virtual void set_parameters(std::span<const float> parameters) = 0;
};

// The CPU backend: Eigen, with its matrix products in OpenBLAS on setup.cpu_threads threads.
std::unique_ptr<MlpBackend> MakeCpuMlpBackend(const MlpBackendSetup& setup);

}  // namespace bayestune
