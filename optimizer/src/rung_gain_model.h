#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

class FinishedTrialsGp;

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
// for a model), else nullopt. The GP is a FinishedTrialsGp's (finished_trials_gp.h: refits at 25%
// growth, memoised by the data learnt from).
class RungGainModel {
 public:
  // Sharing the process's FinishedTrialsGp, so that every rule (the runner's, the gRPC server's
  // studies', the readers' deciding again where a trial was stopped) shares the fits.
  RungGainModel();

  struct Prediction {
    std::vector<double> gains;  // of each of `of`, in the metric's units (final - value at step)
    int trained = 0;            // how many trials trained to the end it learnt from
  };
  std::optional<Prediction> Gains(const std::vector<const Trial*>& of,
                                  const std::vector<Trial>& trials, const StudySpec& spec,
                                  std::int64_t step, double before_wall_time) const;

 private:
  std::shared_ptr<const FinishedTrialsGp> gps_;
};

}  // namespace bayestune
