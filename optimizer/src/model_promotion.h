#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

class FinishedTrialsGp;

// When the current attempt of `t` last reported `metric` (finite values only); nullopt when never.
std::optional<double> LastReportTime(const Trial& t, const std::string& metric);

// Whether `t`, trained to the end, counts for a decision about a trial that reached its rung at
// `before_wall_time`: its last report of `metric` came before, and so did its recorded end
// (Trial::end_time, when stored). A runner records a trial as finished (its end time, now) only
// after it reads its last report, so a trial it records after a decision has an end after the
// judged report and is left out then and by any reader that decides again from the stored trials
// (`trials`, the exports); a cut by the last report alone would count it for the readers only.
bool FinishedBefore(const Trial& t, const std::string& metric, double before_wall_time);

// Why a trial its rung would stop goes on (ASHA's model-based promotion): the GP's prediction.
struct ModelPromotion {
  double predicted = 0;  // the GP's mean at the trial's parameters, in the metric's units
  double best = 0;       // the best final value of the trials the GP learned from
  int trained = 0;       // how many trials trained to the end it counted (the GP learns from
                         // at most 500 of them: the best quarter and a random rest)
};

// Model-based promotion, ASHA's exception for a trial its rung would stop: the trial goes on when
// a GP of the final values of the trials trained to the end (SUCCEEDED, not stopped early) that
// finished before `before_wall_time` (FinishedBefore: their last report and recorded end) predicts,
// at the trial's parameters, a final value at least the best of them. A rung ranks trials by their
// early values; a slow starter that the model expects to beat the best finished trial is the trial
// whose early value says least and whose end matters most. At least max(3, parameters + 1) such
// trials (BOHB's minimum for a model) are needed, else nullopt.
//
// Stateless in its answers: they depend only on the stored trials (the "before" time is the
// wall time of the judged trial's report that reached the rung, as ASHA's own rule), and the GP is
// a FinishedTrialsGp's (finished_trials_gp.h: seeded by the trials' ids, refitted at 25% growth,
// memoised by its data and shared by the process's rules), so the same trials give the same
// answer after a crash and in every process. Answers are memoised by (trial, attempt, time,
// parameters, the trials learned from), since a rule is asked again at every read of a running
// trial.
class ModelPromoter {
 public:
  ModelPromoter();

  std::optional<ModelPromotion> Promote(const Trial& trial, const std::vector<Trial>& trials,
                                        const StudySpec& spec, double before_wall_time) const;

 private:
  // The trial, its attempt, the time it reached the rung, its model coordinates, the trials learned
  // from.
  using Key = std::tuple<std::int64_t, int, double, std::vector<double>, std::vector<std::int64_t>>;
  mutable std::mutex mutex_;
  mutable std::map<Key, std::optional<ModelPromotion>> memo_;
  std::shared_ptr<const FinishedTrialsGp> gps_;
};

}  // namespace bayestune
