#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

// What an early-stopping rule says of a running trial, and why, in words a person reads in the
// progress lines, `trials` and the report: "accuracy 0.41 (best up to step 5) is below the median
// 0.63 of 4 completed trials' running averages at step 5".
// A rung a trial reached and was let past (ASHA): the live view and progress lines say so.
struct RungPromotion {
  int rung = 0;           // 0, 1, ... (of the trial's bracket)
  std::int64_t step = 0;  // the rung's step
  std::string reason;     // "ASHA rung 1 (step 3): accuracy 0.81 at step 3 ranks 1st of 4 trials
                          // that reached the rung, in the top 1 (1/3) that go on"
};

struct StopDecision {
  bool stop = false;
  std::string reason;  // why it stops; empty when it goes on
  // The rungs the trial was let past so far, lowest first (ASHA; empty for other rules). A rule
  // keeps no state: every decision lists them all, and the runner says each once.
  std::vector<RungPromotion> promotions;
  // ASHA, when it stops: the rung that stopped it, "rung 1 (step 3)" (", bracket 0" with several
  // brackets), as its reason begins; Study::ShouldStop records it (Trial::stop_rung).
  std::string rung;
};

// Decides when a running trial should stop early (Optuna's pruners, Vizier's early-stopping
// policies). Like a designer it keeps no state between calls: everything it needs is the trial and
// the study's other trials, so that several processes can share one study. Implementations must be
// thread-safe for concurrent calls of Decide.
class StoppingRule {
 public:
  virtual ~StoppingRule() = default;
  // `trial` is pending (ACTIVE) with the measurements reported so far; `trials` are all the
  // study's trials, `trial` among them. Trial::MeasurementsOf gives the current attempt's.
  virtual StopDecision Decide(const Trial& trial, const std::vector<Trial>& trials,
                              const StudySpec& spec) const = 0;
};

// The rule of a spec when enableTrialEarlyStopping is on: spec.early_stopping.rule (the median
// rule by default, or ASHA); nullptr when it is off (no trial stops early unless a client asks).
std::shared_ptr<const StoppingRule> MakeStoppingRule(const StudySpec& spec);

}  // namespace bayestune
