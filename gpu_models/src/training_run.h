#pragma once

#include <cstdint>
#include <ostream>
#include <vector>

#include "mlp_backend.h"

namespace bayestune {

class EventFileWriter;
class HypertuneWriter;

// What one epoch measured: the mean training loss and accuracy over its batches (each before its
// optimizer step) and the validation accuracy after it.
struct EpochMetrics {
  int epoch = 0;  // 1-based: the event files' step
  double loss = 0;
  double train_accuracy = 0;
  double accuracy = 0;
  double seconds = 0;        // this epoch's training and validation, wall clock
  double train_seconds = 0;  // epochs 1..epoch together: the seconds of each added up
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

// The scalars reported after every epoch, in this order: the event file's tags and the hypertune
// file's metric names.
inline constexpr const char* kEpochMetricTags[] = {"accuracy", "loss", "train_accuracy",
                                                   "param_count", "train_seconds"};

// Trains for `epochs` epochs. After each it appends the kEpochMetricTags to the event file
// (flushed) and reports them to the hypertune file, at step = epoch: accuracy, loss,
// train_accuracy, param_count (`parameter_count`, the same every epoch, so that a study can take
// it at any step) and train_seconds; then it prints one progress line to `log`. Throws
// TrainerError(kDiverged) as soon as an epoch's loss is NaN or infinite.
std::vector<EpochMetrics> RunTraining(MlpBackend& backend, std::int64_t train_samples, int epochs,
                                      std::uint64_t seed, std::int64_t parameter_count,
                                      const MetricSinks& sinks, std::ostream& log);

}  // namespace bayestune
