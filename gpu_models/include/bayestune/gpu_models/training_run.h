#pragma once

#include <cstdint>
#include <ostream>
#include <vector>

#include "bayestune/gpu_models/mlp_backend.h"

namespace bayestune {

class EventFileWriter;
class HypertuneWriter;

// What one epoch measured: the mean training loss and accuracy over its batches (each before its
// SGD step) and the validation accuracy after it.
struct EpochMetrics {
  int epoch = 0;  // 1-based: the event files' step
  double loss = 0;
  double train_accuracy = 0;
  double accuracy = 0;
  double seconds = 0;
};

// Where the metrics of every epoch go besides the progress line; either may be null.
struct MetricSinks {
  EventFileWriter* events = nullptr;
  HypertuneWriter* hypertune = nullptr;
};

// The training samples' order for each epoch, drawn on the host from the seed: the same on
// every backend.
class BatchOrder {
 public:
  BatchOrder(std::int64_t samples, std::uint64_t seed);
  std::vector<std::int64_t> NextEpoch();

 private:
  std::int64_t samples_;
  std::uint64_t state_;
};

// Trains for `epochs` epochs. After each it appends accuracy, loss and train_accuracy to the event
// file (flushed), reports them to the hypertune file, and prints one progress line to `log`.
// Throws TrainerError(kDiverged) as soon as an epoch's loss is NaN or infinite.
std::vector<EpochMetrics> RunTraining(MlpBackend& backend, std::int64_t train_samples, int epochs,
                                      std::uint64_t seed, const MetricSinks& sinks,
                                      std::ostream& log);

}  // namespace bayestune
