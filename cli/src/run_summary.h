#pragma once

#include <optional>
#include <ostream>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"
#include "bayestune/trial_runner/run_result.h"
#include "run_plan.h"

namespace bayestune::cli {

// The end of `bayestune run`: what happened, the best trial (parameters, value, step, the trainer
// arguments that reproduce it) or, when no trial succeeded, why the last one failed (with its
// log's tail), where the trial logs and the database are, and the commands to export the study
// or, when it was interrupted, to continue it. `trials`: the study's, after the run.
void PrintRunSummary(std::ostream& out, const RunResult& result, const RunArguments& arguments,
                     const RunPlan& plan, const StudySpec& spec, const std::vector<Trial>& trials);

// The exit code of a run: 0 when the study is done with a trial that succeeded (or the rest is
// held by other runners), 1 when no trial succeeded, it stopped on failures or the trainer could
// not start, 130 when it was interrupted.
int RunExitCode(RunOutcome outcome, const std::vector<Trial>& trials);

}  // namespace bayestune::cli
