#pragma once

#include <string>
#include <string_view>

#include "bayestune/optimizer/study.h"

namespace bayestune {

// Why TrialRunner::Run returned.
enum class RunOutcome {
  kStudyDone,        // maxTrials trials finished, or the search space is exhausted
  kTooManyFailures,  // the failure limit (maxFailedTrials, or its default) was reached
  kInterrupted,      // interrupted once: nothing new was launched and the running trials finished
  kKilled,           // interrupted twice: the running trials were killed and queued to rerun
  kLaunchFailed,     // the trainer could not be started; the trial failed and nothing else ran
  kNothingToRun,     // the study is not done, but every remaining trial is held by another client
};

// "study done", "too many failures", ...
std::string_view RunOutcomeName(RunOutcome outcome);

struct RunResult {
  RunOutcome outcome = RunOutcome::kStudyDone;
  std::string message;     // one sentence for the user, saying what happened and what next
  StudyProgress progress;  // of the whole study, when Run returned
  int launched = 0;        // trials this run started
  int finished = 0;        // of those, the ones that ended (succeeded, failed or infeasible)
  int requeued = 0;        // trials queued to rerun: a dead runner's at the start, killed ones
  double seconds = 0;      // wall time of Run
};

}  // namespace bayestune
