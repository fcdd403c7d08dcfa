#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"
#include "gaussian_process.h"

namespace bayestune {

// What trials gain from a rung's step to the end of their training, by their parameters, learnt
// from the trials trained to the end: a GP of final value - value at the step (in the metric's
// units) over the parameters. ASHA with AshaRanking::kPredictedFinal ranks the trials at a rung by
// value at the step + predicted gain, so that a configuration that learns fast but ends lower
// (high learning rates) is not preferred at early rungs to one that starts slowly and ends best.
//
// The trials learnt from are those trained to the end (SUCCEEDED, not stopped early) whose last
// report of the objective came before `before_wall_time` (the judged trial's report at the rung,
// as ASHA's own rule) and that reached the step: the same stored trials give the same answer after
// a crash and in every process. At least max(3, parameters + 1) of them are needed (BOHB's minimum
// for a model), else nullopt. The fitted GP is memoised by the data learnt from; its
// hyperparameters are those fitted on the first trials to finish up to the last refit point
// (afresh up to 20 trials, then at 25% growth), memoised too.
class RungGainModel {
 public:
  // One model for the process: its memos are keyed by the data learnt from, so that every rule
  // (the runner's, the gRPC server's studies', the readers' deciding again where a trial was
  // stopped) shares the fits.
  static std::shared_ptr<const RungGainModel> Shared();

  struct Prediction {
    std::vector<double> gains;  // of each of `of`, in the metric's units (final - value at step)
    int trained = 0;            // how many trials trained to the end it learnt from
  };
  std::optional<Prediction> Gains(const std::vector<const Trial*>& of,
                                  const std::vector<Trial>& trials, const StudySpec& spec,
                                  std::int64_t step, double before_wall_time) const;

 private:
  struct Fitted {
    std::shared_ptr<const GaussianProcess> gp;  // of the standardised gains; null: all equal
    double mean = 0, spread = 1;
  };
  // The rung's step, then each trial learnt from (in finishing order): its id, gain and point.
  using Key = std::vector<double>;
  mutable std::mutex mutex_;
  mutable std::map<Key, Fitted> memo_;
  mutable std::map<Key, GpHyperparameters> fits_;  // of the refit points' trials
};

}  // namespace bayestune
