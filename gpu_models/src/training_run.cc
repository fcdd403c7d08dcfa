#include "training_run.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iterator>

#include "event_file_writer.h"
#include "host_random.h"
#include "hypertune_writer.h"
#include "split_mix.h"
#include "trainer_error.h"

namespace bayestune {

BatchOrder::BatchOrder(std::int64_t samples, std::uint64_t seed)
    : samples_(samples), state_(seed ^ 0x9e3779b97f4a7c15ull) {}

std::vector<std::int64_t> BatchOrder::NextEpoch() {
  // A fresh generator per epoch from a splitmix64 step, so that epoch k's order does not depend
  // on how much randomness earlier epochs used.
  const std::uint64_t z = SplitMix64(state_);
  state_ += 0x9e3779b97f4a7c15ull;
  return HostRandom(z).Permutation(samples_);
}

std::vector<EpochMetrics> RunTraining(MlpBackend& backend, std::int64_t train_samples, int epochs,
                                      std::uint64_t seed, std::int64_t parameter_count,
                                      const MetricSinks& sinks, std::ostream& log) {
  std::vector<EpochMetrics> history;
  double train_seconds = 0;
  BatchOrder order(train_samples, seed);
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    const PassTotals train = backend.TrainEpoch(order.NextEpoch());
    if (!std::isfinite(train.mean_loss())) {
      throw TrainerError(TrainerExitCode::kDiverged, "training diverged: the loss of epoch " +
                                                         std::to_string(epoch) + " is " +
                                                         FormatPythonFloat(train.mean_loss()) +
                                                         "; lower --learning_rate or --momentum");
    }
    const PassTotals validation = backend.Evaluate();
    EpochMetrics metrics;
    metrics.epoch = epoch;
    metrics.loss = train.mean_loss();
    metrics.train_accuracy = train.accuracy();
    metrics.accuracy = validation.accuracy();
    metrics.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    train_seconds += metrics.seconds;
    metrics.train_seconds = train_seconds;
    history.push_back(metrics);
    const double values[] = {metrics.accuracy, metrics.loss, metrics.train_accuracy,
                             static_cast<double>(parameter_count), metrics.train_seconds};
    static_assert(std::size(values) == std::size(kEpochMetricTags));
    if (sinks.events) {
      for (std::size_t k = 0; k < std::size(values); ++k)
        sinks.events->AddScalar(kEpochMetricTags[k], epoch, static_cast<float>(values[k]));
      sinks.events->Flush();
    }
    if (sinks.hypertune) {
      for (std::size_t k = 0; k < std::size(values); ++k)
        sinks.hypertune->Report(kEpochMetricTags[k], values[k], epoch);
    }
    char line[160];
    std::snprintf(line, sizeof(line),
                  "epoch %d/%d  loss %.4f  train_accuracy %.4f  accuracy %.4f  (%.2f s)", epoch,
                  epochs, metrics.loss, metrics.train_accuracy, metrics.accuracy, metrics.seconds);
    log << line << std::endl;
  }
  return history;
}

}  // namespace bayestune
